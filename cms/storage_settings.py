"""The STORAGES entries for an S3-compatible object store (read by cms.settings.base; imports nothing of Django's).

One bucket holds every kind of file, each storage under its own prefix:

- ``default`` (``media/``): images and documents, public. Their addresses point at the store (or at
  ``DJANGO_S3_PUBLIC_DOMAIN``, for example a CDN or the load balancer's ``/media/`` proxy), unsigned, so that
  pages can be cached; the bucket's policy lets anyone read ``media/*`` and nothing else.
- ``certificates`` (``private/certificates/``) and ``h5p`` (``private/h5p/``): private; the site reads them and
  streams them after its permission check (certificates.views, courses.views). Signed addresses, when one is made,
  last ``querystring_expire`` seconds.

Nothing here is provider-specific: any server that speaks the S3 protocol (MinIO, Ceph RGW, Garage, SeaweedFS,
AWS S3, the providers' object storage) works with an endpoint, a bucket and a key pair.
"""

from urllib.parse import urlsplit

SIGNED_URL_SECONDS = 300


def s3_storages(
    *,
    bucket: str,
    endpoint_url: str,
    region: str,
    access_key: str,
    secret_key: str,
    public_domain: str = "",
    addressing_style: str = "path",
) -> dict[str, dict]:
    """STORAGES["default"], ["certificates"] and ["h5p"] in one bucket of an S3-compatible store."""
    from django.core.exceptions import ImproperlyConfigured

    if not bucket:
        raise ImproperlyConfigured("Con DJANGO_STORAGE=s3, define DJANGO_S3_BUCKET (el nombre del bucket).")
    common = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "signature_version": "s3v4",
        "addressing_style": addressing_style or None,
        "default_acl": None,  # access is the bucket policy's business (ACLs are off on many providers)
        "querystring_expire": SIGNED_URL_SECONDS,
    }
    return {
        "default": {
            "BACKEND": "cms.storage_s3.AsciiS3Storage",
            "OPTIONS": {
                **common,
                "location": "media",
                "file_overwrite": False,  # two uploads named alike never replace each other
                "querystring_auth": False,
                "custom_domain": public_domain or None,
            },
        },
        "certificates": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "private/certificates", "file_overwrite": False},
        },
        "h5p": {
            # Names are chosen by the platform (content/<uuid>/…, libraries/<folder>/…): a rewrite is the same file.
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "private/h5p", "file_overwrite": True},
        },
    }


def public_media_origin(storages: dict) -> str:
    """The origin (scheme://host[:port]) that public images and documents are served from, for the CSP."""
    options = storages["default"]["OPTIONS"]
    if options.get("custom_domain"):
        domain = options["custom_domain"]
        return domain if "://" in domain else f"https://{domain}"
    endpoint = options.get("endpoint_url") or "https://s3.amazonaws.com"
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"
