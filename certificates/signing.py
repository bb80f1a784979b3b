"""Digital signatures on certificate PDFs (PAdES baseline B-B), so that anyone can check a PDF offline.

``get_signer()`` loads the academy's key and certificate once (settings ``CERTIFICATES_SIGNING_KEY`` /
``CERTIFICATES_SIGNING_CERT``, optional ``CERTIFICATES_SIGNING_PASSPHRASE``) and returns None when no key is
configured, in which case certificates are issued unsigned. ``verify_pdf`` checks a signature with pyHanko's
validator.

``sign_pdf`` appends the same incremental update pyHanko writes for an invisible signature (the page gains a
signature widget, the catalogue an AcroForm, plus the /Sig dictionary), but precomputes per signer everything
that does not change: the CMS SignedData around the signature is a byte template in which only the document
digest and the signature value are filled in. The signed attributes are those pyHanko uses for PAdES
(content type, message digest, ESS signing-certificate-v2; the signing time is the dictionary's /M). PDFs whose
structure the fast path does not handle (cross-reference streams, existing forms or annotations, encryption)
are signed by pyHanko itself.

One module on purpose: making a signature, loading the signer from settings and checking a signature share the
``Signer`` (its certificate is also a trust root for ``verify_pdf``) and the event-loop guard around pyHanko; the
check is pyHanko's own validator, so it stays independent of the fast path whatever module it lives in.
"""

import asyncio
import hashlib
import io
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from asn1crypto import algos, cms, core, pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SIGNATURE_FIELD = "Firma"
_DIGEST_PLACEHOLDER = b"\x04\x20" + b"\xa5" * 32


def _der(tag: int, body: bytes) -> bytes:
    length = len(body)
    if length < 0x80:
        return bytes((tag, length)) + body
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(encoded))) + encoded + body


@dataclass(frozen=True, eq=False)
class Signer:
    """A signing key and its certificate chain, loaded once; holds the precomputed CMS template."""

    private_key: object
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...] = ()
    key_path: str = ""
    cert_path: str = ""
    passphrase: bytes | None = None
    _template: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_files(cls, key_path: str | Path, cert_path: str | Path, passphrase: str | bytes | None = None) -> "Signer":
        """Load a PEM or DER private key (EC or RSA) and certificate; the certificate file may hold the chain."""
        if isinstance(passphrase, str):
            passphrase = passphrase.encode()
        try:
            key_data = Path(key_path).read_bytes()
            cert_data = Path(cert_path).read_bytes()
        except OSError as error:
            raise ImproperlyConfigured(
                f"Cannot read the certificate signing key or certificate ({error}). In development run "
                "`python manage.py certificates_dev_key`."
            ) from error
        try:
            if key_data.lstrip().startswith(b"-----BEGIN"):
                private_key = serialization.load_pem_private_key(key_data, password=passphrase)
            else:
                private_key = serialization.load_der_private_key(key_data, password=passphrase)
            if cert_data.lstrip().startswith(b"-----BEGIN"):
                certificates = [
                    asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(cert_data, multiple=True)
                ]
            else:
                certificates = [asn1_x509.Certificate.load(cert_data)]
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(f"Cannot load the certificate signing key {key_path}: {error}") from error
        public = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        matching = [cert for cert in certificates if cert.public_key.dump() == public]
        if not matching:
            raise ImproperlyConfigured(f"The certificate in {cert_path} does not belong to the key {key_path}.")
        certificate = matching[0]
        chain = tuple(cert for cert in certificates if cert is not certificate)
        return cls(private_key, certificate, chain, str(key_path), str(cert_path), passphrase)

    @property
    def subject_name(self) -> str:
        return _common_name(self.certificate)

    @property
    def fast(self) -> bool:
        return isinstance(self.private_key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey))

    def cms_template(self) -> dict:
        """The SignedData pieces that are the same for every signature by this signer (built on first use)."""
        if self._template:
            return self._template
        cert = self.certificate
        ess = tsp.SigningCertificateV2(
            {
                "certs": [
                    tsp.ESSCertIDv2(
                        {
                            "cert_hash": hashlib.sha256(cert.dump()).digest(),
                            "issuer_serial": {
                                "issuer": [asn1_x509.GeneralName({"directory_name": cert.issuer})],
                                "serial_number": cert.serial_number,
                            },
                        }
                    )
                ]
            }
        )
        attributes = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
                cms.CMSAttribute({"type": "message_digest", "values": [b"\xa5" * 32]}),
                cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
            ]
        )
        attributes_der = attributes.dump()
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
            max_signature = 2 * ((self.private_key.curve.key_size + 7) // 8) + 9
        else:
            signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
            max_signature = (self.private_key.key_size + 7) // 8
        sid = cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}}
        )
        digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer_info_head = (
            core.Integer(1).dump()
            + sid.dump()
            + digest_algorithm.dump()
            + b"\xa0"
            + attributes_der[1:]
            + signature_algorithm.dump()
        )
        signed_data_head = (
            core.Integer(1).dump()
            + _der(0x31, digest_algorithm.dump())
            + cms.EncapsulatedContentInfo({"content_type": "data"}).dump()
            + _der(0xA0, b"".join(c.dump() for c in (cert, *self.chain)))
        )
        self._template.update(
            attributes=attributes_der,
            digest_at=attributes_der.index(_DIGEST_PLACEHOLDER) + 2,
            signer_info_head=signer_info_head,
            signer_digest_at=signer_info_head.index(_DIGEST_PLACEHOLDER) + 2,
            signed_data_head=signed_data_head,
            content_type=core.ObjectIdentifier("1.2.840.113549.1.7.2").dump(),
        )
        longest = len(self._cms(b"\0" * 32, b"\0" * (max_signature + 2)))
        self._template["reserved"] = longest + 32
        return self._template

    def _cms(self, digest: bytes, signature: bytes) -> bytes:
        template = self._template
        at = template["signer_digest_at"]
        head = template["signer_info_head"]
        signer_info = _der(0x30, head[:at] + digest + head[at + 32 :] + _der(0x04, signature))
        signed_data = _der(0x30, template["signed_data_head"] + _der(0x31, signer_info))
        return _der(0x30, template["content_type"] + _der(0xA0, signed_data))

    def sign_digest(self, digest: bytes) -> bytes:
        """DER CMS SignedData (detached) over a document whose SHA-256 is `digest`."""
        template = self.cms_template()
        at = template["digest_at"]
        attributes = template["attributes"][:at] + digest + template["attributes"][at + 32 :]
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            signature = self.private_key.sign(attributes, ec.ECDSA(hashes.SHA256()))
        else:
            signature = self.private_key.sign(attributes, padding.PKCS1v15(), hashes.SHA256())
        return self._cms(digest, signature)

    def pyhanko_signer(self):
        from pyhanko.sign import signers

        return signers.SimpleSigner.load(self.key_path, self.cert_path, key_passphrase=self.passphrase)


# --- the fast incremental update ---------------------------------------------------------------------------

_TRAILER_REF = re.compile(rb"/(Root|Info)\s+(\d+)\s+(\d+)\s+R")
_SIZE = re.compile(rb"/Size\s+(\d+)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]*)>")
_PREV = re.compile(rb"/Prev\s+(\d+)")
_REF = r"\s*(\d+)\s+(\d+)\s+R"


class _Unsupported(Exception):
    """The PDF needs the general (pyHanko) path."""


def _xref_sections(pdf: bytes) -> Iterable[tuple[bytes, dict[int, int]]]:
    """(trailer, {object: offset}) of each classic cross-reference section, newest first."""
    tail = pdf[-2048:]
    at = tail.rfind(b"startxref")
    if at < 0:
        raise _Unsupported("no startxref")
    offset = int(tail[at + 9 :].split()[0])
    seen = set()
    while offset not in seen:
        seen.add(offset)
        if pdf[offset : offset + 4] != b"xref":
            raise _Unsupported("cross-reference stream")
        trailer_at = pdf.index(b"trailer", offset)
        entries: dict[int, int] = {}
        lines = pdf[offset + 4 : trailer_at].split(b"\n")
        index, current = 0, 0
        while index < len(lines):
            parts = lines[index].split()
            index += 1
            if len(parts) == 2:
                current, count = int(parts[0]), int(parts[1])
                for number in range(current, current + count):
                    entry = lines[index].split()
                    index += 1
                    if entry[2] == b"n":
                        entries[number] = int(entry[0])
        end = pdf.index(b"startxref", trailer_at)
        trailer = pdf[trailer_at + 7 : end]
        yield trailer, entries
        prev = _PREV.search(trailer)
        if not prev:
            return
        offset = int(prev.group(1))


def _object_body(pdf: bytes, offset: int) -> bytes:
    end = pdf.index(b"endobj", offset)
    head = re.match(rb"\s*\d+\s+\d+\s+obj", pdf[offset : offset + 40])
    if not head:
        raise _Unsupported("bad object offset")
    body = pdf[offset + head.end() : end].strip()
    if not (body.startswith(b"<<") and body.endswith(b">>")) or b"stream" in body[-20:]:
        raise _Unsupported("object is not a dictionary")
    return body


def _pdf_text(text: str) -> bytes:
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


_date: tuple[int, bytes] = (0, b"")


def _pdf_date() -> bytes:
    """The current time as a PDF date (UTC), formatted once a second."""
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, time.strftime("D:%Y%m%d%H%M%S+00'00'", time.gmtime(now)).encode())
    return _date[1]


def _fast_sign(pdf: bytes, signer: Signer, reason: str, location: str) -> bytes:
    sections = _xref_sections(pdf)
    trailer, latest = next(sections)
    if b"/Encrypt" in trailer:
        raise _Unsupported("encrypted")
    refs = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in _TRAILER_REF.finditer(trailer)}
    size = int(_SIZE.search(trailer).group(1))
    file_id = _ID.search(trailer)
    prev_xref = int(pdf[pdf.rfind(b"startxref") + 9 :].split()[0])
    offsets = dict(latest)
    for _trailer, older in sections:
        for number, offset in older.items():
            offsets.setdefault(number, offset)

    root_number, root_generation = refs[b"Root"]
    catalog = _object_body(pdf, offsets[root_number])
    if b"/AcroForm" in catalog:
        raise _Unsupported("the document already has a form")
    pages = re.search(rb"/Pages" + _REF.encode(), catalog)
    node = int(pages.group(1))
    for _depth in range(32):
        body = _object_body(pdf, offsets[node])
        if re.search(rb"/Type\s*/Page\b(?!s)", body):
            break
        kids = re.search(rb"/Kids\s*\[" + _REF.encode(), body)
        node = int(kids.group(1))
    else:
        raise _Unsupported("page tree too deep")
    page_number, page_body = node, body
    if b"/Annots" in page_body:
        raise _Unsupported("the page already has annotations")
    page_generation = int(re.match(rb"\s*\d+\s+(\d+)", pdf[offsets[page_number] : offsets[page_number] + 30]).group(1))

    acroform, widget, signature = size, size + 1, size + 2
    reserved = signer.cms_template()["reserved"]
    update_start = len(pdf) + (0 if pdf.endswith(b"\n") else 1)
    parts = [] if pdf.endswith(b"\n") else [b"\n"]
    new_offsets = []
    position = update_start

    def add(number: int, generation: int, body: bytes) -> None:
        nonlocal position
        chunk = b"%d %d obj\n%s\nendobj\n" % (number, generation, body)
        new_offsets.append((number, generation, position))
        parts.append(chunk)
        position += len(chunk)

    add(page_number, page_generation, page_body[:-2] + b" /Annots [%d 0 R]>>" % widget)
    add(root_number, root_generation, catalog[:-2] + b" /AcroForm %d 0 R>>" % acroform)
    add(acroform, 0, b"<</Fields [%d 0 R] /SigFlags 3>>" % widget)
    add(
        widget,
        0,
        b"<</FT /Sig /T %s /Type /Annot /Subtype /Widget /F 132 /Rect [0 0 0 0] /P %d %d R /V %d 0 R>>"
        % (_pdf_text(SIGNATURE_FIELD), page_number, page_generation, signature),
    )
    signature_start = position
    head = (
        b"%d 0 obj\n<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached"
        b" /M (%s) /Reason %s /Location %s "
        % (
            signature,
            _pdf_date(),
            _pdf_text(reason),
            _pdf_text(location),
        )
    )
    byte_range = b"/ByteRange [0 %010d %010d %010d] /Contents "
    contents_at = signature_start + len(head) + len(byte_range % (0, 0, 0))
    contents_length = 2 + 2 * reserved
    after_contents = contents_at + contents_length
    new_offsets.append((signature, 0, signature_start))
    tail_object = b">>\nendobj\n"
    xref_at = after_contents + len(tail_object)
    new_offsets.sort()
    xref = [b"xref\n0 1\n0000000000 65535 f \n"]
    for number, generation, offset in new_offsets:
        xref.append(b"%d 1\n%010d %05d n \n" % (number, offset, generation))
    identifier = hashlib.md5(pdf[-4096:] + _pdf_date()).hexdigest().encode()
    original_id = file_id.group(1) if file_id else identifier
    trailer_text = b"trailer\n<</Size %d /Root %d %d R%s /ID [<%s> <%s>] /Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (
        signature + 1,
        root_number,
        root_generation,
        b" /Info %d %d R" % refs[b"Info"] if b"Info" in refs else b"",
        original_id,
        identifier,
        prev_xref,
        xref_at,
    )
    suffix = tail_object + b"".join(xref) + trailer_text
    total = after_contents + len(suffix)
    before = b"".join(parts) + head + byte_range % (contents_at, after_contents, total - after_contents)
    digest = hashlib.sha256(pdf)
    digest.update(before)
    digest.update(suffix)
    signed = signer.sign_digest(digest.digest())
    contents = b"<" + signed.hex().encode() + b"0" * (2 * reserved - 2 * len(signed)) + b">"
    return b"".join((pdf, before, contents, suffix))


def sign_pdf(pdf: bytes, signer: Signer, *, reason: str, location: str) -> bytes:
    """Return `pdf` with a PAdES B-B signature by `signer` appended as an incremental update."""
    if signer.fast:
        try:
            return _fast_sign(pdf, signer, reason, location)
        except (_Unsupported, ValueError, KeyError, AttributeError, IndexError):
            pass
    return sign_pdf_pyhanko(pdf, signer, reason=reason, location=location)


def sign_pdf_pyhanko(pdf: bytes, signer: Signer, *, reason: str, location: str) -> bytes:
    """The same signature made with pyHanko as its documentation shows: general, about 20 ms a PDF."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    pyhanko_signer = signer._template.get("pyhanko") or signer._template.setdefault("pyhanko", signer.pyhanko_signer())
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    try:
        output = outside_event_loop(signers.sign_pdf, writer, meta, signer=pyhanko_signer)
    except SigningError as error:
        raise ValueError(f"Cannot sign the certificate PDF: {error}") from error
    return output.getvalue()


# --- verification ----------------------------------------------------------------------------------------------


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


def _common_name(cert: asn1_x509.Certificate) -> str:
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def _as_asn1(cert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, Signer):
        return cert.certificate
    data = Path(cert).read_bytes() if isinstance(cert, (str, Path)) else bytes(cert)
    if data.lstrip().startswith(b"-----BEGIN"):
        _type, _headers, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous helpers, which run their own event loop (``asyncio.run``), also from a
    thread that already runs one (an async server, or Playwright's sync API in the browser tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def verify_pdf(pdf: bytes, *, trust: Iterable = ()) -> SignatureStatus:
    """Check the last signature in `pdf` against the trusted certificates in `trust`.

    `trust` holds root certificates (asn1crypto certificates, PEM/DER bytes, file paths or Signers). The result
    is never an exception for a bad or missing signature: read ``SignatureStatus.valid`` and ``problem``.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

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
        status = outside_event_loop(validate_pdf_signature, signature, context)
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
        signer=_common_name(status.signing_cert),
        signed_at=status.signer_reported_dt or signature.self_reported_timestamp,
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
