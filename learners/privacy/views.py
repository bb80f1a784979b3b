"""The privacy notice, its acceptance and withdrawal, and the learner's "Mis datos" page (parse, call a service,
respond)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from learners.accounts.models import LearnerProfile
from learners.privacy import forms, selectors, services
from learners.privacy.audit import audit_record
from learners.privacy.middleware import PENDING_SESSION_KEY
from learners.safe_next import safe_next_path


def notice(request):
    """The notice in force, public."""
    return render(request, "learners/privacy/notice.html", {"notice": selectors.current_notice()})


def _safe_next(request, default: str) -> str:
    # Only a path on this site: anything else (``-1``, a URL name) would make ``redirect`` raise after the write.
    return safe_next_path(request.POST.get("next") or request.GET.get("next") or "", default)


@login_required
@never_cache
def accept(request):
    """Accept the notice in force (shown at log-in when a newer version was published)."""
    current = selectors.current_notice()
    form = forms.AcceptNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and current is not None:
        target = _safe_next(request, reverse("learners:dashboard"))
        services.consent_record(user=request.user, channel="login", notice=current)
        request.session.pop(PENDING_SESSION_KEY, None)
        messages.success(request, _("Thank you. You accepted the privacy notice."))
        return redirect(target)
    context = {"notice": current, "form": form, "next": _safe_next(request, "")}
    return render(request, "learners/privacy/accept.html", context)


@login_required
@never_cache
def withdraw(request):
    """Withdraw consent: the account is blocked at once and a deletion request is opened."""
    form = forms.WithdrawConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.consent_withdraw(user=request.user)
        logout(request)
        messages.info(
            request,
            _(
                "You withdrew your consent. Your account is blocked, and the school will delete your data within "
                "30 days. Your certificates can still be verified."
            ),
        )
        return redirect("/")
    return render(request, "learners/privacy/withdraw.html", {"form": form})


@login_required
@never_cache
def my_data(request):
    """Her rights in one place: download, correct, ask for deletion or blocking, see her requests."""
    # "?solicitud=rectification": the link from Mi perfil to correct the RUN, document or email.
    initial = {"kind": request.GET["solicitud"]} if request.GET.get("solicitud") in forms.REQUEST_KINDS else {}
    form = forms.DataRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.data_request_create(
            user=request.user, kind=form.cleaned_data["kind"], details=form.cleaned_data["details"]
        )
        messages.success(request, _("We received your request. The school will answer you by email."))
        return redirect("accounts:my_data")
    context = {
        "form": form,
        "requests": selectors.data_requests_of(user=request.user).select_related(None),
        "consent": selectors.active_consent(user=request.user),
        "has_profile": LearnerProfile.objects.filter(user=request.user).exists(),
    }
    return render(request, "learners/privacy/my_data.html", context)


@login_required
@require_safe
@never_cache
def download(request):
    """One ZIP with all her data (JSON and a CSV per category)."""
    content = selectors.learner_data_zip(user=request.user)
    audit_record(actor=request.user, action="data.downloaded", subject=request.user, subject_label="")
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="mis-datos-{timezone.localdate():%Y-%m-%d}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
