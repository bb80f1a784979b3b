"""Reads about learner accounts."""

from django.contrib.auth.models import AbstractBaseUser

from learners.accounts.models import LearnerProfile


def profile_incomplete(*, user: AbstractBaseUser) -> bool:
    """No learner profile yet, or one created from a school's file without a year of birth."""
    return not LearnerProfile.objects.filter(user=user, birth_year__isnull=False).exists()
