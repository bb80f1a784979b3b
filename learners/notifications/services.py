"""Writes for notifications: queueing messages in the outbox, sending them (with retries), the daily summary,
and each person's choices.

Delivery is at-least-once, never "at most once": a message is claimed (row lock, ``skip_locked``), sent and
marked sent in one transaction, so two workers or two schedulers never send it twice. The one window left is a
server that accepted the message and a database that then fails to commit "sent": the row stays pending and a
later attempt sends it again. A rare duplicate reminder is better than a silently lost certificate notice.
"""

import base64
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courses.public_address import public_url
from learners.accounts.models import LearnerProfile
from learners.notifications.channels import CHANNELS, PermanentFailure, one_line
from learners.notifications.compose import compose, first_name
from learners.notifications.kinds import CHOICE_VALUES, DAILY, DAILY_DIGEST, IMMEDIATE, KINDS, NEVER, kind_get
from learners.notifications.messages import Outgoing
from learners.notifications.models import NotificationPreference, OutboxMessage

logger = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
"""Back-off after the 1st, 2nd, … transient failure (the last delay repeats)."""
QUEUE_CHUNK = 1000
SECRET_ERASED = "(Texto borrado tras el envío: contenía un enlace de acceso a la cuenta.)"


class NotificationError(Exception):
    """A person-facing reason why a preference change was refused (the message is translated)."""


def _max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 6))


def _send_chunk() -> int:
    return int(getattr(settings, "NOTIFICATIONS_SEND_CHUNK", 50))


def retry_delay(attempts: int) -> timedelta:
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


# Queueing -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    pk: int
    email: str
    active: bool


def _recipients(ids: set[int]) -> dict[int, _Recipient]:
    users = get_user_model().objects.filter(pk__in=ids).values_list("pk", "email", "is_active")
    blocked = set(
        LearnerProfile.objects.filter(user_id__in=ids, blocked_at__isnull=False).values_list("user_id", flat=True)
    )
    return {pk: _Recipient(pk, email or "", bool(active) and pk not in blocked) for pk, email, active in users}


def _choices(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], str]:
    if not pairs:
        return {}
    rows = NotificationPreference.objects.filter(
        user_id__in={user for user, _kind in pairs}, kind__in={kind for _user, kind in pairs}
    ).values_list("user_id", "kind", "choice")
    return {(user, kind): choice for user, kind, choice in rows}


def _row(outgoing: Outgoing, recipient: _Recipient | None, choice: str | None, now: datetime) -> OutboxMessage | None:
    kind = kind_get(outgoing.kind)
    if recipient is None:
        return None
    status, reason = OutboxMessage.Status.PENDING, ""
    if not recipient.email:
        status, reason = OutboxMessage.Status.SKIPPED, "sin correo electrónico"
    elif not kind.required:
        if not recipient.active:
            status, reason = OutboxMessage.Status.SKIPPED, "cuenta desactivada o bloqueada"
        elif (choice or kind.default) == NEVER:
            status, reason = OutboxMessage.Status.SKIPPED, "la persona eligió no recibir este aviso"
        elif (choice or kind.default) == DAILY:
            status = OutboxMessage.Status.HELD
    return OutboxMessage(
        kind=outgoing.kind,
        recipient_id=outgoing.recipient_id,
        channel=OutboxMessage.Channel.EMAIL,
        dedup_key=outgoing.dedup_key[:200],
        subject=one_line(outgoing.subject, 255),
        text=outgoing.text,
        html=outgoing.html,
        attachments=[
            {"name": one_line(name, 100), "content": base64.b64encode(content).decode(), "type": mimetype}
            for name, content, mimetype in outgoing.attachments
        ],
        status=status,
        skip_reason=reason,
        created_at=now,
        next_attempt_at=now,
    )


def _enqueue_sending(message_ids: list[int]) -> None:
    """Start background sending of these rows once the transaction commits (a task per chunk)."""
    if not message_ids:
        return
    from learners.notifications.tasks import send_outbox_task

    chunk = _send_chunk()
    for start in range(0, len(message_ids), chunk):
        ids = message_ids[start : start + chunk]
        transaction.on_commit(lambda ids=ids: send_outbox_task.enqueue(message_ids=ids))


def outbox_queue(outgoing: Outgoing, *, now: datetime | None = None) -> OutboxMessage | None:
    """Queue one message (the event services' entry point) and start sending it when the caller's transaction
    commits. Queueing the same ``dedup_key`` again returns the existing row and sends nothing more.

    The recipient's choice for the kind decides: right away (sent by a task), daily summary (held), never
    (kept as "not sent", so the event is still recorded once). A deactivated or blocked account, or one without an
    email, gets nothing except the kinds the law or security require. None when the recipient does not exist.
    Raises KeyError for a kind that is not in the registry."""
    message, _created = _queue_one(outgoing, now=now)
    return message


def outbox_send_now(outgoing: Outgoing) -> OutboxMessage | None:
    """Queue one message and send it right away, in this process (security messages: the confirmation or
    password-reset link must arrive while she waits). A failure stays in the outbox and is retried like any
    other; nothing is raised."""
    message, created = _queue_one(outgoing, enqueue=False)
    if created and message.status == OutboxMessage.Status.PENDING:
        outbox_send(message_ids=[message.pk])
        message.refresh_from_db()
    return message


def _queue_one(
    outgoing: Outgoing, *, now: datetime | None = None, enqueue: bool = True
) -> tuple[OutboxMessage | None, bool]:
    now = now or timezone.now()
    kind_get(outgoing.kind)
    existing = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, dedup_key=outgoing.dedup_key).first()
    if existing is not None:
        return existing, False
    recipient = _recipients({outgoing.recipient_id}).get(outgoing.recipient_id)
    choice = _choices({(outgoing.recipient_id, outgoing.kind)}).get((outgoing.recipient_id, outgoing.kind))
    row = _row(outgoing, recipient, choice, now)
    if row is None:
        return None, False
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # queued at the same moment by another process
        existing = OutboxMessage.objects.get(channel=OutboxMessage.Channel.EMAIL, dedup_key=row.dedup_key)
        return existing, False
    if enqueue and row.status == OutboxMessage.Status.PENDING:
        _enqueue_sending([row.pk])
    return row, True


def outbox_queue_many(outgoings: Iterable[Outgoing], *, now: datetime | None = None) -> int:
    """Queue many messages at once (the scheduler's producers), a thousand per round of queries; returns how many
    were new. Same rules as ``outbox_queue``; a ``dedup_key`` already queued (by an earlier run or by another
    machine at the same moment) is skipped without error."""
    now = now or timezone.now()
    created = 0
    batch: list[Outgoing] = []
    for outgoing in outgoings:
        batch.append(outgoing)
        if len(batch) >= QUEUE_CHUNK:
            created += _queue_batch(batch, now)
            batch = []
    if batch:
        created += _queue_batch(batch, now)
    return created


def _queue_batch(batch: list[Outgoing], now: datetime) -> int:
    for outgoing in batch:
        kind_get(outgoing.kind)
    keys = {outgoing.dedup_key[:200] for outgoing in batch}
    known = set(
        OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, dedup_key__in=keys).values_list(
            "dedup_key", flat=True
        )
    )
    fresh = {outgoing.dedup_key[:200]: outgoing for outgoing in batch if outgoing.dedup_key[:200] not in known}
    if not fresh:
        return 0
    recipients = _recipients({outgoing.recipient_id for outgoing in fresh.values()})
    choices = _choices({(outgoing.recipient_id, outgoing.kind) for outgoing in fresh.values()})
    rows = [
        row
        for outgoing in fresh.values()
        if (
            row := _row(
                outgoing,
                recipients.get(outgoing.recipient_id),
                choices.get((outgoing.recipient_id, outgoing.kind)),
                now,
            )
        )
    ]
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        # ignore_conflicts gives no ids back: read the rows this call created (another process may have created
        # some of these keys at the same moment; sending them twice is prevented by the claim, not here)
        pending = list(
            OutboxMessage.objects.filter(
                channel=OutboxMessage.Channel.EMAIL,
                dedup_key__in=[row.dedup_key for row in rows],
                status=OutboxMessage.Status.PENDING,
                attempts=0,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _enqueue_sending(pending)
    return len(rows)


# Sending ----------------------------------------------------------------------------------------------------------


def _claim_batch() -> int:
    return max(1, int(getattr(settings, "NOTIFICATIONS_CLAIM_BATCH", 10)))


def outbox_send(*, message_ids: list[int]) -> int:
    """Send these messages if they are still pending (the background task's work); returns how many were sent.
    Tasks are started when a message is due (queued, or by ``outbox_retry_due`` after its back-off).

    A few at a time (``NOTIFICATIONS_CLAIM_BATCH``, default 10) are claimed with row locks that other workers skip,
    sent, and marked in the same transaction: a message being sent elsewhere, or already sent, is left alone. A
    transient failure (server down, timeout) is recorded with the error and tried again later with back-off
    (``notifications_tick``); after ``NOTIFICATIONS_MAX_ATTEMPTS`` attempts, or a permanent failure, the message
    is "failed" for staff to see. A worker that dies in the middle of a batch sends that batch again (at least
    once, never lost)."""
    sent = 0
    connections: dict[str, object] = {}
    size = _claim_batch()
    try:
        for start in range(0, len(message_ids), size):
            sent += _send_batch(message_ids[start : start + size], connections)
    finally:
        for channel_name, connection in connections.items():
            CHANNELS[channel_name].close(connection)
    return sent


UPDATED_FIELDS = ["status", "attempts", "last_error", "next_attempt_at", "sent_at", "text", "html"]


@transaction.atomic
def _send_batch(ids: list[int], connections: dict) -> int:
    messages = list(
        OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(pk__in=ids, status=OutboxMessage.Status.PENDING)
        .order_by("pk")
    )
    for message in messages:
        _send_one(message, connections)
    _save_outcomes(messages)
    return sum(message.status == OutboxMessage.Status.SENT for message in messages)


def _save_outcomes(messages: list[OutboxMessage]) -> None:
    """Write what happened to a claimed batch. The usual outcome, sent on the first attempt, is one plain UPDATE
    per attempt count (``bulk_update`` builds a CASE per field and row: it cost a quarter of sending); failures and
    security messages (whose text is erased) keep the per-row update."""
    plain: dict[int, list[OutboxMessage]] = {}
    others = []
    for message in messages:
        if message.status == OutboxMessage.Status.SENT and not kind_get(message.kind).secret:
            plain.setdefault(message.attempts, []).append(message)
        else:
            others.append(message)
    for attempts, group in plain.items():
        sent_at = group[-1].sent_at  # the group's messages left within the same second or so
        for message in group:
            message.sent_at = sent_at
        OutboxMessage.objects.filter(pk__in=[message.pk for message in group]).update(
            status=OutboxMessage.Status.SENT, attempts=attempts, last_error="", sent_at=sent_at
        )
    if others:
        OutboxMessage.objects.bulk_update(others, UPDATED_FIELDS)


def _send_one(message: OutboxMessage, connections: dict) -> None:
    """Send one claimed message and set its outcome on the instance (saved by the caller, same transaction)."""
    now = timezone.now()
    channel = CHANNELS[message.channel]
    message.attempts += 1
    try:
        if message.channel not in connections:
            connections[message.channel] = channel.open()
        channel.send(connections[message.channel], message)
    except PermanentFailure as error:
        message.status, message.last_error = OutboxMessage.Status.FAILED, str(error)[:2000]
    except Exception as error:  # noqa: BLE001  (any other failure is transient: retried later)
        logger.warning("Outbox message %s not sent: %s", message.pk, error)
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= _max_attempts():
            message.status = OutboxMessage.Status.FAILED
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
        broken = connections.pop(message.channel, None)
        if broken is not None:
            channel.close(broken)
    else:
        message.status, message.sent_at, message.last_error = OutboxMessage.Status.SENT, now, ""
    if message.status != OutboxMessage.Status.PENDING and kind_get(message.kind).secret:
        # a confirmation or reset link must not stay readable in the admin once it left
        message.text, message.html = SECRET_ERASED, ""


def outbox_retry_due(*, now: datetime | None = None) -> int:
    """Start sending again every pending message whose next attempt is due (after a failure, or whose task was
    lost); returns how many. Safe to run anywhere at once: sending claims each row."""
    now = now or timezone.now()
    grace = now - timedelta(minutes=1)  # a row just queued is being sent by its own task
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .exclude(attempts=0, created_at__gt=grace)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:5000]
    )
    with transaction.atomic():
        _enqueue_sending(ids)
    return len(ids)


def outbox_retry_now(*, message: OutboxMessage) -> OutboxMessage:
    """Staff: try a failed (or waiting) message again now."""
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(
            pk=message.pk, status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.PENDING]
        ).update(status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
        if updated:
            _enqueue_sending([message.pk])
    message.refresh_from_db()
    return message


# The daily summary ----------------------------------------------------------------------------------------------


def _digest_body(text: str) -> str:
    """A held message's text without its greeting and signature (the summary has its own)."""
    lines = text.strip().splitlines()
    if lines and lines[0].rstrip().endswith((",", ":")):
        lines = lines[1:]
    if lines and lines[-1].strip() == "Escuela Ciudadana":
        lines = lines[:-1]
    return "\n".join(lines).strip()


def _digest_hour() -> int:
    return int(getattr(settings, "NOTIFICATIONS_DIGEST_HOUR", 8))


def daily_digests_queue(*, now: datetime | None = None) -> int:
    """From ``NOTIFICATIONS_DIGEST_HOUR`` (Santiago time, default 8:00) on, gather each person's messages held
    before that hour into one "resumen diario" (one per person and day: its dedup key is the date); returns how many
    were queued. Messages held later in the day wait for tomorrow's."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < _digest_hour():
        return 0
    cutoff = local.replace(hour=_digest_hour(), minute=0, second=0, microsecond=0)
    user_ids = (
        OutboxMessage.objects.filter(status=OutboxMessage.Status.HELD, created_at__lt=cutoff)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    queued = 0
    for user_id in list(user_ids):
        queued += _digest_for(user_id, now=now, cutoff=cutoff)
    return queued


@transaction.atomic
def _digest_for(user_id: int, *, now: datetime, cutoff: datetime) -> int:
    day = cutoff.date()
    key = f"{DAILY_DIGEST}:{user_id}:{day.isoformat()}"
    if OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, dedup_key=key).exists():
        return 0
    held = list(
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(recipient_id=user_id, status=OutboxMessage.Status.HELD, created_at__lt=cutoff)
        .order_by("created_at", "pk")
    )
    if not held:
        return 0
    user = get_user_model().objects.get(pk=user_id)
    with translation.override(settings.LANGUAGE_CODE):
        paragraphs = [_("Here are the notices of the last day, together as you asked:")]
        paragraphs += [f"■ {row.subject}\n{_digest_body(row.text)}" for row in held]
        subject, text, html = compose(
            name=first_name(user),
            subject=_("Your daily summary for %(date)s") % {"date": day.strftime("%d/%m/%Y")},
            paragraphs=paragraphs,
            link_label=_("My courses"),
            link_url=public_url(reverse("learners:dashboard")),
        )
    digest, created = _queue_one(
        Outgoing(kind=DAILY_DIGEST, recipient_id=user_id, dedup_key=key, subject=subject, text=text, html=html),
        now=now,
    )
    if not created or digest is None:
        return 0
    OutboxMessage.objects.filter(pk__in=[row.pk for row in held]).update(
        status=OutboxMessage.Status.IN_DIGEST, digest=digest
    )
    return 1


# Preferences ------------------------------------------------------------------------------------------------------


@transaction.atomic
def preference_set(
    *, user: AbstractBaseUser, kind: str, choice: str, via: str = NotificationPreference.Via.PAGE
) -> NotificationPreference:
    """Record how ``user`` wants messages of ``kind``. Raises NotificationError for a kind that cannot be switched
    off (the law or security require it) or an unknown kind or choice."""
    registered = KINDS.get(kind)
    if registered is None or choice not in CHOICE_VALUES:
        raise NotificationError(_("That kind of notice does not exist."))
    if registered.required:
        raise NotificationError(_("This notice is required by law or for your account's security: it is always sent."))
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"choice": choice, "changed_via": via}
    )
    if choice == NEVER:
        OutboxMessage.objects.filter(recipient=user, kind=kind, status=OutboxMessage.Status.HELD).update(
            status=OutboxMessage.Status.SKIPPED, skip_reason="la persona eligió no recibir este aviso"
        )
    elif choice == IMMEDIATE:
        held = list(
            OutboxMessage.objects.filter(recipient=user, kind=kind, status=OutboxMessage.Status.HELD).values_list(
                "pk", flat=True
            )
        )
        OutboxMessage.objects.filter(pk__in=held).update(status=OutboxMessage.Status.PENDING)
        _enqueue_sending(held)
    return preference


@transaction.atomic
def unsubscribe(*, user_id: int, kind: str) -> bool:
    """One-click unsubscribe from an email link: ``kind`` becomes "never" (from the daily summary: every kind she
    gets in it). False when the account no longer exists or the kind cannot be switched off (nothing changes)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    registered = KINDS.get(kind)
    if user is None or registered is None or registered.required:
        return False
    via = NotificationPreference.Via.UNSUBSCRIBE
    if kind == DAILY_DIGEST:
        for preference in NotificationPreference.objects.filter(user=user, choice=DAILY):
            preference_set(user=user, kind=preference.kind, choice=NEVER, via=via)
        return True
    preference_set(user=user, kind=kind, choice=NEVER, via=via)
    return True
