"""Time to validate and extract .h5p packages of 1 MB and 50 MB (`h5p_import_1mb_ms`, `h5p_import_50mb_s`).

Runs standalone (`python bench/h5p_import.py`) or from bench/h5p.py. The packages are our own test question
plus incompressible media, so the figure covers reading, hashing, checking and writing every byte; nothing here
touches the database. Each run extracts into a fresh folder, as a real upload does.
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from courses.h5p import extract_content, extract_library, validate_package  # noqa: E402
from tests.factories.h5p import test_question_package  # noqa: E402

MB = 1_000_000


def build(folder: Path, *, size: int, files: int) -> Path:
    media = {f"content/videos/clip{number}.mp4": os.urandom(size // files) for number in range(files)}
    return test_question_package(folder, extra_entries=media, name=f"bench-{size}.h5p")


def import_once(path: Path, target: Path) -> float:
    started = time.perf_counter()
    package = validate_package(path, installed={})
    extract_content(path, package, target / "content")
    for number, library in enumerate(package.libraries.values()):
        extract_library(path, library, target / f"library{number}")
    elapsed = time.perf_counter() - started
    shutil.rmtree(target)
    target.mkdir()
    return elapsed


def import_figures() -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="bench-h5p-"))
    try:
        target = work / "out"
        target.mkdir()
        small = build(work, size=1 * MB, files=4)
        large = build(work, size=50 * MB, files=5)
        import_once(small, target)  # warm the page cache and imports
        small_ms = statistics.median(import_once(small, target) for _ in range(15)) * 1000
        large_s = statistics.median(import_once(large, target) for _ in range(3))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"h5p_import_1mb_ms": f"{small_ms:.1f} ms", "h5p_import_50mb_s": f"{large_s:.2f} s"}


if __name__ == "__main__":
    for name, value in import_figures().items():
        print(f"{name}: {value}")
