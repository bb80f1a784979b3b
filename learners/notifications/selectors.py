"""Reads for notifications: a person's choices per kind."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from learners.notifications.kinds import Kind, choosable_kinds
from learners.notifications.models import NotificationPreference


@dataclass(frozen=True)
class PreferenceRow:
    kind: Kind
    choice: str


def preference_rows(*, user: AbstractBaseUser) -> list[PreferenceRow]:
    """Every kind she may choose for, with her choice (or the kind's default), in the registry's order."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "choice"))
    return [
        PreferenceRow(kind=kind, choice=chosen.get(kind.code, kind.default))
        for kind in choosable_kinds(staff=bool(user.is_staff))
    ]


def choice_for(*, user_id: int, kind: Kind) -> str:
    row = NotificationPreference.objects.filter(user_id=user_id, kind=kind.code).values_list("choice", flat=True)
    return row.first() or kind.default
