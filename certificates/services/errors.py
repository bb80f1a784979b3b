"""The error every certificate service raises when it refuses an action."""


class CertificateError(Exception):
    """A staff-facing reason why a certificate action was refused (the message is translated)."""
