"""Reads for credentials: an issuer's DID document and status list, a certificate's LinkedIn link."""

from urllib.parse import urlencode

from django.utils import timezone

from certificates.credentials import keys
from certificates.models import CredentialStatusList, IssuedCertificate, Issuer
from courses.public_address import public_host

LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"


def issuer_by_code(short_code: str) -> Issuer | None:
    """The issuer with this folio prefix (None for anything that cannot be one, NUL bytes included)."""
    if not (short_code and len(short_code) <= 12 and short_code.isascii() and short_code.isalnum()):
        return None
    return Issuer.objects.filter(short_code=short_code).first()


def did_document(*, issuer: Issuer, academy: bool, site=None) -> dict | None:
    """The DID document at /.well-known (``academy``) or at /emisores/<CODE>/ on the host of ``site`` (the Site
    the request came to), or None when nothing is there. A school's issuer is at home on its school's host; the
    academy's host also answers for it (credentials signed before its school had a host of its own name the
    academy's), and any other school's host does not. The academy's issuers are only on the academy's host."""
    if academy != keys.is_academy(issuer.short_code):
        return None
    request_school = getattr(site, "school", None) if site is not None and not site.is_default_site else None
    if request_school is not None and request_school.pk != issuer.school_id:
        return None
    return keys.did_document(short_code=issuer.short_code, host=public_host(site=site))


def status_list_credential(*, issuer: Issuer) -> dict | None:
    row = CredentialStatusList.objects.filter(issuer=issuer).only("credential").first()
    return row.credential if row is not None else None


def linkedin_url(*, certificate: IssuedCertificate, course_title: str, issuer_name: str) -> str:
    """LinkedIn's "add licence or certification" link, filled with the certificate's data."""
    issued = timezone.localtime(certificate.issued_at)
    return (
        LINKEDIN_ADD_URL
        + "?"
        + urlencode(
            {
                "startTask": "CERTIFICATION_NAME",
                "name": course_title,
                "organizationName": issuer_name,
                "issueYear": issued.year,
                "issueMonth": issued.month,
                "certUrl": certificate.verify_url,
                "certId": certificate.folio,
            }
        )
    )
