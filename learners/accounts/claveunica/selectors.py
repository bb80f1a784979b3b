"""Reads for the ClaveÚnica log-in."""

from __future__ import annotations

from learners.accounts.models import LearnerProfile


def profile_with_run(*, run: str) -> LearnerProfile | None:
    """The profile holding this canonical RUN, with its user (one query), or None."""
    return LearnerProfile.objects.select_related("user").filter(run=run).first()
