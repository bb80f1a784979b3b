"""Which sites offer ClaveÚnica, with which client, and where the provider is.

``CLAVEUNICA_CLIENTS`` maps a Wagtail Site's host name (the academy's or a school's) to that municipality's client:
``{"client_id": ..., "secret_env": "NAME_OF_THE_ENVIRONMENT_VARIABLE", "redirect_uri": "https://host/cuenta/claveunica/vuelta/"}``.
The secret itself is only ever read from the environment variable named by ``secret_env``: a site whose variable is
missing or empty does not offer ClaveÚnica. ``CLAVEUNICA_PROVIDER`` overrides the provider's addresses (tests start
their own provider); production uses the defaults below, those of the integration manual.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from wagtail.models import Site

SCOPE = "openid run name"  # exactly this: the certification checks it
SANDBOX_RUNS = frozenset({"44444444-4", "55555555-5", "88888888-8", "99999999-9"})
DEFAULT_PROVIDER = {
    "issuer": "https://accounts.claveunica.gob.cl/openid",
    "authorize_url": "https://accounts.claveunica.gob.cl/openid/authorize/",
    "token_url": "https://accounts.claveunica.gob.cl/openid/token/",
    "userinfo_url": "https://accounts.claveunica.gob.cl/openid/userinfo/",
    "jwks_url": "https://accounts.claveunica.gob.cl/openid/jwks",
    "logout_url": "https://accounts.claveunica.gob.cl/api/v1/accounts/app/logout",
}


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    jwks_url: str
    logout_url: str


@dataclass(frozen=True)
class Client:
    host: str
    client_id: str
    client_secret: str
    redirect_uri: str


def provider() -> Provider:
    return Provider(**{**DEFAULT_PROVIDER, **getattr(settings, "CLAVEUNICA_PROVIDER", {})})


def timeout_seconds() -> float:
    return float(getattr(settings, "CLAVEUNICA_TIMEOUT_SECONDS", 10))


def clock_leeway_seconds() -> int:
    return int(getattr(settings, "CLAVEUNICA_CLOCK_LEEWAY_SECONDS", 30))


def sandbox_runs_accepted() -> bool:
    """Only development and the tests accept the sandbox's synthetic RUNs; production settings never do."""
    return bool(getattr(settings, "CLAVEUNICA_ACCEPT_SANDBOX_RUNS", False))


def client_for_host(host: str) -> Client | None:
    """The configured client of the site with this host name, or None (not configured or no secret)."""
    entry = getattr(settings, "CLAVEUNICA_CLIENTS", {}).get(host.lower())
    if not entry or not entry.get("client_id") or not entry.get("redirect_uri"):
        return None
    secret = os.environ.get(entry.get("secret_env") or "", "")
    if not secret:
        return None
    return Client(
        host=host.lower(), client_id=entry["client_id"], client_secret=secret, redirect_uri=entry["redirect_uri"]
    )


def client_for_request(request) -> Client | None:
    """The client of the Wagtail Site this request came to (the academy for the default site), or None."""
    if not hasattr(request, "_claveunica_client"):
        site = Site.find_for_request(request)
        request._claveunica_client = client_for_host(site.hostname) if site is not None else None
    return request._claveunica_client


def configuration_problems() -> list[str]:
    """What is wrong in ``CLAVEUNICA_CLIENTS`` (for the system check): missing fields or secret, a redirect URI
    on another host than its site's."""
    problems = []
    for host, entry in getattr(settings, "CLAVEUNICA_CLIENTS", {}).items():
        missing = [key for key in ("client_id", "secret_env", "redirect_uri") if not (entry or {}).get(key)]
        if missing:
            problems.append(f"{host}: missing {', '.join(missing)}")
            continue
        if not os.environ.get(entry["secret_env"]):
            problems.append(f"{host}: the environment variable {entry['secret_env']} is empty or missing")
        if (urlsplit(entry["redirect_uri"]).hostname or "").lower() != host.lower():
            problems.append(f"{host}: redirect_uri must be on the same host")
    return problems
