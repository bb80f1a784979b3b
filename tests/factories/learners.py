"""Builders for learners, cohorts and sessions.

Usage (comunas must be loaded first: ``call_command("load_reference_data", stdout=StringIO())``)::

    ana = make_learner(run="12.345.678-5", email="ana@example.cl")   # user + LearnerProfile
    cohort = make_cohort(course=course, capacity=10, instructors=[teacher])
    session = make_session(cohort=cohort, date=date(2026, 3, 2))

The shorter ``learner()``, ``cohort()`` and ``session()`` need no reference data and give every learner a fresh
valid RUN: ``enrolment_create(user=learner(), course=course, cohort=cohort(course=course, capacity=2))``
(``learners.enrolment.services``).
"""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import Comuna, Province, Region
from learners.accounts.run import check_digit, normalise_run
from learners.models import Cohort, LearnerProfile, Session

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


def _end_time(start: time, hours) -> time:
    return (datetime.combine(date(2000, 1, 1), start) + timedelta(hours=float(hours))).time()


def make_session(*, cohort: Cohort, date: date | None = None, **fields) -> Session:
    fields.setdefault("start_time", time(18, 30))
    fields.setdefault("place", "Sede vecinal")
    fields.setdefault("duration_hours", Decimal("2.0"))
    fields.setdefault("end_time", _end_time(fields["start_time"], fields["duration_hours"]))
    return Session.objects.create(cohort=cohort, date=date or timezone.localdate(), **fields)


_numbers = itertools.count(15_000_000)


def ensure_comuna(code: str = "13101", name: str = "Santiago") -> Comuna:
    """A comuna (with its province and region) without loading the whole reference file."""
    region, _ = Region.objects.get_or_create(code=code[:2], defaults={"name": f"Región {code[:2]}"})
    province, _ = Province.objects.get_or_create(
        code=code[:3], defaults={"name": f"Provincia {code[:3]}", "region": region}
    )
    found, _ = Comuna.objects.get_or_create(code=code, defaults={"name": name, "province": province, "region": region})
    return found


def learner(*, email: str | None = None, given_names: str = "María", family_names: str = "González Pérez", **profile):
    """An active user with a learner profile and a fresh valid RUN; needs no reference data."""
    body = next(_numbers)
    email = email or f"persona{body}@example.cl"
    user = get_user_model().objects.create_user(username=email, email=email, password="clave-segura-123")
    LearnerProfile.objects.create(
        user=user,
        given_names=given_names,
        family_names=family_names,
        run=profile.pop("run", f"{body}-{check_digit(body)}"),
        comuna=profile.pop("comuna", None) or ensure_comuna(),
        learner_type=profile.pop("learner_type", LearnerProfile.LearnerType.CITIZEN),
        birth_year=profile.pop("birth_year", 1964),
        privacy_notice_version="test",
        privacy_accepted_at=timezone.now(),
        **profile,
    )
    return user


def cohort(*, course, capacity=None, name="Grupo 1", **fields) -> Cohort:
    """A cohort running from 2026 to 2030, so that it takes enrolments whatever today is."""
    return Cohort.objects.create(
        course=course,
        name=name,
        starts_on=fields.pop("starts_on", date(2026, 1, 5)),
        ends_on=fields.pop("ends_on", date(2030, 12, 20)),
        capacity=capacity,
        **fields,
    )


def session(*, cohort: Cohort, on: date, hours="2.0") -> Session:
    return Session.objects.create(
        cohort=cohort,
        date=on,
        start_time=time(18, 30),
        end_time=_end_time(time(18, 30), hours),
        place="Sede vecinal",
        duration_hours=hours,
    )
