"""Public verification of a certificate code, and PDF downloads for their owner and staff."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from certificates import selectors, throttle
from certificates.codes import normalise_code
from certificates.models import IssuedCertificate


def _too_many(request):
    response = render(request, "certificates/verify_throttled.html", {"minutes": throttle.retry_after() // 60 or 1})
    response.status_code = 429
    response["Retry-After"] = str(throttle.retry_after())
    return response


@require_safe
def verify_form(request):
    """The verification form; a submitted code is normalised and redirected to its stable URL."""
    raw = request.GET.get("codigo", "")
    code = normalise_code(raw)
    if code:
        return redirect(reverse("certificates:verify", kwargs={"code": code}))
    return render(request, "certificates/verify.html", {"submitted": raw, "invalid": bool(raw.strip())})


@require_safe
@never_cache
def verify(request, code):
    """Public result for one code: valid, revoked (date only), replaced (link to the new one) or not found.

    Shows the name, masked RUN, course, hours, dates and issuer, nothing else. Lookups are rate-limited per IP.
    """
    canonical = normalise_code(code)
    if canonical and canonical != code:
        return redirect(reverse("certificates:verify", kwargs={"code": canonical}), permanent=True)
    if not throttle.verify_allowed(request):
        return _too_many(request)
    result = selectors.verification(code=canonical)
    context = {"code": canonical, "found": result.found, "result": result}
    if result.mistyped:
        context["submitted"] = result.code_display  # back in the box, to correct it
    if result.found:
        context["snapshot"] = result.certificate.snapshot
    return render(request, "certificates/verify.html", context, status=200 if result.found else 404)


@login_required
@require_safe
def download(request, pk):
    """The certificate's PDF, for the learner it belongs to or staff; 404 for anyone else."""
    certificate = get_object_or_404(IssuedCertificate.objects.defer("snapshot"), pk=pk)
    if not selectors.can_download(user=request.user, certificate=certificate) or not certificate.pdf:
        raise Http404
    response = FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.folio}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
