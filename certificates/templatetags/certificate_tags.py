"""Certificates on learner pages ("Mis cursos"), without the learners plugin importing this one."""

from django import template

from certificates import selectors
from certificates.credentials import selectors as credential_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def learner_certificates(context):
    """The signed-in learner's certificates by enrolment id (one query, cached on the request)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {}
    if not hasattr(request, "_learner_certificates"):
        request._learner_certificates = selectors.certificates_of(user=request.user)
    return request._learner_certificates


@register.inclusion_tag("certificates/includes/dashboard_certificate.html")
def certificate_panel(certificates, enrolment):
    """The certificate line of a completed course: download and verify links, or why it is not there yet."""
    certificate = certificates.get(enrolment.pk) if certificates else None
    linkedin = ""
    if certificate is not None and certificate.has_credential:
        linkedin = credential_selectors.linkedin_url(
            certificate=certificate, course_title=enrolment.course.title, issuer_name=certificate.issuer_name
        )
    return {"certificate": certificate, "linkedin_url": linkedin}
