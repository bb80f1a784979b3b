"""Where certificate PDFs are kept: a private storage, never under a public URL.

``STORAGES["certificates"]`` chooses it when defined (for example an S3 bucket without public access); otherwise
files go to ``CERTIFICATES_PRIVATE_ROOT`` on the local disk, outside ``MEDIA_ROOT``. PDFs are served only by
``certificates.views.download`` (owner or staff).
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


def certificate_storage() -> Storage:
    if "certificates" in settings.STORAGES:
        return storages["certificates"]
    root = getattr(settings, "CERTIFICATES_PRIVATE_ROOT", None) or Path(settings.BASE_DIR) / "var" / "private"
    return FileSystemStorage(location=Path(root) / "certificates", base_url="/no-public-url/")
