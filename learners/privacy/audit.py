"""The staff audit log: record who viewed, exported, revoked or changed personal data (Ley 21.719 accountability).

Call ``audit_record`` from the service or view that performs the action. Entries are append-only: the model has no
admin form, and nothing in the project updates or deletes them (retention of the log itself is a policy decision
documented in the README).
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from learners.privacy.models import AuditEvent


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    subject: models.Model | None = None,
    subject_label: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one entry. ``action`` is a short dotted code (``learner.viewed``, ``report.exported``,
    ``certificate.revoked``…); ``subject`` the object acted on, if any; ``data`` small JSON details
    (never a full RUN or an email: use ids)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=(actor.get_username() if actor is not None and actor.is_authenticated else "sistema")[:254],
        action=action,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=(subject_label or (str(subject) if subject is not None else ""))[:255],
        data=data or {},
    )
