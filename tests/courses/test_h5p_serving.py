"""Serving H5P files: signed per-user content addresses, approved libraries only, safe paths and types."""

import shutil
import uuid

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import TestCase, override_settings
from django.urls import reverse

from courses import h5p_files
from courses.models import H5PLibrary
from tests.factories.learners import make_user


def write(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


class ContentFileTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ana = make_user(email="ana@example.cl")
        cls.luis = make_user(email="luis@example.cl")

    def setUp(self):
        self.activity = uuid.uuid4()
        self.root = h5p_files.root() / h5p_files.content_prefix(self.activity)
        write(self.root / "h5p.json", b'{"title": "Quiz"}')
        write(self.root / "content" / "content.json", b"{}")
        write(self.root / "content" / "images" / "mapa.png", b"\x89PNG")
        write(self.root / "content" / "guia.pdf", b"%PDF-1.4")
        write(self.root / "content" / "evil.html", b"<script>alert(1)</script>")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.token = h5p_files.content_token(activity_uuid=self.activity, user_id=self.ana.pk)
        self.client.force_login(self.ana)

    def url(self, path, token=None):
        return reverse("courses:h5p-content", args=[token or self.token, path])

    def test_serves_json_with_an_explicit_type_and_nosniff(self):
        response = self.client.get(self.url("content/content.json"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(b"".join(response.streaming_content), b"{}")
        self.assertEqual(self.client.get(self.url("content/images/mapa.png"))["Content-Type"], "image/png")

    def test_office_and_pdf_files_are_downloads(self):
        response = self.client.get(self.url("content/guia.pdf"))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))

    def test_html_and_unknown_types_are_never_served(self):
        self.assertEqual(self.client.get(self.url("content/evil.html")).status_code, 404)

    def test_traversal_and_odd_paths_are_refused(self):
        for path in [
            "../h5p.json",
            "content/../../h5p.json",
            "content/./content.json",
            "content//content.json",
            "content/%2e%2e/h5p.json",
            "content\\content.json",
            "content/.hidden.json",
            "/etc/passwd",
        ]:
            with self.subTest(path=path):
                self.assertEqual(self.client.get(self.url(path)).status_code, 404)

    def test_a_symlink_inside_the_folder_is_not_followed(self):
        secret = write(h5p_files.root() / "secret.json", b'{"secret": true}')
        self.addCleanup(secret.unlink)
        (self.root / "content" / "link.json").symlink_to(secret)
        self.assertEqual(self.client.get(self.url("content/link.json")).status_code, 404)

    def test_the_token_belongs_to_one_user(self):
        self.client.force_login(self.luis)
        self.assertEqual(self.client.get(self.url("h5p.json")).status_code, 404)

    def test_a_forged_or_anonymous_request_is_refused(self):
        self.assertEqual(self.client.get(self.url("h5p.json", token="abc:def")).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(self.url("h5p.json")).status_code, 302)

    @override_settings(H5P_CONTENT_TOKEN_MAX_AGE=-1)
    def test_an_expired_token_is_refused(self):
        self.assertEqual(self.client.get(self.url("h5p.json")).status_code, 404)


class LibraryFileTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_user(email="ana@example.cl")

    def library(self, patch, status, tree):
        library = H5PLibrary.objects.create(
            machine_name="EscuelaCiudadana.TestQuestion",
            major_version=1,
            minor_version=0,
            patch_version=patch,
            title="Pregunta",
            tree_sha256=tree,
            status=status,
        )
        folder = h5p_files.root() / h5p_files.library_prefix(library.folder)
        write(folder / "library.json", b"{}")
        write(folder / "question.js", f"// patch {patch}".encode())
        write(folder / "notes.html", b"<p>x</p>")
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        return library

    def setUp(self):
        self.client.force_login(self.user)

    def url(self, path, folder="EscuelaCiudadana.TestQuestion-1.0"):
        return reverse("courses:h5p-library", args=[folder, path])

    def test_only_the_newest_approved_patch_is_served(self):
        self.library(1, H5PLibrary.Status.APPROVED, "a" * 64)
        self.library(3, H5PLibrary.Status.APPROVED, "b" * 64)
        self.library(4, H5PLibrary.Status.PENDING, "c" * 64)
        response = self.client.get(self.url("question.js"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/javascript; charset=utf-8")
        self.assertEqual(b"".join(response.streaming_content), b"// patch 3")

    def test_a_pending_library_is_not_served(self):
        self.library(1, H5PLibrary.Status.PENDING, "a" * 64)
        self.assertEqual(self.client.get(self.url("question.js")).status_code, 404)

    def test_unsafe_names_and_types_are_refused(self):
        self.library(1, H5PLibrary.Status.APPROVED, "a" * 64)
        self.assertEqual(self.client.get(self.url("notes.html")).status_code, 404)
        self.assertEqual(self.client.get(self.url("../library.json")).status_code, 404)
        self.assertEqual(self.client.get(self.url("question.js", folder="..")).status_code, 404)
        self.assertEqual(self.client.get(self.url("question.js", folder="EscuelaCiudadana")).status_code, 404)


@pytest.mark.usefixtures("s3_server_class")
class ObjectStoreContentFileTests(TestCase):
    """The same files from an S3-compatible store (DJANGO_STORAGE=s3): streamed after the checks, one GET each."""

    @classmethod
    def setUpTestData(cls):
        cls.ana = make_user(email="ana@example.cl")

    def setUp(self):
        bucket = self.s3.new_bucket("h5p")
        s3 = override_settings(STORAGES={**settings.STORAGES, **self.s3.storages(bucket)})
        s3.enable()
        self.addCleanup(s3.disable)
        self.activity = uuid.uuid4()
        store = h5p_files.storage()
        store.save(f"content/{self.activity}/content/content.json", ContentFile(b'{"question": "?"}'))
        store.save(f"content/{self.activity}/content/guia.pdf", ContentFile(b"%PDF-1.4"))
        self.keys = self.s3.keys(bucket)
        self.token = h5p_files.content_token(activity_uuid=self.activity, user_id=self.ana.pk)
        self.client.force_login(self.ana)

    def url(self, path):
        return reverse("courses:h5p-content", args=[self.token, path])

    def test_a_stored_file_is_streamed_with_its_length(self):
        self.assertIn(f"private/h5p/content/{self.activity}/content/content.json", self.keys)
        response = self.client.get(self.url("content/content.json"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response["Content-Length"], "17")
        self.assertEqual(b"".join(response.streaming_content), b'{"question": "?"}')
        self.assertTrue(self.client.get(self.url("content/guia.pdf"))["Content-Disposition"].startswith("attachment"))

    def test_missing_odd_and_other_peoples_files_are_404(self):
        self.assertEqual(self.client.get(self.url("content/no-existe.json")).status_code, 404)
        self.assertEqual(self.client.get(self.url("content/../../otro/h5p.json")).status_code, 404)
        other = h5p_files.content_token(activity_uuid=uuid.uuid4(), user_id=self.ana.pk)
        response = self.client.get(reverse("courses:h5p-content", args=[other, "content/content.json"]))
        self.assertEqual(response.status_code, 404)
