"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa §3.2).

Signing: the proof options (the proof without ``proofValue``, with the document's ``@context``) and the document
without its proof are canonicalised with RDFC-1.0 (pyld's URDNA2015, the same algorithm), each hashed with SHA-256;
the Ed25519 signature over the two hashes (options first) is the ``proofValue``, multibase base58-btc.
"""

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from functools import lru_cache

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from certificates.credentials.loader import BundledContextResolver, document_loader

CRYPTOSUITE = "eddsa-rdfc-2022"


def canonical(document: dict, *, loader=document_loader) -> str:
    """The document's RDF dataset in canonical N-Quads (undefined terms are an error, as verifiers require)."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader, "safe": True}
    if loader is document_loader:  # the bundled contexts: what pyld derives from them is kept between calls
        options["contextResolver"] = BundledContextResolver()
    return jsonld.normalize(document, options)


def multibase_base58(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def from_multibase_base58(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError("not a base58-btc multibase value")
    return base58.b58decode(text[1:])


_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_SENTINEL = "1970-01-01T00:00:00Z"


@lru_cache(maxsize=256)
def _options_template(context: str, verification_method: str) -> str:
    """Canonical N-Quads of our proof options with a sentinel ``created``, per context and key.

    The options are one blank node whose quads differ only in the ``created`` literal, so replacing that literal
    keeps both the blank node label and the order of the lines: the result is what a full canonicalisation gives,
    at a third of the cost of signing.
    """
    options = {
        "@context": json.loads(context),
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _SENTINEL,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    return canonical(options)


def _canonical_options(document: dict, proof_options: dict, loader) -> str:
    options = {"@context": document["@context"], **proof_options}
    options.pop("proofValue", None)
    created = options.get("created")
    expected = {"@context", "type", "cryptosuite", "created", "verificationMethod", "proofPurpose"}
    if (
        loader is document_loader
        and set(options) == expected
        and isinstance(created, str)
        and _STAMP.fullmatch(created)
        and options["type"] == "DataIntegrityProof"
        and options["cryptosuite"] == CRYPTOSUITE
        and options["proofPurpose"] == "assertionMethod"
        and isinstance(options["verificationMethod"], str)
    ):
        template = _options_template(json.dumps(options["@context"]), options["verificationMethod"])
        return template.replace(f'"{_SENTINEL}"', f'"{created}"')
    return canonical(options, loader=loader)


def _hash_data(document: dict, proof_options: dict, loader) -> bytes:
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    return (
        hashlib.sha256(_canonical_options(document, proof_options, loader).encode()).digest()
        + hashlib.sha256(canonical(unsigned, loader=loader).encode()).digest()
    )


def now_stamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(
    document: dict,
    *,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: str | None = None,
    loader=document_loader,
) -> dict:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` proof for the assertionMethod purpose."""
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created or now_stamp(),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(document, proof, loader))
    return {**document, "proof": {**proof, "proofValue": multibase_base58(signature)}}


def verify(document: dict, *, public_key: Ed25519PublicKey, loader=document_loader) -> bool:
    """Whether the document's single ``eddsa-rdfc-2022`` proof is good for ``public_key`` (never raises)."""
    proof = document.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    if proof.get("type") != "DataIntegrityProof" or proof.get("proofPurpose") != "assertionMethod":
        return False
    try:
        signature = from_multibase_base58(proof.get("proofValue", ""))
        public_key.verify(signature, _hash_data(document, proof, loader))
    except (InvalidSignature, ValueError, TypeError, jsonld.JsonLdError):
        return False
    return True


def base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
