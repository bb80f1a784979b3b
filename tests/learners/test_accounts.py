"""Sign-up, email confirmation, log-in with throttling, log-out, password reset and the privacy notice."""

import re
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from courses.models import Comuna, Province, Region
from learners.accounts import services
from learners.accounts.tokens import AccountConfirmationTokenGenerator, account_confirmation_token
from learners.models import LearnerProfile

User = get_user_model()
PASSWORD = "una-clave-larga-2026"
SIGNUP = "/cuenta/registro/"
LOGIN = "/cuenta/ingresar/"


def make_territory():
    region = Region.objects.create(code="13", name="Metropolitana de Santiago")
    province = Province.objects.create(code="131", name="Santiago", region=region)
    santiago = Comuna.objects.create(code="13101", name="Santiago", province=province, region=region)
    nunoa = Comuna.objects.create(code="13120", name="Ñuñoa", province=province, region=region)
    return santiago, nunoa


def signup_data(**overrides):
    data = {
        "email": "Maria.Gonzalez@Example.cl",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "given_names": "María José",
        "family_names": "González Pérez",
        "document_type": "run",
        "run": "12.345.678-5",
        "document_number": "",
        "birth_year": "1960",
        "phone": "+56 9 1234 5678",
        "comuna": "13101",
        "learner_type": "citizen",
        "municipality": "",
        "organisation_name": "",
        "organisation_type": "",
        "accept_privacy": "on",
    }
    data.update(overrides)
    return data


def make_account(*, email="ana@example.cl", run="10000013-K", active=True, comuna_code="13101"):
    user = User.objects.create_user(username=email, email=email, password=PASSWORD, is_active=active)
    LearnerProfile.objects.create(
        user=user,
        given_names="Ana",
        family_names="Rojas",
        run=run,
        comuna_id=comuna_code,
        learner_type="citizen",
        birth_year=1970,
        privacy_notice_version="test",
        privacy_accepted_at=timezone.now(),
    )
    if not active:  # inactive here means "never confirmed"
        LearnerProfile.objects.filter(user=user).update(email_confirmed_at=None)
    return user


def link_in(message, prefix):
    match = re.search(r"http://testserver(" + re.escape(prefix) + r"\S+/)", message.body)
    assert match, message.body
    return match.group(1)


class AccountTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.santiago, cls.nunoa = make_territory()

    def setUp(self):
        cache.clear()


class SignupTests(AccountTestCase):
    def test_page_renders_every_field_with_autocomplete(self):
        response = self.client.get(SIGNUP)
        self.assertEqual(response.status_code, 200)
        for attribute in [
            'autocomplete="email"',
            'autocomplete="new-password"',
            'autocomplete="given-name"',
            'autocomplete="family-name"',
            'autocomplete="bday-year"',
            'autocomplete="tel"',
            'inputmode="numeric"',
            'name="accept_privacy"',
            'href="/cuenta/privacidad/"',
            "learners/js/comuna.js",
        ]:
            self.assertContains(response, attribute)

    def test_happy_path_creates_inactive_user_profile_and_sends_one_email(self):
        response = self.client.post(SIGNUP, signup_data())
        self.assertRedirects(response, reverse("accounts:signup_done"))
        user = User.objects.get()
        self.assertEqual(user.username, "maria.gonzalez@example.cl")
        self.assertEqual(user.email, "maria.gonzalez@example.cl")
        self.assertFalse(user.is_active)
        self.assertTrue(user.check_password(PASSWORD))
        self.assertEqual((user.first_name, user.last_name), ("María José", "González Pérez"))
        profile = user.learner_profile
        self.assertEqual(profile.run, "12345678-5")
        self.assertEqual(profile.document_type, "run")
        self.assertEqual(profile.comuna, self.santiago)
        self.assertEqual(profile.phone, "+56 9 1234 5678")
        self.assertIsNone(profile.municipality)
        self.assertEqual(profile.privacy_notice_version, settings.LEARNERS_PRIVACY_NOTICE_VERSION)
        self.assertLess(timezone.now() - profile.privacy_accepted_at, timedelta(minutes=1))
        self.assertFalse(profile.is_minor)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["maria.gonzalez@example.cl"])
        self.assertIn("/cuenta/confirmar/", mail.outbox[0].body)
        self.assertTrue(mail.outbox[0].subject.strip())
        self.assertNotIn("\n", mail.outbox[0].subject)
        self.assertContains(self.client.get(reverse("accounts:signup_done")), "maria.gonzalez@example.cl")

    def test_confirmation_link_activates_and_logs_in(self):
        self.client.post(SIGNUP, signup_data())
        path = link_in(mail.outbox[0], "/cuenta/confirmar/")
        response = self.client.get(path)
        self.assertRedirects(response, reverse("learners:dashboard"), fetch_redirect_response=False)
        user = User.objects.get()
        self.assertTrue(user.is_active)
        self.assertEqual(int(self.client.session["_auth_user_id"]), user.pk)

    def test_used_link_sends_to_login(self):
        self.client.post(SIGNUP, signup_data())
        path = link_in(mail.outbox[0], "/cuenta/confirmar/")
        self.client.get(path)
        self.client.post("/cuenta/salir/")
        response = self.client.get(path)
        self.assertRedirects(response, LOGIN)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_invalid_token_and_password_reset_token_are_refused(self):
        user = make_account(active=False)
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        for token in ["abc-123", default_token_generator.make_token(user)]:
            with self.subTest(token=token):
                response = self.client.get(f"/cuenta/confirmar/{uid}/{token}/")
                self.assertEqual(response.status_code, 400)
                self.assertTemplateUsed(response, "learners/accounts/confirm_invalid.html")
        response = self.client.get(f"/cuenta/confirmar/not-a-uid/{account_confirmation_token.make_token(user)}/")
        self.assertEqual(response.status_code, 400)
        user.refresh_from_db()
        self.assertFalse(user.is_active)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_expired_token_is_refused(self):
        user = make_account(active=False)
        path = f"/cuenta/confirmar/{urlsafe_base64_encode(force_bytes(user.pk))}/"
        path += f"{account_confirmation_token.make_token(user)}/"
        later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
        with mock.patch.object(AccountConfirmationTokenGenerator, "_now", return_value=later):
            response = self.client.get(path)
        self.assertEqual(response.status_code, 400)
        user.refresh_from_db()
        self.assertFalse(user.is_active)

    def test_double_submit_creates_one_user(self):
        first = self.client.post(SIGNUP, signup_data())
        second = self.client.post(SIGNUP, signup_data())
        self.assertRedirects(first, reverse("accounts:signup_done"))
        self.assertRedirects(second, reverse("accounts:signup_done"))
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual(LearnerProfile.objects.count(), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_duplicate_email_in_other_case(self):
        make_account(email="maria.gonzalez@example.cl", run="10000013-K")
        response = self.client.post(SIGNUP, signup_data(email="MARIA.gonzalez@example.CL"))
        self.assertRedirects(response, reverse("accounts:signup_done"))  # the same answer as a new person's
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual([message.to for message in mail.outbox], [["maria.gonzalez@example.cl"]])
        self.assertIn("/cuenta/clave/", mail.outbox[0].body)  # how to recover the password

    def test_duplicate_run_in_another_format(self):
        make_account(email="otra@example.cl", run="12345678-5")
        response = self.client.post(SIGNUP, signup_data(run="123456785"))
        self.assertRedirects(response, reverse("accounts:signup_done"))
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual([message.to for message in mail.outbox], [["otra@example.cl"]])

    def test_service_turns_races_into_conflicts(self):
        fields = {
            "given_names": "Ana",
            "family_names": "Rojas",
            "document_type": "run",
            "run": "12345678-5",
            "comuna": self.santiago,
            "learner_type": "citizen",
            "birth_year": 1970,
        }
        services.account_create(email="ana@example.cl", password=PASSWORD, profile=fields)
        with self.assertRaises(services.AccountConflict) as caught:
            services.account_create(email="ANA@example.cl", password=PASSWORD, profile={**fields, "run": "10000013-K"})
        self.assertEqual(caught.exception.field, "email")
        with self.assertRaises(services.AccountConflict) as caught:
            services.account_create(email="otra@example.cl", password=PASSWORD, profile=fields)
        self.assertEqual(caught.exception.field, "run")
        self.assertEqual(User.objects.count(), 1)

    def test_under_14_is_refused(self):
        year = timezone.localdate().year
        response = self.client.post(SIGNUP, signup_data(birth_year=str(year - 13)))
        self.assertTrue(response.context["form"].has_error("birth_year", "too_young"))
        self.assertFalse(User.objects.exists())
        self.assertEqual(len(mail.outbox), 0)

    def test_14_to_17_accepted_and_flagged(self):
        year = timezone.localdate().year
        for age, run, minor in [(14, "12345678-5", True), (17, "10000013-K", True), (18, "10000004-0", False)]:
            with self.subTest(age=age):
                email = f"persona{age}@example.cl"
                response = self.client.post(SIGNUP, signup_data(email=email, run=run, birth_year=str(year - age)))
                self.assertRedirects(response, reverse("accounts:signup_done"))
                self.assertEqual(LearnerProfile.objects.get(user__username=email).is_minor, minor)

    def test_implausible_years(self):
        year = timezone.localdate().year
        for value, code in [(str(year + 1), "future"), ("1899", "implausible"), ("60", "implausible")]:
            with self.subTest(value=value):
                form = self.client.post(SIGNUP, signup_data(birth_year=value)).context["form"]
                self.assertTrue(form.has_error("birth_year", code))
        self.assertTrue(self.client.post(SIGNUP, signup_data(birth_year="mil")).context["form"].has_error("birth_year"))

    def test_municipal_staff_requires_municipality(self):
        response = self.client.post(SIGNUP, signup_data(learner_type="municipal_staff"))
        self.assertTrue(response.context["form"].has_error("municipality", "required"))
        self.assertFalse(User.objects.exists())
        response = self.client.post(SIGNUP, signup_data(learner_type="municipal_staff", municipality="13120"))
        self.assertRedirects(response, reverse("accounts:signup_done"))
        self.assertEqual(LearnerProfile.objects.get().municipality, self.nunoa)

    def test_municipality_is_dropped_for_other_learner_types(self):
        self.client.post(SIGNUP, signup_data(learner_type="social_leader", municipality="13120"))
        self.assertIsNone(LearnerProfile.objects.get().municipality)

    def test_passport_requires_a_number_unique_per_type(self):
        response = self.client.post(SIGNUP, signup_data(document_type="passport", run=""))
        self.assertTrue(response.context["form"].has_error("document_number", "required"))
        response = self.client.post(SIGNUP, signup_data(document_type="passport", run="", document_number="ab 12345"))
        self.assertRedirects(response, reverse("accounts:signup_done"))
        profile = LearnerProfile.objects.get()
        self.assertEqual((profile.run, profile.document_number), (None, "AB12345"))
        response = self.client.post(
            SIGNUP, signup_data(email="b@example.cl", document_type="passport", run="", document_number="AB12345")
        )
        self.assertRedirects(response, reverse("accounts:signup_done"))  # no second account, and no tell-tale error
        self.assertFalse(User.objects.filter(username="b@example.cl").exists())
        response = self.client.post(
            SIGNUP, signup_data(email="c@example.cl", document_type="other", run="", document_number="AB12345")
        )
        self.assertRedirects(response, reverse("accounts:signup_done"))

    def test_privacy_notice_must_be_accepted(self):
        data = signup_data()
        del data["accept_privacy"]
        self.assertTrue(self.client.post(SIGNUP, data).context["form"].has_error("accept_privacy", "required"))
        self.assertFalse(User.objects.exists())

    def test_passwords_must_match_and_pass_the_validators(self):
        form = self.client.post(SIGNUP, signup_data(password2="otra-clave-2026")).context["form"]
        self.assertTrue(form.has_error("password2", "mismatch"))
        form = self.client.post(SIGNUP, signup_data(password1="12345678", password2="12345678")).context["form"]
        self.assertTrue(form.has_error("password1"))
        self.assertFalse(User.objects.exists())

    def test_errors_are_linked_to_their_fields(self):
        response = self.client.post(SIGNUP, signup_data(run="12.345.678-9"))
        self.assertContains(response, 'aria-invalid="true"')
        self.assertContains(response, 'aria-describedby="id_run_helptext id_run_error"')
        self.assertContains(response, 'id="id_run_error"')
        self.assertContains(response, 'href="#id_run"')

    def test_logged_in_user_is_sent_to_her_courses(self):
        self.client.force_login(make_account())
        self.assertRedirects(self.client.get(SIGNUP), reverse("learners:dashboard"), fetch_redirect_response=False)


class ComunaListTests(TestCase):
    """The comuna list is the official one, grouped by region, and costs the same queries whatever its size."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_reference_data", stdout=StringIO())

    def test_grouped_by_region_with_every_comuna(self):
        html = self.client.get(SIGNUP).content.decode()
        start = html.index('<select name="comuna"')
        select = html[start : html.index("</select>", start)]
        self.assertEqual(select.count("<optgroup"), 16)
        self.assertEqual(select.count("<option") - 1, 346)
        self.assertIn('<optgroup label="Región de Tarapacá" data-region="01">', select)
        self.assertIn('<optgroup label="Región del Maule" data-region="07">', select)
        self.assertIn('<optgroup label="Región Metropolitana de Santiago" data-region="13">', select)
        self.assertLess(select.index("Región de Tarapacá"), select.index("Región de Antofagasta"))
        self.assertLess(select.index(">Ñuñoa<"), select.index(">Padre Hurtado<"))
        self.assertIn('<select name="municipality"', html)
        self.assertIn("data-region-select", html)

    def test_comuna_queries_are_constant(self):
        self.client.get(SIGNUP)
        with CaptureQueriesContext(connection) as captured:
            self.client.get(SIGNUP)
        territory = [query["sql"] for query in captured if "courses_" in query["sql"]]
        comuna_queries = [sql for sql in territory if "courses_comuna" in sql]
        self.assertEqual(len(comuna_queries), 2)  # one per list (comuna, municipality), regions joined in
        self.assertTrue(all("courses_region" in sql for sql in comuna_queries))
        self.assertEqual(len(territory), 3)  # plus the regions for the region filters


class ResendConfirmationTests(AccountTestCase):
    def test_unconfirmed_account_gets_a_new_link(self):
        make_account(email="ana@example.cl", active=False)
        response = self.client.post("/cuenta/confirmar/reenviar/", {"email": "ANA@example.cl"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["sent"])
        self.assertEqual(len(mail.outbox), 1)
        path = link_in(mail.outbox[0], "/cuenta/confirmar/")
        self.assertRedirects(self.client.get(path), reverse("learners:dashboard"), fetch_redirect_response=False)

    def test_unknown_or_active_accounts_get_the_same_answer_and_no_email(self):
        make_account(email="activa@example.cl", active=True)
        for email in ["nadie@example.cl", "activa@example.cl"]:
            response = self.client.post("/cuenta/confirmar/reenviar/", {"email": email})
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.context["sent"])
        self.assertEqual(len(mail.outbox), 0)

    def test_one_email_a_minute(self):
        make_account(email="ana@example.cl", active=False)
        for _ in range(3):
            self.client.post("/cuenta/confirmar/reenviar/", {"email": "ana@example.cl"})
        self.assertEqual(len(mail.outbox), 1)


@override_settings(LEARNERS_LOGIN_FAILURE_LIMIT=5, LEARNERS_LOGIN_LOCKOUT_SECONDS=900)
class LoginTests(AccountTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.user = make_account(email="ana@example.cl")

    def login(self, email="ana@example.cl", password=PASSWORD, ip="10.0.0.1"):
        return self.client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)

    def assertLoggedIn(self, user=None):
        self.assertEqual(int(self.client.session["_auth_user_id"]), (user or self.user).pk)

    def assertNotLoggedIn(self):
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_log_in_with_email_in_any_case(self):
        response = self.login(email="Ana@Example.CL")
        self.assertRedirects(response, reverse("learners:dashboard"), fetch_redirect_response=False)
        self.assertLoggedIn()

    def test_page_has_email_and_current_password_autocomplete(self):
        response = self.client.get(LOGIN)
        self.assertContains(response, 'autocomplete="email"')
        self.assertContains(response, 'autocomplete="current-password"')
        self.assertContains(response, 'href="/cuenta/clave/"')

    def test_wrong_password(self):
        response = self.login(password="equivocada")
        self.assertTrue(response.context["form"].has_error("__all__", "invalid_login"))
        self.assertNotLoggedIn()

    def test_unknown_email_gets_the_same_error(self):
        response = self.login(email="nadie@example.cl")
        self.assertTrue(response.context["form"].has_error("__all__", "invalid_login"))

    def test_unconfirmed_account_is_refused_with_a_resend_option(self):
        make_account(email="nueva@example.cl", run="12345678-5", active=False)
        response = self.login(email="nueva@example.cl")
        self.assertTrue(response.context["form"].has_error("__all__", "inactive"))
        self.assertContains(response, 'action="/cuenta/confirmar/reenviar/"')
        self.assertContains(response, 'value="nueva@example.cl"')
        self.assertNotLoggedIn()

    def test_unconfirmed_account_with_wrong_password_reveals_nothing(self):
        make_account(email="nueva@example.cl", run="12345678-5", active=False)
        response = self.login(email="nueva@example.cl", password="equivocada")
        self.assertTrue(response.context["form"].has_error("__all__", "invalid_login"))
        self.assertNotContains(response, 'action="/cuenta/confirmar/reenviar/"')

    def test_five_failures_slow_down_that_address_until_the_delay_passes(self):
        for _attempt in range(4):
            self.assertTrue(self.login(password="equivocada").context["form"].has_error("__all__", "invalid_login"))
        fifth = self.login(password="equivocada")
        self.assertTrue(fifth.context["form"].has_error("__all__", "locked"))
        with translation.override("en"):
            self.assertIn("espera 1 minuto ", fifth.context["form"].non_field_errors()[0])
        self.assertTrue(self.login().context["form"].has_error("__all__", "locked"))  # right password, same IP
        self.assertNotLoggedIn()
        with mock.patch("learners.accounts.throttle._now", return_value=timezone.now() + timedelta(seconds=61)):
            response = self.login()
        self.assertRedirects(response, reverse("learners:dashboard"), fetch_redirect_response=False)
        self.assertLoggedIn()

    def test_failures_on_a_few_emails_do_not_lock_the_address(self):
        for number in range(5):
            self.login(email=f"intento{number}@example.cl", password="equivocada", ip="10.0.0.7")
        self.assertRedirects(self.login(ip="10.0.0.7"), reverse("learners:dashboard"), fetch_redirect_response=False)

    def test_success_clears_the_failures_of_that_address(self):
        for _ in range(4):
            self.login(password="equivocada", ip="10.0.0.1")
        self.login(ip="10.0.0.1")
        self.client.post("/cuenta/salir/")
        for _ in range(4):
            response = self.login(password="equivocada", ip="10.0.0.1")
        self.assertTrue(response.context["form"].has_error("__all__", "invalid_login"))
        self.assertRedirects(self.login(ip="10.0.0.1"), reverse("learners:dashboard"), fetch_redirect_response=False)

    @override_settings(LEARNERS_LOGIN_FAILURE_LIMIT=2, LEARNERS_LOGIN_FIRST_DELAY_SECONDS=180)
    def test_limits_come_from_settings(self):
        self.login(password="equivocada")
        response = self.login(password="equivocada")
        self.assertTrue(response.context["form"].has_error("__all__", "locked"))
        with translation.override("en"):
            self.assertIn("espera 3 minutos", response.context["form"].non_field_errors()[0])

    def test_log_out_is_post_only(self):
        self.client.force_login(self.user)
        self.assertEqual(self.client.get("/cuenta/salir/").status_code, 405)
        self.assertLoggedIn()
        self.assertRedirects(self.client.post("/cuenta/salir/"), "/", fetch_redirect_response=False)
        self.assertNotLoggedIn()


class PasswordResetTests(AccountTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.user = make_account(email="ana@example.cl")

    def test_existing_and_unknown_addresses_get_the_same_page(self):
        known = self.client.post("/cuenta/clave/", {"email": "ANA@example.cl"})
        unknown = self.client.post("/cuenta/clave/", {"email": "nadie@example.cl"})
        self.assertRedirects(known, reverse("accounts:password_reset_done"))
        self.assertRedirects(unknown, reverse("accounts:password_reset_done"))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["ana@example.cl"])
        self.assertIn("/cuenta/clave/nueva/", mail.outbox[0].body)

    def test_unconfirmed_account_gets_no_reset_email(self):
        make_account(email="nueva@example.cl", run="12345678-5", active=False)
        self.client.post("/cuenta/clave/", {"email": "nueva@example.cl"})
        self.assertEqual(len(mail.outbox), 0)

    def test_one_reset_email_a_minute(self):
        for _ in range(3):
            self.client.post("/cuenta/clave/", {"email": "ana@example.cl"})
        self.assertEqual(len(mail.outbox), 1)

    def test_link_sets_a_new_password_logs_in_and_lifts_a_lock(self):
        for _number in range(5):
            self.client.post(LOGIN, {"username": "ana@example.cl", "password": "equivocada"})
        locked = self.client.post(LOGIN, {"username": "ana@example.cl", "password": PASSWORD})
        self.assertTrue(locked.context["form"].has_error("__all__", "locked"))
        self.client.post("/cuenta/clave/", {"email": "ana@example.cl"})
        response = self.client.get(link_in(mail.outbox[0], "/cuenta/clave/nueva/"))
        self.assertEqual(response.status_code, 302)
        new_password = "otra-clave-bien-larga-99"
        response = self.client.post(response.url, {"new_password1": new_password, "new_password2": new_password})
        self.assertRedirects(response, reverse("accounts:password_reset_complete"))
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(new_password))
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.user.pk)
        self.client.post("/cuenta/salir/")
        response = self.client.post(LOGIN, {"username": "ana@example.cl", "password": new_password})
        self.assertRedirects(response, reverse("learners:dashboard"), fetch_redirect_response=False)


class PrivacyAndNavigationTests(AccountTestCase):
    def test_privacy_notice_shows_version_and_contact(self):
        from wagtail.models import Site

        from cms.models import SchoolSettings

        school = SchoolSettings.for_site(Site.objects.get(is_default_site=True))
        school.contact_email = "datos@escuela.cl"
        school.save()
        from learners.models import PrivacyNotice

        current = PrivacyNotice.objects.get()
        current.pk, current.version, current.published_at = None, "2027-01", timezone.now()
        current.save()
        response = self.client.get("/cuenta/privacidad/")
        self.assertContains(response, 'data-notice-version="2027-01"')
        self.assertContains(response, 'href="mailto:datos@escuela.cl"')
        self.assertContains(response, "19.628")
        self.assertContains(response, "21.719")

    def test_menu_for_visitors_and_learners(self):
        response = self.client.get("/cuenta/privacidad/")
        self.assertContains(response, 'href="/cuenta/ingresar/"')
        self.assertContains(response, 'href="/cuenta/registro/"')
        self.assertNotContains(response, 'action="/cuenta/salir/"')
        self.client.force_login(make_account())
        response = self.client.get("/cuenta/privacidad/")
        self.assertContains(response, 'action="/cuenta/salir/"')
        self.assertContains(response, 'href="/mis-cursos/"')
        self.assertNotContains(response, 'href="/cuenta/ingresar/"')
