"""Builders for certificate issuers, templates and completed enrolments.

Usage::

    template = make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)
    enrolment = completed_enrolment(course=course, cohort=group, final_grade="6.5")
    certificate = services.certificate_issue(enrolment=enrolment, render=False)
"""

import itertools
from decimal import Decimal

from django.utils import timezone

from certificates.credentials import keys
from certificates.models import CertificateTemplate, Issuer, Signatory
from learners.models import Enrolment
from tests.factories.learners import learner

_sequence = itertools.count(1)

BODY = (
    "Se certifica que {nombre}, RUN {run}, aprobó el curso {curso}, de {horas} horas cronológicas, modalidad "
    "{modalidad}, realizado {fechas}, con nota {nota} y asistencia {asistencia}. {ciudad}, {fecha_emision}."
)


def make_issuer(*, short_code: str | None = None, **fields) -> Issuer:
    fields.setdefault("name", "Asociación de Municipalidades de Chile")
    fields.setdefault("rut", "65.038.226-6")
    fields.setdefault("city", "Santiago")
    issuer = Issuer.objects.create(short_code=short_code or f"IS{next(_sequence)}", **fields)
    keys.create_key(keys.key_path(issuer.short_code))  # its credential key (test settings: a temporary directory)
    return issuer


def make_template(*, issuer: Issuer | None = None, signatories=(("Ana Pérez", "Directora académica"),), **fields):
    fields.setdefault("name", f"Plantilla {next(_sequence)}")
    fields.setdefault("title", "Certificado de aprobación")
    fields.setdefault("body", BODY)
    template = CertificateTemplate(issuer=issuer or make_issuer(), **fields)
    template.signatories = [Signatory(name=name, role=role) for name, role in signatories]
    template.save()
    return template


def completed_enrolment(*, course, cohort=None, user=None, final_grade: str | None = "6.5", **profile) -> Enrolment:
    """An enrolment already completed (without going through the lessons)."""
    now = timezone.now()
    return Enrolment.objects.create(
        user=user or learner(**profile),
        course=course,
        cohort=cohort,
        status=Enrolment.Status.COMPLETED,
        completed_at=now,
        final_grade=Decimal(final_grade) if final_grade else None,
    )
