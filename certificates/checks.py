"""System checks for the certificates plugin: fonts present, signing key readable, credential keys directory."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register

from certificates.fonts import find_font_dir, missing_fonts_message


@register()
def check_certificate_fonts(app_configs=None, **kwargs):
    """Certificates embed DejaVu TrueType fonts; without them no certificate can be rendered."""
    if find_font_dir() is None:
        return [Error(missing_fonts_message(), id="certificates.E010")]
    return []


@register()
def check_signing_key(app_configs=None, **kwargs):
    """When a signing key is configured, both files must exist (a missing key would stop issuance)."""
    key = getattr(settings, "CERTIFICATES_SIGNING_KEY", None)
    cert = getattr(settings, "CERTIFICATES_SIGNING_CERT", None)
    if not key and not cert:
        return []
    if not (key and cert):
        return [
            Error(
                "Set both CERTIFICATES_SIGNING_KEY and CERTIFICATES_SIGNING_CERT, or neither (unsigned PDFs).",
                id="certificates.E011",
            )
        ]
    missing = [str(path) for path in (key, cert) if not Path(path).is_file()]
    if missing:
        return [
            Warning(
                f"Certificate signing files not found: {', '.join(missing)}. Issuing certificates will fail until "
                "they exist.",
                hint="In development run `python manage.py certificates_dev_key` (make run does it).",
                id="certificates.W010",
            )
        ]
    return []


@register()
def check_credential_keys(app_configs=None, **kwargs):
    """Open Badges credentials need the issuers' keys directory (README, "Credenciales Open Badges 3.0")."""
    folder = getattr(settings, "CERTIFICATES_CREDENTIAL_KEY_DIR", None)
    if not folder:
        return [
            Warning(
                "CERTIFICATES_CREDENTIAL_KEY_DIR is not set: certificates are issued without their Open Badges "
                "credential.",
                hint="Set it to a directory outside the repository and run "
                "`python manage.py certificates_credential_keys`.",
                id="certificates.W011",
            )
        ]
    if not Path(folder).is_dir():
        return [
            Warning(
                f"The credential key directory {folder} does not exist: certificates are issued without their Open "
                "Badges credential.",
                hint="Run `python manage.py certificates_credential_keys` (make run does it in development).",
                id="certificates.W012",
            )
        ]
    return []
