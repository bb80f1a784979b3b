"""The admin's "Borradores sin publicar": the list, and the confirmation to discard one."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.models import Page

from courses.drafts import services

TITLE = gettext_lazy("Unpublished drafts")


def _render(request, template, context, status=200):
    context = {
        "page_title": TITLE,
        "header_title": TITLE,
        "header_icon": "doc-empty",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": "", "label": TITLE},
        ],
        **context,
    }
    return TemplateResponse(request, template, context, status=status)


def draft_list(request):
    if not services.can_use_drafts(request.user):
        return permission_denied(request)
    drafts = list(services.abandoned_drafts(user=request.user)[:500])
    rows = [
        {"page": page.specific_deferred, "can_discard": not services.discard_refusal(page=page, user=request.user)}
        for page in drafts
    ]
    return _render(
        request,
        "courses/drafts/list.html",
        {"rows": rows, "minutes": services.abandoned_minutes(), "sees_all": services.sees_every_draft(request.user)},
    )


def draft_discard(request, page_id):
    if not services.can_use_drafts(request.user):
        return permission_denied(request)
    page = get_object_or_404(Page, pk=page_id, depth__gt=1)
    if page.owner_id != request.user.pk and not services.sees_every_draft(request.user):
        raise Http404  # another person's draft: not even its existence
    next_url = get_valid_next_url_from_request(request)
    refusal = services.discard_refusal(page=page, user=request.user)
    if request.method == "POST" and not refusal:
        title = page.get_admin_display_title()
        try:
            services.draft_discard(page=page, user=request.user)
        except services.DiscardRefused as error:
            refusal = str(error)
        else:
            for after_delete in hooks.get_hooks("after_delete_page"):  # as Wagtail's delete view does
                after_delete(request, page)
            messages.success(request, _("Draft “%(title)s” discarded.") % {"title": title})
            return redirect(next_url or "courses_drafts")
    if refusal:
        messages.error(request, refusal)
    return _render(
        request,
        "courses/drafts/confirm_discard.html",
        {"draft": page.specific_deferred, "refusal": refusal, "next": next_url},
        status=400 if refusal and request.method == "POST" else 200,
    )


class DraftsMenuItem(MenuItem):
    def is_shown(self, request):
        return services.can_use_drafts(request.user)
