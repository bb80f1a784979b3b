"""The issuers' credential keys and their ``did:web`` identities.

Each issuer signs its credentials with its own Ed25519 key: the PEM file ``<SHORT_CODE>.pem`` (PKCS#8, as
``certificates_credential_keys`` writes it) in ``CERTIFICATES_CREDENTIAL_KEY_DIR``. Keys are never committed nor kept
in the database. After a rotation, the previous keys stay in the directory as ``<SHORT_CODE>.<anything>.pem``: the
DID document keeps listing their public halves, so credentials signed before still verify.

Identifiers: the issuer named by ``CERTIFICATES_ACADEMY_ISSUER`` (the academy) is the host itself,
``did:web:<host>`` (document at ``https://<host>/.well-known/did.json``); every other issuer, a municipality for
instance, is ``did:web:<host>:emisores:<SHORT_CODE>`` (document at ``https://<host>/emisores/<SHORT_CODE>/did.json``).
The host is the issuer's site's (``courses.public_address.public_host``): ``PUBLIC_BASE_URL``'s for the academy's
issuers, the school's host name for a school's issuer (``did:web:penalolen.escuelaciudadana.cl:emisores:PENALOLEN``);
a port is written ``%3A`` as did:web requires. Callers that know the issuer pass its ``host``.
"""

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from certificates.credentials.proof import multibase_base58
from courses.public_address import public_host

_ED25519_PUBLIC_PREFIX = b"\xed\x01"  # multicodec ed25519-pub


def key_dir() -> Path | None:
    value = getattr(settings, "CERTIFICATES_CREDENTIAL_KEY_DIR", None)
    return Path(value) if value else None


def key_path(short_code: str) -> Path | None:
    folder = key_dir()
    return folder / f"{short_code}.pem" if folder else None


def public_multibase(public_key: Ed25519PublicKey) -> str:
    """The key as ``publicKeyMultibase`` of a Multikey (``z6Mk…``)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_base58(_ED25519_PUBLIC_PREFIX + raw)


@cache
def _load_private(path: str, mtime: float) -> Ed25519PrivateKey:
    data = Path(path).read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"Cannot load the credential signing key {path}: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The credential signing key {path} is not an Ed25519 key.")
    return key


def private_key(short_code: str) -> Ed25519PrivateKey | None:
    """The issuer's current signing key, or None when it has none (its certificates then get no credential)."""
    path = key_path(short_code)
    if path is None or not path.is_file():
        return None
    return _load_private(str(path), path.stat().st_mtime)


def retired_public_keys(short_code: str) -> list[Ed25519PublicKey]:
    """Public halves of the issuer's previous keys (``<SHORT_CODE>.<label>.pem``), for its DID document."""
    folder = key_dir()
    if folder is None or not folder.is_dir():
        return []
    keys = []
    for path in sorted(folder.glob(f"{short_code}.*.pem")):
        key = _load_private(str(path), path.stat().st_mtime)
        keys.append(key.public_key())
    return keys


def _host_part(host: str | None = None) -> str:
    return quote(host or public_host(), safe="")


def is_academy(short_code: str) -> bool:
    return bool(short_code) and short_code == (getattr(settings, "CERTIFICATES_ACADEMY_ISSUER", "") or "")


def issuer_did(short_code: str, host: str | None = None) -> str:
    """The issuer's did:web on ``host`` (its site's public host; None: ``PUBLIC_BASE_URL``'s)."""
    if is_academy(short_code):
        return f"did:web:{_host_part(host)}"
    return f"did:web:{_host_part(host)}:emisores:{short_code}"


def verification_method_id(short_code: str, public_key: Ed25519PublicKey, host: str | None = None) -> str:
    return f"{issuer_did(short_code, host)}#{public_multibase(public_key)}"


@dataclass(frozen=True)
class IssuerKey:
    """An issuer's signing key and the public address its credentials name (its site's: ``base_url``)."""

    short_code: str
    key: Ed25519PrivateKey
    base_url: str = ""

    @property
    def host(self) -> str | None:
        return urlsplit(self.base_url).netloc if self.base_url else None

    @property
    def did(self) -> str:
        return issuer_did(self.short_code, self.host)

    @property
    def verification_method(self) -> str:
        return verification_method_id(self.short_code, self.key.public_key(), self.host)


def issuer_key(short_code: str, *, base_url: str = "") -> IssuerKey | None:
    """The issuer's current key, naming ``base_url`` (its site's public address; empty: ``PUBLIC_BASE_URL``)."""
    key = private_key(short_code)
    return IssuerKey(short_code, key, base_url) if key is not None else None


def did_document(*, short_code: str, host: str | None = None) -> dict | None:
    """The issuer's DID document on ``host`` (current key first, then retired ones), or None when it has no key."""
    current = private_key(short_code)
    if current is None:
        return None
    did = issuer_did(short_code, host)
    methods = []
    for public_key in [current.public_key(), *retired_public_keys(short_code)]:
        methods.append(
            {
                "id": verification_method_id(short_code, public_key, host),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": public_multibase(public_key),
            }
        )
    ids = [method["id"] for method in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [],
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids[:1],
    }


def create_key(path: Path) -> bool:
    """Write a new Ed25519 key (PEM, PKCS#8, mode 0600); False when the file already exists."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return True
