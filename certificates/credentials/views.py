"""Credential downloads for their owner and staff; the public JSON of a credential, the issuers' DID documents
and status lists (public, as the verify page is)."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from wagtail.models import Site

from certificates import selectors, throttle
from certificates.codes import is_well_formed, normalise_code
from certificates.credentials import baking
from certificates.credentials import selectors as credential_selectors
from certificates.models import IssuedCertificate

CREDENTIAL_TYPE = "application/vc+ld+json"


def _site(request):
    """The Wagtail Site the request came to (its school's host, or the academy's)."""
    return Site.find_for_request(request)


def _json(document: dict, *, content_type: str = "application/json", filename: str = "", private=False):
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type=f"{content_type}; charset=utf-8"
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        response["Cache-Control"] = "private, no-store"
    else:
        response["Access-Control-Allow-Origin"] = "*"  # verifiers in browsers (wallets) fetch these too
    return response


def _owned_credential(request, pk) -> IssuedCertificate:
    certificate = get_object_or_404(IssuedCertificate.objects.only("pk", "user_id", "folio", "credential"), pk=pk)
    if not selectors.can_download(user=request.user, certificate=certificate) or not certificate.credential:
        raise Http404
    return certificate


@login_required
@require_safe
def credential_download(request, pk):
    """The signed credential (JSON-LD) of a certificate, for the learner it belongs to or staff."""
    certificate = _owned_credential(request, pk)
    return _json(
        certificate.credential, content_type=CREDENTIAL_TYPE, filename=f"{certificate.folio}.json", private=True
    )


@login_required
@require_safe
def badge_download(request, pk):
    """The badge image (PNG) with the credential baked in, for the learner it belongs to or staff."""
    certificate = _owned_credential(request, pk)
    response = HttpResponse(baking.bake(certificate.credential), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{certificate.folio}.png"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@never_cache
def credential_public(request, code):
    """The credential of a verification code, offered by its verify page (rate-limited like the page)."""
    canonical = normalise_code(code)
    if not canonical or canonical != code or not is_well_formed(canonical):
        raise Http404
    if not throttle.verify_allowed(request):
        response = JsonResponse({"error": _("Too many lookups. Try again in a minute.")}, status=429)
        response["Retry-After"] = str(throttle.retry_after())
        return response
    certificate = IssuedCertificate.objects.filter(code=canonical).only("credential").first()
    if certificate is None or not certificate.credential:
        raise Http404
    return _json(certificate.credential, content_type=CREDENTIAL_TYPE)


@require_safe
def academy_did(request):
    """did:web document of the academy's issuer (``CERTIFICATES_ACADEMY_ISSUER``)."""
    short_code = getattr(settings, "CERTIFICATES_ACADEMY_ISSUER", "") or ""
    issuer = credential_selectors.issuer_by_code(short_code)
    document = issuer and credential_selectors.did_document(issuer=issuer, academy=True, site=_site(request))
    if not document:
        raise Http404
    return _json(document, content_type="application/did+json")


@require_safe
def issuer_did(request, short_code):
    """did:web document of another issuer (a municipality): did:web:<host>:emisores:<CODE>."""
    issuer = credential_selectors.issuer_by_code(short_code)
    document = issuer and credential_selectors.did_document(issuer=issuer, academy=False, site=_site(request))
    if not document:
        raise Http404
    return _json(document, content_type="application/did+json")


@require_safe
@never_cache
def status_list(request, short_code):
    """The issuer's signed BitstringStatusListCredential (fetched by verifiers; never cached, always current)."""
    issuer = credential_selectors.issuer_by_code(short_code)
    document = issuer and credential_selectors.status_list_credential(issuer=issuer)
    if not document:
        raise Http404
    return _json(document, content_type=CREDENTIAL_TYPE)
