"""Certificate verification codes: generation, check character and normalisation as people type them.

A code is 16 random characters from a 32-character alphabet without 0/O/1/I (16 × 5 = 80 bits) plus one check
character (Luhn mod 32), stored compact (``ABCDEFGHJKLMNPQR7``) and printed in groups of four
(``ABCD-EFGH-JKLM-NPQR-7``). Case, spaces and dashes do not matter when a code is typed.

Every code ever issued carries the check character (it came with the first certificates migration), so the
verify page can tell a mistyped code from an unknown one without a database query: ``looks_mistyped``.
"""

import re
import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
RANDOM_LENGTH = 16  # 16 characters × 5 bits = 80 bits
CODE_LENGTH = RANDOM_LENGTH + 1
_STRIP = re.compile(r"[\s\-–—.]+")
_BASE = len(CODE_ALPHABET)


def normalise_code(raw: str) -> str:
    """Upper-case the code and drop spaces and dashes; returns "" when other characters remain."""
    compact = _STRIP.sub("", raw or "").upper()
    if not compact or len(compact) > 40 or any(char not in CODE_ALPHABET for char in compact):
        return ""
    return compact


def check_character(payload: str) -> str:
    """The Luhn mod 32 check character of ``payload``: catches every single typo and most swapped neighbours."""
    factor, total = 2, 0
    for char in reversed(payload):
        addend = factor * CODE_ALPHABET.index(char)
        total += addend // _BASE + addend % _BASE
        factor = 1 if factor == 2 else 2
    return CODE_ALPHABET[(_BASE - total % _BASE) % _BASE]


def generate_code() -> str:
    """A new compact code: 80 random bits from ``secrets`` plus the check character."""
    payload = "".join(secrets.choice(CODE_ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + check_character(payload)


def is_well_formed(compact: str) -> bool:
    """Whether a normalised code has the right length and check character (no database needed)."""
    return len(compact) == CODE_LENGTH and check_character(compact[:-1]) == compact[-1]


def looks_mistyped(compact: str) -> bool:
    """Whether a normalised code is one typo away from a possible code: the right length with a wrong check
    character (one character changed or two neighbours swapped), or one character missing or extra."""
    if len(compact) == CODE_LENGTH:
        return not is_well_formed(compact)
    return abs(len(compact) - CODE_LENGTH) == 1


def format_code(compact: str) -> str:
    """``ABCDEFGHJKLMNPQR7`` → ``ABCD-EFGH-JKLM-NPQR-7``, as printed on the certificate."""
    return "-".join(compact[index : index + 4] for index in range(0, len(compact), 4))
