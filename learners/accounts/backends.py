"""The signed-in user of every request, read with SQL compiled once (issue 18: the fixed cost of a request).

Django's ``ModelBackend.get_user`` builds and compiles ``User.objects.get(pk=…)`` for every request of a signed-in
person: about two thirds of the CPU of the user lookup goes into the ORM putting the same SELECT together again.
``ModelBackend`` here runs the very SELECT that the ORM compiles (once per database alias), applies the same
converters and builds the user with ``Model.from_db``, as the ORM does. It is not a cache: the row is read from
the database on every request, so a deactivated account, a new password (the session's auth hash), a new role or
group are seen on the very next request, whatever wrote them (a form, the admin, a queryset ``update()``).

Log-in (``authenticate``) and everything else are Django's own. ``AuthenticationMiddleware`` carries the sessions
that were opened with Django's backend path before this one (``DJANGO_MODEL_BACKEND``) over to this one, so
that nobody is signed out when this is deployed.
"""

import threading
from functools import partial

from asgiref.sync import sync_to_async
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.middleware import auser as request_auser
from django.contrib.auth.middleware import get_user as request_user
from django.core.signals import setting_changed
from django.db import connections, router
from django.utils.functional import SimpleLazyObject

MODEL_BACKEND = "learners.accounts.backends.ModelBackend"
DJANGO_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

_compiled: dict[str, tuple] = {}
_compiling = threading.Lock()


def _user_select(alias: str) -> tuple:
    """(SQL, column names, converters) of ``User.objects.get(pk=%s)`` on ``alias``, compiled once by the ORM."""
    found = _compiled.get(alias)
    if found is None:
        with _compiling:
            user_model = get_user_model()
            compiler = user_model._default_manager.using(alias).filter(pk=0).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            if list(params) != [0]:  # the pk is the one parameter: anything else and the ORM must do it
                raise RuntimeError(f"unexpected parameters in the user lookup: {params!r}")
            expressions = [expression for expression, _sql, _alias in compiler.select]
            columns = [expression.target.attname for expression in expressions]
            converters = [
                (index, functions, expression)
                for index, (functions, expression) in compiler.get_converters(expressions).items()
            ]
            found = _compiled[alias] = (sql, columns, converters)
    return found


def _forget_compiled(setting, **kwargs) -> None:
    if setting in ("DATABASES", "AUTH_USER_MODEL", "USE_TZ", "TIME_ZONE"):
        _compiled.clear()


setting_changed.connect(_forget_compiled)


class ModelBackend(DjangoModelBackend):
    """Django's ModelBackend, with the request's user read by SQL compiled once (same query, same row, same
    checks: ``user_can_authenticate`` refuses an inactive account)."""

    def get_user(self, user_id):
        user_model = get_user_model()
        alias = router.db_for_read(user_model)
        sql, columns, converters = _user_select(alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, [user_model._meta.pk.get_db_prep_value(user_id, connection)])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, functions, expression in converters:
            for function in functions:
                values[index] = function(values[index], expression, connection)
        user = user_model.from_db(alias, columns, values)
        return user if self.user_can_authenticate(user) else None


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
