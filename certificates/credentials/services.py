"""Writes for credentials: sign the credentials of new certificates (in the issuing transaction), re-sign them, and
rebuild an issuer's status list after a revocation or a reissue (in that transaction too).

Called by ``certificates.services.issuance`` and ``revocation``; an issuer without a key (``keys``) gets no
credentials and no list, the way a site without a PDF key issues unsigned PDFs.
"""

import logging
from collections.abc import Sequence

from django.db import transaction

from certificates.credentials import build, keys, proof, status_list
from certificates.models import CredentialStatusList, IssuedCertificate, Issuer, issuer_site
from courses.public_address import public_base_url

logger = logging.getLogger(__name__)


def issuer_signer(issuer: Issuer) -> keys.IssuerKey | None:
    """The issuer's key, naming its site's public address (a school's host for a school's issuer)."""
    return keys.issuer_key(issuer.short_code, base_url=public_base_url(site=issuer_site(issuer)))


def _identity_of(enrolment) -> tuple[str, str]:
    user = enrolment.user
    profile = getattr(user, "learner_profile", None)
    return build.learner_identity(run=getattr(profile, "run", None), email=user.email)


def status_indexes_allocate(*, issuer: Issuer, count: int, signer: keys.IssuerKey) -> list[int]:
    """Reserve ``count`` consecutive positions in the issuer's status list (call inside the issuing transaction;
    the row stays locked until it ends, like the folio counter). The list credential is signed when the list is
    new or grows past its size, so that every credential's list can be fetched from the moment it is issued."""
    CredentialStatusList.objects.bulk_create([CredentialStatusList(issuer=issuer)], ignore_conflicts=True)
    row = CredentialStatusList.objects.select_for_update().get(issuer=issuer)
    first = row.next_index
    row.next_index += count
    if row.credential is None or status_list.size_for(row.next_index) != status_list.size_for(first):
        _sign_list(row=row, issuer=issuer, signer=signer)
    row.save(update_fields=["next_index", "credential", "updated_at"])
    return list(range(first, first + count))


def _sign_list(*, row: CredentialStatusList, issuer: Issuer, signer: keys.IssuerKey) -> None:
    revoked = (
        IssuedCertificate.objects.filter(issuer=issuer, status_list_index__isnull=False)
        .exclude(status=IssuedCertificate.Status.VALID)
        .values_list("status_list_index", flat=True)
    )
    unsigned = status_list.build_list_credential(
        short_code=issuer.short_code,
        revoked=revoked,
        entries=row.next_index,
        valid_from=proof.now_stamp(),
        base_url=signer.base_url,
    )
    row.credential = proof.sign(unsigned, key=signer.key, verification_method=signer.verification_method)


def credentials_attach(*, certificates: Sequence[IssuedCertificate], issuer: Issuer) -> None:
    """Give unsaved certificates (same issuer, snapshot taken, enrolment loaded) their signed credential."""
    signer = issuer_signer(issuer)
    if signer is None or not certificates:
        if certificates:
            logger.warning("Issuer %s has no credential key: certificates issued without a credential", issuer)
        return
    indexes = status_indexes_allocate(issuer=issuer, count=len(certificates), signer=signer)
    for certificate, index in zip(certificates, indexes, strict=True):
        certificate.status_list_index = index
        certificate.credential = signed_credential(certificate=certificate, signer=signer)


def signed_credential(*, certificate: IssuedCertificate, signer: keys.IssuerKey, salt: str | None = None) -> dict:
    enrolment = certificate.enrolment
    identity, identity_type = _identity_of(enrolment)
    course = enrolment.course
    unsigned = build.build_credential(
        snapshot=certificate.snapshot,
        short_code=signer.short_code,
        course_id=course.pk,
        area=str(course.get_thematic_area_display()),
        identity=identity,
        identity_type=identity_type,
        salt=salt or build.new_salt(),
        issued_at=certificate.issued_at,
        status_entry=status_list.entry(
            short_code=signer.short_code, index=certificate.status_list_index, base_url=signer.base_url
        )
        if certificate.status_list_index is not None
        else None,
        base_url=signer.base_url,
    )
    return proof.sign(unsigned, key=signer.key, verification_method=signer.verification_method)


@transaction.atomic
def status_list_refresh(*, issuer: Issuer) -> CredentialStatusList | None:
    """Rebuild and re-sign the issuer's list from the certificates' statuses (None: the issuer has no key)."""
    signer = issuer_signer(issuer)
    if signer is None:
        return None
    CredentialStatusList.objects.bulk_create([CredentialStatusList(issuer=issuer)], ignore_conflicts=True)
    row = CredentialStatusList.objects.select_for_update().get(issuer=issuer)
    _sign_list(row=row, issuer=issuer, signer=signer)
    row.save(update_fields=["credential", "updated_at"])
    return row


@transaction.atomic
def credential_resign(*, certificate: IssuedCertificate) -> IssuedCertificate:
    """Sign (again) one certificate's credential, keeping its status position and salt (after a key rotation,
    a change of PUBLIC_BASE_URL, or for a certificate issued before its issuer had a key)."""
    certificate = (
        IssuedCertificate.objects.select_for_update(of=("self",))
        .select_related("issuer__school__site", "enrolment__user__learner_profile", "enrolment__course")
        .get(pk=certificate.pk)
    )
    signer = issuer_signer(certificate.issuer)
    if signer is None:
        return certificate
    if certificate.status_list_index is None:
        (certificate.status_list_index,) = status_indexes_allocate(issuer=certificate.issuer, count=1, signer=signer)
    salt = None
    if certificate.credential:
        identifiers = certificate.credential.get("credentialSubject", {}).get("identifier") or [{}]
        salt = identifiers[0].get("salt")
    certificate.credential = signed_credential(certificate=certificate, signer=signer, salt=salt)
    certificate.save(update_fields=["credential", "status_list_index"])
    return certificate
