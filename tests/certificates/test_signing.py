import io
import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from certificates import checks, pdf, signing
from certificates.management.commands.certificates_dev_key import create_dev_key
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
    return signing.sign_pdf(pdf.render_certificate(sample_data()), signer, reason="Certificado", location="Santiago")


def test_signed_pdf_validates(signed, key_files):
    status = signing.verify_pdf(signed, trust=[key_files[1]])
    assert status.valid, status.problem
    assert (status.reason, status.location) == ("Certificado", "Santiago")
    assert "Escuela Ciudadana" in status.signer
    assert status.signed_at is not None


def test_signature_is_pades_with_an_incremental_update(signed):
    original = pdf.render_certificate(sample_data())
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
    status = signing.verify_pdf(pdf.render_certificate(sample_data()), trust=[key_files[1]])
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
            pdf.render_certificate(sample_data()), signing.Signer.from_files(key, cert), reason="r", location="l"
        )
        assert signing.verify_pdf(document, trust=[cert]).valid
