"""Certificate verification codes as people type them: case, spaces and dashes do not matter."""

import re

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
_STRIP = re.compile(r"[\s\-–—.]+")


def normalise_code(raw: str) -> str:
    """Upper-case the code and drop spaces and dashes; returns "" when other characters remain."""
    compact = _STRIP.sub("", raw or "").upper()
    if not compact or len(compact) > 40 or any(char not in CODE_ALPHABET for char in compact):
        return ""
    return compact
