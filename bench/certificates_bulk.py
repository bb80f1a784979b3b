"""The real bulk job for `make bench-certificates`: 10,000 certificates of one cohort issued, signed and stored.

``run_bulk_issue`` (called by bench/certificates.py) creates a throwaway PostgreSQL database (BENCH_DATABASE_URL's
server, default postgres://postgres@127.0.0.1:5432), migrates it, seeds one cohort with COUNT learners who
completed the course, then times what production does: a CertificateBatch is requested, ``run_batch_task`` goes
to the django-tasks database queue, and WORKERS ``manage.py db_worker`` processes (one per core) create the
certificates (each with its signed Open Badges credential) and render, sign and store the PDFs chunk by chunk. The
clock stops when the batch is finished; the run fails unless every certificate is valid, its PDF stored, its
credential signed and its folio gap-free.

Run alone: ``python bench/certificates_bulk.py [COUNT]`` (prints ``bulk_COUNT_s: N s``).
"""

import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from throwaway_db import ROOT, SERVER, manage, run_step, start_db_workers
from throwaway_db import psql as _psql


def _script(env: dict, *args: str) -> str:
    return run_step(env, __file__, *args)


def _credential_key(path: Path) -> None:
    """The seeded issuer's Ed25519 credential key (as certificates_credential_keys writes it)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path.parent.mkdir(parents=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)


def run_bulk_issue(*, count: int, workers: int, key: Path | None = None, cert: Path | None = None) -> float:
    """Seconds from requesting the batch to its end, with ``workers`` db_worker processes."""
    database = f"escuela_bench_cert_{os.getpid()}"
    private_root = Path(tempfile.mkdtemp(prefix="bench-cert-private-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        # Production refuses an http:// address (courses.E005), and `make` exports the development one.
        "PUBLIC_BASE_URL": "https://localhost",
        "DATABASE_URL": f"{SERVER.rstrip('/')}/{database}",
        "DATABASE_CONN_MAX_AGE": "600",
        # Production refuses a per-process cache (cms.E001): the workers share Redis, as in production.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "DJANGO_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CERTIFICATES_PRIVATE_ROOT": str(private_root),
        "DJANGO_LOG_LEVEL": "ERROR",
        "CERTIFICATES_CREDENTIAL_KEY_DIR": str(private_root / "credential-keys"),
        "CERTIFICATES_ACADEMY_ISSUER": "AMUCH",
    }
    if key and cert:
        env["CERTIFICATES_SIGNING_KEY"], env["CERTIFICATES_SIGNING_CERT"] = str(key), str(cert)
    _credential_key(private_root / "credential-keys" / "AMUCH.pem")
    _psql(f'CREATE DATABASE "{database}"')
    processes = []
    log = open(private_root / "workers.log", "w")  # noqa: SIM115 (closed in finally)
    try:
        manage(env, "migrate", "--verbosity", "0")
        cohort_id = _script(env, "seed", str(count))
        processes = start_db_workers(env, workers, log)
        time.sleep(3)  # let the workers start (Django setup) before the clock runs, as in production
        begin = time.perf_counter()
        batch_id = _script(env, "request", cohort_id)
        _script(env, "wait", batch_id)
        elapsed = time.perf_counter() - begin
        _script(env, "check", batch_id, str(count))
        return elapsed
    except Exception:
        log.flush()
        print((private_root / "workers.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        log.close()
        _psql(f'DROP DATABASE IF EXISTS "{database}"')
        shutil.rmtree(private_root, ignore_errors=True)


# Subcommands, run in their own process with the bench environment ------------------------------------------------


def _setup():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(count: int) -> int:
    """One course, one cohort, a template with two signatories and ``count`` learners who completed the course."""
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from wagtail.models import Page

    from certificates.models import CertificateTemplate, Issuer, Signatory
    from courses.models import Comuna, CoursePage, Province, Region
    from learners.accounts.run import check_digit
    from learners.models import Cohort, Enrolment, LearnerProfile

    region = Region.objects.get_or_create(code="13", defaults={"name": "Metropolitana"})[0]
    province = Province.objects.get_or_create(code="131", defaults={"name": "Santiago", "region": region})[0]
    comuna = Comuna.objects.get_or_create(
        code="13101", defaults={"name": "Santiago", "province": province, "region": region}
    )[0]
    home = Page.objects.get(depth=2)
    course = home.add_child(
        instance=CoursePage(
            title="Participación ciudadana y presupuestos municipales",
            slug="bench-certificados",
            summary="Curso del benchmark.",
            thematic_area="participation",
            duration_hours=40,
            learning_objectives="<p>Aprender.</p>",
        )
    )
    cohort = Cohort.objects.create(
        course=course, name="Generación 2026", starts_on=date(2026, 3, 2), ends_on=date(2026, 6, 30)
    )
    issuer = Issuer.objects.create(
        name="Asociación de Municipalidades de Chile", short_code="AMUCH", rut="65.038.226-6", city="Santiago"
    )
    template = CertificateTemplate(
        name="Aprobación",
        issuer=issuer,
        title="Certificado de aprobación",
        is_default=True,
        body=(
            "Se certifica que {nombre}, RUN {run}, aprobó el curso «{curso}», de {horas} horas cronológicas, en "
            "modalidad {modalidad}, realizado {fechas}, con nota final {nota}."
        ),
    )
    template.signatories = [
        Signatory(name="Ana Pérez Soto", role="Directora académica"),
        Signatory(name="Luis Soto Núñez", role="Presidente"),
    ]
    template.save()
    first = ["Nguyễn", "María José", "Andrés", "Güendolyn", "José Tomás", "Úrsula", "Benjamín", "Ñusta"]
    last = ["Muñoz Güell", "Fernández Riquelme", "Peña Ibáñez", "Öztürk Zúñiga", "Thị Hương", "Soto Araya"]
    password = make_password(None)
    now = timezone.now()
    User = get_user_model()  # noqa: N806
    users = User.objects.bulk_create(
        [User(username=f"bench{n}@example.cl", email=f"bench{n}@example.cl", password=password) for n in range(count)],
        batch_size=2000,
    )
    LearnerProfile.objects.bulk_create(
        [
            LearnerProfile(
                user=user,
                given_names=first[n % len(first)],
                family_names=last[(n // len(first)) % len(last)],
                run=f"{10_000_000 + n}-{check_digit(10_000_000 + n)}",
                comuna=comuna,
                learner_type="citizen",
                birth_year=1980,
                privacy_notice_version="bench",
                privacy_accepted_at=now,
            )
            for n, user in enumerate(users)
        ],
        batch_size=2000,
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(user=user, course=course, cohort=cohort, status="completed", completed_at=now, final_grade="6.2")
            for user in users
        ],
        batch_size=2000,
    )
    return cohort.pk


def request(cohort_id: int) -> int:
    from django.db import transaction

    from certificates.services import batches
    from learners.models import Cohort

    with transaction.atomic():
        batch = batches.certificate_batch_create(cohort=Cohort.objects.get(pk=cohort_id), requested_by=None)
    return batch.pk


def wait(batch_id: int, timeout: float = 900) -> None:
    from certificates.models import CertificateBatch

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if CertificateBatch.objects.get(pk=batch_id).is_finished:
            return
        time.sleep(0.05)
    raise TimeoutError("the batch did not finish")


def check(batch_id: int, count: int) -> None:
    from django.utils import timezone

    from certificates.models import CertificateBatch, IssuedCertificate

    batch = CertificateBatch.objects.get(pk=batch_id)
    certificates = IssuedCertificate.objects.filter(batch=batch)
    assert batch.state == "done", (batch.state, batch.last_error)
    assert batch.rendered == batch.total == count == certificates.count(), (batch.rendered, batch.total, count)
    assert not certificates.exclude(render_state="done").exists()
    year = timezone.localdate().year
    folios = sorted(certificates.values_list("folio", flat=True))
    assert folios == [f"AMUCH-{year}-{n:06d}" for n in range(1, count + 1)], "folios are not gap-free"
    assert not certificates.filter(credential__isnull=True).exists(), "certificates without a credential"
    indexes = sorted(certificates.values_list("status_list_index", flat=True))
    assert indexes == list(range(count)), "status list positions are not consecutive"
    sample = certificates.order_by("?").first()
    with sample.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    from certificates.credentials import keys, proof

    assert proof.verify(sample.credential, public_key=keys.private_key("AMUCH").public_key()), "bad credential"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in {"seed", "request", "wait", "check"}:
        _setup()
        command, *args = sys.argv[1:]
        result = {"seed": seed, "request": request, "wait": wait, "check": check}[command](*map(int, args))
        if result is not None:
            print(result)
    else:
        total = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
        seconds = run_bulk_issue(count=total, workers=2)
        print(f"bulk_{total}_s: {seconds:.1f} s")
