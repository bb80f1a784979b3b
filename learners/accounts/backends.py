"""The signed-in user of every request, read with SQL compiled once (issue 18: the fixed cost of a request).

Django's ``ModelBackend.get_user`` builds and compiles ``User.objects.get(pk=…)`` for every request of a signed-in
person: about two thirds of the CPU of the user lookup goes into the ORM putting the same SELECT together again.
``ModelBackend`` here runs that SELECT compiled once per process and database (``courses.prepared.PreparedQuery``:
the ORM's own SQL, converters and ``Model.from_db``). It is not a cache: the row is read from
the database on every request, so a deactivated account, a new password (the session's auth hash), a new role or
group are seen on the very next request, whatever wrote them (a form, the admin, a queryset ``update()``).

Log-in (``authenticate``) and everything else are Django's own. ``AuthenticationMiddleware`` carries the sessions
that were opened with Django's backend path before this one (``DJANGO_MODEL_BACKEND``) over to this one, so
that nobody is signed out when this is deployed.
"""

from functools import partial

from asgiref.sync import sync_to_async
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.middleware import auser as request_auser
from django.contrib.auth.middleware import get_user as request_user
from django.core.signals import setting_changed
from django.db import router
from django.utils.functional import SimpleLazyObject

from courses.prepared import PreparedQuery

MODEL_BACKEND = "learners.accounts.backends.ModelBackend"
DJANGO_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _user_by_id(user):
    return get_user_model()._default_manager.filter(pk=user)


_USER_BY_ID = PreparedQuery(_user_by_id)  # compiled once per process and database (courses/prepared.py)


def _forget_compiled(setting, **kwargs) -> None:
    if setting == "AUTH_USER_MODEL":
        _USER_BY_ID.forget()


setting_changed.connect(_forget_compiled)


class ModelBackend(DjangoModelBackend):
    """Django's ModelBackend, with the request's user read by SQL compiled once (same query, same row, same
    checks: ``user_can_authenticate`` refuses an inactive account)."""

    def get_user(self, user_id):
        if type(user_id) is not int:  # noqa: E721  (the session's id, as Django's to_python gives it)
            return super().get_user(user_id)
        user = _USER_BY_ID.first(user=user_id, using=router.db_for_read(get_user_model()))
        return user if user is not None and self.user_can_authenticate(user) else None


def _carried_over(request) -> None:
    """A session opened with Django's own ModelBackend path gets this backend's (the same class; the session is
    saved once): Django signs out a session whose backend is no longer in AUTHENTICATION_BACKENDS."""
    if request.session.get(BACKEND_SESSION_KEY) == DJANGO_MODEL_BACKEND:
        request.session[BACKEND_SESSION_KEY] = MODEL_BACKEND


def _user(request):
    _carried_over(request)
    return request_user(request)


async def _auser(request):
    await sync_to_async(_carried_over)(request)
    return await request_auser(request)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's AuthenticationMiddleware, carrying earlier sessions over to ``ModelBackend`` (see above)."""

    def process_request(self, request):
        super().process_request(request)  # refuses to run without the session middleware
        request.user = SimpleLazyObject(lambda: _user(request))
        request.auser = partial(_auser, request)
