"""H5P packages: validation, extraction, content sanitising and scoring. Pure Python (stdlib + nh3), no ORM."""

from courses.h5p.errors import H5PPackageError
from courses.h5p.format import LibraryRef
from courses.h5p.package import (
    HOST_CORE_API,
    InstalledLibrary,
    Limits,
    PackageLibrary,
    ValidatedPackage,
    directory_tree_sha256,
    extract_content,
    extract_library,
    tree_sha256,
    validate_package,
)
from courses.h5p.sanitize import sanitize_params
from courses.h5p.scoring import answer_key, expected_max_score, pass_percentage, rescore

__all__ = [
    "HOST_CORE_API",
    "H5PPackageError",
    "InstalledLibrary",
    "LibraryRef",
    "Limits",
    "PackageLibrary",
    "ValidatedPackage",
    "answer_key",
    "directory_tree_sha256",
    "expected_max_score",
    "extract_content",
    "extract_library",
    "pass_percentage",
    "rescore",
    "sanitize_params",
    "tree_sha256",
    "validate_package",
]
