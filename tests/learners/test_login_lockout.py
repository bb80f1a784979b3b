"""Issue 12 item 3: failed log-ins slow down one (account, IP) pair instead of locking the account for everyone or
every account behind an address; an address failing on many accounts is refused; staff see and lift locks."""

from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from learners.models import AuditEvent
from tests.factories.learners import make_user
from tests.learners.test_accounts import LOGIN, PASSWORD, AccountTestCase, link_in, make_account

User = get_user_model()
DASHBOARD = reverse("learners:dashboard")
LOCKS = "/admin/learners/login-locks/"
OWNER = "ana@example.cl"
HOME_IP, ATTACKER_IP, SCHOOL_IP = "190.1.1.1", "45.9.9.9", "200.10.10.10"


def locks():
    from learners.models import LoginLock

    return LoginLock.objects


def later(seconds):
    return mock.patch("learners.accounts.throttle._now", return_value=timezone.now() + timedelta(seconds=seconds))


@override_settings(
    LEARNERS_LOGIN_FAILURE_LIMIT=5,
    LEARNERS_LOGIN_FIRST_DELAY_SECONDS=60,
    LEARNERS_LOGIN_LOCKOUT_SECONDS=900,
    LEARNERS_LOGIN_IP_ACCOUNT_LIMIT=30,
    LEARNERS_LOGIN_WINDOW_SECONDS=3600,
)
class LockoutTestCase(AccountTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.owner = make_account(email=OWNER)

    def login(self, email=OWNER, password=PASSWORD, ip=HOME_IP):
        self.client.logout()
        return self.client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)

    def assertLogsIn(self, response):
        self.assertRedirects(response, DASHBOARD, fetch_redirect_response=False)

    def assertLocked(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].has_error("__all__", "locked"), response.context["form"].errors)


class PerPairTests(LockoutTestCase):
    def test_an_attacker_does_not_lock_the_owner_out_from_her_own_address(self):
        for _attempt in range(40):
            self.login(password="adivinando", ip=ATTACKER_IP)
        self.assertLocked(self.login(ip=ATTACKER_IP))  # the attacker's own address is slowed down
        self.assertLogsIn(self.login(ip=HOME_IP))

    def test_the_delay_grows_with_each_further_failure_up_to_the_limit(self):
        waits = []
        elapsed = 0
        for _attempt in range(10):
            with later(elapsed):
                self.login(password="adivinando", ip=ATTACKER_IP)
                lock = locks().filter(kind="pair", ip=ATTACKER_IP).first()
            if lock is not None:
                wait = round((lock.locked_until - (timezone.now() + timedelta(seconds=elapsed))).total_seconds())
                waits.append(wait)
                elapsed += wait + 1
        self.assertEqual(waits, [60, 120, 240, 480, 900, 900])

    def test_the_owner_logs_in_after_the_short_delay(self):
        for _attempt in range(5):
            self.login(password="equivocada", ip=HOME_IP)
        self.assertLocked(self.login(ip=HOME_IP))
        with later(61):
            self.assertLogsIn(self.login(ip=HOME_IP))
        self.assertFalse(locks().exists())

    def test_an_unknown_account_is_counted_like_a_known_one(self):
        for _attempt in range(5):
            response = self.login(email="nadie@example.cl", password="x", ip=ATTACKER_IP)
        self.assertLocked(response)


class SharedAddressTests(LockoutTestCase):
    def test_a_computer_room_with_many_honest_mistakes_is_not_locked(self):
        people = [make_user(email=f"vecina{number}@example.cl", password=PASSWORD) for number in range(25)]
        for person in people:
            for _mistake in range(2):
                self.login(email=person.email, password="me-equivoque", ip=SCHOOL_IP)
        for person in people:
            self.assertLogsIn(self.login(email=person.email, ip=SCHOOL_IP))
        self.assertLogsIn(self.login(ip=SCHOOL_IP))
        self.assertFalse(locks().exists())

    def test_an_address_failing_on_many_accounts_is_refused_for_every_account(self):
        for number in range(30):
            self.login(email=f"filtrada{number}@example.cl", password="clave-filtrada", ip=ATTACKER_IP)
        lock = locks().get(kind="ip")
        self.assertEqual((lock.ip, lock.account), (ATTACKER_IP, ""))
        self.assertLocked(self.login(ip=ATTACKER_IP))  # even a right password from there
        self.assertLogsIn(self.login(ip=HOME_IP))  # the owner elsewhere is not affected
        with later(901):
            self.assertLogsIn(self.login(ip=ATTACKER_IP))

    def test_the_admin_log_in_follows_the_same_rule(self):
        make_user(email="academia@example.cl", password="clave-correcta-2026", is_staff=True, is_superuser=True)
        for _attempt in range(5):
            self.client.post(
                "/admin/login/", {"username": "academia@example.cl", "password": "x"}, REMOTE_ADDR=ATTACKER_IP
            )
        refused = self.client.post(
            "/admin/login/",
            {"username": "academia@example.cl", "password": "clave-correcta-2026"},
            REMOTE_ADDR=ATTACKER_IP,
        )
        self.assertTrue(refused.context["form"].has_error("__all__", "locked"))
        allowed = self.client.post(
            "/admin/login/", {"username": "academia@example.cl", "password": "clave-correcta-2026"}, REMOTE_ADDR=HOME_IP
        )
        self.assertEqual(allowed.status_code, 302)

    def test_a_password_reset_lifts_the_locks_of_the_account(self):
        for ip in (HOME_IP, ATTACKER_IP):
            for _attempt in range(5):
                self.login(password="equivocada", ip=ip)
        self.assertEqual(locks().count(), 2)
        self.client.post("/cuenta/clave/", {"email": OWNER})
        form_url = self.client.get(link_in(mail.outbox[0], "/cuenta/clave/nueva/")).url
        self.client.post(form_url, {"new_password1": "otra-clave-larga-2027", "new_password2": "otra-clave-larga-2027"})
        self.assertFalse(locks().exists())
        self.assertLogsIn(self.login(password="otra-clave-larga-2027", ip=HOME_IP))


class StaffLockViewTests(LockoutTestCase):
    def lock_owner(self):
        for _attempt in range(5):
            self.login(password="equivocada", ip=ATTACKER_IP)
        return locks().get()

    def academy_member(self):
        from cms import roles

        roles.roles_sync()  # the groups came from a migration, before this model's permissions existed
        user = make_user(email="academia@example.cl")
        user.groups.add(Group.objects.get(name=roles.ACADEMY))
        return user

    def test_staff_see_the_lock_and_lift_it(self):
        lock = self.lock_owner()
        self.client.force_login(self.academy_member())
        page = self.client.get(LOCKS)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, OWNER)
        self.assertContains(page, ATTACKER_IP)
        self.assertContains(page, "Levantar")
        response = self.client.post(LOCKS, {"lock": lock.pk})
        self.assertRedirects(response, LOCKS)
        self.assertFalse(locks().exists())
        event = AuditEvent.objects.get(action="login_lock.lifted")
        self.assertNotIn(OWNER, str(event.data))
        self.assertLogsIn(self.login(ip=ATTACKER_IP))

    def test_lifting_forgets_the_failures(self):
        lock = self.lock_owner()
        self.client.force_login(self.academy_member())
        self.client.post(LOCKS, {"lock": lock.pk})
        for _attempt in range(4):
            response = self.login(password="equivocada", ip=ATTACKER_IP)
        self.assertTrue(response.context["form"].has_error("__all__", "invalid_login"))

    def test_the_menu_shows_the_page_under_escuela_ciudadana(self):
        self.client.force_login(self.academy_member())
        self.assertContains(self.client.get("/admin/"), LOCKS)

    def test_learners_and_staff_without_the_permission_cannot_reach_it(self):
        lock = self.lock_owner()
        self.client.force_login(self.owner)
        self.assertEqual(self.client.get(LOCKS).status_code, 302)  # not admin staff: to the admin log-in
        self.client.post(LOCKS, {"lock": lock.pk})
        instructor = make_user(email="instructora@example.cl", is_staff=True)
        instructor.user_permissions.add(Permission.objects.get(codename="access_admin"))
        self.client.force_login(instructor)
        self.assertNotEqual(self.client.get(LOCKS).status_code, 200)
        self.client.post(LOCKS, {"lock": lock.pk})
        self.assertNotContains(self.client.get("/admin/"), LOCKS)
        viewer = make_user(email="solo-ver@example.cl", is_staff=True)
        viewer.user_permissions.add(
            Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_loginlock")
        )
        self.client.force_login(viewer)
        page = self.client.get(LOCKS)
        self.assertContains(page, OWNER)
        self.assertNotContains(page, "Levantar")
        self.client.post(LOCKS, {"lock": lock.pk})
        self.assertTrue(locks().filter(pk=lock.pk).exists())

    def test_bad_input_is_no_server_error(self):
        self.client.force_login(self.academy_member())
        for value in ["", "abc", "9" * 25, "-1", "１"]:
            self.assertEqual(self.client.post(LOCKS, {"lock": value}).status_code, 302)
