"""The unsigned ``OpenBadgeCredential`` of a certificate, built from its snapshot (what the PDF prints).

Only terms defined by the credentials v2 and Open Badges 3.0.3 contexts are used: verifiers expand credentials in
"safe mode" and reject undefined terms. The learner is named (as on the PDF) and identified by a salted hash of her
RUN (or of her email when she has no RUN), never by the RUN itself.
"""

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, time
from datetime import date as date_type
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates.credentials import keys
from certificates.credentials.loader import CREDENTIALS_V2, OB_V3
from courses.public_address import public_base_url, public_url

CONTEXT = [CREDENTIALS_V2, OB_V3]


def identity_hash(identity: str, salt: str) -> str:
    """OB 3.0 IdentityObject hash: ``sha256$`` + hex SHA-256 of the identity followed by the salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def learner_identity(*, run: str | None, email: str) -> tuple[str, str]:
    """(identity, OB identity type): the canonical RUN (``12345678-5``) or, without one, the email in lower case."""
    if run:
        return run.strip().upper(), "nationalIdentityNumber"
    return (email or "").strip().lower(), "emailAddress"


def new_salt() -> str:
    return secrets.token_hex(16)


def credential_url(code: str, base_url: str = "") -> str:
    """The public address of the credential's JSON (its ``id``): next to the certificate's verify page, on the
    issuer's site (``base_url``; empty: ``PUBLIC_BASE_URL``)."""
    path = reverse("certificates:credential_json", kwargs={"code": code})
    return base_url + path if base_url else public_url(path)


def achievement_id(course_id: int, base_url: str = "") -> str:
    """A stable identifier of the course as an achievement (the same for every learner of the course)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url or public_base_url()}/cursos/{course_id}"))


def _start_of(day: str) -> str:
    moment = timezone.make_aware(datetime.combine(date_type.fromisoformat(day), time(0, 0)))
    return _utc(moment)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(
    *,
    snapshot: dict,
    short_code: str,
    course_id: int,
    area: str,
    identity: str,
    identity_type: str,
    salt: str,
    issued_at: datetime,
    status_entry: dict | None,
    base_url: str = "",
) -> dict:
    """The credential, unsigned. ``status_entry``: its BitstringStatusListEntry (None: no status list).
    ``base_url``: the issuer's site's public address (a school's host for a school's issuer; empty: the academy's
    ``PUBLIC_BASE_URL``), used for the issuer's did:web and profile URL, the credential's id and the achievement."""
    base_url = base_url or public_base_url()
    issuer_host = urlsplit(base_url).netloc
    with translation.override(settings.LANGUAGE_CODE):
        hours = snapshot.get("hours", "")
        modality = snapshot.get("modality", "")
        course = snapshot.get("course_title", "")
        if snapshot.get("kind") == "participacion":
            narrative = _("Took part in the course «%(course)s», %(hours)s clock hours, modality %(modality)s.")
        else:
            narrative = _("Passed the course «%(course)s», %(hours)s clock hours, modality %(modality)s.")
        narrative %= {"course": course, "hours": hours, "modality": modality}
        description = _("%(course)s: %(hours)s clock hours, modality %(modality)s, area %(area)s.") % {
            "course": course,
            "hours": hours,
            "modality": modality,
            "area": area,
        }
        tags = [
            _("%(hours)s clock hours") % {"hours": hours},
            _("Modality: %(modality)s") % {"modality": modality},
            _("Area: %(area)s") % {"area": area},
        ]
    achievement = {
        "id": achievement_id(course_id, base_url),
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": course,
        "description": description,
        "criteria": {"narrative": narrative},
        "fieldOfStudy": area,
        "inLanguage": "es-CL",
        "tag": tags,
    }
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(identity, salt),
                "identityType": identity_type,
                "hashed": True,
                "salt": salt,
            }
        ],
        "achievement": achievement,
    }
    if snapshot.get("starts_on"):
        subject["activityStartDate"] = _start_of(snapshot["starts_on"])
    if snapshot.get("ends_on"):
        subject["activityEndDate"] = _start_of(snapshot["ends_on"])
    issuer = {
        "id": keys.issuer_did(short_code, issuer_host),
        "type": ["Profile"],
        "name": snapshot.get("issuer_name", ""),
        "url": base_url + "/",
    }
    credential = {
        "@context": list(CONTEXT),
        "id": credential_url(snapshot["code"], base_url),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{snapshot.get('title', '')}: {course}",
        "description": narrative,
        "issuer": issuer,
        "validFrom": _utc(issued_at),
        "credentialSubject": subject,
    }
    if status_entry is not None:
        credential["credentialStatus"] = status_entry
    return credential
