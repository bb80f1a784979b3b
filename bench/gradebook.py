"""The gradebook matrix at real size: `make bench-gradebook`.

Creates a throwaway PostgreSQL database (BENCH_DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432),
migrates it, builds one course of 60 lessons (6 modules × 10, one in three with a graded H5P activity) and a cohort
of 200 learners with realistic records: each learner has done between a third and all of the lessons (about
8,300 progress rows, scored where the lesson is graded), one to three attempts per graded lesson done (about
5,400), and 10 sessions (8 held) with attendance marked. Then, logged in as the cohort's instructor, it requests
"Mis grupos" for that cohort through the Django test client (rendered HTML, not only the selector): one warm-up
request, then BENCH_RUNS (default 9) timed ones. Prints `gradebook_200x60_ms: N ms` (the median; target ≤ 500 ms),
the spread, the query count, the page size, and the median of the CSV and XLSX exports.

Run alone: ``python bench/gradebook.py`` (``python bench/gradebook.py measure`` runs the build-and-time step on an
existing database named by DATABASE_URL).
"""

import os
import random
import statistics
import sys
import time

from throwaway_db import ROOT, measure_in_throwaway_database

RUNS = int(os.environ.get("BENCH_RUNS", "9"))
LEARNERS = 200
MODULES, LESSONS_PER_MODULE = 6, 10


def build():
    """The course, the cohort and its 200 learners' records; returns (instructor, cohort)."""
    import secrets
    from datetime import time as clock
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone
    from wagtail.models import Page
    from wagtail.rich_text import RichText

    from courses.models import Audience, Comuna, CourseIndexPage, CoursePage, H5PActivity, LessonPage, ModulePage
    from learners.models import (
        AttendanceRecord,
        Cohort,
        Enrolment,
        H5PAttempt,
        LearnerProfile,
        LessonProgress,
        Session,
    )

    rng = random.Random(17)
    call_command("load_reference_data", verbosity=0)
    comuna = Comuna.objects.get(code="13120")
    home = Page.objects.filter(depth=2).first()
    catalogue = home.add_child(instance=CourseIndexPage(title="Cursos", slug="cursos-bench", intro="<p>x</p>"))
    course = catalogue.add_child(
        instance=CoursePage(
            title="Participación ciudadana",
            slug="participacion-bench",
            summary="Un curso.",
            thematic_area="civic",
            duration_hours=20,
            learning_objectives="<p>Aprender.</p>",
            grade_required=True,
            min_attendance_percent=75,
        )
    )
    course.audiences.set(Audience.objects.all()[:1])
    activity = H5PActivity.objects.create(
        title="Quiz", main_library="H5P.MultiChoice 1.16", package_sha256=secrets.token_hex(32), expected_max_score=5
    )
    lessons = []
    for m in range(MODULES):
        module = course.add_child(instance=ModulePage(title=f"Módulo {m + 1}", slug=f"modulo-{m + 1}"))
        for n in range(LESSONS_PER_MODULE):
            graded = (m * LESSONS_PER_MODULE + n) % 3 == 2
            body = [("paragraph", RichText("<p>Contenido de la lección.</p>"))]
            if graded:
                body.append(("h5p", {"activity": activity, "required": True, "pass_percentage": 60}))
            lesson = module.add_child(
                instance=LessonPage(title=f"Lección {m + 1}.{n + 1}", slug=f"l-{m}-{n}", body=body)
            )
            lessons.append((lesson, graded))

    User = get_user_model()
    instructor = User.objects.create_user("profe-bench", "profe-bench@example.cl", "x" * 16)
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        course=course,
        name="Grupo Ñuñoa 2026",
        municipality=comuna,
        starts_on=today - timedelta(days=70),
        ends_on=today + timedelta(days=30),
    )
    cohort.instructors.set([instructor])
    sessions = [
        Session.objects.create(
            cohort=cohort,
            date=today + timedelta(days=7 * (k - 7)),
            start_time=clock(18, 30),
            end_time=clock(20, 30),
            place="Sede",
            duration_hours=2,
        )
        for k in range(10)
    ]
    now = timezone.now()
    users = User.objects.bulk_create(
        [User(username=f"bench{n}@example.cl", email=f"bench{n}@example.cl") for n in range(LEARNERS)]
    )
    LearnerProfile.objects.bulk_create(
        [
            LearnerProfile(
                user=user,
                given_names=f"Persona {n}",
                family_names=rng.choice(["Pérez", "Soto", "Rojas", "Díaz"]),
                document_type="passport",
                document_number=f"P{n:06d}",
                comuna=comuna,
                learner_type="citizen",
                birth_year=1980,
                privacy_notice_version="bench",
                privacy_accepted_at=now,
            )
            for n, user in enumerate(users)
        ]
    )
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                user=user,
                course=course,
                cohort=cohort,
                enrolled_at=now - timedelta(days=60),
                last_visited_at=now - timedelta(days=rng.randint(0, 30)),
            )
            for user in users
        ]
    )
    progress, attempts, marks = [], [], []
    for enrolment in enrolments:
        reached = rng.randint(len(lessons) // 3, len(lessons))
        for index, (lesson, graded) in enumerate(lessons[:reached]):
            when = now - timedelta(days=rng.randint(0, 40), minutes=index)
            score = None
            if graded:
                tries = [Decimal(rng.randint(20, 100)) / 100 for _ in range(rng.randint(1, 3))]
                score = max(tries)
                for number, value in enumerate(tries, start=1):
                    attempts.append(
                        H5PAttempt(
                            user_id=enrolment.user_id,
                            enrolment=enrolment,
                            lesson=lesson,
                            activity=activity,
                            number=number,
                            started_at=when,
                            completed_at=when,
                            raw_score=float(value * 5),
                            max_score=5,
                            scaled=value,
                        )
                    )
            progress.append(
                LessonProgress(enrolment=enrolment, lesson=lesson, course=course, completed_at=when, score=score)
            )
        for held in sessions[:8]:
            marks.append(
                AttendanceRecord(
                    session=held,
                    enrolment=enrolment,
                    status=rng.choices(["present", "absent", "excused"], weights=[8, 2, 1])[0],
                )
            )
    LessonProgress.objects.bulk_create(progress, batch_size=2000)
    H5PAttempt.objects.bulk_create(attempts, batch_size=2000)
    AttendanceRecord.objects.bulk_create(marks, batch_size=2000)
    print(
        f"built: {len(enrolments)} learners, {len(lessons)} lessons, {len(progress)} progress rows, "
        f"{len(attempts)} attempts, {len(marks)} attendance marks"
    )
    return instructor, cohort


def _timed(fn, runs: int) -> list[float]:
    fn()  # warm-up: Django's template and translation caches, PostgreSQL's buffers
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure() -> None:
    """Runs inside the benchmark database's environment (DATABASE_URL set)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    instructor, cohort = build()
    client = Client()
    client.force_login(instructor)
    url = reverse("learners_staff:group", args=[cohort.pk])
    sizes = {}

    def get(address: str) -> None:
        response = client.get(address)
        assert response.status_code == 200, (address, response.status_code)
        sizes[address] = len(response.content)

    page = _timed(lambda: get(url), RUNS)
    captured = []
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: captured.append(sql) or execute(sql, params, many, context)
    ):
        get(url)
    csv_ms = _timed(lambda: get(url + "?formato=csv"), max(3, RUNS // 3))
    xlsx_ms = _timed(lambda: get(url + "?formato=xlsx"), max(3, RUNS // 3))
    median = statistics.median(page)
    print(f"gradebook_200x60_ms: {median:.0f} ms")
    print(f"gradebook_200x60_spread_ms: {min(page):.0f}-{max(page):.0f} ms over {RUNS} runs")
    print(f"gradebook_200x60_queries: {len(captured)}")
    print(f"gradebook_200x60_html_kb: {sizes[url] / 1024:.0f} KB")
    print(f"gradebook_export_csv_ms: {statistics.median(csv_ms):.0f} ms")
    print(f"gradebook_export_xlsx_ms: {statistics.median(xlsx_ms):.0f} ms")


def main() -> None:
    measure_in_throwaway_database("escuela_bench_gradebook", __file__)


if __name__ == "__main__":
    measure() if sys.argv[1:] == ["measure"] else main()
