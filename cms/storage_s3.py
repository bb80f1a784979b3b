"""Images and documents in an S3-compatible object store (DJANGO_STORAGE=s3; cms.storage_settings)."""

from storages.backends.s3 import S3Storage

from cms.storage import ascii_file_name


class AsciiS3Storage(S3Storage):
    """The S3 storage (django-storages) with the same ASCII file names as on the local file system."""

    def get_valid_name(self, name):
        return super().get_valid_name(ascii_file_name(name))
