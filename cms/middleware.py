import logging
import re
from functools import lru_cache

from csp.constants import HEADER, SELF
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy, default_config
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.datastructures import MultiValueDictKeyError

from courses.converters import MAX_ID

logger = logging.getLogger(__name__)
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ChosenLanguageMiddleware:
    """Spanish unless the visitor picked another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which wraps Spanish course content
    in an English interface for anyone whose phone is set to English. Here only the explicit choice (the
    language cookie that ``set_language`` writes) counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


def _frame_ancestors(policy: str) -> str | None:
    """The value of the frame-ancestors directive in a Content-Security-Policy header, or None."""
    for directive in policy.split(";"):
        name, _sep, value = directive.strip().partition(" ")
        if name.lower() == "frame-ancestors":
            return value.strip()
    return None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the site's three rules.

    - Every response outside the admin gets a nonce in its policy, used or not: templates may write
      ``nonce="{{ request.csp_nonce }}"`` at any point, and a stray 'unsafe-inline' could never take effect.
    - The Wagtail admin gets ``CONTENT_SECURITY_POLICY_ADMIN`` (its allowances are explained in the settings).
    - frame-ancestors follows X-Frame-Options: 'self' where a view (or SameOriginFramingMiddleware) allowed the
      site's own origin, the setting's 'none' everywhere else.

    A response that already carries a policy (the H5P player sets its own) keeps it: django-csp never overwrites.

    The policy is the same for every response of a kind but its nonce, so ``process_response`` builds it once per
    kind (admin or not, framed by its own origin or not) with a stand-in for the nonce, and then only puts the
    request's nonce in (``_policy_template``): django-csp rebuilds it from the settings for each response, about a
    tenth of the CPU of a request that does nothing else. Responses that django-csp's decorators mark, or that carry
    a policy already, and sites with a report-only policy or excluded prefixes take django-csp's own way.
    """

    def process_response(self, request, response):
        if _csp_per_response(response) or _csp_site_wide_extras():
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:  # django-csp leaves Django's debug pages alone
            return response
        admin = _is_admin(request)
        same_origin = response.get("X-Frame-Options", "").upper() == "SAMEORIGIN"
        nonce = None if admin else self._make_nonce(request)
        if nonce is None:
            nonce = getattr(request, "_csp_nonce", None)
        policy = _policy_template(admin, same_origin, nonce is not None)
        if policy:
            response[HEADER] = policy.replace(NONCE_STAND_IN, nonce) if nonce is not None else policy
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        if _is_admin(request):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        else:
            parts.nonce = self._make_nonce(request)
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [SELF]}
        return parts


# What a nonce can never contain (django-csp's nonces are base64): stands for it in a policy built in advance.
NONCE_STAND_IN = "@nonce@"
# Attributes that django-csp's decorators (csp_exempt, csp_update, csp_replace, csp_override) set on a response.
CSP_RESPONSE_ATTRIBUTES = (
    "_csp_exempt",
    "_csp_exempt_ro",
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


def _csp_per_response(response) -> bool:
    """The response has its own policy, or django-csp's decorators marked it."""
    return HEADER in response or any(hasattr(response, name) for name in CSP_RESPONSE_ATTRIBUTES)


@lru_cache(maxsize=1)
def _csp_site_wide_extras() -> bool:
    """A report-only policy or excluded URL prefixes: django-csp's own way, which knows them."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    return bool(getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or policy.get("EXCLUDE_URL_PREFIXES"))


@lru_cache(maxsize=8)
def _policy_template(admin: bool, same_origin: bool, with_nonce: bool) -> str:
    """The Content-Security-Policy header of one kind of response, built by django-csp exactly as
    ``ContentSecurityPolicyMiddleware.get_policy_parts`` asks, with ``NONCE_STAND_IN`` for the nonce."""
    config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]) if admin else None  # None: the site's
    replace = {"frame-ancestors": [SELF]} if same_origin else None
    return build_policy(config=config, replace=replace, nonce=NONCE_STAND_IN if with_nonce else None)


def _forget_policies(setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy_template.cache_clear()
        _csp_site_wide_extras.cache_clear()


setting_changed.connect(_forget_policies)


class SameOriginFramingMiddleware:
    """Marks the responses that their own origin may frame, before Django's XFrameOptionsMiddleware (just above
    in MIDDLEWARE) gives every other response X_FRAME_OPTIONS (DENY):

    - a response whose own policy allows frame-ancestors 'self' (the H5P player, in an iframe on its lesson page),
      so that the two headers never disagree;
    - a page that Wagtail renders for its preview panel: Wagtail runs the page's own URL through the middleware
      with a stand-in request marked ``is_dummy``, and shows the result in an iframe of the page editor.

    ContentSecurityPolicyMiddleware then turns SAMEORIGIN into frame-ancestors 'self'.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "X-Frame-Options" not in response and (
            getattr(request, "is_dummy", False) or _frame_ancestors(response.get("Content-Security-Policy", "")) == SELF
        ):
            response["X-Frame-Options"] = "SAMEORIGIN"
        return response


@lru_cache(maxsize=1)
def _admin_prefix() -> str:
    return reverse("wagtailadmin_home")


def _is_admin(request) -> bool:
    return request.path_info.startswith(_admin_prefix())


NUL = "\x00"
# Exceptions that only bad input raises, never a bug of ours, and what they mean:
# - OverflowError: an id beyond the database's integers (SQLite: "Python int too large to convert to SQLite
#   INTEGER"); such a row cannot exist, so 404.
# - MultiValueDictKeyError: a form or query parameter the request did not send (``request.POST["x"]``), 400.
# - RawPostDataException: a view read the raw body of a request sent as a form (multipart), 400.
# Two more, recognised by their content rather than their class (the class alone is also what bugs raise):
# - ValueError "Field 'id' expected a number but got 'x'": a lookup on an integer field with a value from the
#   request (Wagtail's choosers: ``/admin/images/chooser/chosen/x/``, ``?id=%`` on chosen-multiple), 400;
# - NoReverseMatch whose message quotes a value the request sent (``next=١٢`` after locking a page, a
#   parent_page_id that is not a number), 400. A NoReverseMatch of our own making quotes no request value.
NOT_FOUND_EXCEPTIONS = (OverflowError,)
BAD_REQUEST_EXCEPTIONS = (MultiValueDictKeyError, RawPostDataException)
NOT_A_NUMBER = re.compile(r"^Field '\w+' expected a number but got ")


def bad_request(request, status: int = 400) -> HttpResponse:
    """The site's "we could not read this request" page (cms/templates/400.html), in Spanish."""
    return render(request, "400.html", status=status)


class BadInputMiddleware:
    """Refuses what no honest browser sends, before any view or query sees it, and turns the exceptions that bad
    input raises deep in Django or Wagtail into a 400/404 instead of a 500.

    - A NUL character in the path, the query string or a form value: PostgreSQL refuses NUL in text ("A string
      literal cannot contain NUL"), SQLite's full-text search chokes on it, and no form of the site can send it.
    - In the Wagtail admin, a ``next`` that is not an address (``has_bad_next``).
    - ``process_exception``: only the exceptions listed above (two classes, two recognised by their message), so
      that a genuine bug still shows as a 500 and reaches the logs; the 400s are logged as warnings with their
      traceback.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.has_nul(request):
            logger.info("Refused a request with a NUL character: %s %r", request.method, request.path[:200])
            return bad_request(request)
        if _is_admin(request) and self.has_bad_next(request):
            logger.info("Refused a request whose next is not an address: %s %r", request.method, request.path[:200])
            return bad_request(request)
        return self.get_response(request)

    @staticmethod
    def has_bad_next(request) -> bool:
        """A ``next`` that is not an address, in the Wagtail admin: Django's redirect() takes ``next=abc`` for the
        name of a URL pattern and raises NoReverseMatch after the view has done its work (Wagtail's page lock locks
        the page, then fails). Every honest ``next`` is a path or a full URL. The site's own views check their
        ``next`` themselves (the privacy acceptance sends an unusable one to "Mis cursos")."""
        values = request.GET.getlist("next")
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            try:
                values += request.POST.getlist("next")
            except (MultiPartParserError, UnicodeDecodeError):
                pass
        return any(value and not value.startswith(("/", "http://", "https://")) for value in values)

    @staticmethod
    def has_nul(request) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if NUL in request.path or NUL in query or "%00" in query:
            return True
        if request.method != "POST" or request.content_type not in FORM_CONTENT_TYPES:
            return False
        try:
            form = request.POST
        except (MultiPartParserError, UnicodeDecodeError):
            return False  # the view's own read of the form raises again, and Django answers 400
        return any(NUL in key or any(NUL in value for value in values) for key, values in form.lists())

    def process_view(self, request, view_func, view_args, view_kwargs):
        """An id from an ``<int:…>`` URL (Wagtail's own, which ``<id:…>`` cannot replace) that no row can have:
        0, or beyond a 64-bit integer. A 404 before the view runs: Wagtail's revision revert answered
        ``/revisions/0/revert/`` with AttributeError, and SQLite raises OverflowError for 20 digits."""
        if any(type(value) is int and not 0 < value <= MAX_ID for value in view_kwargs.values()):
            return render(request, "404.html", status=404)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, NOT_FOUND_EXCEPTIONS):
            logger.info("Bad input (%s) on %s: %s", type(exception).__name__, request.path[:200], exception)
            return render(request, "404.html", status=404)
        if isinstance(exception, BAD_REQUEST_EXCEPTIONS) or self.from_request_value(request, exception):
            logger.warning(
                "Bad input (%s) on %s: %s", type(exception).__name__, request.path[:200], exception, exc_info=exception
            )
            return bad_request(request)
        return None

    @staticmethod
    def from_request_value(request, exception) -> bool:
        if isinstance(exception, ValueError) and NOT_A_NUMBER.match(str(exception)):
            return True
        if isinstance(exception, NoReverseMatch):
            message = str(exception)
            try:
                values = [*request.GET.values(), *request.POST.values()]
            except Exception:  # an unreadable body: not what this exception came from
                values = list(request.GET.values())
            return any(value and f"'{value}'" in message for value in values)
        return False
