"""The states of an account, and which self-service flows each one may use.

=============  ===========================================================  ==========================================
state          how it is stored                                             what the owner can do herself
=============  ===========================================================  ==========================================
active         ``user.is_active``                                           log in, reset her password
unconfirmed    inactive; a learner profile with ``email_confirmed_at``      confirm her email (sign-up, with its link)
               empty and no log-in ever (``last_login`` empty)              or claim it with a reset link (imported)
deactivated    inactive for any other reason (staff unticked "active")      nothing: only staff can reactivate it
blocked        the profile has ``blocked_at`` (data request, withdrawn      nothing: only staff can unblock it
               consent); the account is inactive too
=============  ===========================================================  ==========================================

Only an unconfirmed account can become active by itself, and only once: confirming (or claiming) sets
``email_confirmed_at``. Log-in, password reset, confirmation and CSV-import claiming never activate a deactivated
or blocked account, and what they answer does not tell those two states apart from an unknown email.
"""

import enum

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from learners.accounts.models import LearnerProfile
from learners.privacy.selectors import IMPORTED_NOTICE_VERSION


class AccountState(enum.StrEnum):
    ACTIVE = "active"
    UNCONFIRMED = "unconfirmed"
    DEACTIVATED = "deactivated"
    BLOCKED = "blocked"


def unconfirmed_q(prefix: str = "") -> Q:
    """Users (``prefix`` is the lookup path to the user, e.g. ``"user__"``) whose account is unconfirmed."""
    return Q(
        **{
            f"{prefix}is_active": False,
            f"{prefix}last_login__isnull": True,
            f"{prefix}learner_profile__isnull": False,
            f"{prefix}learner_profile__email_confirmed_at__isnull": True,
            f"{prefix}learner_profile__blocked_at__isnull": True,
        }
    )


def account_state(user: AbstractBaseUser) -> AccountState:
    """The state of ``user`` (one query for its learner profile)."""
    profile = LearnerProfile.objects.filter(user=user).only("email_confirmed_at", "blocked_at").first()
    if profile is not None and profile.blocked_at is not None:
        return AccountState.BLOCKED
    if user.is_active:
        return AccountState.ACTIVE
    if profile is not None and profile.email_confirmed_at is None and user.last_login is None:
        return AccountState.UNCONFIRMED
    return AccountState.DEACTIVATED


def is_unclaimed_import(user: AbstractBaseUser) -> bool:
    """An account the school created from a file that its owner has not claimed yet (she may claim it with a
    password-reset link, which proves she reads that email)."""
    return (
        account_state(user) == AccountState.UNCONFIRMED
        and LearnerProfile.objects.filter(user=user, privacy_notice_version=IMPORTED_NOTICE_VERSION).exists()
    )
