"""Builders for learners, cohorts and sessions.

Usage (comunas must be loaded first: ``call_command("load_reference_data", stdout=StringIO())``)::

    ana = make_learner(run="12.345.678-5", email="ana@example.cl")   # user + LearnerProfile
    cohort = make_cohort(course=course, capacity=10, instructors=[teacher])
    session = make_session(cohort=cohort, date=date(2026, 3, 2))
"""

import itertools
from datetime import date, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import Comuna
from learners.models import Cohort, LearnerProfile, Session
from learners.run import normalise_run

_sequence = itertools.count(1)


def make_user(*, email: str | None = None, password: str | None = "clave-segura-123", **fields):
    """An active account whose user name is its email."""
    email = email or f"persona{next(_sequence)}@example.cl"
    fields.setdefault("first_name", "")
    fields.setdefault("last_name", "")
    user = get_user_model()(username=email.lower(), email=email, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def make_learner(
    *,
    run: str | None = "12.345.678-5",
    email: str | None = None,
    comuna: Comuna | str = "13101",
    given_names: str = "Ana María",
    family_names: str = "Pérez Soto",
    birth_year: int = 1985,
    document_type: str = LearnerProfile.DocumentType.RUN,
    document_number: str = "",
    **profile_fields,
):
    """A user with a learner profile; pass ``run=None, document_type="passport", document_number=...`` for a
    learner without a RUN. Returns the user."""
    user = make_user(email=email, first_name=given_names, last_name=family_names)
    if not isinstance(comuna, Comuna):
        comuna = Comuna.objects.get(code=comuna)
    LearnerProfile.objects.create(
        user=user,
        given_names=given_names,
        family_names=family_names,
        document_type=document_type,
        run=normalise_run(run) if run else None,
        document_number=document_number,
        comuna=comuna,
        learner_type=profile_fields.pop("learner_type", LearnerProfile.LearnerType.CITIZEN),
        birth_year=birth_year,
        privacy_notice_version=profile_fields.pop("privacy_notice_version", "test"),
        privacy_accepted_at=profile_fields.pop("privacy_accepted_at", timezone.now()),
        **profile_fields,
    )
    return user


def make_cohort(*, course, instructors=(), **fields) -> Cohort:
    today = timezone.localdate()
    fields.setdefault("name", f"Grupo {next(_sequence)}")
    fields.setdefault("starts_on", today - timedelta(days=7))
    fields.setdefault("ends_on", today + timedelta(days=60))
    cohort = Cohort.objects.create(course=course, **fields)
    if instructors:
        cohort.instructors.set(instructors)
    return cohort


def make_session(*, cohort: Cohort, date: date | None = None, **fields) -> Session:
    fields.setdefault("start_time", time(18, 30))
    fields.setdefault("place", "Sede vecinal")
    fields.setdefault("duration_hours", Decimal("2.0"))
    return Session.objects.create(cohort=cohort, date=date or timezone.localdate(), **fields)
