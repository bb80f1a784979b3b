from django.shortcuts import redirect, render
from django.urls import reverse

from certificates.codes import normalise_code


def verify_form(request):
    """The verification form; a submitted code is normalised and redirected to its stable URL."""
    raw = request.GET.get("codigo", "")
    code = normalise_code(raw)
    if code:
        return redirect(reverse("certificates:verify", kwargs={"code": code}))
    return render(request, "certificates/verify.html", {"submitted": raw, "invalid": bool(raw.strip())})


def verify(request, code):
    """Public result for one code. Until certificates are issued on this platform, no code matches."""
    canonical = normalise_code(code)
    if canonical and canonical != code:
        return redirect(reverse("certificates:verify", kwargs={"code": canonical}), permanent=True)
    return render(request, "certificates/verify.html", {"code": canonical, "found": False}, status=404)
