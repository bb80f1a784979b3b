"""Certificate signatures checked by poppler's ``pdfsig``, a second implementation next to pyHanko's validator.

``sign_pdf`` writes the signature from a precomputed CMS template instead of calling pyHanko, so a validator that
shares no code with pyHanko checks what it writes: the integrity of the signed bytes must be verified. The
development certificate is self-signed, so pdfsig may call its issuer unknown; that is not what is tested here
(trust is tested with pyHanko in test_signing.py). ``pdfsig`` comes from Debian's poppler-utils, which
``make test`` installs when it is missing.
"""

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.test import TestCase, override_settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from certificates import signing
from certificates.management.commands.certificates_dev_key import create_dev_key
from certificates.models import IssuedCertificate
from certificates.pdf.naive import render_certificate_naive
from certificates.pdf.writer import render_certificate
from certificates.services import issuance
from tests.certificates.pdf_samples import sample_data
from tests.certificates.test_signing import rsa_chain  # noqa: F401 (fixture: an RSA key whose certificate has a CA)
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import learner

PDFSIG = "/usr/bin/pdfsig"
VALID = "Signature is Valid."
DEV_SIGNER = "Escuela Ciudadana: firma de certificados (solo desarrollo)"


def pdfsig(document: bytes, folder) -> tuple[int, dict[str, str], list[str]]:
    """Run pdfsig on `document`: its exit code, the "- Name: value" lines of the first signature, and every line."""
    path = folder / "certificado.pdf"
    path.write_bytes(document)
    result = subprocess.run(
        [PDFSIG, str(path)], capture_output=True, text=True, timeout=60, env={**os.environ, "LC_ALL": "C"}
    )
    lines = [line.strip().removeprefix("- ") for line in result.stdout.splitlines()]
    fields = dict(line.split(": ", 1) for line in lines if ": " in line)
    return result.returncode, fields, lines


@pytest.fixture(scope="module")
def dev_signer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dev-key")
    create_dev_key(folder / "key.pem", folder / "cert.pem")
    return signing.Signer.from_files(folder / "key.pem", folder / "cert.pem")


@pytest.fixture(scope="module")
def signed(dev_signer):
    """A certificate signed by the fast path (the CMS template), as issued certificates are."""
    return signing._fast_sign(render_certificate(sample_data()), dev_signer, "Certificado", "Santiago")


def test_pdfsig_is_installed():
    assert os.access(PDFSIG, os.X_OK), "pdfsig is missing: `make test` installs Debian's poppler-utils"


@pytest.mark.parametrize(
    "sign",
    [
        lambda document, signer: signing._fast_sign(document, signer, "Certificado", "Santiago"),
        lambda document, signer: signing.sign_pdf_pyhanko(document, signer, reason="Certificado", location="Santiago"),
    ],
    ids=["template", "pyhanko"],
)
@pytest.mark.parametrize("render", [render_certificate, render_certificate_naive], ids=["fast", "reportlab"])
def test_pdfsig_finds_the_signature_valid_over_the_whole_file(sign, render, dev_signer, tmp_path):
    code, fields, lines = pdfsig(sign(render(sample_data()), dev_signer), tmp_path)
    assert code == 0, lines
    assert fields["Signature Validation"] == VALID
    assert "Total document signed" in lines
    assert fields["Signer Certificate Common Name"] == DEV_SIGNER
    assert fields["Signature Type"] == "ETSI.CAdES.detached"
    assert fields["Signing Hash Algorithm"] == "SHA-256"
    assert fields["Signature Field Name"] == signing.SIGNATURE_FIELD


def test_pdfsig_finds_an_rsa_signature_with_a_chain_valid(rsa_chain, tmp_path):  # noqa: F811 (the fixture)
    signer = signing.Signer.from_files(rsa_chain / "key.pem", rsa_chain / "chain.pem", passphrase="secreto")
    document = signing._fast_sign(render_certificate(sample_data()), signer, "Certificado", "Ñuñoa")
    code, fields, lines = pdfsig(document, tmp_path)
    assert code == 0, lines
    assert fields["Signature Validation"] == VALID
    assert "Total document signed" in lines
    assert fields["Signer Certificate Common Name"] == "Escuela firma"


def test_pdfsig_reports_a_changed_byte_as_a_digest_mismatch(signed, tmp_path):
    position = signed.index(b"/MediaBox")
    tampered = signed[:position] + b"/MediaBoz" + signed[position + 9 :]
    code, fields, lines = pdfsig(tampered, tmp_path)
    assert code == 0, lines
    assert fields["Signature Validation"] != VALID
    assert fields["Signature Validation"] == "Digest Mismatch."


def test_pdfsig_reports_a_change_appended_after_signing(signed, tmp_path):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    output = io.BytesIO()
    writer.write(output)
    code, fields, lines = pdfsig(output.getvalue(), tmp_path)
    assert code == 0, lines
    assert "Not total document signed" in lines and "Total document signed" not in lines


def test_pdfsig_finds_no_signature_in_an_unsigned_certificate(tmp_path):
    code, fields, lines = pdfsig(render_certificate(sample_data()), tmp_path)
    assert code != 0 and "Signature Validation" not in fields
    assert any("does not contain any signatures" in line for line in lines)


class IssuedCertificateSignatureTests(TestCase):
    """End to end: a certificate issued for a completed course, with the development key configured, is stored as
    a PDF that pdfsig validates."""

    def test_the_stored_pdf_of_an_issued_certificate_passes_pdfsig(self):
        folder = Path(tempfile.mkdtemp(prefix="pdfsig-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        key, cert = folder / "dev-key.pem", folder / "dev-cert.pem"
        create_dev_key(key, cert)
        course = build_course(catalogue=CourseIndexPageFactory(parent=site_root()), modules=1, lessons=1)
        make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)
        enrolment = completed_enrolment(course=course, user=learner(given_names="Nguyễn Thị", run="12345678-5"))
        with override_settings(CERTIFICATES_SIGNING_KEY=str(key), CERTIFICATES_SIGNING_CERT=str(cert)):
            with self.captureOnCommitCallbacks(execute=True):
                certificate = issuance.certificate_issue(enrolment=enrolment)
        certificate.refresh_from_db()
        self.assertEqual(certificate.render_state, IssuedCertificate.RenderState.DONE, certificate.render_error)
        with certificate.pdf.open("rb") as handle:
            document = handle.read()
        code, fields, lines = pdfsig(document, folder)
        self.assertEqual(code, 0, lines)
        self.assertEqual(fields["Signature Validation"], VALID)
        self.assertIn("Total document signed", lines)
        self.assertEqual(fields["Signer Certificate Common Name"], DEV_SIGNER)
        self.assertTrue(signing.verify_pdf(document, trust=[cert]).valid)
