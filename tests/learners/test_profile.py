"""The learner's own profile page: login required, formatted RUN, corrections, and nobody else's data."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import TestCase
from django.urls import resolve, reverse
from django.utils import timezone

from learners.accounts import services
from learners.models import LearnerProfile
from tests.learners.test_accounts import PASSWORD, make_account, make_territory

PROFILE = "/cuenta/perfil/"


def profile_data(**overrides):
    data = {
        "given_names": "Ana María",
        "family_names": "Rojas Soto",
        "comuna": "13101",
        "learner_type": "citizen",
        "municipality": "",
        "organisation_name": "",
        "organisation_type": "",
        "phone": "",
    }
    data.update(overrides)
    return data


class ProfilePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.santiago, cls.nunoa = make_territory()
        cls.ana = make_account(email="ana@example.cl", run="12345678-5")
        cls.berta = make_account(email="berta@example.cl", run="10000013-K", comuna_code="13120")

    def setUp(self):
        cache.clear()

    def test_login_required(self):
        response = self.client.get(PROFILE)
        self.assertRedirects(response, f"{reverse('accounts:login')}?next={PROFILE}")

    def test_shows_formatted_run_and_no_way_to_edit_identity(self):
        self.client.force_login(self.ana)
        response = self.client.get(PROFILE)
        self.assertContains(response, "12.345.678-5")
        self.assertContains(response, "ana@example.cl")
        for name in ["run", "email", "document_number", "birth_year", "document_type"]:
            self.assertNotContains(response, f'name="{name}"')
        self.assertContains(response, 'name="comuna"')

    def test_updates_comuna_and_names(self):
        self.client.force_login(self.ana)
        response = self.client.post(PROFILE, profile_data(comuna="13120", phone="22 123 4567"))
        self.assertRedirects(response, PROFILE)
        profile = LearnerProfile.objects.get(user=self.ana)
        self.assertEqual(profile.comuna, self.nunoa)
        self.assertEqual(profile.given_names, "Ana María")
        self.assertEqual(profile.phone, "22 123 4567")
        self.ana.refresh_from_db()
        self.assertEqual((self.ana.first_name, self.ana.last_name), ("Ana María", "Rojas Soto"))

    def test_identity_fields_posted_anyway_are_ignored(self):
        self.client.force_login(self.ana)
        self.client.post(
            PROFILE,
            profile_data(run="10.000.004-0", email="otra@example.cl", birth_year="2000", document_type="passport"),
        )
        profile = LearnerProfile.objects.select_related("user").get(user=self.ana)
        self.assertEqual((profile.run, profile.document_type, profile.birth_year), ("12345678-5", "run", 1970))
        self.assertEqual(profile.user.email, "ana@example.cl")

    def test_municipal_staff_needs_the_municipality(self):
        self.client.force_login(self.ana)
        response = self.client.post(PROFILE, profile_data(learner_type="municipal_staff"))
        self.assertTrue(response.context["form"].has_error("municipality", "required"))
        self.client.post(PROFILE, profile_data(learner_type="municipal_staff", municipality="13120"))
        self.assertEqual(LearnerProfile.objects.get(user=self.ana).municipality, self.nunoa)
        self.client.post(PROFILE, profile_data(learner_type="citizen", municipality="13120"))
        self.assertIsNone(LearnerProfile.objects.get(user=self.ana).municipality)

    def test_a_learner_only_ever_sees_and_edits_her_own_profile(self):
        match = resolve(PROFILE)
        self.assertEqual((match.view_name, match.kwargs), ("accounts:profile", {}))  # no id to tamper with
        self.client.force_login(self.ana)
        response = self.client.get(PROFILE, {"user": self.berta.pk, "pk": self.berta.learner_profile.pk})
        self.assertContains(response, "12.345.678-5")
        self.assertNotContains(response, "10.000.013-K")
        self.assertNotContains(response, "berta@example.cl")
        self.client.post(f"{PROFILE}?pk={self.berta.learner_profile.pk}", profile_data(given_names="Cambiado"))
        self.assertEqual(LearnerProfile.objects.get(user=self.berta).given_names, "Ana")
        self.assertEqual(LearnerProfile.objects.get(user=self.ana).given_names, "Cambiado")

    def test_service_never_changes_identity(self):
        profile = LearnerProfile.objects.get(user=self.ana)
        services.profile_update(profile=profile, fields={"run": "10000004-0", "given_names": "Anita"})
        profile.refresh_from_db()
        self.assertEqual((profile.run, profile.given_names), ("12345678-5", "Anita"))


class CompleteProfileTests(TestCase):
    """An account without a learner profile (e.g. made in the admin) is asked to complete one."""

    @classmethod
    def setUpTestData(cls):
        cls.santiago, cls.nunoa = make_territory()
        cls.admin = get_user_model().objects.create_superuser(
            username="admin", email="admin@example.cl", password=PASSWORD, first_name="Carla"
        )

    def test_form_is_shown(self):
        self.client.force_login(self.admin)
        response = self.client.get(PROFILE)
        self.assertTemplateUsed(response, "learners/accounts/profile_complete.html")
        self.assertContains(response, 'name="run"')
        self.assertContains(response, 'name="accept_privacy"')
        self.assertContains(response, 'value="Carla"')
        self.assertNotContains(response, 'name="password1"')

    def test_completing_creates_the_profile_with_privacy_acceptance(self):
        self.client.force_login(self.admin)
        data = profile_data(document_type="run", run="10.000.013-k", birth_year="1975", accept_privacy="on")
        response = self.client.post(PROFILE, data)
        self.assertRedirects(response, PROFILE)
        profile = LearnerProfile.objects.get(user=self.admin)
        self.assertEqual(profile.run, "10000013-K")
        self.assertEqual(profile.privacy_notice_version, settings.LEARNERS_PRIVACY_NOTICE_VERSION)
        self.assertIsNotNone(profile.privacy_accepted_at)
        self.assertContains(self.client.get(PROFILE), "10.000.013-K")

    def test_completing_needs_privacy_acceptance_and_a_free_run(self):
        make_account(email="ana@example.cl", run="10000013-K")
        self.client.force_login(self.admin)
        response = self.client.post(PROFILE, profile_data(run="10.000.013-K", birth_year="1975"))
        form = response.context["form"]
        self.assertTrue(form.has_error("accept_privacy", "required"))
        self.assertTrue(form.has_error("run", "taken"))
        self.assertFalse(LearnerProfile.objects.filter(user=self.admin).exists())

    def test_under_14_cannot_complete(self):
        self.client.force_login(self.admin)
        year = timezone.localdate().year
        data = profile_data(run="10.000.013-K", birth_year=str(year - 10), accept_privacy="on")
        self.assertTrue(self.client.post(PROFILE, data).context["form"].has_error("birth_year", "too_young"))
