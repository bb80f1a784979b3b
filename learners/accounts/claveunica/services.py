"""Writes for the ClaveÚnica log-in: accounts created with a verified RUN, local accounts linked once their owner
proves they are hers, the emailed code that proves it, and the rule for a RUN somebody else typed.

The rule (README, "Ingresar con ClaveÚnica"): ClaveÚnica proves the RUN. A local account that holds the same RUN is
linked only after the person proves she owns it (its password, or a code sent to its email). If she says it is
not hers, the verified RUN wins: the local account keeps its data but loses the RUN (its document becomes
"RUN en revisión"), staff are told by email and in the audit log, and she gets her own account.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac

from learners.accounts.claveunica.oidc import Person
from learners.accounts.claveunica.selectors import run_review_recipients
from learners.accounts.models import LearnerProfile
from learners.accounts.services import AccountConflict, _profile_save, email_taken_message
from learners.notifications.messages import Outgoing
from learners.notifications.services import outbox_send_now
from learners.privacy.audit import audit_record
from learners.privacy.models import Consent

logger = logging.getLogger(__name__)
CODE_DIGITS = 6


def code_new() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(*, code: str, user_id: int, purpose: str) -> str:
    return salted_hmac("learners.claveunica.code", f"{purpose}:{user_id}:{code}").hexdigest()


def code_matches(*, digest: str, code: str, user_id: int, purpose: str) -> bool:
    return hmac.compare_digest(digest, code_digest(code=code.strip(), user_id=user_id, purpose=purpose))


def code_send(*, user: AbstractBaseUser, purpose: str) -> str:
    """Email a fresh six-digit code to the account's address and return its digest (kept in her session, never
    the code). ``purpose`` is "link" (prove she owns a local account) or "confirm" (confirm the email of the
    account ClaveÚnica just created)."""
    code = code_new()
    context = {
        "user": user,
        "code": code,
        "link": purpose == "link",
        "minutes": 15,
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", ""),
    }
    subject = "".join(render_to_string("learners/accounts/email/claveunica_code_subject.txt", context).splitlines())
    body = render_to_string("learners/accounts/email/claveunica_code_body.txt", context)
    message = outbox_send_now(
        Outgoing(
            kind="codigo_claveunica",
            recipient_id=user.pk,
            dedup_key=f"codigo_claveunica:{user.pk}:{uuid.uuid4().hex}",
            subject=subject,
            text=body,
        )
    )
    if message is not None and message.status != message.Status.SENT:
        logger.warning("Could not send the ClaveÚnica code to user %s yet: %s", user.pk, message.last_error)
    return code_digest(code=code, user_id=user.pk, purpose=purpose)


def run_displace(*, profile: LearnerProfile, verified_user: AbstractBaseUser | None = None) -> None:
    """The verified RUN wins: ``profile`` (whose RUN nobody proved) gives it up. Its document becomes "RUN en
    revisión" (kept unique by the profile id), and staff are told by email (``run_review_recipients``: the academy,
    and the administration of the schools where the profile is enrolled) and in the audit log. Inside the caller's
    transaction."""
    profile.document_type = LearnerProfile.DocumentType.OTHER
    profile.document_number = f"RUN-EN-REVISION-{profile.pk}"
    profile.run = None
    profile.run_verified_at = None
    profile.save(update_fields=["document_type", "document_number", "run", "run_verified_at", "updated_at"])
    audit_record(
        actor=None,
        action="account.run_displaced_by_claveunica",
        subject=profile.user,
        subject_label="",
        data={"profile_id": profile.pk, "verified_user_id": getattr(verified_user, "pk", None)},
    )
    context = {
        "profile": profile,
        "verified_user": verified_user,
        "site_name": getattr(settings, "WAGTAIL_SITE_NAME", ""),
    }
    subject = "".join(render_to_string("learners/accounts/email/run_displaced_subject.txt", context).splitlines())
    body = render_to_string("learners/accounts/email/run_displaced_body.txt", context)
    for reviewer in run_review_recipients(profile=profile):
        transaction.on_commit(
            lambda reviewer_id=reviewer.pk: outbox_send_now(
                Outgoing(
                    kind="run_en_revision",
                    recipient_id=reviewer_id,
                    dedup_key=f"run_en_revision:{profile.pk}:{reviewer_id}:{uuid.uuid4().hex}",
                    subject=subject,
                    text=body,
                )
            )
        )


def verified_account_create(
    *, person: Person, email: str, comuna, birth_year: int, displace: LearnerProfile | None = None
) -> AbstractBaseUser:
    """The first ClaveÚnica log-in of someone without an account: an unconfirmed account (like a sign-up: no
    password, she logs in with ClaveÚnica) whose profile holds the verified RUN and ClaveÚnica's names, with
    today's privacy acceptance. It becomes active when she types the code sent to ``email``.
    ``displace`` is the local profile holding this RUN that she said is not hers (the verified RUN wins).
    Raises AccountConflict("email") when the email belongs to another account."""
    User = get_user_model()
    email = email.strip().lower()
    user = User(
        username=email,
        email=email,
        first_name=person.given_names[:150],
        last_name=person.family_names[:150],
        is_active=False,
    )
    user.set_unusable_password()
    fields = {
        "given_names": person.given_names,
        "family_names": person.family_names,
        "document_type": LearnerProfile.DocumentType.RUN,
        "run": person.run,
        "comuna": comuna,
        "birth_year": birth_year,
        "learner_type": LearnerProfile.LearnerType.CITIZEN,
    }
    try:
        with transaction.atomic():
            if displace is not None:
                displace = LearnerProfile.objects.select_for_update().get(pk=displace.pk)
                if displace.run != person.run or displace.run_verified_at is not None or displace.blocked_at:
                    raise AccountConflict("run", "changed")
            if User._default_manager.filter(username=email).exists():
                raise AccountConflict("email", email_taken_message())
            user.save()
            if displace is not None:
                run_displace(profile=displace, verified_user=user)
            profile = _profile_save(user=user, fields=fields, channel=Consent.Channel.SIGNUP)
            profile.run_verified_at = timezone.now()
            profile.save(update_fields=["run_verified_at"])
            audit_record(actor=None, action="account.created_with_claveunica", subject=user, subject_label="")
    except IntegrityError:
        if User._default_manager.filter(username=email).exists():
            raise AccountConflict("email", email_taken_message()) from None
        raise AccountConflict("run", "taken") from None
    return user


def verified_account_details_change(*, user: AbstractBaseUser, email: str, comuna, birth_year: int) -> AbstractBaseUser:
    """She came back before typing the code (perhaps she mistyped her email): the account ClaveÚnica created, still
    unconfirmed, takes the new email, comuna and year. Raises AccountConflict("email") for another account's email,
    PermissionError when the account is no longer waiting for its code."""
    User = get_user_model()
    email = email.strip().lower()
    try:
        with transaction.atomic():
            user = User._default_manager.select_for_update().get(pk=user.pk)
            profile = LearnerProfile.objects.select_for_update().get(user=user)
            if user.is_active or user.last_login is not None or profile.email_confirmed_at or profile.blocked_at:
                raise PermissionError("not waiting for its code")
            if User._default_manager.filter(username=email).exclude(pk=user.pk).exists():
                raise AccountConflict("email", email_taken_message())
            user.username = user.email = email
            user.save(update_fields=["username", "email"])
            profile.comuna, profile.birth_year = comuna, birth_year
            profile.save(update_fields=["comuna", "birth_year", "updated_at"])
    except IntegrityError:
        raise AccountConflict("email", email_taken_message()) from None
    return user


@transaction.atomic
def verified_account_confirm(*, user: AbstractBaseUser) -> AbstractBaseUser:
    """She typed the code sent to the email of the account ClaveÚnica created: it becomes active, confirmed."""
    user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
    profile = LearnerProfile.objects.get(user=user)
    if profile.blocked_at is not None or user.last_login is not None:
        raise PermissionError("not an unconfirmed account")
    user.is_active = True
    user.save(update_fields=["is_active"])
    LearnerProfile.objects.filter(user=user).update(email_confirmed_at=timezone.now())
    return user


@transaction.atomic
def account_link(*, user: AbstractBaseUser, person: Person, proof: str) -> AbstractBaseUser:
    """She proved she owns the local account holding the RUN ClaveÚnica verified (``proof`` is "password" or
    "code"): record the verification and take ClaveÚnica's names. A code sent to its email also confirms an
    account that was waiting for its confirmation. Never activates a deactivated or blocked account."""
    user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
    profile = LearnerProfile.objects.select_for_update().get(user=user)
    if profile.run != person.run or profile.blocked_at is not None:
        raise PermissionError("the RUN or the account changed")
    now = timezone.now()
    profile.run_verified_at = now
    profile.given_names, profile.family_names = person.given_names, person.family_names
    fields = ["run_verified_at", "given_names", "family_names", "updated_at"]
    if not user.is_active:
        if proof != "code" or profile.email_confirmed_at is not None or user.last_login is not None:
            raise PermissionError("deactivated")
        user.is_active = True
        user.save(update_fields=["is_active"])
        profile.email_confirmed_at = now
        fields.append("email_confirmed_at")
    profile.save(update_fields=fields)
    if (user.first_name, user.last_name) != (person.given_names[:150], person.family_names[:150]):
        user.first_name, user.last_name = person.given_names[:150], person.family_names[:150]
        user.save(update_fields=["first_name", "last_name"])
    audit_record(actor=user, action="account.claveunica_linked", subject=user, subject_label="", data={"proof": proof})
    return user


def verified_login_record(*, profile: LearnerProfile) -> None:
    """Each ClaveÚnica log-in proves the RUN again: refresh the verification time."""
    LearnerProfile.objects.filter(pk=profile.pk).update(run_verified_at=timezone.now())
