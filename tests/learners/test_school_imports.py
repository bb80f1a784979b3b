"""Issue 15, item 3: a municipal school's administration enrols from a CSV file and resends invitations like the
rest of her school's enrolment management: only into her school's courses and cohorts (her own courses, or a
national course in a cohort of her comuna), only her school's imports and invitations in listings (another
school's by id: 404), and the invitations leave from her school's host and in its name. The academy sees every
school's."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from cms import roles
from cms.schools import services
from courses.models import CourseIndexPage
from learners.imports.models import EnrolmentImport, ImportInvitation
from learners.imports.parsing import parse_enrolment_csv
from learners.imports.services import BulkImportError, import_enrolments
from learners.models import Cohort, Enrolment
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import ensure_comuna, make_cohort, make_user
from tests.learners.test_bulk import csv_bytes, run_for

PENALOLEN, VALPARAISO = "13122", "05101"
HOST_A, HOST_B = {"HTTP_HOST": "penalolen.localhost"}, {"HTTP_HOST": "valparaiso.localhost"}
REFUSED = "Solo puedes inscribir personas en los cursos y grupos de tu escuela"
FILE_A = csv_bytes(
    f"{run_for(16222333)};Marta;Soto;marta@example.cl;{PENALOLEN};1985",
    f"{run_for(17444555)};Berta;Lagos;berta@example.cl;{PENALOLEN};1979",
)
FILE_B = csv_bytes(f"{run_for(18555666)};Inés;Zzbeta;ines.zzbeta@example.cl;{VALPARAISO};1990")


class SchoolImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_comuna(PENALOLEN, "Peñalolén")
        ensure_comuna(VALPARAISO, "Valparaíso")
        national = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.national = build_course(catalogue=national, modules=1, lessons=1, title="Liderazgo nacional")
        cls.national.save_revision().publish()
        created_a = services.school_create(
            name="Escuela Ciudadana de Peñalolén",
            comuna_code=PENALOLEN,
            host="penalolen.localhost",
            admin_email="daniela@penalolen.cl",
        )
        created_b = services.school_create(
            name="Escuela Ciudadana de Valparaíso",
            comuna_code=VALPARAISO,
            host="valparaiso.localhost",
            admin_email="admin@valparaiso.cl",
        )
        cls.school_a, cls.admin_a = created_a.school, created_a.administrator
        cls.school_b, cls.admin_b = created_b.school, created_b.administrator
        cls.course_a = cls._course(cls.school_a, "Ordenanza de Peñalolén")
        cls.course_b = cls._course(cls.school_b, "Ordenanza Zzbeta de Valparaíso")
        cls.cohort_a = make_cohort(course=cls.course_a, municipality_id=PENALOLEN, name="Grupo Peñalolén")
        cls.cohort_b = make_cohort(course=cls.course_b, municipality_id=VALPARAISO, name="Grupo Zzbeta")
        cls.national_a = make_cohort(course=cls.national, municipality_id=PENALOLEN, name="Liderazgo Peñalolén")
        cls.national_b = make_cohort(course=cls.national, municipality_id=VALPARAISO, name="Liderazgo Zzbeta")
        cls.teacher_a = make_user(email="docente@penalolen.cl")
        cls.teacher_a.groups.add(roles.school_groups(school=cls.school_a)[roles.TEACHING])
        cls.academy = make_user(email="academia@example.cl")
        cls.academy.groups.add(Group.objects.get(name=roles.ACADEMY))
        # School B's import, made by its own administration, and the invitation of the person it created
        cls.import_b = import_enrolments(
            parsed=parse_enrolment_csv(FILE_B),
            course=cls.course_b,
            cohort=cls.cohort_b,
            by=cls.admin_b,
            filename="zzbeta.csv",
        ).record
        cls.invitation_b = ImportInvitation.objects.get(enrolment_import=cls.import_b)

    @classmethod
    def _course(cls, school, title):
        catalogue = CourseIndexPage.objects.child_of(school.site.root_page).get()
        course = build_course(catalogue=catalogue, modules=1, lessons=1, title=title)
        course.save_revision().publish()
        return course

    def upload(self, data=FILE_A, *, course, cohort=None, user=None, host=HOST_A):
        self.client.force_login(user or self.admin_a)
        payload = {"course": course.pk, "file": SimpleUploadedFile("inscritos.csv", data, "text/csv")}
        if cohort is not None:
            payload["cohort"] = cohort.pk
        return self.client.post(reverse("learners_bulk_enrol"), payload, **host)

    def confirm(self, token, host=HOST_A):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("learners_bulk_enrol_confirm"), {"token": token, "mode": "all"}, **host)

    def imported(self, *, course, cohort=None):
        preview = self.upload(course=course, cohort=cohort)
        self.assertEqual(preview.status_code, 200, preview.content[-2000:])
        response = self.confirm(preview.context["token"])
        self.assertEqual(response.status_code, 302, response.content[-2000:])
        return EnrolmentImport.objects.exclude(pk=self.import_b.pk).get()

    # happy paths --------------------------------------------------------------------------------------------------

    def test_the_school_administration_may_enrol_from_a_file(self):
        self.assertTrue(self.admin_a.has_perm("learners.add_enrolment"))
        self.assertFalse(self.teacher_a.has_perm("learners.add_enrolment"))
        self.client.force_login(self.admin_a)
        page = self.client.get(reverse("learners_bulk_enrol"), **HOST_A)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Ordenanza de Peñalolén")
        self.assertContains(page, "Liderazgo Peñalolén")
        self.assertNotContains(page, "Zzbeta")  # B's course and cohorts are not offered
        self.assertContains(self.client.get(reverse("learners_cohort:index"), **HOST_A), reverse("learners_bulk_enrol"))

    def test_existing_schools_get_the_permission_from_the_migration(self):
        import importlib

        from django.apps import apps as live_apps
        from django.contrib.auth.models import Permission

        group = roles.school_groups(school=self.school_a)[roles.ADMINISTRATION]
        group.permissions.remove(Permission.objects.get(content_type__app_label="learners", codename="add_enrolment"))
        self.assertFalse(type(self.admin_a).objects.get(pk=self.admin_a.pk).has_perm("learners.add_enrolment"))
        migration = importlib.import_module("cms.migrations.0012_grant_school_administration_csv_enrolment")
        migration.schools_sync(live_apps, None)
        self.assertTrue(type(self.admin_a).objects.get(pk=self.admin_a.pk).has_perm("learners.add_enrolment"))
        teachers = roles.school_groups(school=self.school_a)[roles.TEACHING]
        self.assertFalse(teachers.permissions.filter(codename="add_enrolment").exists())

    def test_into_her_course_the_invitations_come_from_her_school_host_and_name(self):
        record = self.imported(course=self.course_a, cohort=self.cohort_a)
        self.assertEqual(Enrolment.objects.filter(cohort=self.cohort_a).count(), 2)
        self.assertEqual(len(mail.outbox), 2)
        for message in mail.outbox:
            self.assertIn("http://penalolen.localhost/invitacion/", message.body)
            self.assertIn("Escuela Ciudadana de Peñalolén", message.body)
            self.assertIn("Escuela Ciudadana de Peñalolén", message.subject)
        result = self.client.get(reverse("learners_bulk_enrol_result", args=[record.pk]), **HOST_A)
        self.assertEqual(result.status_code, 200)

    def test_into_her_course_without_a_cohort(self):
        self.imported(course=self.course_a)
        self.assertEqual(Enrolment.objects.filter(course=self.course_a, cohort=self.cohort_a).count(), 2)

    def test_into_a_national_course_in_a_cohort_of_her_comuna(self):
        self.imported(course=self.national, cohort=self.national_a)
        self.assertEqual(Enrolment.objects.filter(cohort=self.national_a).count(), 2)
        self.assertIn("http://penalolen.localhost/invitacion/", mail.outbox[0].body)

    # refused targets ---------------------------------------------------------------------------------------------

    def test_a_tampered_post_cannot_import_into_another_school(self):
        cases = {
            "B's course and cohort": (self.course_b, self.cohort_b),
            "B's course without a cohort": (self.course_b, None),
            "a national course in B's comuna cohort": (self.national, self.national_b),
            "her course with B's cohort": (self.course_a, self.cohort_b),
        }
        for label, (course, cohort) in cases.items():
            with self.subTest(label):
                response = self.upload(course=course, cohort=cohort)
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.context["form"].errors)
                self.assertNotIn("token", response.context)
        self.assertFalse(EnrolmentImport.objects.exclude(pk=self.import_b.pk).exists())
        self.assertEqual(len(mail.outbox), 0)

    def test_a_national_course_needs_a_cohort_of_her_school(self):
        response = self.upload(course=self.national)
        self.assertContains(response, REFUSED, status_code=400)

    def test_the_service_refuses_another_schools_course_too(self):
        with self.assertRaisesMessage(BulkImportError, REFUSED):
            import_enrolments(
                parsed=parse_enrolment_csv(FILE_A), course=self.course_b, cohort=self.cohort_b, by=self.admin_a
            )
        with self.assertRaises(BulkImportError):
            import_enrolments(parsed=parse_enrolment_csv(FILE_A), course=self.national, cohort=None, by=self.admin_a)
        self.assertEqual(Enrolment.objects.filter(user__email="marta@example.cl").count(), 0)

    def test_a_cohort_moved_to_another_comuna_after_the_preview_is_refused_at_confirmation(self):
        preview = self.upload(course=self.national, cohort=self.national_a)
        Cohort.objects.filter(pk=self.national_a.pk).update(municipality_id=VALPARAISO)
        response = self.confirm(preview.context["token"])
        self.assertContains(response, REFUSED, status_code=400)
        self.assertFalse(Enrolment.objects.filter(cohort=self.national_a).exists())

    def test_instructors_and_anonymous_cannot_import(self):
        response = self.upload(course=self.course_a, cohort=self.cohort_a, user=self.teacher_a)
        self.assertIn(response.status_code, (302, 403))
        self.client.logout()
        response = self.client.get(reverse("learners_invitations"), **HOST_A)
        self.assertTrue(response["Location"].startswith(reverse("wagtailadmin_login")))

    # listings and guessed ids --------------------------------------------------------------------------------------

    def test_her_listings_show_only_her_school(self):
        own = self.imported(course=self.course_a, cohort=self.cohort_a)
        url = reverse("learners_invitations")
        response = self.client.get(url, **HOST_A)
        self.assertEqual(len(response.context["invitations"]), 2)
        self.assertEqual(list(response.context["imports"]), [own])
        self.assertNotContains(response, "zzbeta")
        self.assertNotContains(response, "Zzbeta")
        # B's ids in the filters: ignored, never B's rows
        for params in (
            {"importacion": self.import_b.pk},
            {"curso": self.course_b.pk},
            {"grupo": self.cohort_b.pk},
        ):
            with self.subTest(params=params):
                response = self.client.get(url, params, **HOST_A)
                self.assertNotContains(response, "zzbeta")

    def test_another_schools_import_by_id_is_not_found(self):
        self.client.force_login(self.admin_a)
        url = reverse("learners_bulk_enrol_result", args=[self.import_b.pk])
        self.assertEqual(self.client.get(url, **HOST_A).status_code, 404)
        self.assertEqual(self.client.get(url + "?formato=csv", **HOST_A).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("learners_bulk_enrol") + f"?cohort={self.cohort_b.pk}", **HOST_A).status_code, 200
        )

    def test_she_cannot_resend_another_schools_invitation(self):
        ImportInvitation.objects.update(last_sent_at=timezone.now() - timedelta(minutes=30))
        mail.outbox.clear()
        self.client.force_login(self.admin_a)
        url = reverse("learners_invitations")
        self.client.post(url, {"one": self.invitation_b.pk}, **HOST_A)
        self.client.post(url, {"bulk": "1", "invitation": [self.invitation_b.pk]}, **HOST_A)
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(ImportInvitation.objects.get(pk=self.invitation_b.pk).sent_count, 0)  # never sent

    # the academy --------------------------------------------------------------------------------------------------

    def test_the_academy_sees_and_resends_every_school_from_its_host(self):
        own = self.imported(course=self.course_a, cohort=self.cohort_a)
        self.client.force_login(self.academy)
        response = self.client.get(reverse("learners_invitations"))
        self.assertEqual(len(response.context["invitations"]), 3)
        self.assertEqual({record.pk for record in response.context["imports"]}, {own.pk, self.import_b.pk})
        for record in (own, self.import_b):
            page = self.client.get(reverse("learners_bulk_enrol_result", args=[record.pk]))
            self.assertEqual(page.status_code, 200)
        ImportInvitation.objects.update(last_sent_at=timezone.now() - timedelta(minutes=30))
        mail.outbox.clear()
        ids = list(ImportInvitation.objects.values_list("pk", flat=True))
        response = self.client.post(reverse("learners_invitations"), {"bulk": "1", "invitation": ids}, follow=True)
        self.assertContains(response, "Invitación reenviada a 3 personas")
        hosts = {message.to[0]: message.body for message in mail.outbox}
        self.assertIn("http://valparaiso.localhost/invitacion/", hosts["ines.zzbeta@example.cl"])
        self.assertIn("Escuela Ciudadana de Valparaíso", hosts["ines.zzbeta@example.cl"])
        self.assertIn("http://penalolen.localhost/invitacion/", hosts["marta@example.cl"])

    def test_the_academys_own_import_invites_from_the_academys_address(self):
        self.client.force_login(self.academy)
        catalogue = CourseIndexPage.objects.get(pk=self.national.get_parent().pk)
        academy_course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Curso de la academia")
        academy_course.save_revision().publish()
        preview = self.upload(course=academy_course, user=self.academy, host={})
        self.confirm(preview.context["token"], host={})
        self.assertIn("http://testserver/invitacion/", mail.outbox[0].body)
