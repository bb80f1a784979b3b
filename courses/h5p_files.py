"""Where H5P files are stored, and the rules for serving them.

They live in a private storage (``STORAGES["h5p"]`` when defined, an object store's private prefix with
DJANGO_STORAGE=s3; otherwise the folder ``H5P_ROOT``, outside MEDIA_ROOT so the web server never publishes it)::

    packages/<sha256>.h5p                      the original uploads, private
    content/<activity uuid>/h5p.json           per activity: h5p.json, content/content.json (sanitised), media
    libraries/<Machine>-<maj>.<min>.<patch>/   the shared library store

Every read and write goes through Django's storage API, so several app servers share one store. A package is
unpacked into a local scratch folder first (``H5P_ROOT/tmp``, this server's own), checked there, then copied into
the store file by file, the folder's marker file (``h5p.json``, ``library.json``) last: a folder without its marker
is an unfinished copy, never played, and written again by the next import.

Content files are reached through a signed token that names the activity and the user it was issued to, so a
learner's player can load them while nobody else can guess or reuse the address. They are streamed by the site
(courses.views) rather than redirected to signed store addresses: the player loads its files by relative address
from the site's own origin (the CSP allows scripts and data only from 'self'), and one round trip to the store per
file costs less than a redirect plus a second connection from a phone (bench/h5p_files.py).
"""

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

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


def storage() -> Storage:
    """The private storage of packages, content and libraries."""
    if "h5p" in settings.STORAGES:
        return storages["h5p"]
    return FileSystemStorage(location=root(), allow_overwrite=True)


def package_name(sha256: str) -> str:
    return f"packages/{sha256}.h5p"


def content_prefix(activity_uuid) -> str:
    return f"content/{activity_uuid}"


def library_prefix(folder: str) -> str:
    return f"libraries/{folder}"


CONTENT_MARKER = "h5p.json"
LIBRARY_MARKER = "library.json"


def tree_complete(prefix: str, marker: str) -> bool:
    """Whether the folder ``prefix`` of the store was copied whole (its marker file is written last)."""
    return storage().exists(f"{prefix}/{marker}")


def publish_tree(folder: Path, prefix: str, *, marker: str) -> list[str]:
    """Copy every regular file under the local ``folder`` to ``prefix/…`` in the store, ``marker`` last.

    Returns the names written (for removal if the import fails later). Names already there are replaced: an
    unfinished copy left by a server that stopped is completed by the next import.
    """
    store, written = storage(), []
    relpaths = sorted(_local_files(Path(folder)))
    relpaths.sort(key=lambda relpath: relpath == marker)
    for relpath in relpaths:
        name = f"{prefix}/{relpath}"
        with open(Path(folder) / relpath, "rb") as handle:
            saved = store.save(name, File(handle, name=relpath))
        written.append(saved)
        if saved != name:
            raise OSError(f"The store renamed {name} to {saved}.")
    return written


def publish_file(path: Path, name: str) -> str:
    with open(path, "rb") as handle:
        saved = storage().save(name, File(handle, name=Path(name).name))
    if saved != name:
        raise OSError(f"The store renamed {name} to {saved}.")
    return saved


def remove(names: Iterable[str]) -> None:
    """Delete stored files (the rollback of an import that failed); missing ones are fine."""
    store = storage()
    for name in names:
        try:
            store.delete(name)
        except OSError:
            pass


def _local_files(folder: Path) -> list[str]:
    files = []
    for directory, _dirnames, filenames in os.walk(folder):
        for filename in filenames:
            path = Path(directory) / filename
            if path.is_file() and not path.is_symlink():
                files.append(path.relative_to(folder).as_posix())
    return files


def open_file(prefix: str, relative: str):
    """The stored file ``prefix/relative`` opened for reading, or None when unsafe, missing or a folder."""
    clean = safe_relative_path(relative)
    if clean is None:
        return None
    store, name = storage(), f"{prefix}/{clean}"
    if isinstance(store, FileSystemStorage):  # on disk: never follow a link out of the folder
        path, base = Path(store.path(name)), Path(store.path(prefix))
        try:
            if path.is_symlink() or not path.resolve(strict=True).is_relative_to(base.resolve(strict=True)):
                return None
        except (OSError, RuntimeError):
            return None
    if hasattr(store, "bucket") and hasattr(store, "location"):  # an S3 storage (django-storages)
        return _open_object(store, name)
    try:
        return store.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return None


class StoredObject:
    """An object of an S3-compatible store, read as it arrives (``read``/``close``, and ``size`` for the response's
    Content-Length)."""

    def __init__(self, body, size: int):
        self.body, self.size = body, size

    def read(self, amount: int = -1) -> bytes:
        return self.body.read(None if amount is None or amount < 0 else amount)

    def close(self) -> None:
        self.body.close()


def _open_object(store, name: str) -> StoredObject | None:
    """One GET, streamed. The storage's own ``open`` makes a HEAD first and then downloads the whole object through
    boto3's transfer manager before the first byte is sent: about 7 times slower per file (bench/h5p_files.py)."""
    from botocore.exceptions import ClientError
    from storages.utils import clean_name, safe_join

    try:
        key = safe_join(store.location, clean_name(name))
        response = store.bucket.meta.client.get_object(Bucket=store.bucket_name, Key=key)
    except ValueError:
        return None
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise
    return StoredObject(response["Body"], response["ContentLength"])


def scratch_dir() -> Path:
    """This server's local scratch folder for uploads and unpacking (never shared, never backed up)."""
    path = Path(getattr(settings, "H5P_SCRATCH_DIR", None) or root() / "tmp")
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
