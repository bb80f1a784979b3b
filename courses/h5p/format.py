"""The .h5p format rules shared by the validator and the sanitiser: names, versions, file types."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

MACHINE_NAME = re.compile(r"[\w.\-]{1,255}", re.ASCII)
VERSION = re.compile(r"[0-9]{1,5}", re.ASCII)
_CONTENT_STRING = re.compile(r"([\w.\-]{1,255}) ([0-9]{1,5})\.([0-9]{1,5})", re.ASCII)
_FOLDER = re.compile(r"([\w.\-]{1,255})-([0-9]{1,5})\.([0-9]{1,5})", re.ASCII)

# H5P core's default content whitelist (h5p.classes.php) without swf; svg and xml are library-only since 2024.
CONTENT_EXTENSIONS = frozenset(
    "json png jpg jpeg gif bmp tif tiff eot ttf woff woff2 otf webm mp4 ogg mp3 m4a wav txt pdf rtf doc docx xls "
    "xlsx ppt pptx odt ods odp csv diff patch md textile vtt webvtt gltf glb".split()
)
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | {"js", "css", "svg", "xml"}


def extension(name: str) -> str:
    """The lower-cased extension of a file name ("" when it has none)."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


def parse_version(value) -> int:
    """An H5P version number: an int or a string of 1–5 digits. Raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int) and 0 <= value <= 99999:
        return value
    if isinstance(value, str) and VERSION.fullmatch(value):
        return int(value)
    raise ValueError(value)


@dataclass(frozen=True, order=True)
class LibraryRef:
    machine_name: str
    major: int
    minor: int

    @property
    def folder(self) -> str:
        """The library folder name in a package and in the store: "H5P.MultiChoice-1.16"."""
        return f"{self.machine_name}-{self.major}.{self.minor}"

    @property
    def content_string(self) -> str:
        """How content.json names sub-content: "H5P.MultiChoice 1.16"."""
        return f"{self.machine_name} {self.major}.{self.minor}"

    def __str__(self) -> str:
        return self.content_string

    @classmethod
    def from_dependency(cls, data: Mapping) -> "LibraryRef":
        """From {"machineName", "majorVersion", "minorVersion"} (h5p.json, library.json). Raises ValueError."""
        if not isinstance(data, Mapping):
            raise ValueError(data)
        name = data.get("machineName")
        if not isinstance(name, str) or not MACHINE_NAME.fullmatch(name):
            raise ValueError(name)
        return cls(name, parse_version(data.get("majorVersion")), parse_version(data.get("minorVersion")))

    @classmethod
    def parse_content_string(cls, value: str) -> "LibraryRef":
        """From "H5P.MultiChoice 1.16". Raises ValueError."""
        match = _CONTENT_STRING.fullmatch(value) if isinstance(value, str) else None
        if not match:
            raise ValueError(value)
        return cls(match[1], int(match[2]), int(match[3]))

    @classmethod
    def parse_folder(cls, value: str) -> "LibraryRef":
        """From "H5P.MultiChoice-1.16". Raises ValueError (also for a version-less folder name)."""
        match = _FOLDER.fullmatch(value) if isinstance(value, str) else None
        if not match:
            raise ValueError(value)
        return cls(match[1], int(match[2]), int(match[3]))
