"""Reactions to the learners plugin's ``course_completed`` signal (connected in CertificatesConfig.ready())."""

from django.db import transaction

from learners.signals import course_completed


def issue_on_completion(sender, enrolment_id: int, **kwargs) -> None:
    """Queue the certificate of a completed course once the completing transaction has committed."""
    from certificates.tasks import issue_certificate_task

    transaction.on_commit(lambda: issue_certificate_task.enqueue(enrolment_id=enrolment_id))


def register_signal_handlers() -> None:
    course_completed.connect(issue_on_completion, dispatch_uid="certificates_issue_on_completion")
