from datetime import time
from decimal import Decimal
from io import StringIO

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from learners.enrolment import services
from learners.imports.admin_views import SESSION_KEY
from learners.imports.models import EnrolmentImport
from learners.models import Cohort, Enrolment, Session
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, site_root
from tests.factories.learners import make_cohort, make_learner, make_session, make_user
from tests.learners.test_bulk import GOOD, csv_bytes, run_for


def grant(user, *codenames):
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))
    return user


def object_ids(response):
    return sorted(obj.pk for obj in response.context["object_list"])


class AdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_reference_data", stdout=StringIO())
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = CoursePageFactory(parent=catalogue, title="El COSOC de tu comuna")
        cls.other_course = CoursePageFactory(parent=catalogue, title="Liderazgo comunitario")
        cls.admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)
        cls.editor = grant(make_user(email="editora@example.cl"), "wagtailadmin.access_admin")
        cls.teacher = grant(
            make_user(email="profe@example.cl", first_name="Rosa", last_name="Díaz"), "wagtailadmin.access_admin"
        )
        cls.cohort = make_cohort(course=cls.course, name="Grupo Ñuñoa", municipality_id="13120", capacity=1)
        cls.session = make_session(cohort=cls.cohort)
        cls.ana = make_learner(run="12.345.678-5", email="ana@example.cl", given_names="Ana", family_names="Pérez")
        cls.luis = make_learner(run=run_for(15111222), email="luis@example.cl", given_names="Luis", family_names="Vera")
        cls.ana_enrolment = services.enrolment_create(user=cls.ana, course=cls.course, cohort=cls.cohort)
        cls.luis_enrolment = services.enrolment_create(user=cls.luis, course=cls.course, cohort=cls.cohort)

    def setUp(self):
        self.client.force_login(self.admin)


class AdminPagesRenderTests(AdminTestCase):
    def test_pages_render_for_a_superuser(self):
        urls = [
            reverse("wagtailadmin_home"),
            reverse("learners_cohort:index"),
            reverse("learners_cohort:index") + f"?course={self.course.pk}&municipality=13120&q=Ñuñoa",
            reverse("learners_cohort:add"),
            reverse("learners_cohort:edit", args=[self.cohort.pk]),
            reverse("learners_session:index") + f"?cohort={self.cohort.pk}",
            reverse("learners_session:add") + f"?cohort={self.cohort.pk}",
            reverse("learners_session:edit", args=[self.session.pk]),
            reverse("learners_enrolment:index"),
            reverse("learners_enrolment:index") + f"?course={self.course.pk}&cohort={self.cohort.pk}&status=active",
            reverse("learners_enrolment:edit", args=[self.ana_enrolment.pk]),
            reverse("learners_enrolment:inspect", args=[self.ana_enrolment.pk]),
            reverse("learners_profile:index"),
            reverse("learners_profile:inspect", args=[self.ana.learner_profile.pk]),
            reverse("learners_bulk_enrol"),
        ]
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_menu_and_listing_content(self):
        with translation.override("en"):
            home = self.client.get(reverse("wagtailadmin_home"))
            self.assertContains(home, '"name": "escuela-ciudadana"')
            self.assertContains(home, reverse("learners_bulk_enrol"))
            self.client.force_login(self.editor)
            self.assertNotContains(self.client.get(reverse("wagtailadmin_home")), '"name": "escuela-ciudadana"')
            self.client.force_login(self.admin)
            response = self.client.get(reverse("learners_cohort:index"))
        self.assertContains(response, "Grupo Ñuñoa")
        self.assertContains(response, reverse("learners_bulk_enrol"))
        cohort = response.context["object_list"][0]
        self.assertEqual((cohort.seats_taken, cohort.waitlist_count, cohort.session_count), (1, 1, 1))

    def test_read_only_views_do_not_exist(self):
        for url in ["/admin/learners/enrolments/new/", "/admin/learners/profiles/new/"]:
            self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(
            self.client.get(f"/admin/learners/profiles/edit/{self.ana.learner_profile.pk}/").status_code, 404
        )
        self.assertEqual(
            self.client.get(f"/admin/learners/enrolments/delete/{self.ana_enrolment.pk}/").status_code, 404
        )

    def test_enrolment_export(self):
        response = self.client.get(reverse("learners_enrolment:index") + "?export=csv")
        self.assertEqual(response.status_code, 200)
        content = b"".join(response.streaming_content).decode()
        self.assertIn("12.345.678-5", content)
        self.assertIn("ana@example.cl", content)
        response = self.client.get(reverse("learners_enrolment:index") + "?export=xlsx")
        self.assertEqual(response.status_code, 200)


class AdminPermissionTests(AdminTestCase):
    def test_user_without_permissions_is_refused(self):
        self.client.force_login(self.editor)
        urls = [
            reverse("learners_cohort:index"),
            reverse("learners_cohort:add"),
            reverse("learners_session:index"),
            reverse("learners_enrolment:index"),
            reverse("learners_enrolment:edit", args=[self.ana_enrolment.pk]),
            reverse("learners_profile:index"),
            reverse("learners_profile:inspect", args=[self.ana.learner_profile.pk]),
            reverse("learners_bulk_enrol"),
        ]
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(response["Location"], reverse("wagtailadmin_home"))
        response = self.client.post(reverse("learners_bulk_enrol_confirm"), {"token": "x"})
        self.assertEqual(response["Location"], reverse("wagtailadmin_home"))

    def test_anonymous_and_non_admin_users_go_to_the_login(self):
        self.client.logout()
        self.assertRedirects(
            self.client.get(reverse("learners_enrolment:index")),
            reverse("wagtailadmin_login") + "?next=" + reverse("learners_enrolment:index"),
        )

    def test_model_permissions_grant_access(self):
        grant(self.editor, "learners.view_enrolment", "learners.add_enrolment")
        self.client.force_login(self.editor)
        self.assertEqual(self.client.get(reverse("learners_enrolment:index")).status_code, 200)
        self.assertEqual(self.client.get(reverse("learners_bulk_enrol")).status_code, 200)
        # viewing is not changing
        response = self.client.get(reverse("learners_enrolment:edit", args=[self.ana_enrolment.pk]))
        self.assertEqual(response.status_code, 302)


class EnrolmentSearchTests(AdminTestCase):
    def search(self, query):
        response = self.client.get(reverse("learners_enrolment:index"), {"q": query})
        self.assertEqual(response.status_code, 200)
        return object_ids(response)

    def test_search_by_run_in_any_format(self):
        for query in ["12.345.678-5", "123456785", "12345678-5", " 12.345.678-5 "]:
            with self.subTest(query=query):
                self.assertEqual(self.search(query), [self.ana_enrolment.pk])

    def test_search_by_partial_run_name_and_email(self):
        self.assertEqual(self.search("12.345.678"), [self.ana_enrolment.pk])
        self.assertEqual(self.search("ana pérez"), [self.ana_enrolment.pk])
        self.assertEqual(self.search("luis@example"), [self.luis_enrolment.pk])
        self.assertEqual(self.search("nadie"), [])

    def test_profile_search_by_run(self):
        response = self.client.get(reverse("learners_profile:index"), {"q": "123456785"})
        self.assertEqual(object_ids(response), [self.ana.learner_profile.pk])


class CohortFormTests(AdminTestCase):
    def form_data(self, **overrides):
        data = {
            "course": self.course.pk,
            "name": "Grupo Maipú",
            "municipality": "13119",
            "starts_on": "2026-03-02",
            "ends_on": "2026-05-30",
            "enrolment_opens_at": "2026-01-05 09:00",
            "enrolment_closes_at": "2026-02-27 18:00",
            "capacity": "25",
            "instructors": [self.teacher.pk],
        }
        data.update(overrides)
        return data

    def test_create_cohort(self):
        response = self.client.post(reverse("learners_cohort:add"), self.form_data())
        self.assertEqual(response.status_code, 302)
        cohort = Cohort.objects.get(name="Grupo Maipú")
        self.assertEqual(list(cohort.instructors.all()), [self.teacher])

    def test_learners_are_not_offered_as_instructors(self):
        form = self.client.get(reverse("learners_cohort:add")).context["form"]
        choices = set(form.fields["instructors"].queryset)
        self.assertIn(self.teacher, choices)
        self.assertNotIn(self.ana, choices)

    def test_end_before_start_and_window_closing_before_opening(self):
        with translation.override("en"):
            response = self.client.post(
                reverse("learners_cohort:add"),
                self.form_data(ends_on="2026-03-01", enrolment_closes_at="2026-01-01 10:00"),
            )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertIn("ends_on", errors)
        self.assertIn("enrolment_closes_at", errors)
        self.assertFalse(Cohort.objects.filter(name="Grupo Maipú").exists())

    def test_more_seats_let_the_waitlist_in(self):
        self.assertEqual(self.luis_enrolment.status, Enrolment.Status.WAITLISTED)
        data = self.form_data(name=self.cohort.name, municipality="13120", capacity="2", instructors=[])
        data.update(starts_on=self.cohort.starts_on.isoformat(), ends_on=self.cohort.ends_on.isoformat())
        data.update(enrolment_opens_at="", enrolment_closes_at="")
        response = self.client.post(reverse("learners_cohort:edit", args=[self.cohort.pk]), data)
        self.assertEqual(response.status_code, 302)
        self.luis_enrolment.refresh_from_db()
        self.assertEqual(self.luis_enrolment.status, Enrolment.Status.ACTIVE)

    def test_session_add_is_prefilled_with_the_cohort(self):
        response = self.client.get(reverse("learners_session:add"), {"cohort": self.cohort.pk})
        self.assertEqual(response.context["form"].initial.get("cohort"), self.cohort.pk)
        response = self.client.post(
            reverse("learners_session:add"),
            {
                "cohort": self.cohort.pk,
                "date": "2026-03-09",
                "start_time": "18:30",
                "end_time": "20:45",
                "place": "Sede",
                "status": Session.Status.SCHEDULED,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Session.objects.filter(cohort=self.cohort).count(), 2)
        created = Session.objects.filter(cohort=self.cohort).latest("pk")
        self.assertEqual((created.end_time, created.duration_hours), (time(20, 45), Decimal("2.3")))


class EnrolmentStatusTests(AdminTestCase):
    def test_withdrawing_frees_the_seat_for_the_waitlist(self):
        url = reverse("learners_enrolment:edit", args=[self.ana_enrolment.pk])
        response = self.client.post(url, {"status": Enrolment.Status.WITHDRAWN})
        self.assertEqual(response.status_code, 302)
        self.ana_enrolment.refresh_from_db()
        self.luis_enrolment.refresh_from_db()
        self.assertEqual(self.ana_enrolment.status, Enrolment.Status.WITHDRAWN)
        self.assertIsNotNone(self.ana_enrolment.withdrawn_at)
        self.assertEqual(self.luis_enrolment.status, Enrolment.Status.ACTIVE)

    def test_only_service_transitions_are_offered(self):
        response = self.client.post(
            reverse("learners_enrolment:edit", args=[self.ana_enrolment.pk]), {"status": Enrolment.Status.COMPLETED}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("status", response.context["form"].errors)
        self.ana_enrolment.refresh_from_db()
        self.assertEqual(self.ana_enrolment.status, Enrolment.Status.ACTIVE)

    def test_enrol_again_after_withdrawing_respects_capacity(self):
        services.enrolment_withdraw(enrolment=self.ana_enrolment)  # Luis takes the seat
        response = self.client.post(
            reverse("learners_enrolment:edit", args=[self.ana_enrolment.pk]), {"status": Enrolment.Status.ACTIVE}
        )
        self.assertEqual(response.status_code, 302)
        self.ana_enrolment.refresh_from_db()
        self.assertEqual(self.ana_enrolment.status, Enrolment.Status.WAITLISTED)


class BulkEnrolViewTests(AdminTestCase):
    def upload(self, data: bytes, **fields):
        payload = {"course": self.other_course.pk, "file": SimpleUploadedFile("inscritos.csv", data, "text/csv")}
        payload.update(fields)
        return self.client.post(reverse("learners_bulk_enrol"), payload)

    def test_upload_preview_and_import(self):
        response = self.upload(GOOD)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["parsed"].is_clean)
        self.assertContains(response, reverse("learners_bulk_enrol_confirm"))
        self.assertFalse(Enrolment.objects.filter(course=self.other_course).exists())  # preview saves nothing

        response = self.client.post(reverse("learners_bulk_enrol_confirm"), {"token": response.context["token"]})
        record = EnrolmentImport.objects.get()
        self.assertRedirects(
            response, reverse("learners_bulk_enrol_result", args=[record.pk]), fetch_redirect_response=False
        )
        self.assertEqual((record.created, record.enrolled, record.skipped), (1, 3, 0))  # Ana and Luis exist
        self.assertEqual(Enrolment.objects.filter(course=self.other_course).count(), 3)
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_bad_file_shows_problems_and_cannot_be_imported(self):
        data = csv_bytes(f"{run_for(12345678)};Ana;Pérez;no-es-correo;13101;1985")
        response = self.upload(data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["parsed"].is_clean)
        self.assertContains(response, 'data-problem="email_invalid"')
        self.assertNotContains(response, reverse("learners_bulk_enrol_confirm"))
        response = self.client.post(reverse("learners_bulk_enrol_confirm"), {"token": response.context["token"]})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Enrolment.objects.filter(course=self.other_course).exists())

    def test_confirm_revalidates_the_file(self):
        response = self.upload(csv_bytes(f"{run_for(14555666)};Marta;Soto;marta@example.cl;13101;1975"))
        token = response.context["token"]
        make_learner(run=run_for(19888777), email="marta@example.cl")  # the email now belongs to someone else
        response = self.client.post(reverse("learners_bulk_enrol_confirm"), {"token": token})
        self.assertEqual(response.status_code, 400)
        self.assertIn("email_taken", response.context["parsed"].codes)
        self.assertFalse(Enrolment.objects.filter(course=self.other_course).exists())

    def test_stale_or_missing_token(self):
        self.upload(GOOD)
        response = self.client.post(reverse("learners_bulk_enrol_confirm"), {"token": "otro"})
        self.assertRedirects(response, reverse("learners_bulk_enrol"), fetch_redirect_response=False)
        self.assertFalse(Enrolment.objects.filter(course=self.other_course).exists())

    def test_cohort_of_another_course_is_refused(self):
        response = self.upload(GOOD, cohort=self.cohort.pk)
        self.assertEqual(response.status_code, 400)
        self.assertIn("cohort", response.context["form"].errors)

    def test_bulk_enrol_into_a_full_cohort_matches_people_and_uses_the_waitlist(self):
        # GOOD's first two RUNs are Ana's (active) and Luis's (waiting); the third person is new
        response = self.upload(GOOD, course=self.course.pk, cohort=self.cohort.pk)
        self.assertEqual((response.context["parsed"].known_people, response.context["parsed"].new_people), (2, 1))
        self.client.post(reverse("learners_bulk_enrol_confirm"), {"token": response.context["token"]})
        statuses = dict(Enrolment.objects.filter(cohort=self.cohort).values_list("user__email", "status"))
        self.assertEqual(
            statuses,
            {
                "ana@example.cl": Enrolment.Status.ACTIVE,
                "luis@example.cl": Enrolment.Status.WAITLISTED,
                "carla@example.cl": Enrolment.Status.WAITLISTED,
            },
        )
