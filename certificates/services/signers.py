"""Who certifies a certificate and who signs it: the issuer (the school's, for a course of a school's tree; the
template's, the academy's, for a national course), its signatories, and the school that co-signs a national course.

Rules (README, "Certificados de cada escuela"):

- A course of a school's tree is certified by **the school's issuer** (``Issuer.school``): its name, RUT, logo and
  folio series, whatever template the course uses (the template gives the title, text and orientation). Its
  signatories are the template's when the template is the school's own, else the school issuer's signatories.
- A national course (the academy's tree) is certified by **the template's issuer** (the academy), with the
  template's signatories. When the learner belongs to a school, and that school's issuer co-signs national courses
  (``Issuer.cosigns_national_courses``) and has signatories, they sign too, in a second block named after the school.
- **The school of a national enrolment** is the school of her cohort's comuna (``Cohort.municipality``, one school
  per comuna). A learner without a cohort, or in a cohort of a comuna without a school, has none: her certificate is
  the academy's alone. The host she studied on does not decide it: one account studies on any host, and a cohort
  is what a school organises (its sessions, its attendance, its reports).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from certificates.models import CertificateTemplate, Issuer
from courses.models import School
from courses.schools.selectors import school_for_course, school_for_page
from learners.models import Enrolment

MAX_CO_SIGNATORIES = 3


@dataclass(frozen=True)
class Signers:
    issuer: Issuer
    signatories: Sequence = ()  # objects with name, role, signature (template or issuer signatories)
    co_issuer: Issuer | None = None
    co_signatories: Sequence = field(default_factory=tuple)


def _issuers(**condition) -> Issuer | None:
    return (
        Issuer.objects.filter(**condition)
        .select_related("logo", "school__site")
        .prefetch_related("signatories__signature")
        .order_by("pk")
        .first()
    )


def school_of_enrolment(*, enrolment: Enrolment) -> School | None:
    """The school an enrolment belongs to: the school whose tree holds the course, else (a national course) the
    school of her cohort's comuna; None for the academy's learners without one. Two queries at most."""
    comuna_id = enrolment.cohort.municipality_id if enrolment.cohort_id else None
    return school_for_course(course=enrolment.course, comuna_id=comuna_id)


def signers_for(*, enrolment: Enrolment, template: CertificateTemplate) -> Signers:
    """The issuer and signatories of ``enrolment``'s certificate with ``template`` (loaded with its issuer and
    signatories, ``issuance.template_with_parts``). A few queries, none per signatory."""
    course_school = school_for_page(page=enrolment.course)
    if course_school is not None:
        issuer = _issuers(school=course_school) or template.issuer
        if issuer.pk == template.issuer_id:
            return Signers(issuer=template.issuer, signatories=_template_signatories(template))
        return Signers(issuer=issuer, signatories=list(issuer.signatories.all()))
    signers = Signers(issuer=template.issuer, signatories=_template_signatories(template))
    if not (enrolment.cohort_id and enrolment.cohort.municipality_id):
        return signers
    co_issuer = _issuers(school__comuna_id=enrolment.cohort.municipality_id, cosigns_national_courses=True)
    if co_issuer is None or co_issuer.pk == template.issuer_id:
        return signers
    co_signatories = list(co_issuer.signatories.all())[:MAX_CO_SIGNATORIES]
    if not co_signatories:
        return signers
    return Signers(
        issuer=signers.issuer, signatories=signers.signatories, co_issuer=co_issuer, co_signatories=co_signatories
    )


def _template_signatories(template: CertificateTemplate) -> list:
    signatories = list(template.signatories.all())
    if not signatories and template.issuer_id:
        signatories = list(template.issuer.signatories.all())
    return signatories
