"""A national launch on this machine: a realistic learner mix with locust at 30, 100 and 1,000 simulated learners.

`make bench-launch` creates a throwaway PostgreSQL database (bench/throwaway_db.py), loads the demo, adds a launch
course (five text lessons and one with the real H5P QuestionSet of tests/h5p_content, imported through the upload
service), 1,000 learner accounts enrolled in it (bulk inserts, one password hash computed once) and, for one in ten
of them, an earlier completed course with its certificate (issued and its PDF rendered by the real services). Then
it starts gunicorn with the production settings and deploy/gunicorn.conf.py (2 processes of 4 threads;
BENCH_LAUNCH_WORKERS and BENCH_LAUNCH_THREADS change that) on Redis, and runs locust headless as a subprocess
(bench/locustfile_launch.py, FastHttpUser; BENCH_LAUNCH_PROCESSES > 1 forks that many locust processes) on the same
machine: the load generator shares the two cores, so each window also reports the cores it used.

Each simulated learner logs in (the real form, her own password) and then, with think times of 5–15 s, browses
the catalogue, opens the course, reads lessons, marks them complete, plays the H5P quiz (player page, then the
captured statement sequence in its three bursts), opens "Mis cursos" and, if she has one, downloads her
certificate. The load steps through the three sizes without logging anyone out: ramp-up (BENCH_LAUNCH_SPAWN_RATE
log-ins per second, 2 by default: see SPAWN_RATE), a settling pause, then a measured window (BENCH_LAUNCH_WINDOW
seconds, 120 by default) whose figures are printed:

    launch_<size>_rps, launch_<size>_p95_ms, launch_<size>_errors and max_learners_p95_1s: N
    launch_<size>_server_cpu_ms_per_req, launch_<size>_server_cores and launch_<size>_locust_cores: the CPU time of
        gunicorn's processes per request and the cores that gunicorn and locust used in the window (from /proc),
        the figures that compare between runs on a machine shared with other work, and
        launch_<size>_postgresql_cpu_ms_per_req: the CPU time of the database's PostgreSQL processes per request

Log-in limits: every simulated learner comes from 127.0.0.1 but logs in with her own correct password. The limits
(learners/accounts/throttle.py) count failures only, per (account, address) pair and per address's failed accounts,
so nothing is weakened or switched off: the production settings run as they are. The generator plays the TLS proxy
of production (DJANGO_BEHIND_PROXY=1, the default): it sends ``X-Forwarded-Proto: https`` and carries the
``Secure`` cookies itself.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import cpu_seconds, descendants, gunicorn_command, start_server, stop_server  # noqa: E402
from throwaway_db import ROOT, manage, run_step, settle, throwaway_database  # noqa: E402

ACCOUNTS = int(os.environ.get("BENCH_LAUNCH_ACCOUNTS", "1000"))
SIZES = [int(size) for size in os.environ.get("BENCH_LAUNCH_SIZES", "30,100,1000").split(",")]
GRADUATE_EVERY = 10  # one learner in ten has a certificate of an earlier course to download
TEXT_LESSONS = 5
PASSWORD = "lanzamiento-" + "x" * 8
PORT = int(os.environ.get("BENCH_LAUNCH_PORT", str(20000 + os.getpid() % 20000)))
# The ramp: learners arrive at 2 log-ins per second, 1,000 in a little over 8 minutes. A national launch is people
# coming out of workshops and talks across the country and opening the link over the following minutes, not a
# thousand people pressing "Ingresar" in the same second; the rate stays configurable to try a harsher arrival.
SPAWN_RATE = float(os.environ.get("BENCH_LAUNCH_SPAWN_RATE", "2"))
# gunicorn as in production (deploy/gunicorn.conf.py: 2 processes of 4 threads) unless told otherwise.
WORKERS = int(os.environ.get("BENCH_LAUNCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_LAUNCH_THREADS", "4"))
# locust's --processes: 1 runs the generator in one process (one core at most); more forks workers.
PROCESSES = int(os.environ.get("BENCH_LAUNCH_PROCESSES", "1"))


def environment(database_env: dict, private: Path) -> dict:
    """The production settings behind a (simulated) TLS proxy."""
    return {
        **database_env,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,.localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_BEHIND_PROXY": "1",
        "PUBLIC_BASE_URL": f"https://127.0.0.1:{PORT}",
        "DJANGO_STATIC_ROOT": str(private / "static"),
        "DJANGO_MEDIA_ROOT": str(private / "media"),
        "H5P_ROOT": str(private / "h5p"),
        "CERTIFICATES_PRIVATE_ROOT": str(private / "certificates"),
        "CERTIFICATES_CREDENTIAL_KEY_DIR": str(private / "credential-keys"),
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_LOG_LEVEL": "ERROR",
        "DJANGO_REQUEST_LOG_LEVEL": "WARNING",  # one JSON line per request would be 100,000 lines on the terminal
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        # a key prefix per run: two runs at once (a profile beside a load test) never share page-cache generations
        "DJANGO_CACHE_KEY_PREFIX": f"bench-launch-{os.getpid()}-{secrets.token_hex(4)}",
        "PYTHONPATH": str(ROOT),
    }


def seed(output: str) -> None:
    """Build the launch course, the accounts and the graduates' certificates; write what locust needs to ``output``."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from wagtail.rich_text import RichText

    from certificates.credentials import keys
    from certificates.models import Issuer
    from certificates.services.issuance import new_certificates, template_with_parts
    from certificates.services.rendering import certificate_render_many
    from courses import services as h5p_services
    from courses.models import Comuna, CourseIndexPage, CoursePage, H5PLibrary, LessonPage, ModulePage
    from courses.public_address import public_host
    from courses.selectors import course_lessons
    from learners.accounts.run import check_digit
    from learners.enrolment.models import Enrolment
    from learners.h5p.xapi import activity_iri
    from learners.models import LearnerProfile
    from tests.factories.certificates import make_issuer, make_template
    from tests.factories.h5p import questionset_package_matching_capture

    catalogue = CourseIndexPage.objects.order_by("path").first()  # the academy's (schools come after it)
    package = questionset_package_matching_capture(Path(tempfile.mkdtemp(prefix="escuela-bench-launch-")))
    activity = h5p_services.h5p_activity_import(path=package).activity
    H5PLibrary.objects.update(status=H5PLibrary.Status.APPROVED)  # the academy approves the libraries it uploaded
    course = CoursePage(
        title="Participación ciudadana: lanzamiento nacional",
        slug="lanzamiento-nacional",
        summary="Curso de la campaña nacional.",
        thematic_area="participation",
        modality="e_learning",
        duration_hours=6,
        learning_objectives="<p>Participar en tu comuna.</p>",
    )
    catalogue.add_child(instance=course)
    module = ModulePage(title="Módulo 1: tu municipio", slug="modulo-1")
    course.add_child(instance=module)
    paragraph = "<p>El concejo municipal aprueba el presupuesto y fiscaliza a la alcaldía. " * 12 + "</p>"
    for number in range(1, TEXT_LESSONS + 1):
        module.add_child(
            instance=LessonPage(
                title=f"Lección {number}",
                slug=f"leccion-{number}",
                body=[("paragraph", RichText(paragraph))],
            )
        )
    quiz = LessonPage(
        title="Lección 6: pon a prueba lo aprendido",
        slug="leccion-6",
        body=[
            ("paragraph", RichText("<p>Responde el cuestionario.</p>")),
            ("h5p", {"activity": activity, "required": True, "pass_percentage": 50}),
        ],
    )
    module.add_child(instance=quiz)
    lessons = list(course_lessons(course=course))

    comuna = Comuna.objects.get(code="13101")
    now = timezone.now()
    user_model = get_user_model()
    password = make_password(PASSWORD)  # once: the production hasher takes a good part of a second per hash
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"lanzamiento{n}@example.cl", email=f"lanzamiento{n}@example.cl", password=password)
            for n in range(ACCOUNTS)
        ],
        batch_size=1000,
    )
    LearnerProfile.objects.bulk_create(
        [
            LearnerProfile(
                user=user,
                given_names="Persona",
                family_names=f"Lanzamiento {n}",
                run=f"{19_000_000 + n}-{check_digit(19_000_000 + n)}",
                comuna=comuna,
                learner_type="citizen",
                birth_year=1985,
                privacy_notice_version="bench",
                privacy_accepted_at=now,
            )
            for n, user in enumerate(users)
        ],
        batch_size=1000,
    )
    Enrolment.objects.bulk_create([Enrolment(user=user, course=course) for user in users], batch_size=1000)

    earlier = CoursePage(
        title="Introducción a la participación",
        slug="introduccion-participacion",
        summary="Curso anterior.",
        thematic_area="participation",
        modality="e_learning",
        duration_hours=2,
        learning_objectives="<p>Conocer.</p>",
    )
    catalogue.add_child(instance=earlier)
    graduates = users[::GRADUATE_EVERY]
    completed = Enrolment.objects.bulk_create(
        [
            Enrolment(user=user, course=earlier, status="completed", completed_at=now, final_grade="6.4")
            for user in graduates
        ]
    )
    Path(os.environ["CERTIFICATES_CREDENTIAL_KEY_DIR"]).mkdir(parents=True, exist_ok=True)
    issuer = Issuer.objects.filter(short_code="AMUCH").first() or make_issuer(short_code="AMUCH")  # the demo's
    if not keys.key_path(issuer.short_code).exists():
        keys.create_key(keys.key_path(issuer.short_code))
    template = make_template(issuer=issuer)
    enrolments = list(Enrolment.objects.filter(pk__in=[e.pk for e in completed]).select_related("user", "course"))
    with transaction.atomic():
        certificates = new_certificates(enrolments=enrolments, template=template_with_parts(template), issued_by=None)
    certificate_render_many(certificate_ids=[certificate.pk for certificate in certificates])
    by_user = {enrolment.user_id: None for enrolment in enrolments}
    for certificate in certificates:
        by_user[certificate.enrolment.user_id] = certificate.pk
    data = {
        "password": PASSWORD,
        "accounts": [user.username for user in users],
        "certificates": {user.username: by_user.get(user.pk) for user in users if by_user.get(user.pk)},
        "catalogue": path(catalogue),
        "course": path(course),
        "lessons": [{"id": lesson.pk, "url": path(lesson)} for lesson in lessons if lesson.pk != quiz.pk],
        "quiz": {
            "lesson": quiz.pk,
            "url": path(quiz),
            "activity": str(activity.uuid),
            "iri": activity_iri(host=public_host(), activity_uuid=activity.uuid),
        },
    }
    Path(output).write_text(json.dumps(data), encoding="utf-8")


def path(page) -> str:
    """The page's path on the academy's site (``url`` is absolute when there are several sites, schools')."""
    return urlsplit(page.get_url()).path


def run_locust(data_file: Path, results: Path, server_pid: int, database: str) -> None:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).with_name("locustfile_launch.py")),
        "--headless",
        "--host",
        f"http://127.0.0.1:{PORT}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    if PROCESSES > 1:
        command += ["--processes", str(PROCESSES)]
    locust_env = {
        **os.environ,
        "BENCH_LAUNCH_DATA": str(data_file),
        "BENCH_LAUNCH_RESULTS": str(results),
        "BENCH_LAUNCH_SIZES": ",".join(str(size) for size in SIZES),
        "BENCH_LAUNCH_SPAWN_RATE": str(SPAWN_RATE),
        "BENCH_LAUNCH_PROCESSES": str(PROCESSES),
        "BENCH_LAUNCH_SERVER_PID": str(server_pid),
        "BENCH_LAUNCH_DATABASE": database,
    }
    subprocess.run(command, env=locust_env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


KINDS = (
    "login",
    "catalogue",
    "course page",
    "lesson page",
    "lesson page (H5P)",
    "h5p player",
    "xapi statement",
    "mark complete",
    "mis cursos",
    "certificate download",
)


def profile(data_file: str, kind: str, repeat: int = 40) -> None:
    """CPU per request of one kind of the mix (Django's test client, one process: the application's CPU, not
    PostgreSQL's or Redis') and where it goes (cProfile). ``all``: the CPU of every kind, then the profile of the
    most expensive one of those a learner repeats (not the log-in, once per learner)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import cProfile
    import io
    import pstats
    import uuid

    from django.contrib.auth import get_user_model
    from django.test import Client

    data = json.loads(Path(data_file).read_text(encoding="utf-8"))
    quiz = data["quiz"]
    graduate = next(iter(data["certificates"]))
    user = get_user_model().objects.get(username=graduate)
    statements = json.loads(
        (ROOT / "tests" / "h5p_content" / "xapi" / "questionset-2-multichoice.json")
        .read_text(encoding="utf-8")
        .replace("http://127.0.0.1:18765/lms/h5p/activity/multichoice", quiz["iri"])
    )
    client = Client(SERVER_NAME="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    counter = iter(range(10**6))

    def request(kind=kind):
        number = next(counter)
        if kind == "login":  # the same client (a new one would load the middleware again), signed out first
            client.logout()
            return client.post("/cuenta/ingresar/", {"username": graduate, "password": data["password"]})
        if kind == "xapi statement":
            statement = {**statements[number % len(statements)], "id": str(uuid.uuid4())}
            path = f"/aprender/h5p/{quiz['lesson']}/{quiz['activity']}/xapi/"
            return client.post(path, json.dumps(statement), content_type="application/json")
        if kind == "mark complete":
            lesson = data["lessons"][number % len(data["lessons"])]
            return client.post(f"/lecciones/{lesson['id']}/completar/", {"next": "/mis-cursos/"})
        path = {
            "catalogue": data["catalogue"],
            "course page": data["course"],
            "lesson page": data["lessons"][number % len(data["lessons"])]["url"],
            "lesson page (H5P)": quiz["url"],
            "h5p player": f"/aprender/h5p/{quiz['lesson']}/{quiz['activity']}/",
            "mis cursos": "/mis-cursos/",
            "certificate download": f"/certificados/{data['certificates'][graduate]}/descargar/",
        }[kind]
        return client.get(path)

    def warm(kind):
        for _ in range(5):  # warm-up: templates, caches, connections
            response = request(kind)
            if response.status_code not in (200, 302):
                raise SystemExit(f"{kind}: HTTP {response.status_code}")

    if kind == "all":
        costs = {}
        for each in KINDS:
            warm(each)
            begin = time.process_time()
            for _ in range(repeat // 2):
                request(each)
            costs[each] = (time.process_time() - begin) / (repeat // 2) * 1000
            print(f"launch_profile_{each.replace(' ', '_')}_cpu_ms: {costs[each]:.1f} ms")
        kind = max((each for each in costs if each != "login"), key=costs.get)  # a log-in happens once per learner
        print(f"launch_profile_most_expensive: {kind}")
    warm(kind)
    profiler = cProfile.Profile(time.process_time)
    begin = time.process_time()
    profiler.enable()
    for _ in range(repeat):
        request(kind)
    profiler.disable()
    cpu = (time.process_time() - begin) / repeat * 1000
    plain_begin = time.process_time()
    for _ in range(repeat):
        request(kind)
    plain = (time.process_time() - plain_begin) / repeat * 1000
    if os.environ.get("BENCH_PROFILE_OUT"):  # the raw profile, for pstats or snakeviz
        profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    stats = io.StringIO()
    # BENCH_PROFILE_SORT=tottime ranks by the time spent in each function itself
    ranked = pstats.Stats(profiler, stream=stats).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative"))
    ranked.print_stats(30)  # everything, then the project's own functions (the virtualenv left out)
    ranked.print_stats(rf"^{re.escape(str(ROOT))}/(?!\.venv)", 30)
    print(f"launch_profile_{kind.replace(' ', '_')}_cpu_ms: {plain:.1f} ms (with the profiler {cpu:.1f} ms)")
    print(stats.getvalue())


def prepared(private: Path):
    """A throwaway database with the demo and the launch data; yields (env, data file)."""
    with throwaway_database("escuela_bench_launch", migrate=False) as (database, database_env):
        env = environment(database_env, private)
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "load_demo_data", "--allow-production", "--no-admin", stdout=subprocess.DEVNULL)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        data_file = private / "launch.json"
        started = time.perf_counter()
        run_step(env, __file__, "seed", str(data_file))
        settle(database)
        print(f"launch_setup_s: {time.perf_counter() - started:.0f} s ({ACCOUNTS} accounts)")
        yield env, data_file


def profile_main(kind: str) -> None:
    """``python bench/launch.py --profile "<kind>"``: the set-up, then the CPU profile of one request kind (``all``:
    the CPU of each kind and the profile of the most expensive)."""
    if kind not in (*KINDS, "all"):
        raise SystemExit(f"kind must be one of: {', '.join(KINDS)}, all")
    for env, data_file in prepared(Path(tempfile.mkdtemp(prefix="escuela-bench-launch-"))):
        print(run_step(env, __file__, "profile", str(data_file), kind))


def main() -> None:
    private = Path(tempfile.mkdtemp(prefix="escuela-bench-launch-"))
    for env, data_file in prepared(private):
        command = gunicorn_command(PORT, workers=WORKERS, threads=THREADS)
        server = start_server(command, env=env, port=PORT)
        results = private / "results.json"
        load_before = os.getloadavg()
        print(f"launch_gunicorn: {WORKERS} processes x {THREADS} threads; locust: {PROCESSES} process(es)")
        print(f"launch_spawn_rate: {SPAWN_RATE:g} log-ins/s")
        try:
            time.sleep(float(os.environ.get("BENCH_LAUNCH_PAUSE", "0")))  # to look at the server by hand
            database = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
            run_locust(data_file, results, server.pid, database)
        finally:
            server_cpu = cpu_seconds(descendants(server.pid))
            stop_server(server)
        figures = json.loads(results.read_text(encoding="utf-8"))
        held, holding = 0, True
        for size in SIZES:
            result = figures[str(size)]
            requests = max(result["requests"], 1)
            print(f"launch_{size}_rps: {result['rps']:.1f} req/s")
            print(f"launch_{size}_p95_ms: {result['p95']:.0f} ms")
            print(f"launch_{size}_p50_ms: {result['p50']:.0f} ms")
            print(f"launch_{size}_errors: {result['errors']} requests")
            print(f"launch_{size}_load_average: {result['load']:.2f}")
            # CPU in the measured window: the comparable figures on a machine shared with other work.
            print(f"launch_{size}_server_cpu_ms_per_req: {1000 * result['server_cpu_s'] / requests:.1f} ms")
            print(f"launch_{size}_server_cores: {result['server_cpu_s'] / result['seconds']:.2f}")
            print(f"launch_{size}_locust_cores: {result['generator_cpu_s'] / result['seconds']:.2f}")
            print(f"launch_{size}_postgresql_cpu_ms_per_req: {1000 * result['database_cpu_s'] / requests:.1f} ms")
            slowest = max(result["by_name"].items(), key=lambda item: item[1]["p95"])
            print(f"launch_{size}_slowest: {slowest[0]} p95 {slowest[1]['p95']:.0f} ms")
            holding = holding and result["p95"] <= 1000 and result["errors"] == 0
            if holding:
                held = size
        print(f"max_learners_p95_1s: {held}")
        print(f"launch_load_average_before: {load_before[0]:.2f}")
        print(f"launch_server_cpu_total_s: {server_cpu:.0f} s")
        (ROOT / "var").mkdir(exist_ok=True)
        (ROOT / "var" / "bench-launch.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed(sys.argv[2])
    elif sys.argv[1:2] == ["profile"]:
        profile(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["--profile"]:
        profile_main(sys.argv[2])
    else:
        main()
