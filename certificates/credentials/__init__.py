"""Open Badges 3.0 credentials: every issued certificate is also a W3C Verifiable Credential (``OpenBadgeCredential``).

Modules by concern:

- ``contexts/`` the JSON-LD contexts, bundled (no network at sign or verify time) and served by ``loader``;
- ``keys`` the issuers' Ed25519 keys (one per issuer, files in ``CERTIFICATES_CREDENTIAL_KEY_DIR``) and their
  ``did:web`` identifiers and DID documents;
- ``proof`` Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (pyld's RDFC-1.0 + Ed25519);
- ``build`` the credential built from a certificate's snapshot;
- ``status_list`` the issuers' Bitstring Status List credentials (revocation);
- ``services`` the writes: sign a certificate's credential at issue time, update a status list;
- ``baking`` the badge image with the credential inside (PNG iTXt ``openbadgecredential``);
- ``views`` downloads, the public JSON, the DID documents and the status lists.
"""
