"""Issue 12 item 1: "never confirmed", "deactivated by staff" and "blocked by a data request" are distinct states,
and no self-service path (log-in, password reset, confirmation resend and link, CSV-import claiming) turns a
deactivated or blocked account back on. Every path is run against every state (one class per state, the same
tests), and the two flows that must keep working (confirming a sign-up, claiming an import) are checked too."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from learners.accounts.tokens import account_confirmation_token
from learners.imports.parsing import parse_enrolment_csv
from learners.imports.services import import_enrolments
from learners.models import LearnerProfile
from learners.privacy import services as privacy_services
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import make_user
from tests.learners.test_accounts import LOGIN, PASSWORD, SIGNUP, AccountTestCase, link_in, signup_data

User = get_user_model()
RESEND = "/cuenta/confirmar/reenviar/"
RESET = "/cuenta/clave/"
EMAIL = "maria.gonzalez@example.cl"
RUN = "12.345.678-5"
NEW_PASSWORD = "otra-clave-muy-larga-77"
UNAVAILABLE = "No puedes ingresar con esta cuenta"


def account_state(user):
    from learners.accounts.states import account_state

    return account_state(user)


class AccountState:
    ACTIVE, UNCONFIRMED, DEACTIVATED, BLOCKED = "active", "unconfirmed", "deactivated", "blocked"


def confirmation_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/cuenta/confirmar/{uid}/{account_confirmation_token.make_token(user)}/"


def page_text(response, email: str) -> str:
    """The page without its CSRF token, its per-response CSP nonces and the email that was typed."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", text).replace(email, "x")


def reset_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/cuenta/clave/nueva/{uid}/{default_token_generator.make_token(user)}/"


class StateTestCase(AccountTestCase):
    """Builds the account in its state in ``make_account`` and keeps the links its owner could hold."""

    state = None
    password = PASSWORD  # None: the account has no password (imported, never claimed)
    has_profile = True

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.staff = make_user(email="academia@example.cl", is_staff=True, is_superuser=True)
        cls.course = build_course(catalogue=CourseIndexPageFactory(parent=site_root()), modules=1, lessons=1)

    def setUp(self):
        super().setUp()
        self.links = []  # confirmation and reset links the owner received or could ask for while she could
        self.user = self.make_account()
        mail.outbox.clear()
        self.client.logout()

    # builders -----------------------------------------------------------------------------------------------

    def signup(self):
        self.client.post(SIGNUP, signup_data())
        self.links.append(link_in(mail.outbox[-1], "/cuenta/confirmar/"))
        return User.objects.get(username=EMAIL)

    def signup_and_confirm(self):
        user = self.signup()
        self.client.get(self.links[-1])
        self.client.post(RESET, {"email": EMAIL})  # a reset link she asked for while she was active
        self.links.append(link_in(mail.outbox[-1], "/cuenta/clave/nueva/"))
        user.refresh_from_db()
        assert user.is_active
        return user

    def imported(self):
        file = f"run,nombres,apellidos,email,comuna\n{RUN},María José,González Pérez,{EMAIL},13101\n".encode()
        import_enrolments(parsed=parse_enrolment_csv(file), course=self.course, cohort=None, by=self.staff)
        return User.objects.get(username=EMAIL)

    def claim(self):
        self.client.post(RESET, {"email": EMAIL})
        path = link_in(mail.outbox[-1], "/cuenta/clave/nueva/")
        form_url = self.client.get(path).url
        self.client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
        self.links.append(path)

    def deactivate(self, user):
        """What staff do in the admin's user form: untick "active"."""
        user.is_active = False
        user.save(update_fields=["is_active"])

    def make_account(self):
        raise NotImplementedError


class RefusedStateMixin:
    """The tests every deactivated or blocked account must pass."""

    def assertStillOff(self):
        self.user.refresh_from_db()
        self.assertFalse(self.user.is_active)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(account_state(self.user), self.state)

    def test_state_is_recorded(self):
        self.assertEqual(account_state(self.user), self.state)

    def test_resend_confirmation_sends_nothing_and_answers_as_for_anyone(self):
        response = self.client.post(RESEND, {"email": EMAIL})
        unknown = self.client.post(RESEND, {"email": "nadie@example.cl"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(page_text(response, EMAIL), page_text(unknown, "nadie@example.cl"))
        self.assertEqual(mail.outbox, [])
        self.assertStillOff()

    def test_confirmation_links_do_not_turn_it_on(self):
        for path in [confirmation_path(self.user)] + [link for link in self.links if "/confirmar/" in link]:
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 400)
                self.assertTemplateUsed(response, "learners/accounts/confirm_invalid.html")
                self.assertStillOff()

    def test_log_in_with_the_right_password_is_refused_without_a_confirmation_offer(self):
        if self.password is None:
            response = self.client.post(LOGIN, {"username": EMAIL, "password": "lo-que-sea-2026"})
            self.assertTrue(response.context["form"].has_error("__all__", "invalid_login"))
        else:
            response = self.client.post(LOGIN, {"username": EMAIL, "password": self.password})
            self.assertTrue(response.context["form"].has_error("__all__", "unavailable"))
            self.assertContains(response, UNAVAILABLE)
        self.assertNotContains(response, 'action="/cuenta/confirmar/reenviar/"')
        self.assertNotContains(response, "confirmado")
        self.assertStillOff()

    def test_wrong_password_gets_the_same_answer_as_an_unknown_email(self):
        response = self.client.post(LOGIN, {"username": EMAIL, "password": "equivocada-2026"})
        self.assertTrue(response.context["form"].has_error("__all__", "invalid_login"))
        self.assertNotContains(response, UNAVAILABLE)

    def test_password_reset_sends_nothing(self):
        response = self.client.post(RESET, {"email": EMAIL})
        self.assertRedirects(response, "/cuenta/clave/enviada/")
        self.assertEqual(mail.outbox, [])
        self.assertStillOff()

    def test_reset_links_do_not_change_the_password_nor_turn_it_on(self):
        before = User.objects.get(pk=self.user.pk).password
        for path in [reset_path(self.user)] + [link for link in self.links if "/clave/nueva/" in link]:
            with self.subTest(path=path):
                response = self.client.get(path, follow=True)
                self.assertFalse(response.context["validlink"])
                form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
                self.client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
                self.assertEqual(User.objects.get(pk=self.user.pk).password, before)
                self.assertStillOff()

    def test_csv_import_of_the_same_person_does_not_make_it_claimable(self):
        file = f"run,nombres,apellidos,email,comuna\n{RUN},María José,González Pérez,{EMAIL},13101\n".encode()
        parsed = parse_enrolment_csv(file)
        self.assertTrue(parsed.is_clean, parsed.codes)
        self.assertEqual(parsed.rows[0].user_id, self.user.pk)
        import_enrolments(parsed=parsed, course=self.course, cohort=None, by=self.staff)
        self.assertStillOff()
        self.client.post(RESET, {"email": EMAIL})
        self.assertEqual(mail.outbox, [])
        response = self.client.get(reset_path(self.user), follow=True)
        self.assertFalse(response.context["validlink"])
        self.assertStillOff()


class DeactivatedAfterConfirmingTests(RefusedStateMixin, StateTestCase):
    """She signed up and confirmed; staff deactivated her account."""

    state = AccountState.DEACTIVATED

    def make_account(self):
        user = self.signup_and_confirm()
        self.deactivate(user)
        return user


class DeactivatedImportedAfterClaimingTests(RefusedStateMixin, StateTestCase):
    """The school imported her, she claimed the account, staff deactivated it."""

    state = AccountState.DEACTIVATED

    def make_account(self):
        user = self.imported()
        self.claim()
        self.deactivate(user)
        return user


class DeactivatedStaffWithoutProfileTests(RefusedStateMixin, StateTestCase):
    """An instructor's account, made in the admin (no learner profile), deactivated: she must not regain the admin."""

    state = AccountState.DEACTIVATED
    has_profile = False

    def make_account(self):
        user = make_user(email=EMAIL, password=PASSWORD, is_staff=True)
        self.client.post(RESET, {"email": EMAIL})
        self.links.append(link_in(mail.outbox[-1], "/cuenta/clave/nueva/"))
        self.deactivate(user)
        return user

    def test_admin_log_in_is_refused(self):
        response = self.client.post("/admin/login/", {"username": EMAIL, "password": PASSWORD})
        self.assertEqual(response.status_code, 200)
        self.assertStillOff()


class BlockedByRequestTests(RefusedStateMixin, StateTestCase):
    """She asked the academy to block her data; the academy carried the request out."""

    state = AccountState.BLOCKED

    def make_account(self):
        user = self.signup_and_confirm()
        privacy_services.learner_block(user=user, by=self.staff)
        return user


class BlockedByWithdrawalTests(RefusedStateMixin, StateTestCase):
    """She withdrew her consent, which blocks her account at once."""

    state = AccountState.BLOCKED

    def make_account(self):
        user = self.signup_and_confirm()
        privacy_services.consent_withdraw(user=user)
        return user


class BlockedBeforeConfirmingTests(RefusedStateMixin, StateTestCase):
    """She signed up, never confirmed, and her account was blocked: the sign-up link must not open it."""

    state = AccountState.BLOCKED

    def make_account(self):
        user = self.signup()
        privacy_services.learner_block(user=user, by=self.staff)
        return user


class BlockedImportedBeforeClaimingTests(RefusedStateMixin, StateTestCase):
    """Imported by the school, blocked before she claimed it: no claim link, no activation."""

    state = AccountState.BLOCKED
    password = None

    def make_account(self):
        user = self.imported()
        privacy_services.learner_block(user=user, by=self.staff)
        return user


# The flows that must keep working ---------------------------------------------------------------------------------


class UnconfirmedSignupTests(StateTestCase):
    state = AccountState.UNCONFIRMED

    def make_account(self):
        return self.signup()

    def test_state_is_unconfirmed_until_the_link_is_opened(self):
        self.assertEqual(account_state(self.user), AccountState.UNCONFIRMED)
        self.assertIsNone(self.user.learner_profile.email_confirmed_at)
        self.client.post(RESEND, {"email": EMAIL})
        self.assertEqual(len(mail.outbox), 1)
        response = self.client.get(link_in(mail.outbox[0], "/cuenta/confirmar/"))
        self.assertRedirects(response, "/mis-cursos/", fetch_redirect_response=False)
        self.user.refresh_from_db()
        self.assertTrue(self.user.is_active)
        self.assertIsNotNone(LearnerProfile.objects.get(user=self.user).email_confirmed_at)
        self.assertEqual(account_state(self.user), AccountState.ACTIVE)

    def test_log_in_offers_a_new_link(self):
        response = self.client.post(LOGIN, {"username": EMAIL, "password": PASSWORD})
        self.assertTrue(response.context["form"].has_error("__all__", "inactive"))
        self.assertContains(response, 'action="/cuenta/confirmar/reenviar/"')

    def test_confirming_then_deactivation_closes_the_first_link(self):
        self.client.get(self.links[0])
        self.client.logout()
        self.deactivate(User.objects.get(pk=self.user.pk))
        response = self.client.get(self.links[0])
        self.assertEqual(response.status_code, 400)
        self.assertFalse(User.objects.get(pk=self.user.pk).is_active)


class UnclaimedImportTests(StateTestCase):
    state = AccountState.UNCONFIRMED
    password = None

    def make_account(self):
        return self.imported()

    def test_claiming_with_a_reset_link_activates_once(self):
        self.assertEqual(account_state(self.user), AccountState.UNCONFIRMED)
        self.client.post(RESEND, {"email": EMAIL})
        self.assertEqual(mail.outbox, [], "an imported account is claimed with a reset link, not a confirmation")
        self.claim()
        self.user.refresh_from_db()
        self.assertTrue(self.user.is_active)
        self.assertEqual(account_state(self.user), AccountState.ACTIVE)
        self.assertIsNotNone(LearnerProfile.objects.get(user=self.user).email_confirmed_at)


class StateMessagesTests(AccountTestCase):
    def test_the_refusal_is_in_spanish_and_names_no_state(self):
        user = make_user(email=EMAIL, password=PASSWORD)
        user.is_active = False
        user.save()
        response = self.client.post(LOGIN, {"username": EMAIL, "password": PASSWORD})
        message = response.context["form"].non_field_errors()[0]
        self.assertIn(UNAVAILABLE, message)
        for word in ["bloque", "desactiv", "confirm", "suspend"]:
            self.assertNotIn(word, message.lower())
        self.assertFalse(re.search(r"\binactive\b", message))
