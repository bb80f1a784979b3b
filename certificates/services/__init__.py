"""Writes for certificates, one module per concern: ``issuance`` (one certificate, folios, automatic issuing),
``revocation`` (revoke, reissue), ``batches`` (a cohort's certificates in chunks), ``rendering`` (PDF, signature,
storage), ``notices`` (emails), with ``snapshot`` (what a certificate prints) and ``errors``.

May import certificates' models, selectors, codes, pdf and signing, and courses and learners; never views or admin.
Importers name the module that owns the function (``from certificates.services import issuance``).
"""
