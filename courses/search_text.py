"""Text as the search index and the search box compare it: without accents and with numbers written without
thousands dots, so "participacion" finds "participación" and "ley 20500" finds "Ley 20.500" on SQLite and
PostgreSQL alike. The same function folds what pages index (``search_plain`` fields) and what visitors type."""

import re
import unicodedata

_THOUSANDS_DOT = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")


def fold(text: str) -> str:
    """``"Participación en la Ley N° 20.500"`` → ``"Participacion en la Ley N° 20500"``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _THOUSANDS_DOT.sub("", unicodedata.normalize("NFC", without_accents))
