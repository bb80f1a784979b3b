"""Report pages and full exports on a national-size database: `make bench-reports`.

Creates a throwaway PostgreSQL database (BENCH_DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432),
migrates it, runs `generate_report_data` (100,000 learners, 300,000 enrolments, about 3,000,000 progress rows,
50 municipal schools with a course and cohorts each; BENCH_LEARNERS and BENCH_SCHOOLS change the size), then
times every report page and every full export (CSV and XLSX, no filter)
through the Django test client, logged in as a superuser. A page's figure is the median of three requests after a
warm-up one; an export's is the slower of its two formats (CSV: one request after the warm-up; XLSX: the median of
three). Prints `report_max_s`, `export_max_s`, `export_xlsx_max_s` (the slowest XLSX export alone, median of three
runs) and one line per report (`report_<name>_s`, `export_<name>_s`, `export_xlsx_<name>_s`). Targets: every page
under 1 s, every full export under 10 s.

Run alone: ``python bench/reports.py`` (``python bench/reports.py measure`` runs the timing step on an existing
database named by DATABASE_URL).
"""

import os
import statistics
import subprocess
import sys
import time

from throwaway_db import MANAGE, ROOT, measure_in_throwaway_database

LEARNERS = os.environ.get("BENCH_LEARNERS", "100000")
SCHOOLS = os.environ.get("BENCH_SCHOOLS", "50")
REPORTS = {
    "courses": "cms_reports_courses",
    "schools": "cms_reports_schools",
    "comunas": "cms_reports_comunas",
    "regions": "cms_reports_regions",
    "learner_types": "cms_reports_learner_types",
    "learners": "cms_reports_learners",
}


def _timed(fn, repeat: int = 3) -> float:
    fn()  # warm-up: Django's and PostgreSQL's caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure() -> None:
    """Runs inside the benchmark database's environment (DATABASE_URL set)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from learners.models import LearnerProfile

    admin = get_user_model().objects.create_superuser("bench-admin", "bench-admin@example.cl", "x" * 16)
    client = Client()
    client.force_login(admin)

    def get(url: str, consume: bool = False) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        else:
            response.content  # noqa: B018

    pages, exports, xlsx_exports = {}, {}, {}

    def time_export(name: str, url: str) -> None:
        separator = "&" if "?" in url else "?"
        csv_s = _timed(lambda: get(f"{url}{separator}export=csv"), repeat=1)
        xlsx_exports[name] = _timed(lambda: get(f"{url}{separator}export=xlsx"), repeat=3)
        exports[name] = max(csv_s, xlsx_exports[name])

    for name, url_name in REPORTS.items():
        url = reverse(url_name)
        pages[name] = _timed(lambda url=url: get(url))
        time_export(name, url)
    pages["learners_search"] = _timed(lambda: get(reverse("cms_reports_learners") + "?q=Rojas"))
    from courses.models import School

    school = School.objects.order_by("pk").first()
    if school is not None:  # one school's reports (what its administration sees)
        for name in ("courses", "comunas", "learners"):
            url = reverse(REPORTS[name]) + f"?school={school.pk}"
            pages[f"{name}_one_school"] = _timed(lambda url=url: get(url))
        time_export("courses_one_school", reverse(REPORTS["courses"]) + f"?school={school.pk}")
    profile = LearnerProfile.objects.order_by("pk").last()
    detail = reverse("cms_reports_learner", args=[profile.pk])
    pages["learner_detail"] = _timed(lambda: get(detail))
    time_export("learner_detail", detail)
    publication = reverse("cms_reports_comunas") + "?export=xlsx&publication=1"
    exports["comunas_publication"] = xlsx_exports["comunas_publication"] = _timed(lambda: get(publication), repeat=3)

    def dashboard():
        cache.clear()
        get(reverse("wagtailadmin_home"))

    dashboard_s = _timed(dashboard)
    print(f"report_max_s: {max(pages.values()):.2f} s")
    print(f"export_max_s: {max(exports.values()):.2f} s")
    print(f"export_xlsx_max_s: {max(xlsx_exports.values()):.2f} s")
    for name, seconds in pages.items():
        print(f"report_{name}_s: {seconds:.3f} s")
    for name, seconds in exports.items():
        print(f"export_{name}_s: {seconds:.3f} s")
    for name, seconds in xlsx_exports.items():
        print(f"export_xlsx_{name}_s: {seconds:.3f} s")
    print(f"dashboard_uncached_s: {dashboard_s:.3f} s")


def main() -> None:
    def generate(env: dict) -> None:
        started = time.monotonic()
        subprocess.run(
            [*MANAGE, "generate_report_data", "--learners", LEARNERS, "--schools", SCHOOLS],
            env=env,
            check=True,
            cwd=ROOT,
        )
        print(f"generate_report_data_s: {time.monotonic() - started:.0f} s")

    measure_in_throwaway_database("escuela_bench_reports", __file__, prepare=generate)


if __name__ == "__main__":
    measure() if sys.argv[1:] == ["measure"] else main()
