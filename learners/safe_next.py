"""Where a learner goes after a form: only a path on this site, never another host or a script.

Shared by the sign-up and confirmation link, the privacy-notice acceptance and "Marcar como completada"."""

from django.utils.http import url_has_allowed_host_and_scheme, urlencode

MAX_LENGTH = 500


def safe_next_path(value, default: str = "") -> str:
    """``value`` when it is a plain path on this site (``/cursos/liderazgo/``), otherwise ``default``.

    Refused: other hosts (``https://evil.example/``, ``//evil.example``, ``/\\evil.example``), schemes
    (``javascript:``), anything with spaces, control or non-ASCII characters (``/cursos/١٢/``), and very long
    values. A refused value is ignored, never an error."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(not ("!" <= char <= "~") for char in value):  # printable ASCII only, no spaces
        return default
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None, require_https=False):
        return default
    return value


def path_with_next(path: str, next_path: str) -> str:
    """``path?next=…`` when ``next_path`` is a path on this site (checked again here), otherwise ``path``."""
    next_path = safe_next_path(next_path)
    return f"{path}?{urlencode({'next': next_path})}" if next_path else path
