"""Reads and the one write for abandoned new-page drafts.

A draft is *abandoned* when the page was never published (not live, no first publication), and nobody saved it for
``COURSES_ABANDONED_DRAFT_MINUTES`` (60 by default). Who sees which (the existing role rules, through Wagtail's page
permissions): people who can publish pages (the academy, administrators) see every abandoned draft; everyone else
(instructors) only the ones she owns (Wagtail makes the creator the owner). Discarding deletes the page, and only
when it was never published, has no child pages, nobody but its owner saved a revision of it, and Wagtail lets the
person delete it; coordinators, with no page permissions, neither see nor discard anything.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.actions.delete_page import DeletePageAction
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy


class DiscardRefused(Exception):
    """The draft cannot be discarded; the message is translated and can be shown."""


def abandoned_minutes() -> int:
    return int(getattr(settings, "COURSES_ABANDONED_DRAFT_MINUTES", 60))


def can_use_drafts(user: AbstractBaseUser) -> bool:
    """Whether the drafts page is for her: she can add or change some page."""
    return user.is_active and PagePermissionPolicy().user_has_any_permission(user, ["add", "change", "publish"])


def sees_every_draft(user: AbstractBaseUser) -> bool:
    return user.is_active and (user.is_superuser or PagePermissionPolicy().user_has_permission(user, "publish"))


def never_published(page: Page) -> bool:
    return not page.live and page.first_published_at is None


def abandoned_drafts(*, user: AbstractBaseUser) -> QuerySet[Page]:
    """The abandoned new-page drafts ``user`` may see, least recently saved first (one query)."""
    if not can_use_drafts(user):
        return Page.objects.none()
    cutoff = timezone.now() - timedelta(minutes=abandoned_minutes())
    pages = Page.objects.filter(live=False, first_published_at__isnull=True, depth__gt=1).exclude(
        latest_revision_created_at__gte=cutoff
    )
    if not sees_every_draft(user):
        pages = pages.filter(owner=user)
    return pages.select_related("owner", "content_type").order_by("latest_revision_created_at", "pk")


def discard_refusal(*, page: Page, user: AbstractBaseUser) -> str:
    """Why ``user`` may not discard ``page`` (empty when she may)."""
    if not can_use_drafts(user) or (page.owner_id != user.pk and not sees_every_draft(user)):
        return _("You can only discard your own drafts.")
    if not never_published(page):
        return _("This page has been published: it is not a draft that can be discarded.")
    if page.get_children().exists():
        return _("This draft has pages inside it: it cannot be discarded.")
    if page.revisions.exclude(user_id=page.owner_id).exists():
        return _("Other people edited this draft: ask the academy before discarding it.")
    if not page.permissions_for_user(user).can_delete():
        return _("You can only discard your own drafts.")
    return ""


@transaction.atomic
def draft_discard(*, page: Page, user: AbstractBaseUser) -> None:
    """Delete a never-published draft (Wagtail's delete action: its log entry and signals). Raises DiscardRefused."""
    page = Page.objects.select_for_update().get(pk=page.pk)
    refusal = discard_refusal(page=page, user=user)
    if refusal:
        raise DiscardRefused(refusal)
    DeletePageAction(page, user=user).execute(skip_permission_checks=True)  # checked just above, Wagtail's included
