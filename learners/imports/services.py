"""Importing a checked CSV file: create the people who are new, then enrol everyone (all or nothing).

The file's format and the decisions about who is who are in ``learners.imports.parsing``.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from courses.models import Comuna, CoursePage
from learners.accounts.models import LearnerProfile
from learners.accounts.states import IMPORTED_NOTICE_VERSION
from learners.enrolment.models import Cohort, Enrolment
from learners.enrolment.services import enrolment_create
from learners.imports.parsing import ParsedFile
from learners.privacy.models import Consent

PRIVACY_NOTICE_VERSION = IMPORTED_NOTICE_VERSION


class BulkImportError(Exception):
    """The import was refused; the message is translated and can be shown to staff."""


@dataclass
class ImportReport:
    created: int = 0
    matched: int = 0
    enrolled: int = 0
    waitlisted: int = 0
    already_enrolled: int = 0


@transaction.atomic
def import_enrolments(
    *, parsed: ParsedFile, course: CoursePage, cohort: Cohort | None, by: AbstractBaseUser
) -> ImportReport:
    """Create the missing learners and enrol everyone in ``course`` (``cohort`` when given), all or nothing.

    Existing learners are matched by RUN or passport, then by email; they are never duplicated nor changed.
    New people get an inactive account with an unusable password (user name = email) and a learner profile
    marked with the privacy notice version "csv-import": the school that sends the file is responsible for
    the legal basis of these records (consent or its legal functions, Ley 19.628 / 21.719), not the learner's
    own acceptance. Enrolment goes through ``learners.enrolment.services.enrolment_create``, so capacity and
    waitlists apply, and importing the same file again changes nothing. Raises BulkImportError when the file has
    problems, and EnrolmentError when the course or cohort refuses enrolments.
    """
    if not parsed.is_clean:
        raise BulkImportError(_("The file has problems. Fix them and upload it again."))
    report = ImportReport()
    now = timezone.now()
    user_model = get_user_model()
    known = user_model.objects.in_bulk({row.user_id for row in parsed.rows if row.user_id})
    comunas = Comuna.objects.in_bulk({row.comuna_code for row in parsed.rows})
    for row in parsed.rows:
        if row.user_id is None:
            user = user_model(
                username=row.email,
                email=row.email,
                first_name=row.given_names[:150],
                last_name=row.family_names[:150],
                is_active=False,
            )
            user.set_unusable_password()
            user.save()
            report.created += 1
        else:
            user = known[row.user_id]
            report.matched += 1
        if not row.has_profile:
            profile = LearnerProfile(
                user=user,
                given_names=row.given_names,
                family_names=row.family_names,
                document_type=row.document_type,
                run=row.run,
                document_number=row.document_number,
                comuna=comunas[row.comuna_code],
                learner_type=LearnerProfile.LearnerType.CITIZEN,
                birth_year=row.birth_year,
                privacy_notice_version=PRIVACY_NOTICE_VERSION,
                privacy_accepted_at=now,
                # a new account waits for its owner to claim it; an existing one keeps its state (see
                # learners.accounts.states): the import never makes a deactivated account claimable
                email_confirmed_at=None if row.user_id is None else now,
            )
            profile.full_clean()
            profile.save()
            Consent.objects.create(user=user, version=PRIVACY_NOTICE_VERSION, accepted_at=now, channel="import")
        holds = Enrolment.objects.filter(user=user, course=course).exclude(status=Enrolment.Status.WITHDRAWN).exists()
        enrolment = enrolment_create(user=user, course=course, cohort=cohort)
        if holds:
            report.already_enrolled += 1
            continue
        if enrolment.status == Enrolment.Status.WAITLISTED:
            report.waitlisted += 1
        else:
            report.enrolled += 1
        log(instance=enrolment, action="wagtail.create", user=by)
    return report
