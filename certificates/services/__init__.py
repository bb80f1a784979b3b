"""Writes for certificates, one module per concern: issuance, revocation, batches, rendering, notices (plus snapshot
and errors). May import certificates' models, selectors, codes, pdf and signing, and courses and learners (never
views, admin or tasks at module level); importers name the module, e.g. ``from certificates.services import issuance``.
"""
