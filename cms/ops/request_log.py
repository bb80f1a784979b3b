"""One JSON line per request (logger ``cms.requests``) and the request metrics, from one middleware placed first.

Each line carries: a request id (the load balancer's ``X-Request-ID`` when it is well formed, otherwise a new one;
sent back in the response), the user id hashed with HMAC-SHA256 keyed by ``SECRET_KEY`` (never the id, RUN or
email), method, path without the query string (which may carry tokens) and with secret path segments (tokens,
uids, verification codes) replaced by their name, the route pattern, status and duration in milliseconds.
"""

import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.utils.functional import empty

from cms.ops import metrics

logger = logging.getLogger("cms.requests")

REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
SECRET_PARAMETERS = re.compile(r"token|uid|key|code|secret|signature", re.IGNORECASE)
UNMATCHED = "(sin ruta)"


def request_id_for(request) -> str:
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    return offered if REQUEST_ID.match(offered) else uuid.uuid4().hex


def hashed_user_id(user_id) -> str:
    """The same person gets the same 16 hex digits in every line, unreadable without the site's SECRET_KEY."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"user:{user_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def _user_id(request):
    """The signed-in user's id if the request already looked it up: logging never costs a query."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is not empty and wrapped is not None:
        return wrapped.pk if getattr(wrapped, "is_authenticated", False) else None
    session = getattr(request, "session", None)
    cached = getattr(session, "_session_cache", None)
    if isinstance(cached, dict):
        return cached.get("_auth_user_id")
    return None


def _route_and_path(request) -> tuple[str, str]:
    match = getattr(request, "resolver_match", None)
    path = request.path
    if match is None:
        return UNMATCHED, path
    for name, value in match.kwargs.items():
        if SECRET_PARAMETERS.search(name) and isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return str(match.route), path


class RequestLogMiddleware:
    """Times the whole request (first in MIDDLEWARE), logs it as JSON and feeds the Prometheus metrics."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        began = time.perf_counter()
        request.request_id = request_id_for(request)
        response = self.get_response(request)
        seconds = time.perf_counter() - began
        route, path = _route_and_path(request)
        response["X-Request-ID"] = request.request_id
        metrics.observe_request(method=request.method, route=route, status=response.status_code, seconds=seconds)
        user_id = _user_id(request)
        logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "request_id": request.request_id,
                "user": hashed_user_id(user_id) if user_id is not None else None,
                "method": request.method,
                "path": path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time (UTC), level, logger, message and the request fields when present."""

    FIELDS = ("request_id", "user", "method", "path", "route", "status", "duration_ms")

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
