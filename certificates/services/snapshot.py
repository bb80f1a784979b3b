"""What a certificate prints: the snapshot of every field, taken once at issue time, and a sample for previews.

Builds a dict from (possibly unsaved) model instances and saves nothing; the one query is the template's signatories.
"""

import re
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from certificates.codes import check_character, format_code
from certificates.models import BODY_FACTS, CertificateTemplate, Issuer, issuer_site, verify_url
from certificates.services.signers import Signers
from courses.models import CoursePage
from learners.models import Enrolment, LearnerProfile

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _number(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=1 if value != value.to_integral() else 0, use_l10n=True)


def _document(profile) -> tuple[str, str]:
    """(as printed, masked for public pages); a learner without a RUN shows her other document."""
    if profile is None:
        return "", ""
    if profile.run:
        return profile.run_display, profile.run_masked
    return profile.document_display, profile.document_masked


def build_snapshot(
    *,
    enrolment: Enrolment,
    template: CertificateTemplate,
    folio: str,
    code: str,
    issued_at: datetime,
    attendance: Decimal | None,
    attended_hours: Decimal | None = None,
    signers: Signers | None = None,
) -> dict:
    """Every field printed on the certificate, as text in the site's language, plus what the verify page shows.

    ``attended_hours``: for a course whose certified hours follow attendance (``hours_from_attendance``), the
    hours of the sessions the learner was present at; they replace the course's duration ({horas}, "N clock
    hours"). None: the course's duration. ``signers``: the issuer and signatories (``signers.signers_for``);
    None: the template's issuer and signatories."""
    user = enrolment.user
    profile = getattr(user, "learner_profile", None)
    course = enrolment.course
    cohort = enrolment.cohort
    if signers is None:
        signers = Signers(issuer=template.issuer, signatories=list(template.signatories.all()))
    issuer = signers.issuer
    with translation.override(settings.LANGUAGE_CODE):
        name = profile.full_name if profile is not None else (user.get_full_name() or user.get_username())
        run, run_masked = _document(profile)
        if cohort is not None:
            start, end = cohort.starts_on, cohort.ends_on
        else:
            start = timezone.localdate(enrolment.enrolled_at)
            end = timezone.localdate(enrolment.completed_at or issued_at)
        dates = _("from %(start)s to %(end)s") % {
            "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(end, "SHORT_DATE_FORMAT"),
        }
        issued_on = timezone.localdate(issued_at)
        long_date = formats.date_format(issued_on, r"j \d\e F \d\e Y")
        grade = _number(enrolment.final_grade) if enrolment.final_grade is not None else None
        attendance_text = f"{_number(attendance)} %" if attendance is not None else None
        if attended_hours is not None and course.hours_from_attendance:
            hours = _number(Decimal(attended_hours))
        else:
            hours = _number(course.duration_hours)
        values = {
            "nombre": name,
            "run": run,
            "curso": course.title,
            "horas": hours,
            "modalidad": str(course.get_modality_display()),
            "fechas": dates,
            "nota": grade or "",
            "asistencia": attendance_text or "",
            "ciudad": issuer.city,
            "fecha_emision": long_date,
        }
        body = _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template.body)
        # The facts the body states in its own words are not printed again in their places (certificates.pdf).
        body_states = sorted(set(_PLACEHOLDER.findall(template.body)) & set(BODY_FACTS))
        return {
            "title": template.title,
            "kind": template.kind,
            "orientation": template.orientation,
            "template_id": template.pk,
            "template_version": template.version,
            "issuer_name": issuer.name,
            "issuer_rut": issuer.rut,
            "issuer_logo": issuer.logo.file.name if issuer.logo_id else "",
            "body": body,
            "body_states": body_states,
            "learner_name": name,
            "learner_run": run,
            "learner_run_masked": run_masked,
            "learner_has_run": bool(profile is not None and profile.run),
            # ClaveÚnica proved the RUN when the certificate was issued (learners.accounts.claveunica)
            "learner_run_verified": bool(profile is not None and profile.run and profile.run_verified_at),
            "course_title": course.title,
            "hours": hours,
            "duration": _("%(hours)s clock hours") % {"hours": hours},
            "modality": values["modalidad"],
            "dates": dates,
            "starts_on": start.isoformat(),
            "ends_on": end.isoformat(),
            "grade": grade,
            "attendance": attendance_text,
            "city": issuer.city,
            "city_and_date": f"{issuer.city}, {long_date}",
            "issued_on": issued_on.isoformat(),
            "folio": folio,
            "code": code,
            "code_display": format_code(code),
            "verify_url": verify_url(code, site=issuer_site(issuer)),
            "signatories": [_signatory(signatory) for signatory in signers.signatories],
            "co_issuer_name": signers.co_issuer.name if signers.co_issuer else "",
            "co_issuer_rut": signers.co_issuer.rut if signers.co_issuer else "",
            "co_signatories": [_signatory(signatory) for signatory in signers.co_signatories],
        }


def _signatory(signatory) -> dict:
    return {
        "name": signatory.name,
        "role": signatory.role,
        "signature": signatory.signature.file.name if signatory.signature_id else "",
    }


def sample_snapshot(*, template: CertificateTemplate) -> dict:
    """A snapshot with made-up learner data, for the template's preview (nothing is saved)."""
    if template.issuer_id is None:  # an unsaved template in the editor, before an issuer is chosen
        template.issuer = Issuer(name="—", short_code="EMISOR", rut="—", city="Santiago")
    user = get_user_model()(username="vista-previa", email="")
    user.learner_profile = LearnerProfile(
        user=user, given_names="María José", family_names="Nguyễn Muñoz Agüero", run="12345678-5"
    )
    with translation.override(settings.LANGUAGE_CODE):
        course = CoursePage(title=_("Citizen participation in the comuna"), duration_hours=Decimal(24))
    now = timezone.now()
    enrolment = Enrolment(
        user=user, course=course, enrolled_at=now, completed_at=now, final_grade=Decimal("6.5"), cohort=None
    )
    code = "ABCDEFGHJKLMNPQR" + check_character("ABCDEFGHJKLMNPQR")
    return build_snapshot(
        enrolment=enrolment,
        template=template,
        folio=f"{template.issuer.short_code}-{timezone.localdate().year}-000000",
        code=code,
        issued_at=now,
        attendance=Decimal("92.5"),
    )
