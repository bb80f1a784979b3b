"""Digital signatures on certificate PDFs (PAdES baseline B-B), so that anyone can check a PDF offline.

``get_signer()`` loads the academy's key and certificate once (settings ``CERTIFICATES_SIGNING_KEY`` /
``CERTIFICATES_SIGNING_CERT``, optional ``CERTIFICATES_SIGNING_PASSPHRASE``) and returns None when no key is
configured, in which case certificates are issued unsigned. ``sign_pdf`` appends an incremental update holding
the signature; ``verify_pdf`` checks it with pyHanko's validator.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

SIGNATURE_FIELD = "Firma"


@dataclass(frozen=True)
class Signer:
    """A signing key and its certificate chain, loaded once and reused for every PDF."""

    pyhanko_signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate

    @classmethod
    def from_files(cls, key_path: str | Path, cert_path: str | Path, passphrase: str | bytes | None = None) -> "Signer":
        """Load a PEM or DER private key (RSA or EC) and certificate; the certificate file may hold the chain."""
        if isinstance(passphrase, str):
            passphrase = passphrase.encode()
        try:
            simple = signers.SimpleSigner.load(str(key_path), str(cert_path), key_passphrase=passphrase)
        except (OSError, ValueError) as error:
            raise ImproperlyConfigured(f"Cannot load the certificate signing key {key_path}: {error}") from error
        if simple is None:
            raise ImproperlyConfigured(f"Cannot load the certificate signing key {key_path} or certificate {cert_path}")
        return cls(pyhanko_signer=simple, certificate=simple.signing_cert)

    @property
    def subject_name(self) -> str:
        return self.certificate.subject.native.get("common_name") or self.certificate.subject.human_friendly


def sign_pdf(pdf: bytes, signer: Signer, *, reason: str, location: str) -> bytes:
    """Return `pdf` with a PAdES B-B signature by `signer` appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    try:
        output = signers.sign_pdf(writer, meta, signer=signer.pyhanko_signer)
    except SigningError as error:
        raise ValueError(f"Cannot sign the certificate PDF: {error}") from error
    return output.getvalue()


@dataclass(frozen=True)
class SignatureStatus:
    """What an offline check of a certificate PDF found.

    ``valid`` is the bottom line: signed, the signed bytes are intact, the signature is cryptographically sound,
    it covers the whole file (nothing was appended afterwards) and the signer is trusted.
    """

    signed: bool
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer: str = ""
    signed_at: datetime | None = None
    reason: str = ""
    location: str = ""
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.trusted and self.covers_whole_file


def _as_asn1(cert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, Signer):
        return cert.certificate
    data = Path(cert).read_bytes() if isinstance(cert, (str, Path)) else bytes(cert)
    if data.lstrip().startswith(b"-----BEGIN"):
        from asn1crypto import pem

        _type, _headers, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def verify_pdf(pdf: bytes, *, trust: Iterable = ()) -> SignatureStatus:
    """Check the last signature in `pdf` against the trusted certificates in `trust`.

    `trust` holds root certificates (asn1crypto certificates, PEM/DER bytes, file paths or Signers). The result
    is never an exception for a bad or missing signature: read ``SignatureStatus.valid`` and ``problem``.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 a damaged file is a failed check, not a crash
        return SignatureStatus(signed=False, problem=f"unreadable PDF: {error}")
    if not embedded:
        return SignatureStatus(signed=False, problem="the PDF is not signed")
    signature = embedded[-1]
    context = ValidationContext(trust_roots=[_as_asn1(cert) for cert in trust], allow_fetching=False)
    try:
        status = validate_pdf_signature(signature, context)
    except Exception as error:  # noqa: BLE001
        return SignatureStatus(signed=True, problem=f"validation failed: {error}")
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problems = []
    if not (status.intact and status.valid):
        problems.append("the signed content was modified or the signature is broken")
    if not status.trusted:
        problems.append("the signer is not trusted")
    if not covers:
        problems.append("the file was changed after signing")
    sig_object = signature.sig_object
    return SignatureStatus(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=covers,
        signer=status.signing_cert.subject.native.get("common_name") or status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        reason=str(sig_object.get("/Reason", "")),
        location=str(sig_object.get("/Location", "")),
        problem="; ".join(problems),
    )


@cache
def _load_signer(key_path: str, cert_path: str, passphrase: str | None) -> Signer:
    return Signer.from_files(key_path, cert_path, passphrase)


def get_signer() -> Signer | None:
    """The academy's signer from settings, loaded once per process; None when no key is configured."""
    key_path = getattr(settings, "CERTIFICATES_SIGNING_KEY", None)
    cert_path = getattr(settings, "CERTIFICATES_SIGNING_CERT", None)
    if not key_path and not cert_path:
        return None
    if not (key_path and cert_path):
        raise ImproperlyConfigured("Set both CERTIFICATES_SIGNING_KEY and CERTIFICATES_SIGNING_CERT, or neither.")
    return _load_signer(str(key_path), str(cert_path), getattr(settings, "CERTIFICATES_SIGNING_PASSPHRASE", None))
