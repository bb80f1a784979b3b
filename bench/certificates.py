"""Certificate PDF speed: render (fast and naive), sign, and a bulk run of 10,000 certificates.

Run with `make bench-certificates`. Prints one line per figure as `name: value unit`:

    certificate_render_ms        median time to render one certificate, pinned to one core
    certificate_render_naive_ms  the same certificate drawn the straightforward reportlab way
    certificate_sign_ms          median time to sign it (PAdES B-B, development ECDSA P-256 key)
    certificate_sign_pyhanko_ms  the same signature made with pyHanko as its documentation shows (reference)
    credential_sign_ms           median time to build and sign one Open Badges 3.0 credential (eddsa-rdfc-2022,
                                 Ed25519), pinned to one core
    bulk_10000_s                 10,000 certificates issued with their credentials, signed and stored by the real
                                 bulk job (bench/certificates_bulk.py: PostgreSQL + 2 db_workers); when that cannot
                                 run, the render + sign + store figure below (a note goes to stderr)
    bulk_10000_pdf_only_s        render + sign + store of 10,000 PDFs on 2 processes (always measured)

Each certificate in the bulk runs has its own learner name, code and QR, as on a graduation day.
"""

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from certificates import signing  # noqa: E402
from certificates.management.commands.certificates_dev_key import create_dev_key  # noqa: E402
from certificates.pdf import composition, naive, writer  # noqa: E402
from tests.certificates.pdf_samples import sample_data  # noqa: E402

BULK = int(os.environ.get("BENCH_CERTIFICATES_BULK", "10000"))
WORKERS = 2
KEY_DIR = Path(tempfile.mkdtemp(prefix="bench-cert-keys-"))
KEY, CERT = KEY_DIR / "key.pem", KEY_DIR / "cert.pem"
FIRST = ["Nguyễn", "María José", "Ñuñoa", "Andrés", "Güendolyn", "José Tomás", "Úrsula", "Benjamín"]
LAST = ["Muñoz Güell", "Fernández Riquelme", "Peña Ibáñez", "Öztürk Zúñiga", "Thị Hương", "Soto Araya"]
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def variant(index: int) -> composition.CertificateData:
    """The sample certificate for learner number `index`: own name, RUN, folio, code and verify URL."""
    name = f"{FIRST[index % len(FIRST)]} {LAST[(index // len(FIRST)) % len(LAST)]} {index}"
    code = "".join(ALPHABET[(index * 7 + k * 13) % 32] for k in range(18))
    return sample_data(
        learner_name=name,
        learner_run=f"{10 + index % 15}.{index % 1000:03d}.{(index * 37) % 1000:03d}-{index % 10}",
        folio=f"AMUCH-2026-{index:06d}",
        verification_code="-".join(code[i : i + 4] for i in range(0, 18, 4)),
        verify_url=f"https://escuela.example.cl/certificados/verificar/{code}/",
    )


def credential_inputs(count: int) -> list[dict]:
    """Snapshots of `count` learners, as the issuing code passes them to the credential builder."""
    snapshots = []
    for index in range(count):
        code = "".join(ALPHABET[(index * 7 + k * 13) % 32] for k in range(17))
        snapshots.append(
            {
                "title": "Certificado de aprobación",
                "kind": "aprobacion",
                "issuer_name": "Asociación de Municipalidades de Chile",
                "course_title": "Participación ciudadana y presupuestos municipales",
                "hours": "40",
                "modality": "E-learning",
                "starts_on": "2026-03-02",
                "ends_on": "2026-06-30",
                "code": code,
                "run": f"{10_000_000 + index}-K",
            }
        )
    return snapshots


def sign_credential(snapshot: dict, signer) -> dict:
    """What issuance adds per certificate: build the credential and sign it."""
    from django.utils import timezone

    from certificates.credentials import build, proof, status_list

    unsigned = build.build_credential(
        snapshot=snapshot,
        short_code="AMUCH",
        course_id=1,
        area="Mecanismos de participación ciudadana",
        identity=snapshot["run"],
        identity_type="nationalIdentityNumber",
        salt=build.new_salt(),
        issued_at=timezone.now(),
        status_entry=status_list.entry(short_code="AMUCH", index=len(snapshot["code"])),
    )
    return proof.sign(unsigned, key=signer.key, verification_method=signer.verification_method)


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def median_ms(function, inputs) -> float:
    timings = []
    for item in inputs:
        start = time.perf_counter()
        function(item)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _bulk_worker(args: tuple[int, int, str]) -> int:
    start, stop, folder = args
    translation.activate("es-cl")
    signer = signing.Signer.from_files(KEY, CERT)
    for index in range(start, stop):
        document = signing.sign_pdf(writer.render_certificate(variant(index)), signer, reason="Emisión", location="CL")
        Path(folder, f"{index:06d}.pdf").write_bytes(document)
    return stop - start


def bulk_pdf_only(count: int) -> float:
    """Render, sign and write `count` PDFs to files on WORKERS processes; seconds."""
    folder = tempfile.mkdtemp(prefix="bench-cert-pdfs-")
    chunks = [(start, min(start + 250, count), folder) for start in range(0, count, 250)]
    begin = time.perf_counter()
    with ProcessPoolExecutor(WORKERS) as pool:
        done = sum(pool.map(_bulk_worker, chunks))
    elapsed = time.perf_counter() - begin
    assert done == count == len(os.listdir(folder))
    return elapsed


def bulk_issue(count: int) -> float | None:
    """The real bulk job of certificates.services.batches, through the hook module bench/certificates_bulk.py (the
    cert-domain helper's: it seeds a PostgreSQL database and times db_workers); None when it is unavailable."""
    try:
        from bench.certificates_bulk import run_bulk_issue  # noqa: PLC0415 (optional module)
    except ImportError:
        print("bulk job hook bench/certificates_bulk.py not found: bulk figure is render+sign+store", file=sys.stderr)
        return None
    try:
        return run_bulk_issue(count=count, workers=WORKERS, key=KEY, cert=CERT)
    except Exception as error:  # noqa: BLE001 (PostgreSQL missing, …): report and fall back
        print(f"bulk job failed ({error!r}): bulk figure is render+sign+store", file=sys.stderr)
        return None


def main() -> None:
    translation.activate("es-cl")
    create_dev_key(KEY, CERT)
    signer = signing.Signer.from_files(KEY, CERT)
    pin_to_one_core()
    inputs = [variant(index) for index in range(300)]
    for item in inputs[:20]:  # warm caches (fonts, images, layout of the constant parts)
        writer.render_certificate(item)
        naive.render_certificate_naive(item)
    render_ms = median_ms(writer.render_certificate, inputs)
    naive_ms = median_ms(naive.render_certificate_naive, inputs[:40])
    documents = [writer.render_certificate(item) for item in inputs[:200]]
    for document in documents[:10]:
        signing.sign_pdf(document, signer, reason="Emisión", location="CL")
    sign_ms = median_ms(lambda document: signing.sign_pdf(document, signer, reason="Emisión", location="CL"), documents)
    reference = getattr(signing, "sign_pdf_pyhanko", None)
    pyhanko_ms = (
        median_ms(lambda document: reference(document, signer, reason="Emisión", location="CL"), documents[:30])
        if reference
        else None
    )
    assert signing.verify_pdf(signing.sign_pdf(documents[0], signer, reason="r", location="l"), trust=[CERT]).valid
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates.credentials import keys, proof

    credential_signer = keys.IssuerKey("AMUCH", Ed25519PrivateKey.generate())
    snapshots = credential_inputs(300)
    for snapshot in snapshots[:20]:  # warm pyld's context cache
        sign_credential(snapshot, credential_signer)
    credential_ms = median_ms(lambda snapshot: sign_credential(snapshot, credential_signer), snapshots)
    assert proof.verify(sign_credential(snapshots[0], credential_signer), public_key=credential_signer.key.public_key())
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    pdf_only_s = bulk_pdf_only(BULK)
    issue_s = bulk_issue(BULK)

    print(f"certificate_render_ms: {render_ms:.2f} ms")
    print(f"certificate_render_naive_ms: {naive_ms:.2f} ms")
    print(f"certificate_sign_ms: {sign_ms:.2f} ms")
    if pyhanko_ms is not None:
        print(f"certificate_sign_pyhanko_ms: {pyhanko_ms:.2f} ms")
    print(f"credential_sign_ms: {credential_ms:.2f} ms")
    print(f"bulk_{BULK}_s: {issue_s if issue_s is not None else pdf_only_s:.1f} s")
    print(f"bulk_{BULK}_pdf_only_s: {pdf_only_s:.1f} s")


if __name__ == "__main__":
    main()
