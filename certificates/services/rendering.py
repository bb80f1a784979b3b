"""PDFs of issued certificates: the renderer's input from a snapshot, drawing and signing, storing the file and
its digest, and the batch's progress that each rendered chunk updates. Rendered certificates are then announced
(``certificates.tasks.notify_certificates_task``). ``certificate_rerender`` draws a stored PDF again (the
``rerender_certificates`` command), for example after the site's public address changed.

A PDF prints the site's public address of the moment it is drawn: the snapshot's ``verify_url`` is brought up to
date before drawing, so the snapshot always says what its PDF prints.
"""

import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates.models import CertificateBatch, IssuedCertificate, verify_url
from certificates.selectors import issuer_sites
from learners.privacy.audit import audit_record

logger = logging.getLogger(__name__)


class _ImageCache:
    """Logo and signature files read once per run and handed to the renderer as PNG bytes."""

    def __init__(self):
        self._images: dict[str, bytes | None] = {}

    def png(self, name: str) -> bytes | None:
        if not name:
            return None
        if name not in self._images:
            self._images[name] = self._load(name)
        return self._images[name]

    @staticmethod
    def _load(name: str) -> bytes | None:
        """The image as PNG bytes, read through the storage API; None (and a warning in the log) when the file is
        missing or is not an image Pillow can read: the certificate is then drawn without it, never refused."""
        from django.core.files.storage import default_storage
        from PIL import Image

        try:
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
        except OSError:
            logger.warning("Certificate image %s is missing: the certificate is drawn without it", name)
            return None
        try:
            with Image.open(io.BytesIO(data)) as picture:
                if data.startswith(b"\x89PNG"):
                    picture.load()  # reads every pixel: a truncated or damaged file fails here, not in the PDF
                    return data
                output = io.BytesIO()
                picture.save(output, format="PNG")
                return output.getvalue()
        except Exception:  # Pillow raises many kinds of errors for damaged files
            logger.warning("Certificate image %s cannot be read: the certificate is drawn without it", name)
            return None


def certificate_data(snapshot: dict, images: _ImageCache | None = None):
    """The renderer's input (``certificates.pdf.composition.CertificateData``) from a certificate's snapshot."""
    from certificates.pdf.composition import CertificateData, Signatory

    images = images or _ImageCache()
    return CertificateData(
        title=snapshot["title"],
        issuer_name=snapshot["issuer_name"],
        issuer_rut=snapshot["issuer_rut"],
        issuer_logo_png=images.png(snapshot["issuer_logo"]),
        body=snapshot["body"],
        learner_name=snapshot["learner_name"],
        learner_run=snapshot["learner_run"],
        course_title=snapshot["course_title"],
        hours=snapshot.get("duration") or snapshot["hours"],
        modality=snapshot["modality"],
        dates=snapshot["dates"],
        grade=snapshot["grade"],
        attendance=snapshot["attendance"],
        city_and_date=snapshot["city_and_date"],
        folio=snapshot["folio"],
        verification_code=snapshot["code_display"],
        verify_url=snapshot["verify_url"],
        signatories=tuple(
            Signatory(name=item["name"], role=item["role"], signature_png=images.png(item["signature"]))
            for item in snapshot["signatories"]
        ),
        co_issuer_name=snapshot.get("co_issuer_name", ""),
        co_issuer_rut=snapshot.get("co_issuer_rut", ""),
        co_signatories=tuple(
            Signatory(name=item["name"], role=item["role"], signature_png=images.png(item["signature"]))
            for item in snapshot.get("co_signatories", ())
        ),
        orientation=snapshot["orientation"],
        document_label=None if snapshot.get("learner_has_run", True) else "",
        body_states=frozenset(snapshot.get("body_states", ())),
    )


def render_pdf(snapshot: dict, images: _ImageCache | None = None) -> bytes:
    """Draw (and sign, when a key is configured) the PDF of a snapshot."""
    from certificates.pdf.writer import render_certificate
    from certificates.signing import get_signer, sign_pdf

    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_certificate(certificate_data(snapshot, images))
        signer = get_signer()
        if signer is not None:
            reason = _("Certificate %(folio)s issued by %(issuer)s") % {
                "folio": snapshot["folio"],
                "issuer": snapshot["issuer_name"],
            }
            pdf = sign_pdf(pdf, signer, reason=reason, location=snapshot["city"])
    return pdf


@dataclass(frozen=True)
class RenderOutcome:
    rendered: int
    failed: int


def certificate_render_many(*, certificate_ids: Iterable[int], batch_id: int | None = None) -> RenderOutcome:
    """Render, sign and store the PDFs of these certificates (skipping those already done), then email the learners.

    A certificate whose PDF fails is marked failed with the error; the others go on.
    """
    certificates = list(
        IssuedCertificate.objects.filter(pk__in=list(certificate_ids))
        .exclude(render_state=IssuedCertificate.RenderState.DONE)
        .only("pk", "folio", "code", "snapshot", "pdf", "issued_at", "batch_id", "issuer_id")
        .order_by("pk")
    )
    return render_and_store(certificates, batch_id=batch_id)


def current_verify_url(certificate: IssuedCertificate, sites: dict | None = None) -> str:
    """The verify page a certificate's PDF should print now: on its issuer's site's address."""
    sites = sites if sites is not None else issuer_sites([certificate.issuer_id])
    return verify_url(certificate.code, site=sites.get(certificate.issuer_id))


def render_and_store(certificates: list[IssuedCertificate], *, batch_id: int | None) -> RenderOutcome:
    storage = IssuedCertificate._meta.get_field("pdf").storage
    images = _ImageCache()
    done, failed = [], []
    sites = issuer_sites(certificate.issuer_id for certificate in certificates)
    for certificate in certificates:
        if certificate.snapshot.get("verify_url") != (link := current_verify_url(certificate, sites)):
            certificate.snapshot["verify_url"] = link  # issued before the public address changed
            IssuedCertificate.objects.filter(pk=certificate.pk).update(snapshot=certificate.snapshot)
        try:
            pdf = render_pdf(certificate.snapshot, images)
            if certificate.pdf:
                storage.delete(certificate.pdf.name)
            name = certificate.pdf.field.generate_filename(certificate, f"{certificate.folio}.pdf")
            done.append((certificate.pk, storage.save(name, ContentFile(pdf)), hashlib.sha256(pdf).hexdigest()))
        except Exception as error:  # recorded on the certificate, retried from the admin
            logger.exception("Certificate %s: the PDF failed", certificate.folio)
            failed.append((certificate.pk, certificate.folio, f"{error.__class__.__name__}: {error}"))
    _record_renders(done=done, failed=failed)
    if failed and batch_id is not None:
        CertificateBatch.objects.filter(pk=batch_id).update(last_error=f"{failed[-1][1]}: {failed[-1][2]}")
    if done:
        from certificates.tasks import notify_certificates_task

        notify_certificates_task.enqueue(certificate_ids=[pk for pk, _name, _digest in done])
    if batch_id is not None:
        batch_update_progress(batch_id=batch_id)
    return RenderOutcome(rendered=len(done), failed=len(failed))


def _record_renders(*, done: list[tuple[int, str, str]], failed: list[tuple[int, str, str]]) -> None:
    """Write the PDF names and digests of a chunk in one UPDATE … FROM a VALUES list (Django's bulk_update builds a
    CASE per row and field, which cost more than rendering); failures one by one (they are rare)."""
    if done:
        quote = connection.ops.quote_name
        table = quote(IssuedCertificate._meta.db_table)
        rows = ", ".join(["(%s, %s, %s)"] * len(done))
        sql = (
            f"WITH v(id, name, digest) AS (VALUES {rows}) "
            f"UPDATE {table} SET {quote('pdf')} = v.name, {quote('pdf_sha256')} = v.digest, "
            f"{quote('render_state')} = %s, {quote('render_error')} = '' "
            f"FROM v WHERE {table}.{quote('id')} = v.id"
        )
        params = [value for row in done for value in row] + [IssuedCertificate.RenderState.DONE]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    for pk, _folio, error in failed:
        IssuedCertificate.objects.filter(pk=pk).update(
            render_state=IssuedCertificate.RenderState.FAILED, render_error=error
        )


@dataclass(frozen=True)
class Rerendered:
    folio: str
    old_url: str
    new_url: str
    pdf_sha256: str


def certificate_rerender(*, certificate_id: int, only_wrong_link: bool = True) -> Rerendered | None:
    """Draw a stored PDF again from its snapshot, with the site's current public address: same folio, code and
    printed data, signed again, stored under a new name (the old file goes once the change commits), recorded in
    the audit log. Returns None when there is nothing to do: no stored PDF (a pending one is drawn with the current
    address anyway), a learner whose data were deleted (her PDF was erased and is never drawn again), or, with
    ``only_wrong_link``, a PDF whose link is already right. Raises what drawing or storing raises."""
    storage = IssuedCertificate._meta.get_field("pdf").storage
    with transaction.atomic():
        certificate = IssuedCertificate.objects.select_for_update().get(pk=certificate_id)
        snapshot = dict(certificate.snapshot)
        old_url, new_url = snapshot.get("verify_url", ""), current_verify_url(certificate)
        if (
            snapshot.get("erased")
            or not certificate.pdf
            or certificate.render_state != IssuedCertificate.RenderState.DONE
        ):
            return None
        if only_wrong_link and old_url == new_url:
            return None
        snapshot["verify_url"] = new_url
        pdf = render_pdf(snapshot)
        old_name = certificate.pdf.name
        new_name = storage.save(
            certificate.pdf.field.generate_filename(certificate, f"{certificate.folio}.pdf"), ContentFile(pdf)
        )
        transaction.on_commit(lambda: storage.delete(old_name))
        try:
            certificate.snapshot, certificate.pdf = snapshot, new_name
            certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            certificate.save(update_fields=["snapshot", "pdf", "pdf_sha256"])
            audit_record(
                actor=None,
                action="certificate.rerendered",
                subject=certificate,
                data={"folio": certificate.folio, "old_url": old_url, "new_url": new_url},
            )
        except Exception:
            storage.delete(new_name)
            raise
    return Rerendered(folio=certificate.folio, old_url=old_url, new_url=new_url, pdf_sha256=certificate.pdf_sha256)


def batch_update_progress(*, batch_id: int) -> None:
    """Recount the batch from its certificates and close it once every planned certificate is done or failed."""
    counts = IssuedCertificate.objects.filter(batch_id=batch_id).aggregate(
        rendered=Count("pk", filter=Q(render_state=IssuedCertificate.RenderState.DONE)),
        failed=Count("pk", filter=Q(render_state=IssuedCertificate.RenderState.FAILED)),
    )
    batch = CertificateBatch.objects.filter(pk=batch_id)
    batch.update(rendered=counts["rendered"], failed=counts["failed"])
    finished = counts["rendered"] + counts["failed"]
    batch.filter(state=CertificateBatch.State.RUNNING, total__lte=finished, failed=0).update(
        state=CertificateBatch.State.DONE, finished_at=timezone.now()
    )
    batch.filter(state=CertificateBatch.State.RUNNING, total__lte=finished, failed__gt=0).update(
        state=CertificateBatch.State.FAILED, finished_at=timezone.now()
    )
