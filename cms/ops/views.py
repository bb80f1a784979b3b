"""Operator endpoints: liveness, readiness and metrics (README, "Producción")."""

import hmac
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cms.ops import health, metrics


@never_cache
@require_safe
def alive(request):
    """Liveness: the process answers. Touches neither the database nor the cache."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def ready(request):
    """Readiness: 200 when the database, cache, storage and queue all pass, else 503 naming what failed."""
    checks = health.readiness()
    is_ready = all(check.ok for check in checks)
    body = {
        "estado": "listo" if is_ready else "no listo",
        "revisiones": {check.name: check.as_json() for check in checks},
    }
    if not is_ready:
        body["fallan"] = [check.name for check in checks if not check.ok]
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=200 if is_ready else 503,
        content_type="application/json; charset=utf-8",
    )


def _operator(request) -> bool:
    token = settings.OPS_METRICS_TOKEN
    offered = request.META.get("HTTP_AUTHORIZATION", "")
    if token and offered.startswith("Bearer ") and hmac.compare_digest(offered[7:].encode(), token.encode()):
        return True
    return request.META.get("REMOTE_ADDR") in settings.OPS_METRICS_ALLOWED_IPS


@never_cache
@require_safe
def prometheus(request):
    """The metrics, for the operator only (bearer token or allowed address); anyone else gets a plain 404."""
    if not _operator(request):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
