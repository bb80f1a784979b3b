"""Reads for the imports: who was invited and has not activated her account yet."""

from django.db.models import QuerySet

from courses.models import CoursePage
from learners.accounts.states import unconfirmed_q
from learners.enrolment.models import Cohort
from learners.imports.models import EnrolmentImport, ImportInvitation


def pending_invitations(
    *,
    enrolment_import: EnrolmentImport | None = None,
    course: CoursePage | None = None,
    cohort: Cohort | None = None,
) -> QuerySet[ImportInvitation]:
    """Invitations whose account is still waiting to be claimed (``learners.accounts.states``: unconfirmed, so
    never an activated, deactivated or blocked one), oldest sending first, with what the list shows (one query)."""
    invitations = ImportInvitation.objects.filter(unconfirmed_q("user__"))
    if enrolment_import is not None:
        invitations = invitations.filter(enrolment_import=enrolment_import)
    if course is not None:
        invitations = invitations.filter(enrolment_import__course=course)
    if cohort is not None:
        invitations = invitations.filter(enrolment_import__cohort=cohort)
    return invitations.select_related(
        "user__learner_profile", "enrolment_import__course", "enrolment_import__cohort"
    ).order_by("last_sent_at", "pk")
