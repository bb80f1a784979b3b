"""Issue 12 item 2: sign-up is no oracle for "is this RUN or email registered". It answers the same page, status
and amount of work either way, the owner of an existing account gets an email (in Spanish) instead, and there is
a rate limit per IP and per target (email, RUN or document)."""

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from learners.accounts.run import check_digit
from learners.models import LearnerProfile
from learners.privacy import services as privacy_services
from tests.learners.test_accounts import SIGNUP, AccountTestCase, make_account, signup_data

User = get_user_model()
DONE = reverse("accounts:signup_done")
OWNER_EMAIL = "duena@example.cl"
OWNER_RUN = "12345678-5"


def fresh_run(body: int) -> str:
    return f"{body}-{check_digit(body)}"


def page_without_token(response) -> str:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", text)  # a fresh CSP nonce per response (the school's colours)


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how many passwords it hashes (the expensive step of a sign-up)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


class SameAnswerTests(AccountTestCase):
    def setUp(self):
        super().setUp()
        self.owner = make_account(email=OWNER_EMAIL, run=OWNER_RUN)

    def submit(self, **overrides):
        response = self.client.post(SIGNUP, signup_data(**overrides))
        done = self.client.get(DONE)
        return response, done

    def test_registered_email_run_or_both_get_the_page_a_new_person_gets(self):
        new_response, new_done = self.submit(email="nueva@example.cl", run=fresh_run(15000001))
        cases = {
            "email": {"email": OWNER_EMAIL.upper(), "run": fresh_run(15000002)},
            "run": {"email": "otra@example.cl", "run": "12.345.678-5"},
            "both": {"email": OWNER_EMAIL, "run": OWNER_RUN},
        }
        for name, overrides in cases.items():
            with self.subTest(name):
                response, done = self.submit(**overrides)
                self.assertEqual(response.status_code, new_response.status_code)
                self.assertEqual(response["Location"], new_response["Location"])
                typed = overrides["email"].lower()
                self.assertEqual(
                    page_without_token(done).replace(typed, "X"),
                    page_without_token(new_done).replace("nueva@example.cl", "X"),
                )
        self.assertEqual(User.objects.count(), 2)  # the owner and the genuinely new person

    def test_form_errors_do_not_depend_on_registration(self):
        wrong = {"password2": "otra-clave-distinta-1"}
        registered = self.client.post(SIGNUP, signup_data(email=OWNER_EMAIL, run=OWNER_RUN, **wrong))
        unknown = self.client.post(SIGNUP, signup_data(email="x@example.cl", run=fresh_run(15000003), **wrong))
        self.assertEqual(registered.status_code, unknown.status_code)
        self.assertEqual(
            {name: [e.code for e in errors] for name, errors in registered.context["form"].errors.as_data().items()},
            {name: [e.code for e in errors] for name, errors in unknown.context["form"].errors.as_data().items()},
        )
        self.assertNotContains(registered, "Ya existe una cuenta")

    def test_passport_numbers_get_the_same_answer(self):
        passport = {"document_type": "passport", "run": "", "document_number": "AB123456"}
        first = self.client.post(SIGNUP, signup_data(email="pasaporte@example.cl", **passport))
        second = self.client.post(SIGNUP, signup_data(email="intruso@example.cl", **passport))
        self.assertRedirects(first, DONE)
        self.assertRedirects(second, DONE)
        self.assertFalse(User.objects.filter(username="intruso@example.cl").exists())

    def test_both_paths_hash_the_password_once(self):
        with override_settings(PASSWORD_HASHERS=["tests.learners.test_signup_oracle.CountingHasher"]):
            CountingHasher.calls = 0
            self.client.post(SIGNUP, signup_data(email="nueva@example.cl", run=fresh_run(15000004)))
            new_person = CountingHasher.calls
            CountingHasher.calls = 0
            self.client.post(SIGNUP, signup_data(email="otra@example.cl", run=OWNER_RUN))
            registered = CountingHasher.calls
        self.assertEqual(new_person, 1)
        self.assertEqual(registered, new_person)


class OwnerEmailTests(AccountTestCase):
    def test_active_owner_learns_how_to_log_in_or_reset_in_spanish(self):
        make_account(email=OWNER_EMAIL, run=OWNER_RUN)
        self.client.post(SIGNUP, signup_data(email="intruso@example.cl", run=OWNER_RUN))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [OWNER_EMAIL])
        self.assertIn("Ya tienes una cuenta", message.subject)
        self.assertIn("ya tienes una", message.body)
        self.assertIn(f"Para ingresar, usa tu correo {OWNER_EMAIL}", message.body)
        self.assertIn("http://testserver/cuenta/ingresar/", message.body)
        self.assertIn("http://testserver/cuenta/clave/", message.body)
        self.assertNotIn("intruso", message.body)
        self.assertEqual(User.objects.filter(username="intruso@example.cl").count(), 0)

    def test_owner_of_the_email_and_owner_of_the_run_both_hear_once(self):
        make_account(email=OWNER_EMAIL, run=OWNER_RUN)
        make_account(email="segunda@example.cl", run="10000013-K")
        self.client.post(SIGNUP, signup_data(email=OWNER_EMAIL, run="10000013-K"))
        self.assertEqual(sorted(message.to[0] for message in mail.outbox), [OWNER_EMAIL, "segunda@example.cl"])
        self.client.post(SIGNUP, signup_data(email=OWNER_EMAIL, run="10000013-K"))
        self.assertEqual(len(mail.outbox), 2, "at most one such email per address every ten minutes")

    def test_owner_who_never_confirmed_gets_a_new_confirmation_link(self):
        self.client.post(SIGNUP, signup_data(email=OWNER_EMAIL, run=OWNER_RUN))
        User.objects.filter(username=OWNER_EMAIL).update(date_joined=timezone.now() - timedelta(hours=1))
        mail.outbox.clear()
        self.client.post(SIGNUP, signup_data(email=OWNER_EMAIL, run=OWNER_RUN))
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("/cuenta/confirmar/", mail.outbox[0].body)

    def test_double_submit_sends_no_second_email(self):
        self.client.post(SIGNUP, signup_data())
        self.client.post(SIGNUP, signup_data())
        self.assertEqual(len(mail.outbox), 1)

    def test_imported_owner_is_told_how_to_claim(self):
        user = make_account(email=OWNER_EMAIL, run=OWNER_RUN, active=False)
        user.set_unusable_password()
        user.save()
        LearnerProfile.objects.filter(user=user).update(privacy_notice_version="csv-import")
        self.client.post(SIGNUP, signup_data(email="otra@example.cl", run=OWNER_RUN))
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("La escuela creó tu cuenta", mail.outbox[0].body)
        self.assertIn("http://testserver/cuenta/clave/", mail.outbox[0].body)

    def test_deactivated_and_blocked_owners_get_nothing(self):
        deactivated = make_account(email=OWNER_EMAIL, run=OWNER_RUN)
        deactivated.last_login = timezone.now()
        deactivated.is_active = False
        deactivated.save()
        blocked = make_account(email="bloqueada@example.cl", run="10000013-K")
        privacy_services.learner_block(user=blocked, by=None)
        for data in [{"run": OWNER_RUN}, {"email": "bloqueada@example.cl"}]:
            response = self.client.post(SIGNUP, signup_data(**{"email": "x@example.cl", "run": "10000004-0", **data}))
            self.assertRedirects(response, DONE)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(User.objects.count(), 2)


class SignupRateLimitTests(AccountTestCase):
    @override_settings(LEARNERS_SIGNUP_IP_LIMIT=3, LEARNERS_SIGNUP_TARGET_LIMIT=100)
    def test_per_ip(self):
        for number in range(3):
            response = self.client.post(
                SIGNUP,
                signup_data(email=f"p{number}@example.cl", run=fresh_run(15000010 + number)),
                REMOTE_ADDR="10.0.0.1",
            )
            self.assertRedirects(response, DONE)
        limited = self.client.post(
            SIGNUP, signup_data(email="p9@example.cl", run=fresh_run(15000019)), REMOTE_ADDR="10.0.0.1"
        )
        self.assertEqual(limited.status_code, 429)
        self.assertTrue(limited.context["form"].has_error("__all__", "limited"))
        self.assertContains(limited, "Recibimos demasiados registros", status_code=429)
        self.assertFalse(User.objects.filter(username="p9@example.cl").exists())
        other_ip = self.client.post(
            SIGNUP, signup_data(email="p9@example.cl", run=fresh_run(15000019)), REMOTE_ADDR="10.0.0.2"
        )
        self.assertRedirects(other_ip, DONE)

    @override_settings(LEARNERS_SIGNUP_IP_LIMIT=100, LEARNERS_SIGNUP_TARGET_LIMIT=2)
    def test_per_run_and_per_email_whoever_owns_them(self):
        make_account(email=OWNER_EMAIL, run=OWNER_RUN)
        for target in [{"run": OWNER_RUN}, {"run": fresh_run(15000020)}, {"email": OWNER_EMAIL}]:
            statuses = []
            for number in range(3):
                data = {"email": f"t{number}@example.cl", "run": fresh_run(15000030 + number), **target}
                response = self.client.post(SIGNUP, signup_data(**data), REMOTE_ADDR=f"10.1.{len(statuses)}.{number}")
                statuses.append(response.status_code)
            with self.subTest(target=target):
                self.assertEqual(statuses, [302, 302, 429])
            cache.clear()

    def test_the_limit_is_generous_for_a_computer_room(self):
        for number in range(30):
            data = {"email": f"alumna{number}@example.cl", "run": fresh_run(15000100 + number)}
            self.assertRedirects(self.client.post(SIGNUP, signup_data(**data), REMOTE_ADDR="200.1.1.1"), DONE)
