"""The ClaveÚnica log-in over HTTP: start (full-page redirect), the provider's return, the first log-in's form,
the emailed code, linking a local account, and the error pages. Thin: the provider talk is in ``oidc``, writes
in ``services``."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET

from learners.accounts import throttle
from learners.accounts.backends import MODEL_BACKEND
from learners.accounts.claveunica import config, forms, oidc, selectors, services
from learners.accounts.run import format_run
from learners.accounts.services import AccountConflict
from learners.accounts.states import AccountState, account_state
from learners.accounts.throttle import email_send_allowed
from learners.safe_next import path_with_next, safe_next_path

logger = logging.getLogger(__name__)

PENDING_KEY = "claveunica_pending"  # state -> {nonce, next, at}
PERSON_KEY = "claveunica_person"  # who ClaveÚnica verified, until she is logged in
CODE_KEY = "claveunica_code"  # {user_id, digest, purpose, at, tries}
DISPLACE_KEY = "claveunica_displace"  # the local profile she said is not hers
LOGOUT_KEY = "claveunica_logout_to"  # set at a ClaveÚnica log-in: log-out goes through ClaveÚnica
PENDING_SECONDS = 10 * 60
PERSON_SECONDS = 30 * 60
CODE_SECONDS = 15 * 60
CODE_TRIES = 5
PENDING_MAX = 5


def _error(request, reason: str, *, status: int = 400):
    """The Spanish error page with a way back (log in again, or the local log-in)."""
    texts = {
        "denied": _("You cancelled the log-in with ClaveÚnica. You can try again or log in with your email."),
        "state": _(
            "This log-in with ClaveÚnica expired or did not start here. Start again from the button "
            "“Ingresar con ClaveÚnica”."
        ),
        "timeout": _("ClaveÚnica did not answer in time. Wait a moment and try again."),
        "provider": _(
            "We could not verify your identity with ClaveÚnica. Try again in a moment; if it fails again, log in "
            "with your email and password."
        ),
        "sandbox": _("This RUN belongs to the ClaveÚnica test environment and cannot be used here."),
        "refused": _(
            "You cannot log in with this account. If you think this is a mistake, write to the school at the contact "
            "email at the foot of this page."
        ),
        "expired": _("Your log-in with ClaveÚnica expired. Start again from the button “Ingresar con ClaveÚnica”."),
    }
    context = {
        "message": texts[reason],
        "reason": reason,
        "offer_retry": config.client_for_request(request) is not None,
    }
    return render(request, "learners/accounts/claveunica/error.html", context, status=status)


def _person(request) -> oidc.Person | None:
    data = request.session.get(PERSON_KEY)
    if not data or time.time() - data.get("at", 0) > PERSON_SECONDS:
        return None
    return oidc.Person(run=data["run"], given_names=data["given_names"], family_names=data["family_names"])


def _log_in(request, user, client: config.Client | None):
    next_path = safe_next_path((request.session.get(PERSON_KEY) or {}).get("next", ""))
    for key in (PERSON_KEY, CODE_KEY, DISPLACE_KEY, PENDING_KEY):
        request.session.pop(key, None)
    login(request, user, backend=MODEL_BACKEND)
    if client is not None:
        parts = urlsplit(client.redirect_uri)
        request.session[LOGOUT_KEY] = f"{parts.scheme}://{parts.netloc}{settings.LOGOUT_REDIRECT_URL or '/'}"
    return redirect(next_path or settings.LOGIN_REDIRECT_URL)


@require_GET
@never_cache
def start(request):
    """ "Ingresar con ClaveÚnica": a fresh state and nonce in her session, then the full-page redirect."""
    client = config.client_for_request(request)
    if client is None:
        raise Http404
    next_path = safe_next_path(request.GET.get("next", ""))
    if request.user.is_authenticated:
        return redirect(next_path or settings.LOGIN_REDIRECT_URL)
    state, nonce = oidc.new_secret(), oidc.new_secret()
    pending = {
        key: value
        for key, value in (request.session.get(PENDING_KEY) or {}).items()
        if time.time() - value.get("at", 0) < PENDING_SECONDS
    }
    while len(pending) >= PENDING_MAX:  # a few tabs at once at most
        pending.pop(next(iter(pending)))
    pending[state] = {"nonce": nonce, "next": next_path, "at": time.time()}
    request.session[PENDING_KEY] = pending
    return redirect(oidc.authorization_url(client=client, state=state, nonce=nonce))


@require_GET
@never_cache
@sensitive_variables("code")
def callback(request):
    """ClaveÚnica's return: check the state (one use), exchange the code, verify, then log in, link or sign up."""
    client = config.client_for_request(request)
    if client is None:
        raise Http404
    pending = request.session.get(PENDING_KEY) or {}
    entry = pending.pop(request.GET.get("state", ""), None)
    request.session[PENDING_KEY] = pending
    if entry is None or time.time() - entry.get("at", 0) > PENDING_SECONDS:
        return _error(request, "state")
    if request.GET.get("error"):
        logger.info("ClaveÚnica returned error %s", request.GET.get("error")[:40])
        return _error(request, "denied" if request.GET["error"] == "access_denied" else "provider")
    code = request.GET.get("code", "")
    if not code:
        return _error(request, "provider")
    try:
        person = oidc.person_for_code(client=client, code=code, state=request.GET["state"], nonce=entry["nonce"])
    except oidc.ClaveUnicaError as error:
        logger.warning("ClaveÚnica log-in refused: %s", error)
        reason = {"timeout": "timeout", "sandbox_run": "sandbox"}.get(error.code, "provider")
        return _error(request, reason)
    request.session[PERSON_KEY] = {
        "run": person.run,
        "given_names": person.given_names,
        "family_names": person.family_names,
        "next": entry.get("next", ""),
        "at": time.time(),
    }
    request.session.pop(DISPLACE_KEY, None)
    profile = selectors.profile_with_run(run=person.run)
    if profile is None:
        return redirect("accounts:claveunica_complete")
    state = account_state(profile.user)
    if state in (AccountState.BLOCKED, AccountState.DEACTIVATED):
        request.session.pop(PERSON_KEY, None)
        return _error(request, "refused", status=403)
    if profile.run_verified_at is not None:
        if state == AccountState.ACTIVE:
            services.verified_login_record(profile=profile)
            return _log_in(request, profile.user, client)
        return _code_start(request, profile.user, purpose="confirm")  # created here, email never confirmed
    return redirect("accounts:claveunica_link")


def _code_start(request, user, *, purpose: str):
    if email_send_allowed(purpose=f"claveunica-{purpose}", email=user.email, seconds=60):
        digest = services.code_send(user=user, purpose=purpose)
        request.session[CODE_KEY] = {
            "user_id": user.pk,
            "digest": digest,
            "purpose": purpose,
            "at": time.time(),
            "tries": 0,
        }
    elif not request.session.get(CODE_KEY):
        messages.info(request, _("We sent you a code a moment ago. Wait a minute before asking for another one."))
    return redirect("accounts:claveunica_code")


@never_cache
def complete(request):
    """First ClaveÚnica log-in: only what ClaveÚnica does not give (email, comuna, year of birth, consent)."""
    person = _person(request)
    if person is None:
        return _error(request, "expired")
    holder = selectors.profile_with_run(run=person.run)
    displace = unconfirmed = None
    if holder is not None and holder.run_verified_at is not None:
        if account_state(holder.user) != AccountState.UNCONFIRMED:
            return redirect("accounts:claveunica_link")
        unconfirmed = holder  # her account from an earlier visit, waiting for its code: she may fix the email
    elif request.session.get(DISPLACE_KEY):
        if holder is not None and holder.pk == request.session[DISPLACE_KEY]:
            displace = holder
    elif holder is not None:
        return redirect("accounts:claveunica_link")
    form = forms.CompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        details = {name: form.cleaned_data[name] for name in ("email", "comuna", "birth_year")}
        try:
            if unconfirmed is not None:
                user = services.verified_account_details_change(user=unconfirmed.user, **details)
            else:
                user = services.verified_account_create(person=person, displace=displace, **details)
        except AccountConflict as conflict:
            if conflict.field == "email":
                form.add_error(
                    "email",
                    ValidationError(
                        _(
                            "This email belongs to another account. If it is yours, log in with it; "
                            "otherwise write another email."
                        ),
                        code="taken",
                    ),
                )
            else:
                return _error(request, "expired")
        except PermissionError:
            return _error(request, "expired")
        else:
            request.session.pop(DISPLACE_KEY, None)
            return _code_start(request, user, purpose="confirm")
    context = {"form": form, "person": person, "run_display": _run_display(person.run)}
    return render(request, "learners/accounts/claveunica/complete.html", context)


def _run_display(run: str) -> str:
    return format_run(run)


@never_cache
@sensitive_post_parameters("code")
def code(request):
    """The six digits sent by email: confirm the new account's email, or prove she owns the local account."""
    person = _person(request)
    data = request.session.get(CODE_KEY)
    if person is None or not data or time.time() - data.get("at", 0) > CODE_SECONDS:
        return _error(request, "expired")
    user = get_user_model()._default_manager.filter(pk=data["user_id"]).first()
    if user is None or getattr(getattr(user, "learner_profile", None), "run", None) != person.run:
        return _error(request, "expired")
    if request.method == "POST" and request.POST.get("resend"):
        return _code_start(request, user, purpose=data["purpose"])
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data["tries"] = data.get("tries", 0) + 1
        request.session[CODE_KEY] = data
        if data["tries"] > CODE_TRIES:
            form.add_error("code", ValidationError(_("Too many attempts. Ask for a new code."), code="limited"))
        elif not services.code_matches(
            digest=data["digest"], code=form.cleaned_data["code"], user_id=user.pk, purpose=data["purpose"]
        ):
            form.add_error(
                "code", ValidationError(_("The code is not right. Check it and write it again."), code="wrong")
            )
        else:
            state = account_state(user)
            try:
                if data["purpose"] == "confirm":
                    user = services.verified_account_confirm(user=user)
                else:
                    if state not in (AccountState.ACTIVE, AccountState.UNCONFIRMED):
                        raise PermissionError(state)
                    user = services.account_link(user=user, person=person, proof="code")
            except PermissionError:
                return _error(request, "refused", status=403)
            messages.success(request, _("Your RUN is verified with ClaveÚnica. Welcome!"))
            return _log_in(request, user, config.client_for_request(request))
    context = {"form": form, "email_masked": _mask_email(user.email), "confirming": data["purpose"] == "confirm"}
    return render(request, "learners/accounts/claveunica/code.html", context)


def _mask_email(email: str) -> str:
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}"


@never_cache
@sensitive_post_parameters("password")
def link(request):
    """A local account already holds the verified RUN: she proves it is hers (password or emailed code), or says
    it is not (the verified RUN wins and staff are told)."""
    person = _person(request)
    if person is None:
        return _error(request, "expired")
    profile = selectors.profile_with_run(run=person.run)
    if profile is None or profile.run_verified_at is not None:
        return redirect("accounts:claveunica_complete")
    user, state = profile.user, account_state(profile.user)
    if state in (AccountState.BLOCKED, AccountState.DEACTIVATED):
        return _error(request, "refused", status=403)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = forms.PasswordProofForm(request.POST if action == "password" else None)
    if action == "code":
        return _code_start(request, user, purpose="link")
    if action == "not_mine":
        request.session[DISPLACE_KEY] = profile.pk
        return redirect("accounts:claveunica_complete")
    password_allowed = state == AccountState.ACTIVE and user.has_usable_password()
    if action == "password" and password_allowed and form.is_valid():
        # the log-in's own limits (README "Intentos de ingreso"): per account and address, shared with the log-in
        account, ip = user.get_username(), throttle.client_ip(request)
        if throttle.seconds_locked(account=account, ip=ip):
            form.add_error(
                "password", ValidationError(_("Too many attempts. Ask for a code by email instead."), code="limited")
            )
        elif not user.check_password(form.cleaned_data["password"]):
            throttle.record_failure(account=account, ip=ip)
            form.add_error("password", ValidationError(_("The password is not right."), code="wrong"))
        else:
            try:
                user = services.account_link(user=user, person=person, proof="password")
            except PermissionError:
                return _error(request, "refused", status=403)
            throttle.record_success(account=account, ip=ip)
            messages.success(request, _("Your account is linked to ClaveÚnica and your RUN is verified."))
            return _log_in(request, user, config.client_for_request(request))
    context = {
        "form": form,
        "person": person,
        "email_masked": _mask_email(user.email),
        "password_allowed": password_allowed,
    }
    return render(request, "learners/accounts/claveunica/link.html", context)


def logout_target(request) -> str | None:
    """Where log-out must send her after ending the session: ClaveÚnica's log-out when she logged in with it."""
    back = request.session.get(LOGOUT_KEY)
    return oidc.logout_url(redirect=back) if back else None


def button_context(request, next_path: str = "") -> dict:
    """For the log-in and sign-up pages: the button's address when this site offers ClaveÚnica."""
    if config.client_for_request(request) is None:
        return {}
    url = reverse("accounts:claveunica_start")
    return {"claveunica_url": path_with_next(url, next_path)}
