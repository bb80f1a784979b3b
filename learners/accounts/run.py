"""Chilean RUN (Rol Único Nacional): módulo-11 check digit, canonical form and display.

Canonical form is the body without dots plus a dash and the check digit, upper-case: ``12345678-5``.
Display form adds thousands dots: ``12.345.678-5``.
"""

import re

_CLEAN = re.compile(r"[\s.\-]")
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
    compact = _CLEAN.sub("", raw or "").upper()
    if len(compact) < 2 or not compact[:-1].isdigit() or compact[-1] not in "0123456789K":
        raise InvalidRun("format")
    body, digit = compact[:-1].lstrip("0"), compact[-1]
    if not body or not MIN_BODY <= int(body) <= MAX_BODY:
        raise InvalidRun("range")
    if check_digit(body) != digit:
        raise InvalidRun("check_digit")
    return f"{body}-{digit}"


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
