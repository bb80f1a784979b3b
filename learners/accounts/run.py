"""Chilean RUN (Rol Único Nacional): módulo-11 check digit, canonical form and display.

Canonical form is the body without dots plus a dash and the check digit, upper-case: ``12345678-5``.
Display form adds thousands dots: ``12.345.678-5``.

Every way a RUN enters the platform (sign-up, profile, CSV import, admin search, the model's validation) goes
through ``normalise_run``: the text is NFKC-normalised (fullwidth ``１６０００００５`` and superscript digits become
ASCII), dots, dashes of any kind and spaces are dropped, and what remains must be ASCII digits with a final digit
or K. Anything else (Arabic-Indic or other non-ASCII digits, letters) is a format error, never a second spelling.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_COMPACT = re.compile(r"[0-9]+[0-9K]")
MIN_BODY, MAX_BODY = 100_000, 99_999_999  # RUNs below 100.000 belong to very old records; see DOMAIN.md §a


class InvalidRun(ValueError):
    pass


def check_digit(body: int | str) -> str:
    """The módulo-11 check digit for a RUN body: weights 2..7 from the right; 11 → 0, 10 → K."""
    total, weight = 0, 2
    for digit in reversed(str(body)):
        total += int(digit) * weight
        weight = 2 if weight == 7 else weight + 1
    remainder = 11 - total % 11
    return {11: "0", 10: "K"}.get(remainder, str(remainder))


def normalise_run(raw: str) -> str:
    """Validate a RUN typed in any usual way and return its canonical form. Raises InvalidRun."""
    compact = compact_run(raw)
    if not _COMPACT.fullmatch(compact):
        raise InvalidRun("format")
    body, digit = compact[:-1].lstrip("0"), compact[-1]
    if not body or len(body) > len(str(MAX_BODY)) or not MIN_BODY <= int(body) <= MAX_BODY:
        raise InvalidRun("range")
    if check_digit(body) != digit:
        raise InvalidRun("check_digit")
    return f"{body}-{digit}"


def compact_run(raw: str) -> str:
    """NFKC-normalised, upper-case, without dots, dashes (any Unicode dash) or spaces; not validated."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(
        char for char in text if char != "." and not char.isspace() and unicodedata.category(char) != "Pd"
    ).upper()


def is_canonical_run(value: str) -> bool:
    """Whether ``value`` is a valid RUN stored exactly in its canonical form."""
    try:
        return normalise_run(value) == value
    except InvalidRun:
        return False


def validate_canonical_run(value: str) -> None:
    """Model validator: a stored RUN is always valid and canonical (``12345678-5``)."""
    if value and not is_canonical_run(value):
        message = _("Write a valid RUN with its check digit, for example 12.345.678-5.")
        raise ValidationError(message, code="run_invalid")


def format_run(canonical: str) -> str:
    """``12345678-5`` → ``12.345.678-5``."""
    body, _, digit = canonical.partition("-")
    return f"{int(body):,}".replace(",", ".") + f"-{digit}"


def mask_run(canonical: str) -> str:
    """For public pages: ``12345678-5`` → ``12.XXX.678-5`` (first and last groups kept)."""
    formatted = format_run(canonical)
    groups, _, digit = formatted.partition("-")
    parts = groups.split(".")
    if len(parts) >= 3:
        parts[1:-1] = ["X" * len(part) for part in parts[1:-1]]
    else:
        parts[0] = "X" * len(parts[0])
    return ".".join(parts) + f"-{digit}"
