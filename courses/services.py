"""Writes for the courses plugin."""

import csv
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import h5p_files
from courses.h5p import (
    H5PPackageError,
    InstalledLibrary,
    LibraryRef,
    Limits,
    ValidatedPackage,
    extract_content,
    extract_library,
    validate_package,
)
from courses.models import Comuna, H5PActivity, H5PLibrary, Province, Region
from courses.schools.selectors import staff_school_id

TERRITORY_COLUMNS = {
    "region_code",
    "region_name",
    "region_roman",
    "province_code",
    "province_name",
    "comuna_code",
    "comuna_name",
}


@dataclass(frozen=True)
class TerritoryCounts:
    regions: int
    provinces: int
    comunas: int


class TerritoryFileError(ValueError):
    pass


def territory_rows_from_csv(*, path: Path) -> list[dict[str, str]]:
    """Read the SUBDERE CUT file; codes stay zero-padded text. Raises TerritoryFileError on a malformed file."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = TERRITORY_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise TerritoryFileError(f"Missing columns in {path.name}: {', '.join(sorted(missing))}")
        rows = [{key: (value or "").strip() for key, value in row.items()} for row in reader]
    for number, row in enumerate(rows, start=2):
        region, province, comuna = row["region_code"], row["province_code"], row["comuna_code"]
        if not (len(region) == 2 and len(province) == 3 and len(comuna) == 5 and comuna.isdigit()):
            raise TerritoryFileError(f"Line {number}: codes must be zero-padded text (got {comuna!r}).")
        if comuna[:3] != province or province[:2] != region:
            raise TerritoryFileError(f"Line {number}: comuna {comuna} does not nest in {province}/{region}.")
    return rows


@transaction.atomic
def territory_import(*, rows: Iterable[dict[str, str]]) -> TerritoryCounts:
    """Create or update regions, provinces and comunas keyed by CUT code. Running it twice changes nothing."""
    rows = list(rows)
    regions = {row["region_code"]: (row["region_name"], row["region_roman"]) for row in rows}
    provinces = {row["province_code"]: (row["province_name"], row["region_code"]) for row in rows}
    for code, (name, roman) in regions.items():
        Region.objects.update_or_create(code=code, defaults={"name": name, "roman_numeral": roman})
    for code, (name, region_code) in provinces.items():
        Province.objects.update_or_create(code=code, defaults={"name": name, "region_id": region_code})
    existing = {comuna.code: comuna for comuna in Comuna.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        values = {"name": row["comuna_name"], "province_id": row["province_code"], "region_id": row["region_code"]}
        comuna = existing.get(row["comuna_code"])
        if comuna is None:
            to_create.append(Comuna(code=row["comuna_code"], **values))
        elif any(getattr(comuna, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(comuna, key, value)
            to_update.append(comuna)
    Comuna.objects.bulk_create(to_create)
    Comuna.objects.bulk_update(to_update, ["name", "province_id", "region_id"])
    return TerritoryCounts(regions=len(regions), provinces=len(provinces), comunas=len(rows))


# H5P packages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class H5PImportResult:
    activity: H5PActivity
    new_libraries: list[H5PLibrary]

    @property
    def waiting_for_approval(self) -> list[H5PLibrary]:
        return [library for library in self.new_libraries if library.status == H5PLibrary.Status.PENDING]


def h5p_installed_libraries() -> dict[LibraryRef, InstalledLibrary]:
    """What the store holds for each ``machine major.minor``: the newest approved patch, else the newest one."""
    installed: dict[LibraryRef, tuple[bool, int, InstalledLibrary]] = {}
    rows = H5PLibrary.objects.exclude(status=H5PLibrary.Status.REJECTED).values_list(
        "machine_name",
        "major_version",
        "minor_version",
        "patch_version",
        "tree_sha256",
        "semantics",
        "library_json",
        "status",
    )
    for machine, major, minor, patch, tree, semantics, library_json, status in rows:
        ref = LibraryRef(machine_name=machine, major=major, minor=minor)
        rank = (status == H5PLibrary.Status.APPROVED, patch)
        if ref not in installed or rank > installed[ref][:2]:
            dependencies = tuple(
                LibraryRef.from_dependency(dependency)
                for key in ("preloadedDependencies", "dynamicDependencies")
                for dependency in library_json.get(key) or []
            )
            library = InstalledLibrary(patch=patch, tree_sha256=tree, semantics=semantics, dependencies=dependencies)
            installed[ref] = (*rank, library)
    return {ref: entry[2] for ref, entry in installed.items()}


def h5p_package_check(*, path: Path) -> ValidatedPackage:
    """Validate an uploaded .h5p file against the store (writes nothing). Raises H5PPackageError."""
    package = validate_package(path, installed=h5p_installed_libraries(), limits=_limits())
    existing = H5PActivity.objects.filter(package_sha256=package.sha256).first()
    if existing is not None:
        raise H5PPackageError(
            "duplicate-package",
            _("This package was already uploaded as the activity “%(title)s”. Use that activity instead.")
            % {"title": existing.title},
        )
    return package


def h5p_activity_import(
    *,
    path: Path,
    package: ValidatedPackage | None = None,
    title: str = "",
    grading_method: str = H5PActivity.GradingMethod.HIGHEST,
    uploaded_by: AbstractBaseUser | None = None,
) -> H5PImportResult:
    """Create an activity from an uploaded .h5p file: validate, extract atomically, store new libraries.

    Nothing is written before the whole package is valid. Libraries new to the store are added as pending
    (an administrator approves them before the activity can play); versions already stored are reused and
    never overwritten. If anything fails after extraction started, every folder this call created is removed
    and no row remains. Raises H5PPackageError with a message for the uploader.
    """
    package = package or h5p_package_check(path=path)
    created: list[str] = []  # names written to the store, removed again if anything fails
    try:
        with transaction.atomic(), tempfile.TemporaryDirectory(dir=h5p_files.scratch_dir()) as scratch:
            new_libraries = []
            for library in package.libraries.values():
                stored = _stored_library_for(library)
                if stored is not None:
                    continue
                row = H5PLibrary(
                    machine_name=library.ref.machine_name,
                    major_version=library.ref.major,
                    minor_version=library.ref.minor,
                    patch_version=library.patch,
                    title=library.title[:255],
                    runnable=library.runnable,
                    library_json=library.library_json,
                    semantics=library.semantics,
                    tree_sha256=library.tree_sha256,
                    uploaded_by=uploaded_by,
                )
                prefix = h5p_files.library_prefix(row.folder)
                # A folder named like this holds the same files (checked against the tree hash when it was written).
                if not h5p_files.tree_complete(prefix, h5p_files.LIBRARY_MARKER):
                    local = Path(scratch) / "libraries" / row.folder
                    local.parent.mkdir(parents=True, exist_ok=True)
                    extract_library(path, library, local)
                    created += h5p_files.publish_tree(local, prefix, marker=h5p_files.LIBRARY_MARKER)
                row.save()
                new_libraries.append(row)
            activity = H5PActivity(
                title=(title or package.title)[:255],
                main_library=package.main_library.content_string,
                h5p_json=package.h5p_json,
                required_libraries=[ref.content_string for ref in package.required],
                package_sha256=package.sha256,
                package_size=package.size,
                expected_max_score=package.expected_max_score,
                answer_key=package.answer_key,
                grading_method=grading_method,
                uploaded_by=uploaded_by,
                school_id=staff_school_id(user=uploaded_by) if uploaded_by is not None else None,
            )
            local = Path(scratch) / "content"
            extract_content(path, package, local)
            created += h5p_files.publish_tree(
                local, h5p_files.content_prefix(activity.uuid), marker=h5p_files.CONTENT_MARKER
            )
            created.append(h5p_files.publish_file(path, h5p_files.package_name(package.sha256)))
            activity.full_clean()
            activity.save()
    except OSError as exc:
        h5p_files.remove(created)
        raise H5PPackageError("extraction-failed", _("The package could not be stored. Try again later.")) from exc
    except Exception:
        h5p_files.remove(created)
        raise
    return H5PImportResult(activity=activity, new_libraries=new_libraries)


def _stored_library_for(library) -> H5PLibrary | None:
    """The stored row for exactly this version, or the approved newer patch that supersedes it."""
    candidates = H5PLibrary.objects.filter(
        machine_name=library.ref.machine_name, major_version=library.ref.major, minor_version=library.ref.minor
    ).exclude(status=H5PLibrary.Status.REJECTED)
    same = candidates.filter(patch_version=library.patch).first()
    if same is not None:
        return same
    return candidates.filter(status=H5PLibrary.Status.APPROVED, patch_version__gt=library.patch).first()


def _limits() -> Limits:
    return Limits(max_upload=h5p_files.max_upload_bytes())


@transaction.atomic
def h5p_library_review(*, library: H5PLibrary, approve: bool, reviewed_by: AbstractBaseUser) -> H5PLibrary:
    """Approve or reject a library version. Approving makes every activity that only waited for it playable."""
    library.status = H5PLibrary.Status.APPROVED if approve else H5PLibrary.Status.REJECTED
    library.reviewed_at = timezone.now()
    library.reviewed_by = reviewed_by
    library.save(update_fields=["status", "reviewed_at", "reviewed_by"])
    return library
