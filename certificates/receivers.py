"""Reactions to the learners plugin's signals (connected in CertificatesConfig.ready()): issue on completion, add
a learner's certificates to her data download, and keep them verifiable when her data are deleted."""

from django.db import transaction
from django.db.models import OuterRef, Subquery

from learners.signals import course_completed, learner_data_requested, learner_erasing

#: What an erased learner's certificate keeps: what its verify page shows, and nothing that is not on it.
VERIFIABLE_SNAPSHOT_KEYS = (
    "title",
    "kind",
    "template_id",
    "template_version",
    "issuer_name",
    "issuer_rut",
    "learner_name",
    "learner_run_masked",
    "learner_run_verified",
    "course_title",
    "hours",
    "duration",
    "modality",
    "dates",
    "starts_on",
    "ends_on",
    "city",
    "issued_on",
    "folio",
    "code",
    "code_display",
    "verify_url",
)


def issue_on_completion(sender, enrolment_id: int, **kwargs) -> None:
    """Queue the certificate of a completed course once the completing transaction has committed."""
    from certificates.tasks import issue_certificate_task

    transaction.on_commit(lambda: issue_certificate_task.enqueue(enrolment_id=enrolment_id))


def certificates_for_download(sender, user, **kwargs) -> dict:
    """Her issued certificates, as printed (full RUN included: it is her own download)."""
    from certificates.models import IssuedCertificate

    rows = []
    certificates = IssuedCertificate.objects.filter(user=user).select_related("issuer__school__site")
    for certificate in certificates.order_by("issued_at", "pk"):
        snapshot = certificate.snapshot
        rows.append(
            {
                "folio": certificate.folio,
                "code": certificate.code_display,
                "status": certificate.status,
                "course": snapshot.get("course_title", ""),
                "name": snapshot.get("learner_name", ""),
                "run": snapshot.get("learner_run", ""),
                "hours": snapshot.get("hours", ""),
                "dates": snapshot.get("dates", ""),
                "grade": snapshot.get("grade", ""),
                "attendance": snapshot.get("attendance", ""),
                "issuer": snapshot.get("issuer_name", ""),
                "issued_at": certificate.issued_at,
                "revoked_at": certificate.revoked_at,
                "verify_url": certificate.verify_url,
            }
        )
    return {"certificates": rows}


def erase_learner_certificates(sender, user_id: int, **kwargs) -> None:
    """A learner's data are being deleted: her certificates keep only what their verify page shows (name, masked
    RUN, course, hours, dates, issuer), follow their enrolment to its anonymous account, and lose their PDF
    (which prints the full RUN) and their Open Badges credential (which holds a salted hash of it). The files are
    removed once the deletion commits."""
    from certificates.models import IssuedCertificate
    from learners.models import Enrolment

    certificates = list(IssuedCertificate.objects.select_for_update().filter(user_id=user_id))
    files = [certificate.pdf.name for certificate in certificates if certificate.pdf]
    for certificate in certificates:
        certificate.snapshot = {
            key: certificate.snapshot[key] for key in VERIFIABLE_SNAPSHOT_KEYS if key in certificate.snapshot
        }
        certificate.snapshot["erased"] = True
        certificate.pdf, certificate.pdf_sha256 = "", ""
        certificate.credential = None  # its salted identity hash is hers too; the status-list position stays
    IssuedCertificate.objects.bulk_update(certificates, ["snapshot", "pdf", "pdf_sha256", "credential"])
    IssuedCertificate.objects.filter(user_id=user_id).update(
        user_id=Subquery(Enrolment.objects.filter(pk=OuterRef("enrolment_id")).values("user_id")[:1])
    )
    if files:
        storage = IssuedCertificate._meta.get_field("pdf").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


def register_signal_handlers() -> None:
    course_completed.connect(issue_on_completion, dispatch_uid="certificates_issue_on_completion")
    learner_data_requested.connect(certificates_for_download, dispatch_uid="certificates_for_download")
    learner_erasing.connect(erase_learner_certificates, dispatch_uid="certificates_erase_learner")
