"""Writes for personal data: consents, requests and their answers, blocking, deletion and the retention purge.

Every change is recorded in the staff audit log (``learners.privacy.audit``) with ids and codes, never identifiers.
"""

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session as DjangoSession
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import ModelLogEntry

from learners.accounts.models import LearnerProfile
from learners.attendance.models import AttendanceRecord
from learners.calendar.models import CalendarFeed
from learners.enrolment.models import Enrolment
from learners.h5p.models import H5PAttempt, H5PStatement, H5PUserState
from learners.notifications.models import NotificationPreference, OutboxMessage
from learners.privacy import deadlines
from learners.privacy.audit import audit_record
from learners.privacy.models import AuditEvent, Consent, DataRequest, PrivacyNotice
from learners.privacy.selectors import current_notice, fallback_notice_version
from learners.progress.models import LessonProgress
from learners.reflections.models import ReflectionAnswer
from learners.signals import learner_erasing

DELETED_LABEL = "Persona eliminada"


class PrivacyError(Exception):
    """A request that cannot be carried out; the message is for the person who asked."""


# Consent ----------------------------------------------------------------------------------------------------------


def consent_record(
    *, user: AbstractBaseUser, channel: str, notice: PrivacyNotice | None = None, version: str = ""
) -> Consent:
    """Record that ``user`` accepted ``notice`` (the one in force when omitted) and keep her profile's copy of
    the version and time up to date. ``version`` names a notice that is not a row (the school's file import)."""
    notice = notice if notice is not None or version else current_notice()
    now = timezone.now()
    consent = Consent.objects.create(
        user=user,
        notice=notice,
        version=version or (notice.version if notice else fallback_notice_version()),
        text_sha256=notice.text_sha256 if notice else "",
        accepted_at=now,
        channel=channel,
    )
    LearnerProfile.objects.filter(user=user).update(privacy_notice_version=consent.version, privacy_accepted_at=now)
    audit_record(actor=user, action="consent.accepted", subject=consent, data={"channel": channel})
    return consent


@transaction.atomic
def consent_withdraw(*, user: AbstractBaseUser) -> DataRequest:
    """The learner withdraws her consent. Its documented effect: the account is blocked at once (she is logged
    out and cannot log in; nothing new is processed) and a deletion request is opened for the academy, which
    deletes her data within 30 days keeping only what verifies her issued certificates."""
    now = timezone.now()
    withdrawn = Consent.objects.filter(user=user, withdrawn_at__isnull=True).update(withdrawn_at=now)
    audit_record(actor=user, action="consent.withdrawn", subject=user, subject_label="", data={"consents": withdrawn})
    request = data_request_create(
        user=user, kind=DataRequest.Kind.DELETION, details=_("Consent withdrawn by the learner.")
    )
    learner_block(user=user, by=None)
    return request


# Requests ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def data_request_create(*, user: AbstractBaseUser, kind: str, details: str = "") -> DataRequest:
    """Open a request with its legal deadline. An open request of the same kind is returned instead of a twin."""
    existing = DataRequest.objects.filter(user=user, kind=kind, status=DataRequest.Status.OPEN).first()
    if existing is not None:
        return existing
    now = timezone.now()
    request = DataRequest.objects.create(
        user=user,
        kind=kind,
        details=details.strip(),
        created_at=now,
        due_on=deadlines.due_on(kind=kind, received=timezone.localdate(now)),
    )
    audit_record(actor=user, action="data_request.created", subject=request, data={"kind": kind})
    return request


@transaction.atomic
def data_request_answer(
    *, request: DataRequest, by: AbstractBaseUser, status: str, response: str, execute: bool = False
) -> DataRequest:
    """Close a request as done or rejected (a rejection must give reasons). With ``execute``, a deletion request
    deletes the learner's data and a blocking request blocks her account, in the same transaction.
    Raises PrivacyError when the request was already answered or the answer is incomplete."""
    request = DataRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != DataRequest.Status.OPEN:
        raise PrivacyError(_("This request was already answered."))
    if status not in (DataRequest.Status.DONE, DataRequest.Status.REJECTED):
        raise PrivacyError(_("Choose whether the request was carried out or rejected."))
    if status == DataRequest.Status.REJECTED and not response.strip():
        raise PrivacyError(_("Give the reasons for rejecting the request."))
    if execute and status == DataRequest.Status.DONE and request.user_id is not None:
        if request.kind == DataRequest.Kind.DELETION:
            learner_delete(user=request.user, by=by)
            request.refresh_from_db()
        elif request.kind == DataRequest.Kind.BLOCKING:
            learner_block(user=request.user, by=by)
    request.status, request.response = status, response.strip()
    request.answered_by, request.answered_at = by, timezone.now()
    request.save(update_fields=["status", "response", "answered_by", "answered_at"])
    audit_record(
        actor=by,
        action="data_request.answered",
        subject=request,
        data={"kind": request.kind, "status": status, "executed": execute},
    )
    return request


# Blocking ---------------------------------------------------------------------------------------------------------


def sessions_end(*, user_id: int) -> int:
    """Log the account out everywhere: delete every session (database and cache) that belongs to it."""
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in DjangoSession.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def learner_block(*, user: AbstractBaseUser, by: AbstractBaseUser | None) -> None:
    """Suspend all processing of a learner's data: her account is deactivated and logged out, and she is left
    out of reports and exports (``blocked_at``). Her records stay until she asks to unblock or delete them."""
    now = timezone.now()
    LearnerProfile.objects.filter(user=user, blocked_at__isnull=True).update(blocked_at=now)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    sessions_end(user_id=user.pk)
    audit_record(actor=by, action="learner.blocked", subject=user, subject_label="")


@transaction.atomic
def learner_unblock(*, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    """Lift a block: the account can log in again (she accepts the notice in force if she had withdrawn it)."""
    LearnerProfile.objects.filter(user=user).update(blocked_at=None)
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    audit_record(actor=by, action="learner.unblocked", subject=user, subject_label="")


# Deletion ---------------------------------------------------------------------------------------------------------


@dataclass
class Erasure:
    """What ``learner_delete`` removed, by kind (for the audit log and the command's output)."""

    label: str
    counts: dict[str, int] = field(default_factory=dict)


def _deleted(queryset) -> int:
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


@transaction.atomic
def learner_delete(*, user: AbstractBaseUser, by: AbstractBaseUser | None) -> Erasure:
    """Delete a learner's personal data, irreversibly. Removed: her account (and sessions), profile, consents,
    lesson progress, reflection answers (and the feedback on them), H5P attempts, statements and saved state,
    attendance, her calendar subscription addresses, her notice choices and the notices sent to her (the outbox),
    and the details of her requests;
    audit and admin log entries about her keep their action but get a pseudonym instead of her name or email.

    Kept, without anything that identifies her: each enrolment (course, cohort, status, dates, grade), moved to
    its own anonymous inactive account, so that enrolment and completion numbers stay right and her
    enrolments cannot be linked to each other. The certificates plugin keeps her issued certificates verifiable
    (name, masked RUN, course, hours, dates, issuer) and deletes their PDFs (``learner_erasing``).
    Raises PrivacyError for staff accounts, which are not deleted this way."""
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff or user.is_superuser:
        raise PrivacyError(_("Staff accounts are not deleted from here."))
    erasure = Erasure(label=f"{DELETED_LABEL} {secrets.token_hex(4)}")
    counts = erasure.counts
    profile = LearnerProfile.objects.filter(user=user).first()
    enrolments = list(Enrolment.objects.filter(user=user).order_by("pk"))

    counts["h5p_statements"] = _deleted(H5PStatement.objects.filter(user=user))
    counts["h5p_attempts"] = _deleted(H5PAttempt.objects.filter(user=user))
    counts["h5p_saved_state"] = _deleted(H5PUserState.objects.filter(user=user))
    counts["attendance"] = _deleted(AttendanceRecord.objects.filter(enrolment__user=user))
    counts["progress"] = _deleted(LessonProgress.objects.filter(enrolment__user=user))
    counts["reflection_answers"] = _deleted(ReflectionAnswer.objects.filter(enrolment__user=user))
    counts["calendar_subscriptions"] = _deleted(CalendarFeed.objects.filter(user=user))
    counts["notification_preferences"] = _deleted(NotificationPreference.objects.filter(user=user))
    counts["notices"] = _deleted(OutboxMessage.objects.filter(recipient=user))

    unusable = make_password(None)
    placeholders = User.objects.bulk_create(
        [
            User(username=f"borrado-{uuid.uuid4().hex}", email="", password=unusable, is_active=False)
            for _enrolment in enrolments
        ]
    )
    for enrolment, placeholder in zip(enrolments, placeholders, strict=True):
        enrolment.user_id = placeholder.pk
        enrolment.last_lesson, enrolment.last_visited_at = None, None
    Enrolment.objects.bulk_update(enrolments, ["user", "last_lesson", "last_visited_at"])
    counts["enrolments_anonymised"] = len(enrolments)

    learner_erasing.send(sender=LearnerProfile, user_id=user.pk)

    subjects = {
        "learners.enrolment": [str(enrolment.pk) for enrolment in enrolments],
        "learners.learnerprofile": [str(profile.pk)] if profile else [],
        User._meta.label_lower: [str(user.pk)],
        "learners.datarequest": [str(pk) for pk in DataRequest.objects.filter(user=user).values_list("pk", flat=True)],
        "learners.consent": [str(pk) for pk in Consent.objects.filter(user=user).values_list("pk", flat=True)],
    }
    for subject_type, ids in subjects.items():
        if ids:
            AuditEvent.objects.filter(subject_type=subject_type, subject_id__in=ids).update(subject_label=erasure.label)
    AuditEvent.objects.filter(actor=user).update(actor_label=erasure.label, actor=None)
    for model, ids in (
        (Enrolment, subjects["learners.enrolment"]),
        (LearnerProfile, subjects["learners.learnerprofile"]),
        (User, subjects[User._meta.label_lower]),
    ):
        if ids:
            content_type = ContentType.objects.get_for_model(model)
            ModelLogEntry.objects.filter(content_type=content_type, object_id__in=ids).update(label=erasure.label)
    ModelLogEntry.objects.filter(user_id=user.pk).update(user=None)

    DataRequest.objects.filter(user=user).update(details="", user=None)
    counts["sessions"] = sessions_end(user_id=user.pk)
    counts["consents"] = Consent.objects.filter(user=user).count()
    user_pk = user.pk
    user.delete()  # the profile, consents and any staff profile go with it
    audit_record(
        actor=by,
        action="learner.deleted",
        subject_label=erasure.label,
        data={"user_id": user_pk, **counts},
    )
    return erasure


# Retention --------------------------------------------------------------------------------------------------------


@dataclass
class Purge:
    """Rows removed (or that would be removed, in a dry run) by ``expired_data_purge``, by kind."""

    counts: dict[str, int]
    dry_run: bool


def _retention(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@transaction.atomic
def expired_data_purge(*, dry_run: bool = False, now=None) -> Purge:
    """Delete activity logs older than their retention period (settings ``LEARNERS_RETENTION_*``, in days; 0 keeps
    them forever): raw xAPI statements of finished attempts, saved H5P player state, expired sessions and, if
    configured, old audit entries. Attempt scores, lesson progress, grades and completion live in their own rows
    and do not change. Idempotent."""
    now = now or timezone.now()
    plan = {}
    statement_days = _retention("LEARNERS_RETENTION_STATEMENTS_DAYS", 365)
    if statement_days:
        plan["h5p_statements"] = H5PStatement.objects.filter(
            received_at__lt=now - timedelta(days=statement_days)
        ).exclude(attempt__completed_at__isnull=True, attempt__isnull=False)
    state_days = _retention("LEARNERS_RETENTION_SAVED_STATE_DAYS", 730)
    if state_days:
        plan["h5p_saved_state"] = H5PUserState.objects.filter(updated_at__lt=now - timedelta(days=state_days))
    plan["expired_sessions"] = DjangoSession.objects.filter(expire_date__lt=now)
    audit_days = _retention("LEARNERS_RETENTION_AUDIT_DAYS", 0)
    if audit_days:
        plan["audit_entries"] = AuditEvent.objects.filter(at__lt=now - timedelta(days=audit_days))
    if dry_run:
        return Purge(counts={name: queryset.count() for name, queryset in plan.items()}, dry_run=True)
    counts = {name: _deleted(queryset) for name, queryset in plan.items()}
    if any(counts.values()):
        audit_record(actor=None, action="retention.purged", data=counts)
    return Purge(counts=counts, dry_run=False)
