"""The learner's "Mis avisos" page (logged in) and the one-click unsubscribe link of every email (no log-in: the
signed token in the address says who and which kind).

Unsubscribe: GET shows a confirmation page with a button (mail scanners that open links must not unsubscribe
anyone); POST unsubscribes, from that button or from a mail provider's one-click request (RFC 8058:
``List-Unsubscribe=One-Click`` in the body, no cookies, so it is exempt from CSRF: the token is the proof)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from learners.notifications import selectors, services
from learners.notifications.kinds import CHOICES, DAILY_DIGEST, KINDS
from learners.notifications.tokens import unsubscribe_token_read


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    rows = selectors.preference_rows(user=request.user)
    if request.method == "POST":
        errors = 0
        for row in rows:
            choice = request.POST.get(row.kind.code, "")
            if choice and choice != row.choice:
                try:
                    services.preference_set(user=request.user, kind=row.kind.code, choice=choice)
                except services.NotificationError:
                    errors += 1
        if errors:
            messages.error(request, _("Some choices were not valid and were not saved."))
        else:
            messages.success(request, _("Your choices were saved."))
        return redirect("learners:notifications_preferences")
    return render(request, "learners/notifications/preferences.html", {"rows": rows, "choices": CHOICES})


def _refused(request):
    context = {
        "error": _(
            "This unsubscribe link is not valid. Copy the whole link from the email, or choose your "
            "notices on “My notices” after logging in."
        )
    }
    return render(request, "learners/notifications/unsubscribe.html", context, status=400)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    read = unsubscribe_token_read(token)
    if read is None or read[1] not in KINDS or KINDS[read[1]].required:
        return _refused(request)
    user_id, kind_code = read
    if not get_user_model().objects.filter(pk=user_id).exists():
        return _refused(request)  # a deleted account: the same answer as a forged link
    kind = KINDS[kind_code]
    context = {"kind": kind, "token": token, "digest": kind_code == DAILY_DIGEST}
    if request.method == "POST":
        services.unsubscribe(user_id=user_id, kind=kind_code)
        context["done"] = True
    return render(request, "learners/notifications/unsubscribe.html", context)
