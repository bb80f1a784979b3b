"""Where H5P files live on disk, and the rules for serving them.

``H5P_ROOT`` (a setting, outside MEDIA_ROOT so the web server never publishes it directly) holds::

    packages/<sha256>.h5p                      the original uploads, private
    content/<activity uuid>/h5p.json           per activity: h5p.json, content/content.json (sanitised), media
    libraries/<Machine>-<maj>.<min>.<patch>/   the shared library store
    tmp/                                       extraction scratch space (same file system, so renames are atomic)

Content files are reached through a signed token that names the activity and the user it was issued to, so a
learner's player can load them while nobody else can guess or reuse the address.
"""

import posixpath
from pathlib import Path

from django.conf import settings
from django.core import signing

CONTENT_TOKEN_SALT = "courses.h5p.content"

# The only file types served; anything else is a 404. JavaScript and CSS come only from approved libraries.
CONTENT_TYPES = {
    "json": "application/json",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "webm": "video/webm",
    "mp4": "video/mp4",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "vtt": "text/vtt",
    "webvtt": "text/vtt",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "md": "text/plain; charset=utf-8",
    "gltf": "model/gltf+json",
    "glb": "model/gltf-binary",
    "eot": "application/vnd.ms-fontobject",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "pdf": "application/pdf",
    "rtf": "application/rtf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
LIBRARY_ONLY_TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "xml": "application/xml",
}
# Served as downloads, never displayed inside the player's origin.
ATTACHMENT_EXTENSIONS = {"pdf", "rtf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "csv"}


def root() -> Path:
    """H5P_ROOT: the private folder of packages, extracted content and libraries (default: var/h5p in the project)."""
    return Path(getattr(settings, "H5P_ROOT", None) or Path(settings.BASE_DIR) / "var" / "h5p")


def max_upload_bytes() -> int:
    """H5P_MAX_UPLOAD_BYTES: the largest .h5p file the admin accepts (default 100 MiB)."""
    return getattr(settings, "H5P_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)


def packages_dir() -> Path:
    return root() / "packages"


def content_dir(activity_uuid) -> Path:
    return root() / "content" / str(activity_uuid)


def library_dir(folder: str) -> Path:
    return root() / "libraries" / folder


def scratch_dir() -> Path:
    path = root() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def content_token(*, activity_uuid, user_id: int) -> str:
    """A token for ``/h5p/contenido/<token>/…`` valid for one activity and one user."""
    return signing.dumps({"a": str(activity_uuid), "u": user_id}, salt=CONTENT_TOKEN_SALT, compress=False)


def read_content_token(token: str) -> tuple[str, int] | None:
    """(activity uuid, user id) from a token that is genuine and not older than H5P_CONTENT_TOKEN_MAX_AGE."""
    try:
        max_age = getattr(settings, "H5P_CONTENT_TOKEN_MAX_AGE", 12 * 60 * 60)
        data = signing.loads(token, salt=CONTENT_TOKEN_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), str) or not isinstance(data.get("u"), int):
        return None
    return data["a"], data["u"]


def safe_relative_path(path: str) -> str | None:
    """A normalised relative path, or None when it tries to leave its folder or hides something.

    Refuses backslashes, NUL, absolute paths, ``..`` and any segment starting with ``.`` or ``_`` (never
    extracted, so never legitimately requested).
    """
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        return None
    segments = path.split("/")
    if any(not segment or segment.startswith((".", "_")) for segment in segments):
        return None
    normalised = posixpath.normpath(path)
    if normalised != path:
        return None
    return normalised


def resolve(base: Path, relative: str) -> Path | None:
    """The file ``relative`` inside ``base``, or None when it is unsafe, missing or not a regular file."""
    clean = safe_relative_path(relative)
    if clean is None:
        return None
    candidate = base / clean
    try:
        resolved = candidate.resolve(strict=True)
        base_resolved = base.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        return None
    if not resolved.is_relative_to(base_resolved) or candidate.is_symlink() or not resolved.is_file():
        return None
    return resolved


def content_type_for(path: str, *, library: bool) -> str | None:
    """The Content-Type to serve ``path`` with, or None when that type is never served from this place."""
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if extension in CONTENT_TYPES:
        return CONTENT_TYPES[extension]
    if library:
        return LIBRARY_ONLY_TYPES.get(extension)
    return None


def is_attachment(path: str) -> bool:
    return path.rsplit(".", 1)[-1].lower() in ATTACHMENT_EXTENSIONS
