"""Where certificate PDFs are kept: a private storage, never under a public URL.

``STORAGES["certificates"]`` chooses it when defined (an S3 bucket's private prefix with DJANGO_STORAGE=s3,
cms.storage_settings); otherwise files go to ``CERTIFICATES_PRIVATE_ROOT`` on the local disk, outside
``MEDIA_ROOT``. PDFs are served only by ``certificates.views.download`` (owner or staff), which streams them.

The model field keeps one object for the life of the process; it follows the settings (and tests that change
them) because it is a lazy proxy resolved again whenever STORAGES or CERTIFICATES_PRIVATE_ROOT change.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


def _resolve() -> Storage:
    if "certificates" in settings.STORAGES:
        return storages["certificates"]
    root = getattr(settings, "CERTIFICATES_PRIVATE_ROOT", None) or Path(settings.BASE_DIR) / "var" / "private"
    return FileSystemStorage(location=Path(root) / "certificates", base_url="/no-public-url/")


class _CertificateStorage(LazyObject):
    def _setup(self):
        self._wrapped = _resolve()


_storage = _CertificateStorage()


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs):
    if setting in ("STORAGES", "CERTIFICATES_PRIVATE_ROOT"):
        _storage._wrapped = empty


def certificate_storage() -> Storage:
    return _storage
