"""The player page (options, headers, access), the saved-state endpoint and the H5P block on the lesson page."""

import json

from django.test import Client

from courses.models import H5PLibrary
from learners.h5p.views import PLAYER_CSP
from learners.models import H5PUserState, LessonProgress
from tests.factories.h5p import questionset_capture_content, test_question_content
from tests.factories.h5p_activities import approve_libraries, h5p_lesson, make_activity
from tests.factories.learners import learner, make_user
from tests.learners.h5p_setup import H5PTestCase, scored, statement

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self' 'sha256-8CniZYrnO46q7MvZ3m08Wom1HH/ZhyXmm29kBKTV1rk='; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; media-src 'self'; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)


class PlayerSetUp(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity(content=test_question_content(correct=1), title="Pregunta de prueba")
        approve_libraries(cls.activity)
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.activity, True, 60)])

    @property
    def player_url(self):
        return f"/aprender/h5p/{self.lesson.pk}/{self.activity.uuid}/"

    def state_url(self, data_type="state", sub_content_id="0"):
        return f"{self.player_url}estado/{data_type}/{sub_content_id}/"

    def options(self, response) -> dict:
        html = response.content.decode()
        start = html.index('<script id="h5p-options" type="application/json">') + len(
            '<script id="h5p-options" type="application/json">'
        )
        return json.loads(html[start : html.index("</script>", start)])


class PlayerPageTests(PlayerSetUp):
    def test_headers(self):
        response = self.client.get(self.player_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Security-Policy"], EXPECTED_CSP)
        self.assertEqual(PLAYER_CSP, EXPECTED_CSP)
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("no-store", response["Cache-Control"])

    def test_no_inline_script(self):
        html = self.client.get(self.player_url).content.decode()
        for chunk in html.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            self.assertTrue('src="' in head or 'type="application/json"' in head, head)
        self.assertIn("/static/h5p-standalone/main.bundle.js", html)
        self.assertIn("/static/learners/h5p-relay.js", html)

    def test_options(self):
        options = self.options(self.client.get(self.player_url))
        self.assertEqual(options["id"], str(self.activity.uuid))
        self.assertTrue(options["h5pJsonPath"].startswith("/h5p/contenido/"))
        self.assertEqual(options["librariesPath"], "/h5p/bibliotecas")
        self.assertEqual(options["frameJs"], "/static/h5p-standalone/frame.bundle.js")
        self.assertEqual(options["frameCss"], "/static/h5p-standalone/styles/h5p.css")
        self.assertEqual(options["customJs"], ["/static/learners/h5p-frame.js"])
        self.assertEqual(options["xAPIObjectIRI"], f"https://testserver/h5p/actividad/{self.activity.uuid}")
        self.assertEqual(options["user"]["mail"], self.user.email)
        self.assertEqual(options["ajax"]["contentUserDataUrl"], f"{self.player_url}estado/:dataType/:subContentId/")
        self.assertEqual(options["saveFreq"], 30)
        self.assertFalse(any(options[key] for key in ("frame", "copyright", "export", "embed")))
        self.assertNotIn("contentUserData", options)

    def test_content_token_reaches_the_content_files_of_this_user_only(self):
        token_path = self.options(self.client.get(self.player_url))["h5pJsonPath"]
        self.assertRegex(token_path, r"^/h5p/contenido/[^/]+$")
        other = Client()
        other.force_login(learner())
        self.assertEqual(other.get(token_path + "/h5p.json").status_code, 404)

    def test_saved_state_is_preloaded(self):
        H5PUserState.objects.create(
            user=self.user, activity=self.activity, data_type="state", sub_content_id="0", value='{"answer": 2}'
        )
        options = self.options(self.client.get(self.player_url))
        self.assertEqual(options["contentUserData"], [{"state": '{"answer": 2}'}])

    def test_anonymous_goes_to_log_in(self):
        self.client.logout()
        response = self.client.get(self.player_url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/cuenta/", response["Location"])

    def test_unenrolled_learner_is_refused(self):
        self.client.force_login(learner())
        self.assertEqual(self.client.get(self.player_url).status_code, 403)

    def test_activity_not_in_the_lesson(self):
        other = make_activity()
        approve_libraries(other)
        self.assertEqual(self.client.get(f"/aprender/h5p/{self.lesson.pk}/{other.uuid}/").status_code, 404)

    def test_missing_libraries(self):
        H5PLibrary.objects.update(status=H5PLibrary.Status.PENDING)
        self.assertEqual(self.client.get(self.player_url).status_code, 404)

    def test_query_budget(self):
        self.client.get(self.player_url)  # fills the page cache: the lesson, its course, blocks and libraries
        # her account, her enrolment, her last attempt (may her saved state be used?), her saved state
        with self.assertNumQueries(4):
            self.assertEqual(self.client.get(self.player_url).status_code, 200)

    def test_a_library_withdrawn_since_the_page_was_cached(self):
        self.assertEqual(self.client.get(self.player_url).status_code, 200)
        for library in H5PLibrary.objects.all():
            library.status = H5PLibrary.Status.PENDING
            library.save()
        self.assertEqual(self.client.get(self.player_url).status_code, 404)

    def test_editor_preview(self):
        self.client.force_login(make_user(is_superuser=True, is_staff=True))
        response = self.client.get(self.player_url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "h5p-player-preview")
        relay = json.loads(response.content.decode().split('id="h5p-relay" type="application/json">')[1].split("<")[0])
        self.assertTrue(relay["preview"])


class StateEndpointTests(PlayerSetUp):
    def test_contract(self):
        self.assertEqual(self.client.get(self.state_url()).json(), {"success": True, "data": False})
        response = self.client.post(self.state_url(), {"data": '{"answer": 1}', "preload": "1", "invalidate": "1"})
        self.assertEqual(response.json(), {"success": True})
        self.assertEqual(self.client.get(self.state_url()).json(), {"success": True, "data": '{"answer": 1}'})
        self.client.post(self.state_url(), {"data": '{"answer": 0}', "preload": "1", "invalidate": "0"})
        state = H5PUserState.objects.get()
        self.assertEqual((state.value, state.preload, state.invalidate), ('{"answer": 0}', True, False))
        self.client.post(self.state_url(), {"data": "0", "preload": "0", "invalidate": "1"})
        self.assertFalse(H5PUserState.objects.exists())
        self.assertEqual(self.client.get(self.state_url()).json()["data"], False)

    def test_state_not_to_preload_is_left_out_of_the_player(self):
        self.client.post(self.state_url(), {"data": '{"a": 1}', "preload": "0", "invalidate": "0"})
        self.assertNotIn("contentUserData", self.options(self.client.get(self.player_url)))

    def test_size_cap(self):
        response = self.client.post(self.state_url(), {"data": "x" * (64 * 1024 + 1), "preload": "1"})
        self.assertEqual(response.status_code, 413)
        self.assertFalse(H5PUserState.objects.exists())

    def test_csrf(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.user)
        self.assertEqual(client.post(self.state_url(), {"data": "{}"}).status_code, 403)
        client.get("/mis-cursos/")
        token = client.cookies["csrftoken"].value
        self.assertEqual(client.post(self.state_url(), {"data": "{}"}, HTTP_X_CSRFTOKEN=token).status_code, 200)

    def test_access(self):
        self.client.logout()
        self.assertEqual(self.client.get(self.state_url()).status_code, 403)
        self.client.force_login(learner())
        self.assertEqual(self.client.post(self.state_url(), {"data": "{}"}).status_code, 403)
        self.assertFalse(H5PUserState.objects.exists())

    def test_bad_requests(self):
        self.assertEqual(self.client.post(self.state_url(), {}).status_code, 400)
        self.assertEqual(self.client.post(self.state_url(data_type="a b"), {"data": "{}"}).status_code, 400)
        self.assertEqual(self.client.put(self.state_url()).status_code, 405)

    def test_state_is_per_learner(self):
        self.client.post(self.state_url(), {"data": '{"mine": true}', "preload": "1"})
        other = learner()
        from learners.enrolment import services

        services.enrolment_create(user=other, course=self.course)
        self.client.force_login(other)
        self.assertEqual(self.client.get(self.state_url()).json()["data"], False)


class LessonEmbedTests(PlayerSetUp):
    def test_enrolled_learner_gets_the_player_and_her_status(self):
        response = self.client.get(self.lesson.url)
        self.assertContains(response, f'src="{self.player_url}"')
        self.assertContains(response, "/static/learners/h5p-embed.js")
        self.assertContains(response, 'data-h5p-passed="false"')
        self.assertNotContains(response, f"/lecciones/{self.lesson.pk}/completar/")

    def test_summary_after_an_attempt(self):
        data = statement(self.activity, "answered", result=scored(1, 1, "1"))
        self.client.post(f"{self.player_url}xapi/", json.dumps(data), content_type="application/json")
        response = self.client.get(self.lesson.url)
        self.assertContains(response, 'data-h5p-attempts="1"')
        self.assertContains(response, 'data-h5p-percent="100"')
        self.assertContains(response, 'data-h5p-passed="true"')
        self.assertContains(response, 'class="done-badge"')
        self.assertTrue(LessonProgress.objects.filter(lesson=self.lesson).exists())

    def test_visitor_of_an_open_course_is_asked_to_sign_in(self):
        self.course.is_open = True
        self.course.save_revision().publish()
        self.client.logout()
        response = self.client.get(self.lesson.url)
        self.assertContains(response, 'data-h5p-state="sign_in"')
        self.assertNotContains(response, "<iframe")

    def test_unenrolled_reader_of_an_open_course_is_asked_to_enrol(self):
        self.course.is_open = True
        self.course.save_revision().publish()
        self.client.force_login(learner())
        response = self.client.get(self.lesson.url)
        self.assertContains(response, 'data-h5p-state="enrol"')
        self.assertNotContains(response, "<iframe")

    def test_a_deleted_activity_is_unavailable(self):
        self.assertContains(self.client.get(self.lesson.url), f'src="{self.player_url}"')  # cached with its activity
        self.activity.delete()
        response = self.client.get(self.lesson.url)
        self.assertContains(response, 'data-h5p-state="unavailable"')
        self.assertNotContains(response, "<iframe")

    def test_activity_waiting_for_libraries(self):
        H5PLibrary.objects.filter(machine_name="EscuelaCiudadana.TestQuestion").update(status=H5PLibrary.Status.PENDING)
        response = self.client.get(self.lesson.url)
        self.assertContains(response, 'data-h5p-state="not_ready"')
        self.assertNotContains(response, "EscuelaCiudadana.TestQuestion 1.0")
        self.client.force_login(make_user(is_superuser=True, is_staff=True))
        self.assertContains(self.client.get(self.lesson.url), "EscuelaCiudadana.TestQuestion 1.0")

    def test_query_count_does_not_grow_with_activities(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def count(lesson):
            self.client.get(lesson.url)
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(lesson.url).status_code, 200)
            return len(captured)

        quiz = make_activity(content=questionset_capture_content(), main_library="H5P.QuestionSet 1.21")
        approve_libraries(quiz)
        two = h5p_lesson(parent=self.module, blocks=[(self.activity, True, 60), (quiz, True, 50)])
        # one more activity costs nothing more: the library checks come from the page cache
        self.assertEqual(count(two), count(self.lesson))
