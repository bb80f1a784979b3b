"""Writes for learner accounts: sign-up, email confirmation and the learner's own profile.

Uniqueness (email, RUN, other documents) is enforced by the database; a conflict that slips past the form
(two submissions at once) comes back as ``AccountConflict`` instead of an IntegrityError.
"""

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from learners.accounts.models import LearnerProfile
from learners.accounts.states import (
    AccountState,
    account_state,
    is_unclaimed_import,
    unconfirmed_q,
)
from learners.accounts.throttle import account_locks_clear, email_send_allowed
from learners.accounts.tokens import account_confirmation_token, confirmation_path, user_for_uidb64
from learners.notifications.messages import Outgoing
from learners.notifications.services import outbox_send_now
from learners.privacy.audit import audit_record
from learners.privacy.models import Consent
from learners.privacy.selectors import current_notice, fallback_notice_version
from learners.privacy.services import consent_record
from learners.safe_next import path_with_next

logger = logging.getLogger(__name__)

RESUBMISSION_WINDOW = timedelta(minutes=10)
EXISTING_ACCOUNT_EMAIL_SECONDS = 10 * 60
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
    ``channel`` (inside the caller's transaction). A sign-up's profile waits for the email confirmation."""
    allowed = set(EDITABLE_PROFILE_FIELDS) | set(IDENTITY_FIELDS)
    notice = current_notice()
    profile = LearnerProfile(
        user=user,
        privacy_notice_version=notice.version if notice else fallback_notice_version(),
        privacy_accepted_at=timezone.now(),
        email_confirmed_at=None if channel == Consent.Channel.SIGNUP else timezone.now(),
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


def signup_submit(*, email: str, password: str, profile: Mapping[str, Any], base_url: str, next_path: str = "") -> None:
    """A sign-up, answered the same whether or not the email, RUN or document is already registered, so that the
    form is no oracle for who takes part: a new person gets her account and its confirmation link; when the
    details belong to existing accounts, nothing is created and their owners get an email instead (how to log in
    or choose a new password, or a new confirmation link if they never confirmed). Both ways hash the password
    and send at most one email per address. A repeated submission of a sign-up made minutes ago sends nothing.
    ``next_path`` (a path on this site, already checked) rides on the links so she lands where she was going."""
    try:
        user = account_create(email=email, password=password, profile=profile)
    except AccountConflict:
        for owner in _existing_owners(email=email.strip().lower(), fields=profile):
            if not _is_resubmission(owner=owner, email=email.strip().lower(), password=password):
                existing_account_notify(user=owner, base_url=base_url, next_path=next_path)
        return
    confirmation_send(user=user, base_url=base_url, next_path=next_path)


def _existing_owners(*, email: str, fields: Mapping[str, Any]) -> list[AbstractBaseUser]:
    """The accounts that hold this email, RUN or document (at most three, without repeats)."""
    condition = Q(username__iexact=email) | Q(email__iexact=email)
    if fields.get("run"):
        condition |= Q(learner_profile__run=fields["run"])
    if fields.get("document_number"):
        condition |= Q(
            learner_profile__document_type=fields.get("document_type"),
            learner_profile__document_number=fields["document_number"],
        )
    return list(get_user_model()._default_manager.filter(condition).distinct().order_by("pk")[:3])


def _is_resubmission(*, owner: AbstractBaseUser, email: str, password: str) -> bool:
    """The same person sending the same sign-up again (a double tap, a browser resending the form): same email
    and password as an unconfirmed account created minutes ago."""
    return (
        owner.username == email
        and not owner.is_active
        and owner.date_joined >= timezone.now() - RESUBMISSION_WINDOW
        and owner.check_password(password)
    )


def existing_account_notify(*, user: AbstractBaseUser, base_url: str, next_path: str = "") -> bool:
    """Tell the owner of an account that someone signed up with her details: a new confirmation link if she never
    confirmed, otherwise how to log in or choose a new password (how to claim it, for an imported account).
    Deactivated and blocked accounts get nothing. At most one such email per address every ten minutes; a failure
    to send is logged. Returns whether an email was sent."""
    state = account_state(user)
    if state in (AccountState.DEACTIVATED, AccountState.BLOCKED) or not user.email:
        return False
    if not email_send_allowed(purpose="signup-existing", email=user.email, seconds=EXISTING_ACCOUNT_EMAIL_SECONDS):
        return False
    if state == AccountState.UNCONFIRMED and user.has_usable_password():
        confirmation_send(user=user, base_url=base_url, next_path=next_path)
        return True
    base = base_url.rstrip("/")
    context = {
        "user": user,
        "email": user.email,
        "unclaimed": state == AccountState.UNCONFIRMED,
        "login_url": base + path_with_next(reverse("accounts:login"), next_path),
        "reset_url": base + reverse("accounts:password_reset"),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    subject = "".join(render_to_string("learners/accounts/email/existing_account_subject.txt", context).splitlines())
    body = render_to_string("learners/accounts/email/existing_account_body.txt", context)
    _security_send(kind="cuenta_existente", user=user, subject=subject, body=body)
    return True


def password_reset_send(*, user: AbstractBaseUser, subject: str, body: str) -> None:
    """The password-reset email Django's form rendered, sent through the outbox."""
    _security_send(kind="restablecer_contrasena", user=user, subject=subject, body=body)


def _security_send(*, kind: str, user: AbstractBaseUser, subject: str, body: str) -> None:
    """A security message through the outbox, sent right away (kinds that cannot be switched off; their text,
    which holds a link to the account, is erased from the outbox once sent). A failure is logged and retried."""
    message = outbox_send_now(
        Outgoing(
            kind=kind,
            recipient_id=user.pk,
            dedup_key=f"{kind}:{user.pk}:{uuid.uuid4().hex}",
            subject=subject,
            text=body,
        )
    )
    if message is not None and message.status != message.Status.SENT:
        logger.warning("Could not send the %s email to user %s yet: %s", kind, user.pk, message.last_error)


def confirmation_send(*, user: AbstractBaseUser, base_url: str, next_path: str = "") -> None:
    """Email the account-confirmation link. ``base_url`` is the site's scheme and host, e.g. https://x.cl.
    ``next_path``, a path on this site, rides on the link: confirming takes her there (the course she came from).

    A failure to send is logged, not raised: the learner can ask for the link again.
    """
    context = {
        "user": user,
        "confirm_url": base_url.rstrip("/") + path_with_next(confirmation_path(user), next_path),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)),  # the token's lifetime
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", ""),
    }
    subject = "".join(render_to_string("learners/accounts/email/confirm_subject.txt", context).splitlines())
    body = render_to_string("learners/accounts/email/confirm_body.txt", context)
    _security_send(kind="confirmacion_cuenta", user=user, subject=subject, body=body)


def confirmation_resend(*, email: str, base_url: str, next_path: str = "") -> bool:
    """Send a new confirmation link when an unconfirmed account (one that signed up and never confirmed, see
    ``learners.accounts.states``) has this email. Returns whether one was sent; never for a deactivated or
    blocked account, nor for one imported from a file (she claims it with a password-reset link)."""
    user = get_user_model()._default_manager.filter(unconfirmed_q(), username=email.strip().lower()).first()
    if user is None or not user.has_usable_password():
        return False
    confirmation_send(user=user, base_url=base_url, next_path=next_path)
    return True


@transaction.atomic
def account_confirm(*, uidb64: str, token: str) -> AbstractBaseUser:
    """Activate the unconfirmed account a confirmation link names, record the confirmation and return its user.

    Raises ConfirmationError("already_confirmed") for a genuine link of an active account that was already
    confirmed, and ConfirmationError("invalid") for anything else (tampered, expired, unknown user, and any
    account that is deactivated or blocked: a confirmation link never turns those back on).
    """
    user = user_for_uidb64(uidb64)
    if user is None:
        raise ConfirmationError("invalid")
    user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
    state = account_state(user)
    if state == AccountState.ACTIVE:
        user.is_active = False  # in memory only: was this link valid before the account was confirmed?
        genuine = account_confirmation_token.check_token(user, token)
        user.is_active = True
        raise ConfirmationError("already_confirmed" if genuine else "invalid")
    if state != AccountState.UNCONFIRMED or not account_confirmation_token.check_token(user, token):
        raise ConfirmationError("invalid")
    user.is_active = True
    user.save(update_fields=["is_active"])
    LearnerProfile.objects.filter(user=user).update(email_confirmed_at=timezone.now())
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


@transaction.atomic
def password_change(*, user: AbstractBaseUser, new_password: str) -> AbstractBaseUser:
    """A logged-in learner chose a new password (she knew the current one): save it, lift the log-in locks on her
    account and leave a trace in the audit log (no secret in it)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    account_locks_clear(account=user.get_username())
    audit_record(actor=user, action="account.password_changed", subject=user, subject_label="")
    return user


def _user_names_sync(*, user: AbstractBaseUser, profile: LearnerProfile) -> None:
    """Keep the account's first and last name (shown in the admin) equal to the profile's names."""
    first, last = profile.given_names[:150], profile.family_names[:150]
    if (user.first_name, user.last_name) != (first, last):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])


def reset_recipients(*, email: str):
    """Who may receive a password-reset link for ``email``: active accounts with a password, and accounts the
    school created from a CSV file that were never claimed (no password yet), so that those learners can claim
    them. Never a deactivated or blocked account."""
    User = get_user_model()
    email = email.strip().lower()
    candidates = User._default_manager.filter(email__iexact=email)
    for user in candidates:
        if user.is_active and user.has_usable_password():
            yield user
        elif not user.is_active and not user.has_usable_password() and is_unclaimed_import(user):
            yield user


def reset_allowed(*, user: AbstractBaseUser) -> bool:
    """Whether a password-reset link may still be used for ``user``: she is active, or she is claiming an account
    imported from a file. A link sent before the account was deactivated or blocked stops working."""
    return (user.is_active and account_state(user) == AccountState.ACTIVE) or is_unclaimed_import(user)


def imported_account_activate(*, user: AbstractBaseUser) -> None:
    """The learner chose her password from a reset link: an unclaimed account created from a file becomes active
    (and counts as confirmed). Any other inactive account stays as it is."""
    if not user.is_active and is_unclaimed_import(user):
        user.is_active = True
        user.save(update_fields=["is_active"])
        LearnerProfile.objects.filter(user=user).update(email_confirmed_at=timezone.now())
