"""Create a local development signing key and self-signed certificate for certificate PDFs (idempotent)."""

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_DIR = Path(settings.BASE_DIR) / "var" / "certificates"


def create_dev_key(key_path: Path, cert_path: Path) -> bool:
    """Write an ECDSA P-256 key and a ten-year self-signed certificate; False when both files already exist."""
    if key_path.exists() and cert_path.exists():
        return False
    if key_path.exists() != cert_path.exists():
        raise CommandError(f"Only one of {key_path} and {cert_path} exists: remove it or restore the other.")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Escuela Ciudadana (desarrollo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Escuela Ciudadana: firma de certificados (solo desarrollo)"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_pem)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return True


class Command(BaseCommand):
    requires_system_checks = []  # it fixes what the signing-key check reports
    help = (
        "Create a development signing key and self-signed certificate for certificate PDFs, at the paths of "
        "CERTIFICATES_SIGNING_KEY / CERTIFICATES_SIGNING_CERT (default var/certificates/). Does nothing when "
        "they exist. Never use this key in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--key", help="Path of the private key (PEM).")
        parser.add_argument("--cert", help="Path of the certificate (PEM).")

    def handle(self, *args, **options):
        key_path = Path(
            options["key"] or getattr(settings, "CERTIFICATES_SIGNING_KEY", None) or DEFAULT_DIR / "dev-key.pem"
        )
        cert_path = Path(
            options["cert"] or getattr(settings, "CERTIFICATES_SIGNING_CERT", None) or DEFAULT_DIR / "dev-cert.pem"
        )
        if create_dev_key(key_path, cert_path):
            self.stdout.write(f"Created a development signing key {key_path} and certificate {cert_path}.")
        elif options["verbosity"] > 1:
            self.stdout.write(f"The development signing key {key_path} already exists.")
