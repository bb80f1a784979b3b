"""The S3 storages chosen by DJANGO_STORAGE=s3 (cms.storage_settings): one bucket, public media, private rest."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from cms.storage_settings import public_media_origin, s3_storages

ROOT = Path(__file__).resolve().parents[2]


class S3StorageSettingsTests(SimpleTestCase):
    def storages(self, **overrides):
        options = {
            "bucket": "escuela",
            "endpoint_url": "https://s3.municipio.cl:9000",
            "region": "us-east-1",
            "access_key": "clave",
            "secret_key": "secreto",
            **overrides,
        }
        return s3_storages(**options)

    def test_one_bucket_with_a_public_and_two_private_prefixes(self):
        storages = self.storages()
        locations = {name: entry["OPTIONS"]["location"] for name, entry in storages.items()}
        self.assertEqual(locations, {"default": "media", "certificates": "private/certificates", "h5p": "private/h5p"})
        self.assertEqual({entry["OPTIONS"]["bucket_name"] for entry in storages.values()}, {"escuela"})
        self.assertFalse(storages["default"]["OPTIONS"]["querystring_auth"], "public addresses, cacheable")
        self.assertNotIn("querystring_auth", storages["certificates"]["OPTIONS"])  # signed (the default)
        self.assertFalse(storages["certificates"]["OPTIONS"]["file_overwrite"])
        self.assertIsNone(storages["default"]["OPTIONS"]["default_acl"])

    def test_the_public_origin_for_the_content_security_policy(self):
        self.assertEqual(public_media_origin(self.storages()), "https://s3.municipio.cl:9000")
        self.assertEqual(
            public_media_origin(self.storages(public_domain="archivos.escuela.cl")), "https://archivos.escuela.cl"
        )

    def test_a_bucket_is_required(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "DJANGO_S3_BUCKET"):
            self.storages(bucket="")


def settings_in_a_new_process(**env) -> subprocess.CompletedProcess:
    code = (
        "import json; from cms.settings import test as s; "
        "print(json.dumps({'storages': sorted(s.STORAGES), "
        "'img': [str(x) for x in s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']]}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


class EnvironmentTests(SimpleTestCase):
    def test_django_storage_s3_sets_the_storages_and_the_policy(self):
        completed = settings_in_a_new_process(
            DJANGO_STORAGE="s3", DJANGO_S3_BUCKET="escuela", DJANGO_S3_ENDPOINT_URL="http://10.0.0.22:9000"
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        result = json.loads(completed.stdout)
        self.assertEqual(result["storages"], ["certificates", "default", "h5p", "staticfiles"])
        self.assertIn("http://10.0.0.22:9000", result["img"])

    def test_an_unknown_storage_is_refused_in_spanish(self):
        completed = settings_in_a_new_process(DJANGO_STORAGE="nube")
        self.assertNotEqual(completed.returncode, 0)
        self.assertIn("DJANGO_STORAGE debe ser «local» o «s3».", completed.stderr)
