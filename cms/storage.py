"""File storage whose file names, and so the addresses of documents and images, carry no accents (issue 13)."""

import unicodedata

from django.core.files.storage import FileSystemStorage


def ascii_file_name(name: str) -> str:
    """``name`` with accented letters spelt without their accent and other non-ASCII letters dropped:
    "Guía práctica ñandú.pdf" -> "Guia practica nandu.pdf" (the storage then writes "Guia_practica_nandu.pdf")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem, dot, extension = ascii_name.rpartition(".")
    if dot and not stem.strip(" ._-"):
        return "archivo." + extension
    return ascii_name if ascii_name.strip(" ._-") else "archivo"


class AsciiFileSystemStorage(FileSystemStorage):
    """The file system storage with ASCII file names: a document's address reads /documentos/3/Guia_practica.pdf."""

    def get_valid_name(self, name):
        return super().get_valid_name(ascii_file_name(name))
