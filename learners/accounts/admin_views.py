"""Log-in locks in the Wagtail admin (Escuela Ciudadana → Log-in locks): the locks in force and a button to lift
each one. Seeing them needs ``learners.view_loginlock``; lifting them ``learners.delete_loginlock``."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem

from learners.accounts import throttle
from learners.accounts.models import LoginLock

VIEW_PERMISSION = "learners.view_loginlock"
LIFT_PERMISSION = "learners.delete_loginlock"
TITLE = gettext_lazy("Log-in locks")


def login_locks(request):
    if not request.user.has_perm(VIEW_PERMISSION):
        return permission_denied(request)
    can_lift = request.user.has_perm(LIFT_PERMISSION)
    if request.method == "POST":
        if not can_lift:
            return permission_denied(request)
        pk = request.POST.get("lock", "")
        lock = LoginLock.objects.filter(pk=pk).first() if pk.isascii() and pk.isdigit() and len(pk) < 19 else None
        if lock is None:
            messages.info(request, _("That lock had already ended."))
        else:
            throttle.lock_lift(lock=lock, by=request.user)
            messages.success(request, _("Lock lifted: log-ins are allowed again."))
        return redirect("learners_login_locks")
    return TemplateResponse(
        request,
        "learners/admin/login_locks.html",
        {
            "page_title": TITLE,
            "header_title": TITLE,
            "header_icon": "lock",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                {"url": "", "label": TITLE},
            ],
            "locks": list(throttle.active_locks()[:500]),
            "can_lift": can_lift,
        },
    )


class LoginLocksMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW_PERMISSION)
