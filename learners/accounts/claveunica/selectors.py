"""Reads for the ClaveÚnica log-in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from learners.accounts.models import LearnerProfile
from learners.staff.selectors import learner_schools, school_administration_accounts


def profile_with_run(*, run: str) -> LearnerProfile | None:
    """The profile holding this canonical RUN, with its user (one query), or None."""
    return LearnerProfile.objects.select_related("user").filter(run=run).first()


def run_review_recipients(*, profile: LearnerProfile) -> QuerySet:
    """Who is told by email that ``profile``'s RUN is under review (active accounts with an email, by id): the
    academy (superusers, and national staff allowed to change learner profiles: the Administrador role) and, when
    the profile's enrolments are in a municipal school's courses or cohorts, that school's administration. The staff
    of a school never hear of another school's learners, whatever their other groups."""
    User = get_user_model()
    can_fix = Q(
        groups__permissions__codename="change_learnerprofile", groups__permissions__content_type__app_label="learners"
    )
    school_staff = User._default_manager.filter(groups__school_link__isnull=False).values("pk")
    academy = Q(is_superuser=True) | (can_fix & ~Q(pk__in=school_staff))
    schools = school_administration_accounts(schools=learner_schools(user_id=profile.user_id)).values("pk")
    return (
        User._default_manager.filter(academy | Q(pk__in=schools), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
