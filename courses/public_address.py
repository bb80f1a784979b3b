"""The public address of the site: every absolute link the platform makes goes through ``public_url``.

A link that leaves the page it is on (the QR code and printed link of a certificate, the links in emails, the
learner's data download, the xAPI identifiers of H5P activities) must name the address people reach the site at,
whichever host, port or worker process made it. That address is one setting, ``PUBLIC_BASE_URL`` (an origin such
as ``https://escuela.example.cl``: scheme, host and port if any, no path). cms reads it from the environment variable
of the same name and derives Wagtail's ``WAGTAILADMIN_BASE_URL`` from it; a Wagtail site that installs these plugins
without setting it gets its ``WAGTAILADMIN_BASE_URL``. ``courses.checks`` refuses to start without a valid one.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def configured_base_url() -> str:
    """The configured address as written (``PUBLIC_BASE_URL``, else ``WAGTAILADMIN_BASE_URL``), or ""."""
    value = getattr(settings, "PUBLIC_BASE_URL", "") or getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return str(value).strip()


def address_problem(value: str) -> str | None:
    """Why ``value`` is not a usable public address (None when it is): an absolute http(s) origin, no path."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number in range)
    except ValueError:
        return "it is not a valid address"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it must start with https:// (or http://) followed by the host name"
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        return "it must be only the scheme, the host and the port, with no path, query or user"
    return None


def origin(value: str) -> str:
    """A valid address as ``scheme://host[:port]``: host lower-cased, the scheme's default port left out."""
    parts = urlsplit(value)
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = parts.port if parts.port not in (None, DEFAULT_PORTS[parts.scheme]) else None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def host_allowed(value: str) -> bool:
    """Whether Django would serve a request for this address's host (ALLOWED_HOSTS, as ``HttpRequest.get_host``)."""
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    host = urlsplit(origin(value)).hostname
    return validate_host(f"[{host}]" if ":" in host else host, allowed)


def public_base_url(*, site=None) -> str:
    """The public origin of ``site`` without a trailing slash, e.g. ``https://escuela.example.cl``.

    ``site`` is the Wagtail Site the link belongs to, when the caller knows it. The academy (the default Site, or
    no Site at all) is ``PUBLIC_BASE_URL``. Any other Site, a municipal school, is reached at its own host name:
    the scheme is ``PUBLIC_BASE_URL``'s (https:// in production, so every school is https:// too), the host is
    the Site's ``hostname`` and its ``port`` is written only when it is not 80 or 443 (``school_create`` gives a
    school the port of ``PUBLIC_BASE_URL``: ``http://penalolen.localhost:8000`` in development,
    ``https://penalolen.escuelaciudadana.cl`` in production). No query: it reads the Site given.
    Raises ImproperlyConfigured when no valid address is configured (the system check reports it at start-up).
    """
    value = configured_base_url()
    problem = address_problem(value) if value else "it is not set"
    if problem:
        raise ImproperlyConfigured(f"PUBLIC_BASE_URL {value!r}: {problem}.")
    if site is None or site.is_default_site or not site.hostname:
        return origin(value)
    return site_origin(scheme=urlsplit(value).scheme, hostname=site.hostname, port=site.port)


def site_origin(*, scheme: str, hostname: str, port: int | None) -> str:
    """``scheme://hostname[:port]`` of a Wagtail Site: the port left out when it is 80 or 443 (a Site records
    443 for https and 80 for http; behind the TLS proxy a school on port 80 is still served at https://)."""
    host = hostname.lower() if ":" not in hostname else f"[{hostname.lower()}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port not in DEFAULT_PORTS.values() else "")


def public_url(path: str, *, site=None) -> str:
    """The absolute address of ``path`` (a path from ``reverse()`` or a page URL, starting with "/")."""
    if not path.startswith("/"):
        raise ValueError(f"public_url() takes a path that starts with '/', not {path!r}")
    return public_base_url(site=site) + path


def public_host(*, site=None) -> str:
    """The host (and port, when it is not the scheme's default) of the public address, e.g. ``escuela.example.cl``."""
    return urlsplit(public_base_url(site=site)).netloc


def site_record_address(value: str) -> tuple[str, int] | None:
    """(hostname, port) of a Wagtail Site whose ``root_url`` is this address, or None when a Site cannot say it
    (Wagtail writes https:// only for port 443, and http:// for every other port)."""
    parts = urlsplit(origin(value))
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    if (parts.scheme == "https") != (port == 443):
        return None
    return parts.hostname, port
