"""Importing a checked CSV file: create the people who are new, then enrol everyone, either all or nothing or
skipping the rows with problems (they go to a report, ``skipped_report``).

The file's format and the decisions about who is who are in ``learners.imports.parsing``; the invitations the new
people receive are in ``learners.imports.invitations``.
"""

import uuid
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
from learners.imports.invitations import invitations_send_new
from learners.imports.models import EnrolmentImport, ImportInvitation
from learners.imports.parsing import SUGGESTED_HEADERS, ParsedFile
from learners.privacy.models import Consent
from learners.staff.selectors import staff_may_enrol_in

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
    skipped: int = 0
    record: EnrolmentImport | None = None
    repeated: bool = False  # the same preview was confirmed before: nothing was imported this time


def _report_of(record: EnrolmentImport, *, repeated: bool) -> ImportReport:
    fields = ("created", "matched", "enrolled", "waitlisted", "already_enrolled", "skipped")
    return ImportReport(**{name: getattr(record, name) for name in fields}, record=record, repeated=repeated)


@transaction.atomic
def import_enrolments(
    *,
    parsed: ParsedFile,
    course: CoursePage,
    cohort: Cohort | None,
    by: AbstractBaseUser,
    skip_invalid: bool = False,
    token: str = "",
    filename: str = "",
    base_url: str = "",
    site_name: str = "",
) -> ImportReport:
    """Create the missing learners and enrol everyone in ``course`` (``cohort`` when given), all or nothing; with
    ``skip_invalid``, the rows with problems are skipped (and recorded, with their reasons) and the others imported.

    Existing learners are matched by RUN or passport, then by email; they are never duplicated nor changed.
    New people get an inactive account with an unusable password (user name = email) and a learner profile
    marked with the privacy notice version "csv-import": the school that sends the file is responsible for
    the legal basis of these records (consent or its legal functions, Ley 19.628 / 21.719), not the learner's
    own acceptance. Enrolment goes through ``learners.enrolment.services.enrolment_create``, so capacity and
    waitlists apply, and importing the same file again changes nothing.

    The import is recorded (``EnrolmentImport``) under ``token``, the preview's: confirming the same preview again
    returns the first import's report (``repeated``) and imports nothing. Every person created gets an
    ``ImportInvitation``, emailed once the transaction commits (links on ``base_url``, the public address of the
    school of the import, in its name ``site_name``).
    Raises BulkImportError when the file has problems (all or nothing), when it cannot be read at all or has no
    valid row (skipping), when ``by`` is a school's staff and the course or cohort is not her school's
    (``learners.staff.selectors.staff_may_enrol_in``), and EnrolmentError when the course or cohort refuses
    enrolments.
    """
    token = token or uuid.uuid4().hex
    previous = EnrolmentImport.objects.filter(token=token).first()
    if previous is not None:
        return _report_of(previous, repeated=True)
    if by.pk and not staff_may_enrol_in(user=by, course=course, cohort=cohort):
        raise BulkImportError(
            _(
                "You can only enrol people in your school's courses and cohorts. For a national course, choose a "
                "cohort of your school."
            )
        )
    if parsed.problems or not parsed.rows:
        raise BulkImportError(_("The file has problems. Fix them and upload it again."))
    if not skip_invalid and not parsed.is_clean:
        raise BulkImportError(_("The file has problems. Fix them and upload it again."))
    rows = [row for row in parsed.rows if row.ok]
    if not rows:
        raise BulkImportError(_("No row of the file can be imported. Fix them and upload it again."))
    record = EnrolmentImport.objects.create(
        token=token,
        course=course,
        cohort=cohort,
        created_by=by if by.pk else None,
        filename=filename[:255],
        mode=EnrolmentImport.Mode.SKIP_INVALID if skip_invalid else EnrolmentImport.Mode.ALL_OR_NOTHING,
        skipped_rows=[
            {"line": row.line, "values": row.values, "reasons": [problem.message for problem in row.problems]}
            for row in parsed.rows
            if not row.ok
        ],
    )
    report = ImportReport(skipped=len(parsed.rows) - len(rows), record=record)
    invitations = []
    now = timezone.now()
    user_model = get_user_model()
    known = user_model.objects.in_bulk({row.user_id for row in rows if row.user_id})
    comunas = Comuna.objects.in_bulk({row.comuna_code for row in rows})
    for row in rows:
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
            invitations.append(ImportInvitation(user=user, enrolment_import=record))
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
    fields = ("created", "matched", "enrolled", "waitlisted", "already_enrolled", "skipped")
    for name in fields:
        setattr(record, name, getattr(report, name))
    record.save(update_fields=list(fields))
    ids = [invitation.pk for invitation in ImportInvitation.objects.bulk_create(invitations)]
    if ids and base_url:
        transaction.on_commit(lambda: invitations_send_new(invitation_ids=ids, base_url=base_url, site_name=site_name))
    return report


REPORT_HEADINGS_KEYS = tuple(SUGGESTED_HEADERS)


def skipped_report(*, record: EnrolmentImport) -> tuple[list[str], list[list]]:
    """The headings and rows of the skipped-rows report: the line in the file, the row's original values (under
    the usual column names) and the reasons, in Spanish."""
    headings = [_("Line"), *(SUGGESTED_HEADERS[key] for key in REPORT_HEADINGS_KEYS), _("Reason")]
    rows = [
        [
            item["line"],
            *(item["values"].get(key, "") for key in REPORT_HEADINGS_KEYS),
            " ".join(item["reasons"]),
        ]
        for item in record.skipped_rows
    ]
    return headings, rows
