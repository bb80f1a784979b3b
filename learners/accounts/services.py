"""Writes for learner accounts: sign-up, email confirmation and the learner's own profile.

Uniqueness (email, RUN, other documents) is enforced by the database; a conflict that slips past the form
(two submissions at once) comes back as ``AccountConflict`` instead of an IntegrityError.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from learners.accounts.tokens import account_confirmation_token, confirmation_path, user_for_uidb64
from learners.models import Consent, LearnerProfile
from learners.privacy.selectors import current_notice, fallback_notice_version
from learners.privacy.services import consent_record

logger = logging.getLogger(__name__)

EDITABLE_PROFILE_FIELDS = (
    "given_names",
    "family_names",
    "comuna",
    "learner_type",
    "municipality",
    "organisation_name",
    "organisation_type",
    "phone",
)
IDENTITY_FIELDS = ("document_type", "run", "document_number", "birth_year")


class AccountConflict(Exception):
    """The email, RUN or document already belongs to another account. ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class ConfirmationError(Exception):
    """A confirmation link that cannot be used. ``code`` is "invalid" or "already_confirmed"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def email_taken_message() -> str:
    return _("An account with this email already exists. If it is yours, log in or reset your password.")


def run_taken_message() -> str:
    return _("An account with this RUN already exists. If it is yours, log in or reset your password.")


def document_taken_message() -> str:
    return _("An account with this document already exists. If it is yours, log in or reset your password.")


def _conflict(*, email: str | None, fields: Mapping[str, Any]) -> AccountConflict | None:
    User = get_user_model()
    if email and User._default_manager.filter(username=email).exists():
        return AccountConflict("email", email_taken_message())
    if fields.get("run") and LearnerProfile.objects.filter(run=fields["run"]).exists():
        return AccountConflict("run", run_taken_message())
    if fields.get("document_number") and (
        LearnerProfile.objects.filter(
            document_type=fields.get("document_type"), document_number=fields["document_number"]
        ).exists()
    ):
        return AccountConflict("document_number", document_taken_message())
    return None


def _profile_save(*, user: AbstractBaseUser, fields: Mapping[str, Any], channel: str) -> LearnerProfile:
    """Create the profile with today's acceptance of the notice in force, recorded as a consent through
    ``channel`` (inside the caller's transaction)."""
    allowed = set(EDITABLE_PROFILE_FIELDS) | set(IDENTITY_FIELDS)
    notice = current_notice()
    profile = LearnerProfile(
        user=user,
        privacy_notice_version=notice.version if notice else fallback_notice_version(),
        privacy_accepted_at=timezone.now(),
        **{name: value for name, value in fields.items() if name in allowed},
    )
    if profile.document_type == LearnerProfile.DocumentType.RUN:
        profile.document_number = ""
    else:
        profile.run = None
    if profile.learner_type != LearnerProfile.LearnerType.MUNICIPAL_STAFF:
        profile.municipality = None
    profile.full_clean(validate_unique=False, validate_constraints=False)  # uniqueness: the database
    profile.save()
    consent_record(user=user, channel=channel, notice=notice)
    return profile


def account_create(*, email: str, password: str, profile: Mapping[str, Any]) -> AbstractBaseUser:
    """Create an inactive user (username = email lower-cased) and her learner profile in one transaction.

    ``profile`` holds LearnerProfile field values (see EDITABLE_PROFILE_FIELDS and IDENTITY_FIELDS).
    Raises AccountConflict when the email, RUN or document is already registered.
    """
    User = get_user_model()
    email = email.strip().lower()
    user = User(
        username=email,
        email=email,
        first_name=str(profile.get("given_names", ""))[:150],
        last_name=str(profile.get("family_names", ""))[:150],
        is_active=False,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            _profile_save(user=user, fields=profile, channel=Consent.Channel.SIGNUP)
    except IntegrityError:
        conflict = _conflict(email=email, fields=profile)
        if conflict is None:
            raise
        raise conflict from None
    return user


def confirmation_send(*, user: AbstractBaseUser, base_url: str) -> None:
    """Email the account-confirmation link. ``base_url`` is the site's scheme and host, e.g. https://x.cl.

    A failure to send is logged, not raised: the learner can ask for the link again.
    """
    context = {
        "user": user,
        "confirm_url": base_url.rstrip("/") + confirmation_path(user),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)),  # the token's lifetime
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", ""),
    }
    subject = "".join(render_to_string("learners/accounts/email/confirm_subject.txt", context).splitlines())
    body = render_to_string("learners/accounts/email/confirm_body.txt", context)
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:
        logger.exception("Could not send the account confirmation email to user %s", user.pk)


def confirmation_resend(*, email: str, base_url: str) -> bool:
    """Send a new confirmation link when an unconfirmed account has this email. Returns whether one was sent."""
    user = get_user_model()._default_manager.filter(username=email.strip().lower(), is_active=False).first()
    if user is None:
        return False
    confirmation_send(user=user, base_url=base_url)
    return True


@transaction.atomic
def account_confirm(*, uidb64: str, token: str) -> AbstractBaseUser:
    """Activate the account a confirmation link names and return its user.

    Raises ConfirmationError("already_confirmed") for a genuine link that was already used, and
    ConfirmationError("invalid") for anything else (tampered, expired, unknown user).
    """
    user = user_for_uidb64(uidb64)
    if user is None:
        raise ConfirmationError("invalid")
    if user.is_active:
        user.is_active = False  # in memory only: was this link valid before the account was confirmed?
        genuine = account_confirmation_token.check_token(user, token)
        user.is_active = True
        raise ConfirmationError("already_confirmed" if genuine else "invalid")
    if not account_confirmation_token.check_token(user, token):
        raise ConfirmationError("invalid")
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def profile_create(*, user: AbstractBaseUser, fields: Mapping[str, Any]) -> LearnerProfile:
    """Create the learner profile of an existing account (e.g. one made in the admin), accepting today's
    privacy notice. Raises AccountConflict when the RUN or document is already registered."""
    try:
        with transaction.atomic():
            profile = _profile_save(user=user, fields=fields, channel=Consent.Channel.PROFILE)
            _user_names_sync(user=user, profile=profile)
    except IntegrityError:
        conflict = _conflict(email=None, fields=fields)
        if conflict is None:
            raise
        raise conflict from None
    return profile


@transaction.atomic
def profile_update(*, profile: LearnerProfile, fields: Mapping[str, Any]) -> LearnerProfile:
    """Save the learner's corrections. Only EDITABLE_PROFILE_FIELDS change: never the RUN, document or email.

    The year of birth can be given once, by people the school enrolled from a file without it.
    """
    changed = [name for name in EDITABLE_PROFILE_FIELDS if name in fields]
    if profile.birth_year is None and fields.get("birth_year"):
        changed.append("birth_year")
    for name in changed:
        setattr(profile, name, fields[name])
    if profile.learner_type != LearnerProfile.LearnerType.MUNICIPAL_STAFF:
        profile.municipality = None
        changed.append("municipality")
    profile.full_clean(validate_unique=False, validate_constraints=False)
    profile.save(update_fields=sorted(set(changed)) + ["updated_at"])
    _user_names_sync(user=profile.user, profile=profile)
    return profile


def _user_names_sync(*, user: AbstractBaseUser, profile: LearnerProfile) -> None:
    """Keep the account's first and last name (shown in the admin) equal to the profile's names."""
    first, last = profile.given_names[:150], profile.family_names[:150]
    if (user.first_name, user.last_name) != (first, last):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])


IMPORTED_NOTICE_VERSION = "csv-import"


def reset_recipients(*, email: str):
    """Who may receive a password-reset link for ``email``: active accounts with a password, and accounts the
    school created from a CSV file (inactive, no password yet), so that those learners can claim them."""
    User = get_user_model()
    email = email.strip().lower()
    candidates = User._default_manager.filter(email__iexact=email)
    for user in candidates:
        if user.is_active and user.has_usable_password():
            yield user
        elif not user.is_active and not user.has_usable_password() and _is_imported(user):
            yield user


def imported_account_activate(*, user: AbstractBaseUser) -> None:
    """The learner chose her password from a reset link: an account created from a file becomes active."""
    if not user.is_active and _is_imported(user):
        user.is_active = True
        user.save(update_fields=["is_active"])


def _is_imported(user: AbstractBaseUser) -> bool:
    return LearnerProfile.objects.filter(
        user=user, privacy_notice_version=IMPORTED_NOTICE_VERSION, blocked_at__isnull=True
    ).exists()
