"""Small builders for learner tests: users with profiles, cohorts and sessions."""

import itertools
from datetime import date, time

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import Comuna, Province, Region
from learners.models import Cohort, LearnerProfile, Session
from learners.run import check_digit

_numbers = itertools.count(15_000_000)


def comuna(code: str = "13101", name: str = "Santiago") -> Comuna:
    region, _ = Region.objects.get_or_create(code=code[:2], defaults={"name": f"Región {code[:2]}"})
    province, _ = Province.objects.get_or_create(
        code=code[:3], defaults={"name": f"Provincia {code[:3]}", "region": region}
    )
    found, _ = Comuna.objects.get_or_create(code=code, defaults={"name": name, "province": province, "region": region})
    return found


def learner(*, email: str | None = None, given_names: str = "María", family_names: str = "González Pérez", **profile):
    """An active user with a learner profile and a valid RUN."""
    body = next(_numbers)
    email = email or f"persona{body}@example.cl"
    user = get_user_model().objects.create_user(username=email, email=email, password="clave-segura-123")
    LearnerProfile.objects.create(
        user=user,
        given_names=given_names,
        family_names=family_names,
        run=profile.pop("run", f"{body}-{check_digit(body)}"),
        comuna=profile.pop("comuna", None) or comuna(),
        learner_type=profile.pop("learner_type", LearnerProfile.LearnerType.CITIZEN),
        birth_year=profile.pop("birth_year", 1964),
        privacy_notice_version="test",
        privacy_accepted_at=timezone.now(),
        **profile,
    )
    return user


def cohort(*, course, capacity=None, name="Grupo 1", **fields) -> Cohort:
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
        cohort=cohort, date=on, start_time=time(18, 30), place="Sede vecinal", duration_hours=hours
    )
