import datetime
import io
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from certificates import checks, signing
from certificates.management.commands.certificates_dev_key import create_dev_key
from certificates.pdf import naive, writer
from tests.certificates.pdf_samples import sample_data


@pytest.fixture(scope="module")
def key_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    key, cert = folder / "key.pem", folder / "cert.pem"
    assert create_dev_key(key, cert)
    return key, cert


@pytest.fixture(scope="module")
def signer(key_files):
    return signing.Signer.from_files(*key_files)


@pytest.fixture(scope="module")
def signed(signer):
    return signing.sign_pdf(writer.render_certificate(sample_data()), signer, reason="Certificado", location="Santiago")


def test_signed_pdf_validates(signed, key_files):
    status = signing.verify_pdf(signed, trust=[key_files[1]])
    assert status.valid, status.problem
    assert (status.reason, status.location) == ("Certificado", "Santiago")
    assert "Escuela Ciudadana" in status.signer
    assert status.signed_at is not None


def test_signature_is_pades_with_an_incremental_update(signed):
    original = writer.render_certificate(sample_data())
    assert b"/ETSI.CAdES.detached" in signed
    assert signed.count(b"%%EOF") == original.count(b"%%EOF") + 1


def test_a_modified_byte_fails_validation(signed, key_files):
    position = signed.index(b"/MediaBox")
    tampered = signed[:position] + b"/MediaBoz" + signed[position + 9 :]
    status = signing.verify_pdf(tampered, trust=[key_files[1]])
    assert not status.valid and not status.intact


def test_a_change_appended_after_signing_fails_validation(signed, key_files):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    output = io.BytesIO()
    writer.write(output)
    status = signing.verify_pdf(output.getvalue(), trust=[key_files[1]])
    assert status.intact and not status.covers_whole_file and not status.valid


def test_an_untrusted_signer_fails_validation(signed, tmp_path):
    other_key, other_cert = tmp_path / "k.pem", tmp_path / "c.pem"
    create_dev_key(other_key, other_cert)
    status = signing.verify_pdf(signed, trust=[other_cert])
    assert status.intact and not status.trusted and not status.valid


def test_unsigned_pdf_is_reported_as_unsigned(key_files):
    status = signing.verify_pdf(writer.render_certificate(sample_data()), trust=[key_files[1]])
    assert not status.signed and not status.valid


def test_no_signer_without_a_configured_key():
    with override_settings(CERTIFICATES_SIGNING_KEY=None, CERTIFICATES_SIGNING_CERT=None):
        assert signing.get_signer() is None
        assert checks.check_signing_key() == []


def test_signer_from_settings_is_loaded_once(key_files):
    key, cert = key_files
    with override_settings(CERTIFICATES_SIGNING_KEY=str(key), CERTIFICATES_SIGNING_CERT=str(cert)):
        first = signing.get_signer()
        assert first is not None and signing.get_signer() is first
        assert checks.check_signing_key() == []


def test_half_or_missing_configuration_is_reported(tmp_path):
    with override_settings(CERTIFICATES_SIGNING_KEY=str(tmp_path / "k.pem"), CERTIFICATES_SIGNING_CERT=None):
        with pytest.raises(ImproperlyConfigured):
            signing.get_signer()
        assert [e.id for e in checks.check_signing_key()] == ["certificates.E011"]
    with override_settings(
        CERTIFICATES_SIGNING_KEY=str(tmp_path / "k.pem"), CERTIFICATES_SIGNING_CERT=str(tmp_path / "c.pem")
    ):
        assert [e.id for e in checks.check_signing_key()] == ["certificates.W010"]
        with pytest.raises(ImproperlyConfigured):
            signing.get_signer()


def test_dev_key_command_is_idempotent(tmp_path):
    key, cert = tmp_path / "var" / "key.pem", tmp_path / "var" / "cert.pem"
    with override_settings(CERTIFICATES_SIGNING_KEY=str(key), CERTIFICATES_SIGNING_CERT=str(cert)):
        out = io.StringIO()
        call_command("certificates_dev_key", stdout=out)
        assert "Created" in out.getvalue()
        first = key.read_bytes(), cert.read_bytes()
        out = io.StringIO()
        call_command("certificates_dev_key", stdout=out)
        assert out.getvalue() == ""
        assert (key.read_bytes(), cert.read_bytes()) == first
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
        document = signing.sign_pdf(
            writer.render_certificate(sample_data()), signing.Signer.from_files(key, cert), reason="r", location="l"
        )
        assert signing.verify_pdf(document, trust=[cert]).valid


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope="module")
def rsa_chain(tmp_path_factory):
    """An RSA 2048 signing key whose certificate is issued by a CA: the key file is encrypted, the certificate file
    holds the chain (leaf, then CA), as an academy's production key would be."""
    folder = tmp_path_factory.mktemp("rsa")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Escuela CA", "Escuela CA", ca_key.public_key(), ca_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = _certificate("Escuela firma", "Escuela CA", key.public_key(), ca_key, ca=False)
    encryption = serialization.BestAvailableEncryption(b"secreto")
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    pem = serialization.Encoding.PEM
    (folder / "chain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    return folder


@pytest.mark.parametrize(
    "render", [writer.render_certificate, naive.render_certificate_naive], ids=["fast", "reportlab"]
)
def test_the_fast_path_signs_both_renderings(render, signer, key_files):
    document = render(sample_data())
    signed = signing._fast_sign(document, signer, "Certificado", "Santiago")
    assert signed.startswith(document)
    status = signing.verify_pdf(signed, trust=[key_files[1]])
    assert status.valid, status.problem
    assert status.signer == "Escuela Ciudadana: firma de certificados (solo desarrollo)"


def test_an_rsa_key_with_a_chain_and_a_passphrase(rsa_chain):
    signer = signing.Signer.from_files(rsa_chain / "key.pem", rsa_chain / "chain.pem", passphrase="secreto")
    assert len(signer.chain) == 1
    signed = signing._fast_sign(writer.render_certificate(sample_data()), signer, "Certificado", "Ñuñoa")
    status = signing.verify_pdf(signed, trust=[rsa_chain / "ca.pem"])
    assert status.valid, status.problem
    assert status.location == "Ñuñoa"
    assert not signing.verify_pdf(signed, trust=[]).valid


def test_a_wrong_passphrase_or_a_certificate_of_another_key_is_refused(rsa_chain, key_files):
    with pytest.raises(ImproperlyConfigured):
        signing.Signer.from_files(rsa_chain / "key.pem", rsa_chain / "chain.pem", passphrase="otra")
    with pytest.raises(ImproperlyConfigured):
        signing.Signer.from_files(key_files[0], rsa_chain / "chain.pem")


def test_pdfs_the_fast_path_does_not_handle_are_signed_by_pyhanko(signer, key_files):
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Con un enlace")
    page.linkURL("https://escuela.example.cl/", (72, 700, 200, 730))  # the page already has annotations
    page.showPage()
    page.save()
    document = buffer.getvalue()
    with pytest.raises(signing._Unsupported):
        signing._fast_sign(document, signer, "r", "l")
    status = signing.verify_pdf(signing.sign_pdf(document, signer, reason="r", location="l"), trust=[key_files[1]])
    assert status.valid, status.problem


def test_signing_the_same_pdf_twice_gives_different_signatures_over_the_same_content(signer, key_files):
    document = writer.render_certificate(sample_data())
    first = signing.sign_pdf(document, signer, reason="r", location="l")
    second = signing.sign_pdf(document, signer, reason="r", location="l")
    assert first != second  # ECDSA signatures are randomised
    assert len(first) == len(second)


def test_garbage_is_reported_not_raised(key_files):
    status = signing.verify_pdf(b"not a pdf at all", trust=[key_files[1]])
    assert not status.signed and not status.valid and status.problem


def test_validation_also_works_inside_a_running_event_loop(signed, key_files):
    """pyHanko's helpers call asyncio.run(); a thread with a loop (async server, Playwright) must not break them.

    The check runs in a thread of its own, so the test does not depend on whether this one already has a loop."""
    import asyncio
    import threading

    outcome = {}

    async def check():
        outcome["status"] = signing.verify_pdf(signed, trust=[key_files[1]])

    thread = threading.Thread(target=lambda: asyncio.run(check()))
    thread.start()
    thread.join()
    assert outcome["status"].valid, outcome["status"].problem
