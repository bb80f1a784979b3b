"""People the school enrolled from a CSV file claim their account with a password-reset link and add their year
of birth, which the five-column file does not carry."""

import re
from io import StringIO

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from learners.imports.parsing import parse_enrolment_csv
from learners.imports.services import import_enrolments
from learners.models import Consent, Enrolment, LearnerProfile
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import make_user

FILE = "run,nombres,apellidos,email,comuna\n12.345.678-5,Rosa,Huenchullán,rosa@example.cl,13122\n".encode()


class ImportedAccountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_reference_data", stdout=StringIO())
        cls.course = build_course(catalogue=CourseIndexPageFactory(parent=site_root()), modules=1, lessons=1)
        staff = make_user(email="academia@example.cl", is_superuser=True, is_staff=True)
        parsed = parse_enrolment_csv(FILE)
        assert parsed.is_clean, parsed
        import_enrolments(parsed=parsed, course=cls.course, cohort=None, by=staff)

    def test_five_column_file_creates_an_inactive_account_without_birth_year(self):
        profile = LearnerProfile.objects.get(run="12345678-5")
        self.assertIsNone(profile.birth_year)
        self.assertTrue(profile.is_minor, "an unknown age is treated as a minor: nothing about her is published")
        self.assertFalse(profile.user.is_active)
        self.assertFalse(profile.user.has_usable_password())
        self.assertEqual(Enrolment.objects.get().status, Enrolment.Status.ACTIVE)
        consent = Consent.objects.get(user=profile.user)
        self.assertEqual((consent.version, consent.channel), ("csv-import", "import"))

    def test_claim_the_account_then_complete_the_profile(self):
        response = self.client.post("/cuenta/clave/", {"email": "Rosa@Example.cl"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(mail.outbox), 1)
        path = re.search(r"/cuenta/clave/nueva/\S+/", mail.outbox[0].body).group(0)
        form_url = self.client.get(path).url
        response = self.client.post(
            form_url, {"new_password1": "una-clave-larga-2026", "new_password2": "una-clave-larga-2026"}
        )
        self.assertEqual(response.status_code, 302)
        user = get_user_model().objects.get(email="rosa@example.cl")
        self.assertTrue(user.is_active)

        self.assertTrue(self.client.login(username="rosa@example.cl", password="una-clave-larga-2026"))
        # the school accepted the privacy notice for her when it sent the file: she accepts it herself first
        self.assertRedirects(
            self.client.get("/mis-cursos/"), "/cuenta/privacidad/aceptar/?next=%2Fmis-cursos%2F", target_status_code=200
        )
        self.client.post("/cuenta/privacidad/aceptar/", {"accept": "on"})
        self.assertTrue(self.client.get("/mis-cursos/").context["profile_incomplete"])
        profile = self.client.get("/cuenta/perfil/")
        self.assertIn("birth_year", profile.context["form"].fields)
        data = {
            "given_names": "Rosa",
            "family_names": "Huenchullán",
            "comuna": "13122",
            "learner_type": "citizen",
            "birth_year": "1962",
        }
        self.client.post("/cuenta/perfil/", data)
        self.assertEqual(LearnerProfile.objects.get(user=user).birth_year, 1962)
        self.assertFalse(self.client.get("/mis-cursos/").context["profile_incomplete"])

    def test_birth_year_cannot_be_changed_once_known(self):
        profile = LearnerProfile.objects.get(run="12345678-5")
        profile.birth_year = 1962
        profile.save()
        user = profile.user
        user.is_active = True
        user.set_password("una-clave-larga-2026")
        user.save()
        self.client.force_login(user)
        self.client.post("/cuenta/privacidad/aceptar/", {"accept": "on"})
        self.assertNotIn("birth_year", self.client.get("/cuenta/perfil/").context["form"].fields)

    def test_reset_ignores_inactive_accounts_that_were_not_imported(self):
        make_user(email="pendiente@example.cl", is_active=False)
        self.client.post("/cuenta/clave/", {"email": "pendiente@example.cl"})
        self.assertEqual(len(mail.outbox), 0)
