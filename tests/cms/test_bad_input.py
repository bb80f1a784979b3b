"""Issue 12, item 11: the bad input that gave a 500 now gets a 400 or a 404 with a Spanish message.

Each case is named after the request that failed; the hostile-input sweep (test_hostile_sweep.py) covers the
rest of the URL space. These run on SQLite and on PostgreSQL alike (``DATABASE_URL``).
"""

from django.test import Client, RequestFactory, SimpleTestCase

from courses import safe_json
from courses.converters import MAX_ID, IdConverter, parse_id
from courses.selectors import catalogue_search, search_text
from learners.models import Enrolment, H5PStatement
from tests.cms.roles_setup import RolesTestCase
from tests.factories.h5p_activities import approve_libraries, h5p_lesson, make_activity
from tests.factories.learners import make_learner

TWENTY_DIGITS = "99999999999999999999"
SPANISH_400 = "No pudimos leer esta solicitud"
SPANISH_404 = "No encontramos esta página"


class BadInputTests(RolesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity()
        approve_libraries(cls.activity)
        cls.h5p_lesson = h5p_lesson(parent=cls.mine_module, blocks=[(cls.activity, True, 50)])
        cls.h5p_lesson.save_revision().publish()

    def setUp(self):
        self.client = Client(raise_request_exception=True)  # a 500 fails the test with its exception

    @property
    def xapi_url(self) -> str:
        return f"/aprender/h5p/{self.h5p_lesson.pk}/{self.activity.uuid}/xapi/"

    # -- xAPI ---------------------------------------------------------------------------------------------------

    def test_xapi_deeply_nested_json_is_a_400_in_spanish(self):
        """``[[[[…]]]]`` 20.000 levels deep (40 KB, under the size limit) raised RecursionError in json.loads."""
        self.client.force_login(self.ana)
        body = "[" * 20_000 + "]" * 20_000
        response = self.client.post(self.xapi_url, body, content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["message"], "La actividad envió datos que no se pudieron leer.")
        self.assertFalse(H5PStatement.objects.exists())

    def test_xapi_nested_json_inside_a_statement_is_refused(self):
        """A statement that is valid JSON but nested deeper than any player sends is refused before it is stored."""
        self.client.force_login(self.ana)
        deep = "[" * 200 + "]" * 200
        body = f'{{"verb": {{"id": "http://adlnet.gov/expapi/verbs/answered"}}, "object": {{"id": "x"}}, "x": {deep}}}'
        response = self.client.post(self.xapi_url, body, content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(H5PStatement.objects.exists())

    def test_xapi_form_data_is_a_400_in_spanish(self):
        """The player sends JSON; form data (or any other content type) is refused, not read as a statement."""
        self.client.force_login(self.ana)
        response = self.client.post(self.xapi_url, {"verb": "answered"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["message"], "La actividad envió datos que no se pudieron leer.")
        response = self.client.post(self.xapi_url, b'{"verb": {}}', content_type="text/plain")
        self.assertEqual(response.status_code, 400)

    def test_h5p_url_with_a_20_digit_lesson_id_is_a_404(self):
        """SQLite raised OverflowError for a lesson id beyond 64 bits; <id:…> does not match it."""
        self.client.force_login(self.ana)
        for url in (
            f"/aprender/h5p/{TWENTY_DIGITS}/{self.activity.uuid}/",
            f"/aprender/h5p/{TWENTY_DIGITS}/{self.activity.uuid}/xapi/",
            f"/aprender/h5p/{TWENTY_DIGITS}/{self.activity.uuid}/estado/state/0/",
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertContains(response, SPANISH_404, status_code=404)

    # -- catalogue search ---------------------------------------------------------------------------------------

    def test_catalogue_search_with_nul_is_a_400_in_spanish(self):
        """``?q=%00``: SQLite's full-text search raised OperationalError, PostgreSQL refuses NUL in a string."""
        response = self.client.get(self.catalogue.url, {"q": "\x00"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, SPANISH_400, status_code=400)
        self.assertTrue(response["Content-Language"].startswith("es"))

    def test_catalogue_search_with_a_double_quote_finds_courses(self):
        """An unbalanced double quote was an unterminated FTS5 string on SQLite (a 500)."""
        response = self.client.get(self.catalogue.url, {"q": '"Presupuestos'})
        self.assertEqual(response.status_code, 200)
        self.assertEqual([c.title for c in response.context["catalogue"].courses], ["Presupuestos participativos"])

    def test_catalogue_selector_cleans_control_characters_without_the_middleware(self):
        """courses is a plugin: a host site without cms's middleware gets the same protection from the selector."""
        result = catalogue_search(index=self.catalogue, params={"q": '\x00Presupuestos\x01 "participativos'})
        self.assertEqual([c.title for c in result.courses], ["Presupuestos participativos"])
        self.assertEqual(search_text('a\x00b\t"c"  d'), "a b c d")

    # -- enrolment ----------------------------------------------------------------------------------------------

    def test_enrol_with_cohort_abc_is_a_404_and_writes_nothing(self):
        """``cohort=abc`` on the enrolment form raised ValueError ("Field 'id' expected a number")."""
        newcomer = make_learner(run="16.000.005-8", email="nueva@example.cl", comuna="13122")
        self.client.force_login(newcomer)
        for value in ("abc", "²", "１２", "١٢", TWENTY_DIGITS, "-1"):
            with self.subTest(cohort=value):
                response = self.client.post(f"/cursos/{self.mine.pk}/inscripcion/", {"cohort": value})
                self.assertEqual(response.status_code, 404)
                self.assertContains(response, SPANISH_404, status_code=404)
        self.assertFalse(Enrolment.objects.filter(user=newcomer).exists())

    def test_session_add_with_cohort_abc_ignores_the_filter(self):
        """The admin's "add session" prefills the cohort from ``?cohort=``; a non-id is ignored, not a 500."""
        self.client.force_login(self.academy)
        for value in ("abc", "²", TWENTY_DIGITS):
            with self.subTest(cohort=value):
                response = self.client.get("/admin/learners/sessions/new/", {"cohort": value})
                self.assertEqual(response.status_code, 200)

    def test_certificate_listing_with_cohort_superscript_is_not_a_500(self):
        """``?cohort=²`` passed isdigit() and then failed in int() while building the ZIP button."""
        self.client.force_login(self.academy)
        for value in ("²", TWENTY_DIGITS, "abc"):
            with self.subTest(cohort=value):
                response = self.client.get("/admin/certificates/issued/", {"cohort": value})
                self.assertLess(response.status_code, 500)

    # -- the middleware -----------------------------------------------------------------------------------------

    def test_nul_in_path_query_or_form_is_a_400_in_spanish(self):
        self.client.force_login(self.ana)
        for method, url, data in (
            ("get", "/mis-cursos/%00/", None),
            ("get", "/mis-cursos/?x=%00", None),
            ("post", "/cuenta/perfil/", {"first_name": "Ana\x00"}),
        ):
            with self.subTest(url=url):
                response = getattr(self.client, method)(url, data)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, SPANISH_400, status_code=400)

    def test_a_20_digit_id_in_a_wagtail_url_is_a_404(self):
        """Wagtail's own ``<int:…>`` URLs: the OverflowError of SQLite becomes a 404 (PostgreSQL finds no row)."""
        self.client.force_login(self.academy)
        response = self.client.get(f"/admin/pages/{TWENTY_DIGITS}/edit/")
        self.assertEqual(response.status_code, 404)

    # -- what the hostile-input sweep found -----------------------------------------------------------------------

    def test_instructor_opens_the_history_of_an_h5p_activity(self):
        """The scoped H5P viewset filtered the history's log entries as if they were activities (FieldError)."""
        self.client.force_login(self.instructor)
        response = self.client.get(f"/admin/snippets/courses/h5pactivity/history/{self.activity.pk}/")
        self.assertEqual(response.status_code, 200)

    def test_deleting_a_cohort_with_enrolments_is_refused_with_a_message(self):
        """Enrolments protect their cohort: Wagtail's delete view let ProtectedError through as a 500.

        Wagtail refuses by itself when its reference index already knows the cohort is used (a PermissionDenied,
        shown as a message); otherwise ProtectedDeleteMixin catches the ProtectedError. Either way: no 500, a
        message, and the cohort is still there."""
        self.client.force_login(self.academy)
        response = self.client.post(f"/admin/learners/cohorts/delete/{self.mine_cohort.pk}/", follow=True)
        self.assertEqual(response.status_code, 200)
        shown = [str(message) for message in response.context["messages"]]
        self.assertTrue(
            "No se puede eliminar porque otros registros todavía lo usan." in shown
            or any("permiso" in message for message in shown),
            shown,
        )
        self.assertTrue(type(self.mine_cohort).objects.filter(pk=self.mine_cohort.pk).exists())

    def test_external_link_chooser_without_a_url_is_a_form_error(self):
        """Wagtail's chooser read a missing ``url`` field as None (AttributeError on startswith)."""
        self.client.force_login(self.academy)
        for data in ({}, {"external-link-chooser-link_text": "١٢"}, {"external-link-chooser-url": "１２"}):
            with self.subTest(data=data):
                response = self.client.post("/admin/choose-external-link/", data)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json()["step"], "external_link")  # the form again, with its error

    def test_snippet_chooser_create_step_without_a_form_is_a_404(self):
        """The snippet chooser's "create" URL exists for every snippet, with or without a creation form."""
        self.client.force_login(self.academy)
        response = self.client.post("/admin/snippets/choose/certificates/issuer/create/", {})
        self.assertEqual(response.status_code, 404)

    def test_wagtail_chooser_with_a_non_numeric_id_is_a_400(self):
        """``/admin/images/chooser/chosen/x/`` and ``?id=%`` raised ValueError inside Wagtail."""
        self.client.force_login(self.academy)
        for url in ("/admin/images/chooser/chosen/x/", "/admin/documents/chooser/chosen-multiple/?id=%25"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 400)

    def test_image_chooser_search_with_a_tag_finds_the_image(self):
        """Searching the image chooser and then picking a tag raised FilterFieldError (tags__name not filterable)."""
        from wagtail.images import get_image_model
        from wagtail.images.tests.utils import get_test_image_file

        image = get_image_model().objects.create(title="Plaza de Peñalolén", file=get_test_image_file())
        image.tags.add("plazas")
        get_image_model().objects.create(title="Plaza sin etiqueta", file=get_test_image_file())
        self.client.force_login(self.academy)
        response = self.client.get("/admin/images/chooser/", {"q": "plaza", "tag": "plazas"})
        self.assertEqual(response.status_code, 200)
        html = response.json()["html"]
        self.assertIn("Plaza de Peñalolén", html)
        self.assertNotIn("Plaza sin etiqueta", html)

    def test_reverting_to_revision_zero_is_a_404(self):
        """Wagtail's ``<int:revision_id>`` accepts 0, and its revert view raised AttributeError for it."""
        self.client.force_login(self.academy)
        self.assertEqual(self.client.get(f"/admin/pages/{self.mine.pk}/revisions/0/revert/").status_code, 404)

    def test_next_that_is_not_an_address_is_a_400_and_the_page_stays_unlocked(self):
        """``next=١٢`` after locking a page: redirect() took it for a URL name after the page was locked."""
        self.client.force_login(self.academy)
        response = self.client.post(f"/admin/pages/{self.mine.pk}/lock/", {"next": "١٢"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.reload(self.mine).locked)


class IdParsingTests(SimpleTestCase):
    def test_parse_id_accepts_only_ascii_digits_in_range(self):
        self.assertEqual(parse_id("12"), 12)
        self.assertEqual(parse_id(str(MAX_ID)), MAX_ID)
        for value in (
            "",
            "0",
            "-1",
            "abc",
            "１２",
            "١٢",
            "²",
            "1.5",
            " 1",
            "1\x00",
            str(MAX_ID + 1),
            TWENTY_DIGITS,
            None,
        ):
            with self.subTest(value=value):
                self.assertIsNone(parse_id(value))

    def test_converter_refuses_what_parse_id_refuses(self):
        converter = IdConverter()
        self.assertEqual(converter.to_python("7"), 7)
        self.assertEqual(converter.to_url(7), "7")
        for value in (str(MAX_ID + 1), "0"):
            with self.subTest(value=value), self.assertRaises(ValueError):
                converter.to_python(value)

    def test_safe_json_limits(self):
        self.assertEqual(safe_json.loads(b'{"a": [1, {"b": "[[["}]}'), {"a": [1, {"b": "[[["}]})
        for body in (b"[" * 100 + b"]" * 100, b"NaN", b"\xff", b'{"a": ', b"x" * (safe_json.MAX_BYTES + 1)):
            with self.subTest(body=body[:20]), self.assertRaises(safe_json.JSONRejected):
                safe_json.loads(body)

    def test_middleware_leaves_other_exceptions_alone(self):
        """Only the bad-input classes are turned into 400/404: a genuine bug stays a 500."""
        from cms.middleware import BadInputMiddleware

        middleware = BadInputMiddleware(lambda request: None)
        request = RequestFactory().get("/")
        self.assertIsNone(middleware.process_exception(request, ValueError("a bug")))
        self.assertIsNone(middleware.process_exception(request, AttributeError("a bug")))
        self.assertIsNone(middleware.process_exception(request, RecursionError()))
