"""Reads for personal data: the notice in force, whether a learner must accept it, her requests and her data."""

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from courses import spreadsheets
from learners.accounts.models import LearnerProfile
from learners.attendance.models import AttendanceRecord
from learners.calendar.models import CalendarFeed
from learners.enrolment.models import Enrolment
from learners.h5p.models import H5PAttempt, H5PStatement, H5PUserState
from learners.notifications.models import NotificationPreference, OutboxMessage
from learners.privacy import export_names
from learners.privacy.models import Consent, DataRequest, PrivacyNotice
from learners.progress.models import LessonProgress
from learners.reflections.models import ReflectionAnswer
from learners.signals import learner_data_requested

IMPORTED_NOTICE_VERSION = "csv-import"


def current_notice(*, at: datetime | None = None) -> PrivacyNotice | None:
    """The notice in force: the newest one already published."""
    return PrivacyNotice.objects.filter(published_at__lte=at or timezone.now()).order_by("-published_at", "-pk").first()


def fallback_notice_version() -> str:
    """The version recorded while no notice is in force: LEARNERS_PRIVACY_NOTICE_VERSION (default "2026-11")."""
    return getattr(settings, "LEARNERS_PRIVACY_NOTICE_VERSION", "2026-11")


def notice_to_accept(*, user: AbstractBaseUser) -> PrivacyNotice | None:
    """The notice this learner must accept before going on, or None. A learner must accept when the notice in
    force was published after her last acceptance, or when only the school accepted for her (a file import).
    Accounts without a learner profile (staff) never have to."""
    profile = LearnerProfile.objects.filter(user=user).only("privacy_notice_version", "privacy_accepted_at").first()
    if profile is None:
        return None
    notice = current_notice()
    if notice is None or profile.privacy_notice_version == notice.version:
        return None
    if profile.privacy_notice_version == IMPORTED_NOTICE_VERSION or profile.privacy_accepted_at < notice.published_at:
        return notice
    return None


def active_consent(*, user: AbstractBaseUser) -> Consent | None:
    return Consent.objects.filter(user=user, withdrawn_at__isnull=True).order_by("-accepted_at", "-pk").first()


def data_requests_of(*, user: AbstractBaseUser) -> QuerySet[DataRequest]:
    return DataRequest.objects.filter(user=user).order_by("-created_at", "-pk")


def open_request(*, user: AbstractBaseUser, kind: str) -> DataRequest | None:
    return DataRequest.objects.filter(user=user, kind=kind, status=DataRequest.Status.OPEN).first()


@dataclass(frozen=True)
class PendingRequest:
    """An open data request as the academy's weekly summary shows it: its reference number, kind and dates,
    never what the learner wrote nor who she is."""

    pk: int
    kind: str
    kind_label: str
    received_on: date
    due_on: date
    overdue: bool
    due_this_week: bool


def pending_data_requests(*, today: date) -> list[PendingRequest]:
    """Open data requests by legal deadline (``deadlines.due_on``), each flagged overdue (the deadline has passed)
    or due this week (by Sunday of ``today``'s week); one query, reading no request's content."""
    week_end = today + timedelta(days=6 - today.weekday())
    rows = (
        DataRequest.objects.filter(status=DataRequest.Status.OPEN)
        .order_by("due_on", "pk")
        .only("pk", "kind", "created_at", "due_on")
    )
    return [
        PendingRequest(
            pk=row.pk,
            kind=row.kind,
            kind_label=str(row.get_kind_display()),
            received_on=timezone.localdate(row.created_at),
            due_on=row.due_on,
            overdue=row.due_on < today,
            due_this_week=today <= row.due_on <= week_end,
        )
        for row in rows
    ]


# Who may be published -----------------------------------------------------------------------------------------


def publishable_learners(*, year: int | None = None):
    """Learner profiles whose data may appear in published exports and reports: adults (18 or older during
    ``year``, this year by default) whose data are not blocked. Minors, people of unknown age (``is_minor``) and
    blocked learners are left out (Ley 21.719 art. 16 quater; blocking under Ley 19.628 art. 12).

    Filter other querysets with it, e.g. ``Enrolment.objects.filter(user__learner_profile__in=publishable_learners())``.
    """
    return LearnerProfile.objects.filter(publishable_learner_q(year=year))


def publishable_learner_q(*, year: int | None = None, prefix: str = "") -> Q:
    """``publishable_learners`` as a condition, for querysets of other models: ``prefix`` leads from the filtered
    model to LearnerProfile (``"user__learner_profile__"`` from Enrolment)."""
    year = year or timezone.localdate().year
    return Q(**{f"{prefix}birth_year__lte": year - 18, f"{prefix}blocked_at__isnull": True})


# The learner's download -------------------------------------------------------------------------------------------


def _plain(value):
    """A value for ``datos.json``: times as ISO 8601 in Chilean local time with their offset
    (``2026-12-06T15:56:00-03:00``), numbers and codes as text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _rows(queryset: QuerySet, *fields: str) -> list[dict]:
    """``fields`` of every row, as stored (datetimes, decimals…), in that column order."""
    return list(queryset.values(*fields))


def learner_data(*, user: AbstractBaseUser) -> dict[str, list[dict]]:
    """Everything the platform holds about ``user``, by category, as rows of stored values (her own only)."""
    profile_fields = [
        "given_names",
        "family_names",
        "document_type",
        "run",
        "document_number",
        "comuna__name",
        "learner_type",
        "municipality__name",
        "organisation_name",
        "organisation_type",
        "birth_year",
        "phone",
        "privacy_notice_version",
        "privacy_accepted_at",
        "blocked_at",
        "created_at",
        "updated_at",
    ]
    account = [
        {
            "email": user.email,
            "username": user.get_username(),
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        }
    ]
    data = {
        "account": account,
        "profile": _rows(LearnerProfile.objects.filter(user=user), *profile_fields),
        "consents": _rows(
            Consent.objects.filter(user=user).order_by("accepted_at", "pk"),
            "version",
            "text_sha256",
            "accepted_at",
            "withdrawn_at",
            "channel",
        ),
        "enrolments": _rows(
            Enrolment.objects.filter(user=user).order_by("enrolled_at", "pk"),
            "id",
            "course__title",
            "cohort__name",
            "status",
            "enrolled_at",
            "waitlisted_at",
            "completed_at",
            "withdrawn_at",
            "final_grade",
            "last_visited_at",
        ),
        "progress": _rows(
            LessonProgress.objects.filter(enrolment__user=user).order_by("pk"),
            "enrolment_id",
            "course__title",
            "lesson__title",
            "completed_at",
            "score",
            "source",
        ),
        "h5p_attempts": _rows(
            H5PAttempt.objects.filter(user=user).order_by("started_at", "pk"),
            "id",
            "enrolment_id",
            "lesson__title",
            "activity__title",
            "number",
            "started_at",
            "completed_at",
            "raw_score",
            "max_score",
            "scaled",
            "success",
            "duration_seconds",
        ),
        "h5p_statements": _rows(
            H5PStatement.objects.filter(user=user).order_by("received_at", "pk"),
            "attempt_id",
            "statement_id",
            "verb",
            "object_id",
            "received_at",
            "raw",
        ),
        "h5p_saved_state": _rows(
            H5PUserState.objects.filter(user=user).order_by("pk"),
            "activity__title",
            "data_type",
            "sub_content_id",
            "value",
            "updated_at",
        ),
        "attendance": _rows(
            AttendanceRecord.objects.filter(enrolment__user=user).order_by("session__date", "pk"),
            "enrolment_id",
            "session__cohort__name",
            "session__date",
            "session__place",
            "status",
            "method",
            "recorded_at",
        ),
        "reflection_answers": _rows(
            ReflectionAnswer.objects.filter(enrolment__user=user).order_by("created_at", "pk"),
            "enrolment_id",
            "enrolment__course__title",
            "lesson__title",
            "prompt",
            "text",
            "created_at",
            "updated_at",
            "feedback",
            "feedback_at",
        ),
        # that a subscription exists and since when; never its secret address, which a download must not leak
        "calendar_subscriptions": _rows(CalendarFeed.objects.filter(user=user).order_by("kind"), "kind", "created_at"),
        # her choices per kind of notice (with how she made each), and the notices sent to her (not their text)
        "notification_preferences": _rows(
            NotificationPreference.objects.filter(user=user).order_by("kind"),
            "kind",
            "choice",
            "changed_via",
            "updated_at",
        ),
        "notices": _rows(
            OutboxMessage.objects.filter(recipient=user).order_by("created_at", "pk"),
            "kind",
            "subject",
            "status",
            "created_at",
            "sent_at",
        ),
        "data_requests": _rows(
            DataRequest.objects.filter(user=user).order_by("created_at", "pk"),
            "kind",
            "details",
            "created_at",
            "due_on",
            "status",
            "answered_at",
            "response",
        ),
    }
    for _receiver, extra in learner_data_requested.send(sender=LearnerProfile, user=user):
        for category, rows in (extra or {}).items():
            data.setdefault(category, []).extend(rows)
    return data


def _csv(rows: list[dict]) -> str:
    """One category as CSV, through the platform's spreadsheet writer (no formulas, times as 22/03/2026 16:03 in
    Chilean time), in the Excel-Chile dialect (UTF-8 with a byte order mark, ``;``, decimal comma): the download is
    for a person, who opens it in Excel. Nested values as JSON text."""
    if not rows:
        return "\ufeff"
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = [columns]
    for row in rows:
        lines.append([_csv_value(row.get(column)) for column in columns])
    return spreadsheets.csv_text(lines)


def _csv_value(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=_plain)
    return value


def learner_data_zip(*, user: AbstractBaseUser) -> bytes:
    """Her download: ``datos.json`` with every category, and one CSV per category (Excel-Chile: UTF-8 with BOM, ``;``),
    named in Spanish (``perfil.csv``, ``tipo_participante``: ``dirigente_social``; ``export_names``)."""
    data = export_names.in_spanish(learner_data(user=user))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datos.json", json.dumps(data, ensure_ascii=False, indent=2, default=_plain))
        for category, rows in data.items():
            archive.writestr(f"{category}.csv", _csv(rows))
    return buffer.getvalue()
