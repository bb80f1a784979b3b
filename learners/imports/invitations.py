"""The invitation a person created by a CSV import receives: an email in Spanish with a link to choose her password.

- **The link** (``invitation_path``) is signed like Django's password-reset links but with its own salt and its
  own lifetime, ``LEARNERS_INVITATION_DAYS`` (7 by default). Its hash covers the password hash, the last log-in and
  ``is_active``, so it works once: choosing the password changes all three. Opening it activates only an account
  that is still an unclaimed import (``learners.accounts.states``): never a deactivated or blocked one.
- **Sending** goes through one function, ``invitation_send(*, user, base_url, site_name)``: plain text and light
  HTML, from the address and in the name of the school of the import (``base_url``, ``site_name``; the academy's
  when empty), sent
  through the notification outbox (kind ``invitacion``: an account message, always sent, its text erased once
  sent; one outbox row per link, so a retry never sends the same invitation twice).
  The callers (the import, a resend) record it on ``ImportInvitation``.
- **Resending** (``invitation_resend``) is refused within ``LEARNERS_INVITATION_RESEND_MINUTES`` (10 by default) of
  the last sending, so a double click sends one email; the check and the record are one UPDATE, so two clicks at
  once cannot both pass.
"""

import enum
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from learners.accounts.states import unconfirmed_q
from learners.imports.models import ImportInvitation
from learners.notifications.messages import Outgoing
from learners.notifications.models import OutboxMessage
from learners.notifications.services import outbox_send_now

logger = logging.getLogger(__name__)


def invitation_days() -> int:
    return int(getattr(settings, "LEARNERS_INVITATION_DAYS", 7))


def resend_minutes() -> int:
    return int(getattr(settings, "LEARNERS_INVITATION_RESEND_MINUTES", 10))


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Password-reset style tokens with their own salt, valid for ``LEARNERS_INVITATION_DAYS``."""

    key_salt = "learners.imports.invitations.InvitationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{user.password}{login}{user.is_active}{user.email}{timestamp}"

    def check_token(self, user, token):
        """Django's check (signature with the current or a fallback secret), with the invitation's lifetime."""
        if not (user and token) or not isinstance(token, str):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return self._num_seconds(self._now()) - ts <= invitation_days() * 24 * 60 * 60


invitation_token = InvitationTokenGenerator()


def invitation_path(user: AbstractBaseUser) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("learners:invitation_accept", kwargs={"uidb64": uidb64, "token": invitation_token.make_token(user)})


def invitation_send(*, user: AbstractBaseUser, base_url: str, sending: int = 1, site_name: str = "") -> bool:
    """Email ``user`` her invitation: who enrolled her and the link to choose her password. ``base_url`` is the
    public scheme and host of the school that enrolled her, ``site_name`` its name (the academy's name when
    empty). Returns whether the email left; a failure is logged, not raised (staff can
    resend). The only place that sends invitations."""
    if not user.email:
        return False
    path = invitation_path(user)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "accept_url": base_url.rstrip("/") + path,
            "days": invitation_days(),
            "site_name": site_name or getattr(settings, "WAGTAIL_SITE_NAME", ""),
        }
        subject = "".join(render_to_string("learners/imports/email/invitation_subject.txt", context).splitlines())
        body = render_to_string("learners/imports/email/invitation_body.txt", context)
        html = render_to_string("learners/imports/email/invitation_body.html", context)
    # The key names the sending (``sending``: the invitation's count, 1 for the import's) and this link (a hash,
    # never the token itself): a resend is a new message, a retry of the same sending is not.
    link_hash = hashlib.sha256(path.encode()).hexdigest()[:24]
    message = outbox_send_now(
        Outgoing(
            kind="invitacion",
            recipient_id=user.pk,
            dedup_key=f"invitacion:{user.pk}:{sending}:{link_hash}",
            subject=subject,
            text=body,
            html=html,
        )
    )
    if message is None or message.status != OutboxMessage.Status.SENT:
        logger.warning("The import invitation to user %s did not leave yet (the outbox retries it)", user.pk)
        return False
    return True


def invitations_send_new(*, invitation_ids: list[int], base_url: str, site_name: str = "") -> int:
    """Send the first invitation of people an import just created (after its transaction commits); returns how
    many were sent. An invitation already sent (a second call) is not sent again."""
    sent = 0
    invitations = ImportInvitation.objects.filter(pk__in=invitation_ids, sent_count=0).select_related("user")
    for invitation in invitations:
        now = timezone.now()
        claimed = ImportInvitation.objects.filter(pk=invitation.pk, sent_count=0).update(
            sent_count=1, first_sent_at=now, last_sent_at=now
        )
        if claimed and invitation_send(user=invitation.user, base_url=base_url, site_name=site_name):
            sent += 1
    return sent


class ResendResult(enum.StrEnum):
    SENT = "sent"
    TOO_SOON = "too_soon"
    NOT_PENDING = "not_pending"


def invitation_resend(*, invitation: ImportInvitation, base_url: str, site_name: str = "") -> ResendResult:
    """Send the invitation again, unless its account is no longer waiting to be claimed (activated, deactivated,
    blocked) or it was sent less than ``LEARNERS_INVITATION_RESEND_MINUTES`` ago."""
    now = timezone.now()
    pending = ImportInvitation.objects.filter(unconfirmed_q("user__"), pk=invitation.pk)
    if not pending.exists():
        return ResendResult.NOT_PENDING
    cutoff = now - timedelta(minutes=resend_minutes())
    claimed = pending.filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lt=cutoff)).update(
        sent_count=F("sent_count") + 1, last_sent_at=now
    )
    if not claimed:
        return ResendResult.TOO_SOON
    ImportInvitation.objects.filter(pk=invitation.pk, first_sent_at__isnull=True).update(first_sent_at=now)
    sending = ImportInvitation.objects.values_list("sent_count", flat=True).get(pk=invitation.pk)
    invitation_send(user=invitation.user, base_url=base_url, sending=sending, site_name=site_name)
    return ResendResult.SENT
