"""The server's conversation with ClaveÚnica, step by step as the integration manual describes it, on Authlib.

1. ``authorization_url``: the full-page redirect with ``client_id``, ``response_type=code``, the scope
   ``openid run name``, the ``redirect_uri``, a random ``state`` (43 characters) and a ``nonce``.
2. ``code_exchange``: POST to the token endpoint (client_secret_post: ``client_id``, ``client_secret``,
   ``redirect_uri``, ``grant_type``, ``code``, ``state``).
3. ``id_token_verify``: the ID token's RS256 signature against the provider's JWKS (fetched by the server, cached,
   fetched again once when a key id is unknown), then issuer, audience, expiry, nonce and ``at_hash``.
4. ``userinfo_fetch``: POST to the userinfo endpoint with ``Authorization: Bearer``; its ``sub`` must be the ID
   token's, and ``person_from_userinfo`` reads the RUN from ``RolUnico`` (never ``sub``) and the names.

Every failure raises ``ClaveUnicaError`` with a short code (logged, never shown): the views answer in Spanish.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from learners.accounts.claveunica import config
from learners.accounts.run import InvalidRun, normalise_run

logger = logging.getLogger(__name__)
JWKS_CACHE_SECONDS = 60 * 60


class ClaveUnicaError(Exception):
    """The provider or its answer cannot be trusted or used. ``code`` says why (for logs and tests)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class Person:
    """Who ClaveÚnica says logged in."""

    run: str  # canonical, 12345678-5
    given_names: str
    family_names: str


def new_secret() -> str:
    """A state or nonce: 32 random bytes, 43 URL-safe characters (the manual asks for at least 30)."""
    return secrets.token_urlsafe(32)


def _session(client: config.Client, **token) -> OAuth2Session:
    return OAuth2Session(
        client_id=client.client_id,
        client_secret=client.client_secret,
        scope=config.SCOPE,
        redirect_uri=client.redirect_uri,
        token_endpoint_auth_method="client_secret_post",
        token=token or None,
    )


def authorization_url(*, client: config.Client, state: str, nonce: str) -> str:
    url, _ = _session(client).create_authorization_url(config.provider().authorize_url, state=state, nonce=nonce)
    return url


def code_exchange(*, client: config.Client, code: str, state: str) -> dict:
    """The token endpoint's answer (``access_token``, ``id_token``…) for an authorization code."""
    session = _session(client)
    try:
        token = session.fetch_token(
            config.provider().token_url,
            body=urlencode({"state": state}),
            grant_type="authorization_code",
            code=code,
            timeout=config.timeout_seconds(),
        )
    except requests.Timeout as error:
        raise ClaveUnicaError("timeout", "token endpoint") from error
    except requests.RequestException as error:
        raise ClaveUnicaError("unreachable", str(error)) from error
    except Exception as error:  # Authlib's OAuthError (invalid_grant…) and malformed answers
        raise ClaveUnicaError("token_refused", str(error)[:200]) from error
    if not token.get("access_token") or not token.get("id_token"):
        raise ClaveUnicaError("token_incomplete")
    return dict(token)


def _jwks(*, refresh: bool = False) -> KeySet:
    url = config.provider().jwks_url
    key = f"claveunica:jwks:{url}"
    data = None if refresh else cache.get(key)
    if data is None:
        try:
            response = requests.get(url, timeout=config.timeout_seconds())
            response.raise_for_status()
            data = response.json()
        except requests.Timeout as error:
            raise ClaveUnicaError("timeout", "jwks") from error
        except (requests.RequestException, ValueError) as error:
            raise ClaveUnicaError("jwks_unavailable", str(error)[:200]) from error
        cache.set(key, data, JWKS_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(data)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ClaveUnicaError("jwks_invalid", str(error)[:200]) from error


def _decode(id_token: str, keys: KeySet):
    return jwt.decode(id_token, keys, algorithms=["RS256"])


def id_token_verify(*, client: config.Client, id_token: str, nonce: str, access_token: str = "") -> dict:
    """The ID token's claims once its signature (RS256, provider's keys), issuer, audience, expiry, nonce and
    ``at_hash`` are verified. Raises ClaveUnicaError otherwise."""
    try:
        try:
            token = _decode(id_token, _jwks())
        except JoseError as error:
            if "key" not in type(error).__name__.lower() and "key" not in str(error).lower():
                raise
            token = _decode(id_token, _jwks(refresh=True))  # the provider may have rotated its keys
    except (JoseError, ValueError, TypeError) as error:
        raise ClaveUnicaError("id_token_signature", f"{type(error).__name__}: {error}"[:200]) from error
    claims = CodeIDToken(
        token.claims,
        token.header,
        options={
            "iss": {"essential": True, "value": config.provider().issuer},
            "aud": {"essential": True, "value": client.client_id},
        },
        params={"nonce": nonce, "client_id": client.client_id, "access_token": access_token},
    )
    try:
        claims.validate(leeway=config.clock_leeway_seconds())
    except (JoseError, ValueError, TypeError) as error:
        raise ClaveUnicaError("id_token_claims", f"{type(error).__name__}: {error}"[:200]) from error
    return dict(claims)


def userinfo_fetch(*, client: config.Client, token: dict) -> dict:
    """POST to the userinfo endpoint with the access token as Bearer (ClaveÚnica answers POST)."""
    session = _session(client, **token)
    try:
        response = session.post(config.provider().userinfo_url, timeout=config.timeout_seconds())
    except requests.Timeout as error:
        raise ClaveUnicaError("timeout", "userinfo") from error
    except requests.RequestException as error:
        raise ClaveUnicaError("unreachable", str(error)[:200]) from error
    if response.status_code != 200:
        raise ClaveUnicaError("userinfo_refused", f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as error:
        raise ClaveUnicaError("userinfo_invalid", "not JSON") from error
    if not isinstance(data, dict):
        raise ClaveUnicaError("userinfo_invalid", "not an object")
    return data


def _names(value) -> str:
    if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
        raise ClaveUnicaError("userinfo_invalid", "names")
    return " ".join(part.strip() for part in value if part.strip())


def person_from_userinfo(*, userinfo: dict, id_token_claims: dict) -> Person:
    """The RUN (``RolUnico.numero`` as an integer, ``RolUnico.DV`` as a string) and the names. The userinfo's
    ``sub`` must be the ID token's (OpenID Connect Core 5.3.2); ``sub`` is never the person's key."""
    if userinfo.get("sub") != id_token_claims.get("sub"):
        raise ClaveUnicaError("userinfo_sub_mismatch")
    rol = userinfo.get("RolUnico")
    if not isinstance(rol, dict):
        raise ClaveUnicaError("userinfo_invalid", "RolUnico missing")
    numero, dv = rol.get("numero"), rol.get("DV")
    if isinstance(numero, bool) or not isinstance(numero, int) or not isinstance(dv, str):
        raise ClaveUnicaError("userinfo_invalid", "RolUnico types")
    if rol.get("tipo", "RUN") != "RUN":
        raise ClaveUnicaError("userinfo_invalid", "RolUnico tipo")
    try:
        run = normalise_run(f"{numero}-{dv}")
    except InvalidRun as error:
        raise ClaveUnicaError("userinfo_invalid", "RUN check digit") from error
    name = userinfo.get("name")
    if not isinstance(name, dict):
        raise ClaveUnicaError("userinfo_invalid", "name missing")
    given, family = _names(name.get("nombres")), _names(name.get("apellidos"))
    if not given or not family:
        raise ClaveUnicaError("userinfo_invalid", "names empty")
    return Person(run=run, given_names=given[:100], family_names=family[:100])


def person_for_code(*, client: config.Client, code: str, state: str, nonce: str) -> Person:
    """Steps 2 to 4: exchange the code, verify the ID token, fetch the userinfo, read the person. Refuses the
    sandbox's synthetic RUNs unless the settings accept them (never in production)."""
    token = code_exchange(client=client, code=code, state=state)
    claims = id_token_verify(client=client, id_token=token["id_token"], nonce=nonce, access_token=token["access_token"])
    person = person_from_userinfo(userinfo=userinfo_fetch(client=client, token=token), id_token_claims=claims)
    if person.run in config.SANDBOX_RUNS and not config.sandbox_runs_accepted():
        raise ClaveUnicaError("sandbox_run")
    return person


def logout_url(*, redirect: str) -> str:
    """ClaveÚnica's log-out address that then sends her to ``redirect`` (an absolute address of this site)."""
    return f"{config.provider().logout_url}?{urlencode({'redirect': redirect})}"
