"""Validate and extract .h5p packages (docs/H5P.md §1.5 and §6.1).

validate_package only reads the zip and refuses a package at the first problem with an H5PPackageError;
extract_content and extract_library write a validated package's files atomically. Pure Python: no Django models,
no settings; the caller passes what its library store holds and the limits.

One module on purpose (about 800 lines): the validation steps (entry list, h5p.json, library folders, dependency
closure) each read what the previous one checked, and extraction writes only what validation listed, re-checking
the hashes it recorded; split apart, each half would depend on the other's private rules. Content sanitising and
scoring, which stand alone, are already their own modules (sanitize.py, scoring.py).
"""

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from courses.h5p import scoring
from courses.h5p.errors import H5PPackageError
from courses.h5p.format import (
    CONTENT_EXTENSIONS,
    LIBRARY_EXTENSIONS,
    MACHINE_NAME,
    LibraryRef,
    extension,
    parse_version,
)
from courses.h5p.sanitize import sanitize_params, semantics_lookup

__all__ = [
    "HOST_CORE_API",
    "InstalledLibrary",
    "LibraryRef",
    "Limits",
    "PackageLibrary",
    "ValidatedPackage",
    "directory_tree_sha256",
    "extract_content",
    "extract_library",
    "tree_sha256",
    "validate_package",
]

HOST_CORE_API = (1, 28)  # the core bundled by our pinned h5p-standalone 3.8.2
MiB = 1024 * 1024
CHUNK = MiB
H5P_JSON = "h5p.json"
CONTENT_JSON = "content/content.json"

_LANGUAGE = re.compile(r"-?[a-z]+(-[a-z]+){0,6}\.json", re.I)  # H5P's (-?[a-z]+){1,7}\.json without backtracking
_LANGUAGE_CODE = re.compile(r"[-a-zA-Z]{1,10}")
_ASSET_SEGMENT = re.compile(r"[a-z_\-\s0-9.]+", re.I | re.ASCII)
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\]')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMBED_TYPES = {"iframe", "div"}


@dataclass(frozen=True)
class Limits:
    """The §6.1 numbers; tests lower them."""

    max_upload: int = 100 * MiB
    max_entry: int = 16 * MiB
    max_total: int = 128 * MiB
    max_entries: int = 5000
    max_depth: int = 12
    max_ratio: int = 100
    ratio_threshold: int = MiB  # the ratio is checked on entries larger than this
    max_h5p_json: int = 2 * MiB
    max_content_json: int = 16 * MiB
    max_library_json: int = 2 * MiB  # library.json, semantics.json, language/*.json


@dataclass(frozen=True)
class InstalledLibrary:
    """What the caller's library store already has for a LibraryRef."""

    patch: int
    tree_sha256: str
    semantics: list | None
    dependencies: tuple[LibraryRef, ...] = ()  # its preloaded + dynamic dependencies, to follow the closure


@dataclass(frozen=True)
class PackageLibrary:
    """A library folder found in the package."""

    ref: LibraryRef
    patch: int
    title: str
    runnable: bool
    core_api: tuple[int, int] | None
    library_json: dict
    semantics: list | None
    tree_sha256: str  # see tree_sha256()
    members: tuple[str, ...]  # zip member names to extract (skipped ./_ entries excluded)
    folder: str = ""  # the folder name in the zip: ref.folder, or the bare machine name

    @property
    def dependencies(self) -> tuple[LibraryRef, ...]:
        """Preloaded then dynamic dependencies (editor dependencies are not needed to play)."""
        return _dependencies(self.library_json, ("preloadedDependencies", "dynamicDependencies"))

    @property
    def prefix(self) -> str:
        return f"{self.folder or self.ref.folder}/"


@dataclass(frozen=True)
class ValidatedPackage:
    sha256: str  # of the uploaded file
    size: int
    title: str
    main_library: LibraryRef
    h5p_json: dict
    content_json: dict  # sanitised params: what extract_content writes
    libraries: dict[LibraryRef, PackageLibrary]  # library folders in the package
    required: tuple[LibraryRef, ...]  # dependency closure (preloaded + dynamic), main library first
    content_members: tuple[str, ...]  # content/* media members to extract (not content.json)
    skipped: tuple[str, ...]  # ./_ entries, never extracted
    expected_max_score: int | None  # None when the content type is not scored or unknown
    answer_key: dict  # see scoring.answer_key; JSON-serialisable
    pass_percentage: int | None = None  # see scoring.pass_percentage


def validate_package(
    path: Path,
    *,
    installed: Mapping[LibraryRef, InstalledLibrary],
    limits: Limits = Limits(),
    allow_external_media: bool = False,
) -> ValidatedPackage:
    """Run every check of H5P.md §1.5 and §6.1 (steps 2–7) on the .h5p file at `path`, in order.

    Reads the file only. Dependencies resolve in the package or in `installed`; a package library with the same
    version and patch as an installed one must have the same tree hash. Raises H5PPackageError at the first problem.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_upload:
        raise H5PPackageError(
            "upload-too-large", _("The file is larger than %(size)s MB."), size=limits.max_upload // MiB
        )
    digest = _file_sha256(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as exc:
        raise H5PPackageError("not-a-zip", _("The file is not an H5P package (it is not a ZIP archive).")) from exc
    with archive:
        listing = _Listing.read(archive, limits)
        hashes = {info.filename: _member_sha256(archive, info) for info in listing.files.values()}
        if H5P_JSON not in listing.files:
            raise H5PPackageError("missing-h5p-json", _("The package has no h5p.json: it is not an H5P package."))
        h5p_json = _read_json(archive, listing.files[H5P_JSON], limits.max_h5p_json)
        main_library, roots = _check_h5p_json(h5p_json)
        if CONTENT_JSON not in listing.files:
            raise H5PPackageError(
                "missing-content-json", _("The package has no content/content.json: it holds no content.")
            )
        content = _read_json(archive, listing.files[CONTENT_JSON], limits.max_content_json)
        if not isinstance(content, dict):
            raise H5PPackageError("invalid-content-json", _("content/content.json must hold a JSON object."))
        libraries = _read_libraries(archive, listing, hashes, limits)
    required = _closure(main_library, roots, libraries, installed)
    for library in libraries.values():
        known = installed.get(library.ref)
        if known is not None and known.patch == library.patch and known.tree_sha256 != library.tree_sha256:
            raise H5PPackageError(
                "library-hash-mismatch",
                _(
                    "The library %(library)s (patch %(patch)s) in the package differs from the installed copy of "
                    "the same version: its files were changed."
                ),
                library=library.folder,
                patch=library.patch,
            )
    semantics_for = semantics_lookup(libraries, installed)
    media = (name for name in listing.files if name.startswith("content/") and name != CONTENT_JSON)
    content_members = tuple(sorted(media))
    params = sanitize_params(
        content,
        semantics=semantics_for(main_library),
        semantics_for=semantics_for,
        content_files={name.removeprefix("content/") for name in content_members},
        allow_external_media=allow_external_media,
    )
    return ValidatedPackage(
        sha256=digest,
        size=size,
        title=h5p_json["title"],
        main_library=main_library,
        h5p_json=h5p_json,
        content_json=params,
        libraries=libraries,
        required=required,
        content_members=content_members,
        skipped=listing.skipped,
        expected_max_score=scoring.expected_max_score(main_library, params),
        answer_key=scoring.answer_key(main_library, params),
        pass_percentage=scoring.pass_percentage(main_library, params),
    )


def extract_content(path: Path, package: ValidatedPackage, target: Path) -> None:
    """Create `target` (it must not exist) with h5p.json, content/content.json (sanitised) and the content media.

    The zip at `path` must be the validated file (same sha256). Everything is written into a temporary folder
    beside `target`, then moved into place; on any error nothing is left behind. Raises H5PPackageError.
    """
    path = Path(path)
    if _file_sha256(path) != package.sha256:
        raise H5PPackageError("package-changed", _("The package file changed after it was validated."))
    files = {
        H5P_JSON: json.dumps(package.h5p_json, ensure_ascii=False).encode(),
        CONTENT_JSON: json.dumps(package.content_json, ensure_ascii=False).encode(),
    }
    _extract(path, Path(target), [(name, name) for name in package.content_members], files, expected_tree=None)


def extract_library(path: Path, library: PackageLibrary, target: Path) -> None:
    """Create `target` (it must not exist) holding one library folder's files, paths relative to the folder.

    The written tree must hash to `library.tree_sha256`. Atomic like extract_content. Raises H5PPackageError.
    """
    prefix = library.prefix
    members = [(name, name.removeprefix(prefix)) for name in library.members]
    _extract(Path(path), Path(target), members, {}, expected_tree=library.tree_sha256)


def tree_sha256(files: Iterable[tuple[str, str]]) -> str:
    """The hash of a library tree: sha256 over "relpath NUL file-sha256 LF" lines, sorted by relpath."""
    digest = hashlib.sha256()
    for relpath, file_hash in sorted(files):
        digest.update(f"{relpath}\0{file_hash}\n".encode())
    return digest.hexdigest()


def directory_tree_sha256(root: Path) -> str:
    """tree_sha256 of the regular files under `root` on disk (for checking a store copy)."""
    root = Path(root)
    files = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in filenames:
            file_path = Path(folder) / filename
            if file_path.is_file() and not file_path.is_symlink():
                with file_path.open("rb") as handle:
                    files.append((file_path.relative_to(root).as_posix(), _stream_sha256(handle)))
    return tree_sha256(files)


# Step 2: the entry list ---------------------------------------------------------------------------------------


@dataclass
class _Listing:
    files: dict[str, zipfile.ZipInfo]  # non-skipped regular files by name
    folders: tuple[str, ...]  # top-level folders other than content/ (library folders)
    skipped: tuple[str, ...]

    @classmethod
    def read(cls, archive: zipfile.ZipFile, limits: Limits) -> "_Listing":
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise H5PPackageError(
                "too-many-entries",
                _("The package has %(count)s files; at most %(limit)s are allowed."),
                count=len(infos),
                limit=limits.max_entries,
            )
        seen: set[str] = set()
        implied_folders: set[str] = set()
        files: dict[str, zipfile.ZipInfo] = {}
        folders: set[str] = set()
        skipped: list[str] = []
        total = 0
        for info in infos:
            name = info.orig_filename
            parts = _check_entry(info, name, limits)
            key = name.rstrip("/").lower()
            if key in seen:
                raise _duplicate(name)
            seen.add(key)
            implied_folders.update("/".join(parts[:depth]).lower() for depth in range(1, len(parts)))
            if any(part[0] in "._" for part in parts):
                if not info.is_dir():
                    skipped.append(name)
                continue
            if len(parts) > 1 and parts[0] != "content":
                folders.add(parts[0])
            if info.is_dir():
                continue
            total += info.file_size
            if total > limits.max_total:
                raise H5PPackageError(
                    "package-too-large",
                    _("The package unpacks to more than %(size)s MB."),
                    size=limits.max_total // MiB,
                )
            _check_placement(name, parts)
            files[name] = info
        clash = sorted(name for name in files if name.lower() in implied_folders)
        if clash:
            raise _duplicate(clash[0])
        return cls(files=files, folders=tuple(sorted(folders)), skipped=tuple(skipped))


def _duplicate(name: str) -> H5PPackageError:
    return H5PPackageError(
        "duplicate-entry", _("The entry “%(entry)s” appears more than once in the package."), entry=_shown(name)
    )


def _check_entry(info: zipfile.ZipInfo, name: str, limits: Limits) -> list[str]:
    parts = name.removesuffix("/").split("/")
    if (
        not name
        or name.startswith("/")
        or re.match(r"[A-Za-z]:", name)
        or _UNSAFE_CHARS.search(name)
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise H5PPackageError(
            "unsafe-path",
            _(
                "The entry “%(entry)s” has an unsafe name: it is absolute, leaves the package or contains "
                "characters not allowed in file names."
            ),
            entry=_shown(name),
        )
    if len(parts) > limits.max_depth:
        raise H5PPackageError(
            "path-too-deep",
            _("The entry “%(entry)s” is nested more than %(depth)s folders deep."),
            entry=_shown(name),
            depth=limits.max_depth,
        )
    if info.flag_bits & 0x1:
        raise H5PPackageError(
            "encrypted-entry", _("The entry “%(entry)s” is encrypted; packages must not be."), entry=_shown(name)
        )
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise H5PPackageError(
            "symlink-entry",
            _("The entry “%(entry)s” is a symbolic link; packages must not contain links."),
            entry=_shown(name),
        )
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise H5PPackageError(
            "special-entry", _("The entry “%(entry)s” is not a regular file or folder."), entry=_shown(name)
        )
    if info.file_size > limits.max_entry:
        raise H5PPackageError(
            "entry-too-large",
            _("The entry “%(entry)s” is larger than %(size)s MB."),
            entry=_shown(name),
            size=limits.max_entry // MiB,
        )
    if info.file_size > limits.ratio_threshold and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise H5PPackageError(
            "compression-ratio",
            _("The entry “%(entry)s” is compressed more than %(ratio)s to 1: it looks like a zip bomb."),
            entry=_shown(name),
            ratio=limits.max_ratio,
        )
    return parts


def _check_placement(name: str, parts: list[str]) -> None:
    if len(parts) == 1:
        if name != H5P_JSON:
            raise H5PPackageError(
                "unexpected-top-level-file",
                _("The file “%(entry)s” is not allowed at the top of the package (only h5p.json is)."),
                entry=_shown(name),
            )
        return
    allowed = CONTENT_EXTENSIONS if parts[0] == "content" else LIBRARY_EXTENSIONS
    if extension(name) not in allowed:
        raise H5PPackageError(
            "file-type-not-allowed",
            _("The file “%(entry)s” has a file type H5P packages may not contain here."),
            entry=_shown(name),
        )


def _shown(name: str) -> str:
    return _CONTROL.sub(lambda match: f"\\x{ord(match[0]):02x}", name)


# Reading members --------------------------------------------------------------------------------------------


def _file_sha256(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return _stream_sha256(handle)


def _stream_sha256(handle) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _corrupt(name: str) -> H5PPackageError:
    return H5PPackageError(
        "corrupt-entry",
        _("The entry “%(entry)s” is damaged: its data does not match its header (size or checksum)."),
        entry=_shown(name),
    )


def _member_sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """Read one member in full (zipfile stops at the declared size and checks the CRC)."""
    digest, count = hashlib.sha256(), 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                count += len(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise _corrupt(info.filename) from exc
    if count != info.file_size:
        raise _corrupt(info.filename)
    return digest.hexdigest()


def _read_json(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int):
    """Parse one JSON member, at most `limit` bytes, UTF-8 only; NaN/Infinity refused."""
    name = info.filename
    if info.file_size > limit:
        raise H5PPackageError(
            "json-too-large",
            _("The file “%(entry)s” is larger than %(size)s KB."),
            entry=_shown(name),
            size=limit // 1024,
        )
    try:
        with archive.open(info) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise _corrupt(name) from exc
    if len(data) > limit:
        raise _corrupt(name)
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise H5PPackageError(
            "invalid-encoding", _("The file “%(entry)s” is not UTF-8 text."), entry=_shown(name)
        ) from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise H5PPackageError("invalid-json", _("The file “%(entry)s” is not valid JSON."), entry=_shown(name)) from exc


def _refuse_constant(name: str):
    raise ValueError(name)


# Step 3: h5p.json ---------------------------------------------------------------------------------------------


def _h5p_json_error(field: str) -> H5PPackageError:
    return H5PPackageError(
        "invalid-h5p-json", _("h5p.json: the field “%(field)s” is missing or not valid."), field=field
    )


def _check_h5p_json(data) -> tuple[LibraryRef, list[LibraryRef]]:
    """The main library and the root dependencies (preloaded then dynamic)."""
    if not isinstance(data, dict):
        raise H5PPackageError("invalid-h5p-json", _("h5p.json must hold a JSON object."))
    title = data.get("title")
    if not _is_title(title):
        raise _h5p_json_error("title")
    for field in ("language", "defaultLanguage"):
        value = data.get(field)
        if (field == "language" or value is not None) and not (
            isinstance(value, str) and _LANGUAGE_CODE.fullmatch(value)
        ):
            raise _h5p_json_error(field)
    main = data.get("mainLibrary")
    if not isinstance(main, str) or not MACHINE_NAME.fullmatch(main):
        raise _h5p_json_error("mainLibrary")
    embed = data.get("embedTypes")
    if not isinstance(embed, list) or not embed or not all(value in _EMBED_TYPES for value in embed):
        raise _h5p_json_error("embedTypes")
    preloaded = _dependency_list(data, "preloadedDependencies", _h5p_json_error, required=True)
    dynamic = _dependency_list(data, "dynamicDependencies", _h5p_json_error, required=False)
    mains = [ref for ref in preloaded if ref.machine_name == main]
    if not mains:
        raise H5PPackageError(
            "invalid-h5p-json",
            _("h5p.json: the main library %(library)s is not listed in preloadedDependencies."),
            library=main,
        )
    return mains[0], preloaded + dynamic


def _is_title(value) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 255 and "\n" not in value


def _dependency_list(data: dict, field: str, error, *, required: bool) -> list[LibraryRef]:
    value = data.get(field)
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        raise error(field)
    try:
        return [LibraryRef.from_dependency(item) for item in value]
    except ValueError as exc:
        raise error(field) from exc


def _dependencies(library_json: dict, fields: Iterable[str]) -> tuple[LibraryRef, ...]:
    refs = []
    for field in fields:
        for item in library_json.get(field) or []:
            refs.append(LibraryRef.from_dependency(item))
    return tuple(refs)


# Step 4: library folders --------------------------------------------------------------------------------------


def _read_libraries(
    archive: zipfile.ZipFile, listing: _Listing, hashes: dict[str, str], limits: Limits
) -> dict[LibraryRef, PackageLibrary]:
    libraries: dict[LibraryRef, PackageLibrary] = {}
    for folder in listing.folders:
        library = _read_library(archive, listing, folder, hashes, limits)
        if library.ref in libraries:
            raise H5PPackageError(
                "duplicate-library",
                _("The library %(library)s appears twice in the package (folders %(first)s and %(second)s)."),
                library=library.ref.content_string,
                first=libraries[library.ref].folder,
                second=folder,
            )
        libraries[library.ref] = library
    return libraries


def _read_library(
    archive: zipfile.ZipFile, listing: _Listing, folder: str, hashes: dict[str, str], limits: Limits
) -> PackageLibrary:
    if not MACHINE_NAME.fullmatch(folder):
        raise H5PPackageError(
            "invalid-library-folder-name",
            _("The folder “%(folder)s” is not a valid library folder name."),
            folder=_shown(folder),
        )
    prefix = f"{folder}/"
    members = tuple(sorted(name for name in listing.files if name.startswith(prefix)))
    library_json_name = f"{prefix}library.json"
    if library_json_name not in listing.files:
        raise H5PPackageError(
            "missing-library-json", _("The library folder “%(folder)s” has no library.json."), folder=folder
        )
    data = _read_json(archive, listing.files[library_json_name], limits.max_library_json)

    def error(field: str) -> H5PPackageError:
        return H5PPackageError(
            "invalid-library-json",
            _("%(folder)s/library.json: the field “%(field)s” is missing or not valid."),
            folder=folder,
            field=field,
        )

    if not isinstance(data, dict):
        raise error("(root)")
    if not _is_title(data.get("title")):
        raise error("title")
    machine_name = data.get("machineName")
    if not isinstance(machine_name, str) or not MACHINE_NAME.fullmatch(machine_name):
        raise error("machineName")
    versions = {}
    for field in ("majorVersion", "minorVersion", "patchVersion"):
        try:
            versions[field] = parse_version(data.get(field))
        except ValueError as exc:
            raise error(field) from exc
    if data.get("runnable") not in (0, 1):  # True and False compare equal to 1 and 0
        raise error("runnable")
    ref = LibraryRef(machine_name, versions["majorVersion"], versions["minorVersion"])
    if folder not in (machine_name, ref.folder):
        raise H5PPackageError(
            "library-folder-mismatch",
            _("The folder “%(folder)s” holds the library %(library)s: the folder must be named %(expected)s."),
            folder=folder,
            library=f"{ref.content_string}.{versions['patchVersion']}",
            expected=ref.folder,
        )
    core_api = _core_api(data, error)
    if core_api is not None and core_api > HOST_CORE_API:
        raise H5PPackageError(
            "core-api-unsupported",
            _("The library %(library)s needs H5P core %(needed)s; this site runs core %(host)s."),
            library=ref.folder,
            needed="{}.{}".format(*core_api),
            host="{}.{}".format(*HOST_CORE_API),
        )
    for field in ("preloadedJs", "preloadedCss"):
        _check_assets(data, field, prefix, listing, error)
    for field in ("preloadedDependencies", "dynamicDependencies", "editorDependencies"):
        _dependency_list(data, field, error, required=False)
    semantics = None
    if f"{prefix}semantics.json" in listing.files:
        semantics = _read_json(archive, listing.files[f"{prefix}semantics.json"], limits.max_library_json)
        if not isinstance(semantics, list):
            raise H5PPackageError(
                "invalid-semantics", _("%(folder)s/semantics.json must hold a JSON list."), folder=folder
            )
    for name in members:
        relative = name.removeprefix(prefix).split("/")
        if relative[0] == "language" and len(relative) == 2:
            if not _LANGUAGE.fullmatch(relative[1]):
                raise H5PPackageError(
                    "invalid-language-file",
                    _("The language file “%(entry)s” is not named like a language code (es.json, pt-br.json)."),
                    entry=_shown(name),
                )
            _read_json(archive, listing.files[name], limits.max_library_json)
    return PackageLibrary(
        ref=ref,
        patch=versions["patchVersion"],
        title=data["title"],
        runnable=bool(data["runnable"]),
        core_api=core_api,
        library_json=data,
        semantics=semantics,
        tree_sha256=tree_sha256((name.removeprefix(prefix), hashes[name]) for name in members),
        members=members,
        folder=folder,
    )


def _core_api(data: dict, error) -> tuple[int, int] | None:
    value = data.get("coreApi")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise error("coreApi")
    try:
        return parse_version(value.get("majorVersion")), parse_version(value.get("minorVersion"))
    except ValueError as exc:
        raise error("coreApi") from exc


def _check_assets(data: dict, field: str, prefix: str, listing: _Listing, error) -> None:
    wanted = ".js" if field == "preloadedJs" else ".css"
    items = data.get(field)
    if items is None:
        return
    if not isinstance(items, list):
        raise error(field)
    for item in items:
        path = item.get("path") if isinstance(item, dict) else None
        if (
            not isinstance(path, str)
            or not path.lower().endswith(wanted)
            or not all(part not in (".", "..") and _ASSET_SEGMENT.fullmatch(part) for part in path.split("/"))
        ):
            raise error(field)
        if prefix + path not in listing.files:
            raise H5PPackageError(
                "missing-preloaded-file",
                _("%(folder)s/library.json lists “%(path)s” in %(field)s, but the package has no such file."),
                folder=prefix.rstrip("/"),
                path=path,
                field=field,
            )


# Step 5: the dependency closure -------------------------------------------------------------------------------


def _closure(
    main: LibraryRef,
    roots: list[LibraryRef],
    libraries: Mapping[LibraryRef, PackageLibrary],
    installed: Mapping[LibraryRef, InstalledLibrary],
) -> tuple[LibraryRef, ...]:
    order: list[LibraryRef] = []
    queue = deque((ref, H5P_JSON) for ref in [main, *roots])
    while queue:
        ref, needed_by = queue.popleft()
        if ref in order:
            continue
        if ref in libraries:
            dependencies = libraries[ref].dependencies
        elif ref in installed:
            dependencies = installed[ref].dependencies
        else:
            raise H5PPackageError(
                "missing-library",
                _("The library %(library)s, needed by %(needed_by)s, is neither in the package nor installed."),
                library=ref.folder,
                needed_by=needed_by,
            )
        order.append(ref)
        queue.extend((dependency, ref.folder) for dependency in dependencies)
    return tuple(order)


# Extraction ---------------------------------------------------------------------------------------------------


def _extract(
    path: Path,
    target: Path,
    members: list[tuple[str, str]],
    files: Mapping[str, bytes],
    *,
    expected_tree: str | None,
) -> None:
    if os.path.lexists(target):
        raise H5PPackageError("target-exists", _("The folder %(target)s already exists."), target=str(target))
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _extraction_failed(target) from exc
    moved = False
    try:
        os.chmod(temporary, 0o755)
        for relpath, data in files.items():
            with _create(temporary, relpath) as handle:
                handle.write(data)
        written = []
        with zipfile.ZipFile(path) as archive:
            for name, relpath in members:
                written.append((relpath, _copy_member(archive, name, temporary, relpath)))
        if expected_tree is not None and tree_sha256(written) != expected_tree:
            raise H5PPackageError("package-changed", _("The package file changed after it was validated."))
        if os.path.lexists(target):
            raise H5PPackageError("target-exists", _("The folder %(target)s already exists."), target=str(target))
        os.replace(temporary, target)
        moved = True
    except H5PPackageError:
        raise
    except (OSError, KeyError, zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
        raise _extraction_failed(target) from exc
    finally:
        if not moved:
            shutil.rmtree(temporary, ignore_errors=True)


def _extraction_failed(target: Path) -> H5PPackageError:
    return H5PPackageError(
        "extraction-failed", _("The package could not be unpacked into %(target)s."), target=str(target)
    )


def _create(root: Path, relpath: str):
    """Open a new regular file root/relpath for writing (0644), creating 0755 folders; never follows links."""
    parts = relpath.split("/")
    if not relpath or relpath.startswith("/") or any(part in ("", ".", "..") or "\\" in part for part in parts):
        raise _extraction_failed(root / relpath)
    folder = root
    for part in parts[:-1]:
        folder = folder / part
        try:
            os.mkdir(folder, 0o755)
            os.chmod(folder, 0o755)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                raise
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(folder / parts[-1], flags, 0o644)
    os.fchmod(descriptor, 0o644)
    return os.fdopen(descriptor, "wb")


def _copy_member(archive: zipfile.ZipFile, name: str, root: Path, relpath: str) -> str:
    """Stream one member to root/relpath, at most its declared size; return the written bytes' sha256."""
    info = archive.getinfo(name)
    digest, remaining = hashlib.sha256(), info.file_size
    with archive.open(info) as source, _create(root, relpath) as handle:
        while chunk := source.read(min(CHUNK, remaining + 1)):
            remaining -= len(chunk)
            if remaining < 0:
                raise _corrupt(name)
            digest.update(chunk)
            handle.write(chunk)
    if remaining:
        raise _corrupt(name)
    return digest.hexdigest()
