"""The request's user, read by learners.accounts.backends.ModelBackend with SQL compiled once: the same user as
Django's lookup, one query, and no cache: whatever changes an account (a queryset update() included, which sends
no signal) counts on the very next request."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from learners.accounts.backends import DJANGO_MODEL_BACKEND, MODEL_BACKEND, ModelBackend
from tests.factories.learners import learner, make_user

DASHBOARD = "/mis-cursos/"


def concrete_values(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


class UserLookupTests(TestCase):
    def setUp(self):
        self.learner = learner(email="ana@example.cl")
        self.users = get_user_model().objects.filter(pk=self.learner.pk)

    def test_the_backend_is_the_sites_and_reads_the_same_user_in_one_query(self):
        self.assertEqual(settings.AUTHENTICATION_BACKENDS, [MODEL_BACKEND])
        with self.assertNumQueries(1):
            user = ModelBackend().get_user(self.learner.pk)
        expected = get_user_model().objects.get(pk=self.learner.pk)
        self.assertEqual(concrete_values(user), concrete_values(expected))  # dates converted as the ORM does
        self.assertFalse(user._state.adding)
        self.assertEqual(user._state.db, "default")
        self.assertTrue(user.check_password("clave-segura-123"))

    def test_no_user_and_an_inactive_one_are_none(self):
        self.assertIsNone(ModelBackend().get_user(self.learner.pk + 1000))
        self.users.update(is_active=False)
        self.assertIsNone(ModelBackend().get_user(self.learner.pk))

    def signed_in(self) -> bool:
        response = self.client.get(DASHBOARD)
        if response.status_code == 302:
            self.assertTrue(response["Location"].startswith(reverse("accounts:login")), response["Location"])
            return False
        self.assertEqual(response.status_code, 200)
        return True

    def log_in(self):
        self.assertTrue(self.client.login(username="ana@example.cl", password="clave-segura-123"))
        self.assertEqual(self.client.session[BACKEND_SESSION_KEY], MODEL_BACKEND)
        self.assertTrue(self.signed_in())

    def test_an_account_deactivated_by_a_queryset_update_is_signed_out_on_the_next_request(self):
        self.log_in()
        self.users.update(is_active=False)
        self.assertFalse(self.signed_in())

    def test_a_password_changed_by_a_queryset_update_ends_the_session_on_the_next_request(self):
        self.log_in()
        self.users.update(password=make_password("otra-clave-segura-456"))
        self.assertFalse(self.signed_in())
        self.assertNotIn(SESSION_KEY, self.client.session)  # Django flushed it: the auth hash no longer matches

    def test_a_deleted_account_is_signed_out_on_the_next_request(self):
        self.log_in()
        self.learner.delete()
        self.assertFalse(self.signed_in())

    def test_a_role_taken_away_counts_on_the_next_request(self):
        staff = make_user(email="equipo@example.cl", is_staff=True, is_superuser=True)
        self.client.force_login(staff)
        admin_home = reverse("wagtailadmin_home")
        self.assertEqual(self.client.get(admin_home).status_code, 200)
        get_user_model().objects.filter(pk=staff.pk).update(is_superuser=False)
        self.assertEqual(self.client.get(admin_home).status_code, 302)  # no admin access any more
        get_user_model().objects.filter(pk=staff.pk).update(is_superuser=True)
        self.assertEqual(self.client.get(admin_home).status_code, 200)

    def test_a_group_removed_counts_on_the_next_request(self):
        editors = Group.objects.get(name="Editors")
        staff = make_user(email="editora@example.cl", is_staff=True)
        staff.groups.add(editors)
        self.client.force_login(staff)
        admin_home = reverse("wagtailadmin_home")
        self.assertEqual(self.client.get(admin_home).status_code, 200)
        editors.user_set.remove(staff)
        self.assertEqual(self.client.get(admin_home).status_code, 302)

    def test_a_session_of_djangos_backend_path_stays_signed_in_and_is_carried_over(self):
        """Sessions opened before this backend: nobody is signed out when it is deployed."""
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(self.learner.pk)
        store[BACKEND_SESSION_KEY] = DJANGO_MODEL_BACKEND
        store[HASH_SESSION_KEY] = self.learner.get_session_auth_hash()
        store.create()
        self.client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        self.assertTrue(self.signed_in())
        self.assertEqual(self.client.session[BACKEND_SESSION_KEY], MODEL_BACKEND)
        self.assertTrue(self.signed_in())
        self.users.update(is_active=False)  # and a carried-over session is checked like any other
        self.assertFalse(self.signed_in())

    def test_a_session_of_an_unknown_backend_is_not_signed_in(self):
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(self.learner.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.RemoteUserBackend"
        store[HASH_SESSION_KEY] = self.learner.get_session_auth_hash()
        store.create()
        self.client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        self.assertFalse(self.signed_in())

    def test_signup_and_claveunica_and_imports_log_in_with_this_backend(self):
        from learners.accounts import views
        from learners.accounts.claveunica import views as claveunica_views
        from learners.imports import views as import_views

        self.assertEqual(
            {views.MODEL_BACKEND, claveunica_views.MODEL_BACKEND, import_views.MODEL_BACKEND}, {MODEL_BACKEND}
        )

    def test_the_async_user_carries_over_too(self):
        from asgiref.sync import async_to_sync
        from django.test import RequestFactory

        from learners.accounts.backends import AuthenticationMiddleware

        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(self.learner.pk)
        store[BACKEND_SESSION_KEY] = DJANGO_MODEL_BACKEND
        store[HASH_SESSION_KEY] = self.learner.get_session_auth_hash()
        store.create()
        request = RequestFactory().get(DASHBOARD)
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(store.session_key)
        AuthenticationMiddleware(lambda request: None).process_request(request)
        self.assertEqual(async_to_sync(request.auser)(), self.learner)
        self.assertEqual(request.session[BACKEND_SESSION_KEY], MODEL_BACKEND)
        self.assertTrue(request.session.modified)  # saved by the session middleware on the way out
