"""Bitstring Status List v1.0: the issuer's list of revoked credentials, as a signed credential verifiers fetch.

Bit ``i`` (counted from the most significant bit of the first byte) is 1 when the credential whose
``statusListIndex`` is ``i`` is revoked. The list is GZIP-compressed and written as multibase base64url
(``u…``, no padding); it holds at least 131,072 entries (16 KB), as the specification asks for group privacy.
"""

import base64
import gzip
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.urls import reverse

from certificates.credentials import keys
from certificates.credentials.loader import CREDENTIALS_V2
from courses.public_address import public_url

MIN_ENTRIES = 131_072


def list_url(short_code: str, base_url: str = "") -> str:
    """The list's address on ``base_url`` (the issuer's site's public address; empty: ``PUBLIC_BASE_URL``)."""
    path = reverse("certificates:status_list", kwargs={"short_code": short_code})
    return base_url + path if base_url else public_url(path)


def entry(*, short_code: str, index: int, base_url: str = "") -> dict:
    """The ``credentialStatus`` of the credential at ``index`` in the issuer's list."""
    url = list_url(short_code, base_url)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def size_for(entries: int) -> int:
    """Entries the list holds: a multiple of MIN_ENTRIES large enough for ``entries``."""
    return max(1, -(-entries // MIN_ENTRIES)) * MIN_ENTRIES


def encode(revoked: Iterable[int], *, size: int) -> str:
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("the encoded list is not multibase base64url")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(encoded: str, index: int) -> bool:
    bits = decode(encoded)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def build_list_credential(
    *, short_code: str, revoked: Iterable[int], entries: int, valid_from: str, base_url: str = ""
) -> dict:
    """The unsigned BitstringStatusListCredential of an issuer (on its site's ``base_url``)."""
    url = list_url(short_code, base_url)
    return {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keys.issuer_did(short_code, urlsplit(base_url).netloc if base_url else None),
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(revoked, size=size_for(entries)),
        },
    }
