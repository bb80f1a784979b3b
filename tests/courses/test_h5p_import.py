"""Importing .h5p packages: the store, approval, duplicates and all-or-nothing behaviour; the admin upload form."""

import os
import shutil
import tempfile
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from courses import h5p_files, selectors, services
from courses.h5p import H5PPackageError
from courses.models import H5PActivity, H5PLibrary
from tests.factories.h5p import (
    MULTICHOICE,
    QUESTION,
    QUESTIONSET,
    build_package,
    questionset_package_matching_capture,
    test_question_package,
)
from tests.factories.learners import make_user


def store_listing() -> set[str]:
    """The files in the H5P store (its folder on disk in the tests; a failed import may leave empty folders)."""
    root = h5p_files.root()
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.relative_to(root).as_posix().startswith("tmp")
    }


class H5PTestCase(TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="h5p-build-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        # Each test starts with an empty store (the rows roll back; the files must go too).
        for name in ("content", "libraries", "packages"):
            shutil.rmtree(h5p_files.root() / name, ignore_errors=True)


class ImportServiceTests(H5PTestCase):
    def test_a_package_becomes_an_activity_with_pending_libraries(self):
        result = services.h5p_activity_import(path=test_question_package(self.tmp))
        activity = result.activity
        self.assertEqual(activity.main_library, "EscuelaCiudadana.TestQuestion 1.0")
        self.assertEqual(activity.expected_max_score, 1)
        self.assertEqual(activity.required_libraries, ["EscuelaCiudadana.TestQuestion 1.0"])
        self.assertEqual([library.status for library in result.new_libraries], [H5PLibrary.Status.PENDING])
        content = h5p_files.root() / h5p_files.content_prefix(activity.uuid)
        self.assertTrue((content / "h5p.json").is_file())
        self.assertTrue((content / "content" / "content.json").is_file())
        self.assertFalse((content / "EscuelaCiudadana.TestQuestion-1.0").exists(), "libraries are not per activity")
        library = result.new_libraries[0]
        self.assertTrue(((h5p_files.root() / h5p_files.library_prefix(library.folder)) / "library.json").is_file())
        self.assertTrue(((h5p_files.root() / "packages") / f"{activity.package_sha256}.h5p").is_file())
        self.assertEqual(selectors.missing_libraries(activity=activity), ["EscuelaCiudadana.TestQuestion 1.0"])

    def test_approval_makes_it_playable_and_the_store_is_shared(self):
        first = services.h5p_activity_import(path=test_question_package(self.tmp, name="a.h5p"))
        admin = make_user(email="admin@example.cl", is_superuser=True)
        services.h5p_library_review(library=first.new_libraries[0], approve=True, reviewed_by=admin)
        self.assertEqual(selectors.missing_libraries(activity=first.activity), [])
        second = services.h5p_activity_import(path=test_question_package(self.tmp, correct=0, name="b.h5p"))
        self.assertEqual(second.new_libraries, [], "the same library version is stored once")
        self.assertEqual(H5PLibrary.objects.count(), 1)
        self.assertEqual(selectors.missing_libraries(activity=second.activity), [])

    def test_identical_uploads_are_recognised_by_their_hash(self):
        path = test_question_package(self.tmp)
        services.h5p_activity_import(path=path, title="Primera")
        before = store_listing()
        with self.assertRaises(H5PPackageError) as caught:
            services.h5p_activity_import(path=path)
        self.assertEqual(caught.exception.code, "duplicate-package")
        self.assertIn("Primera", str(caught.exception))
        self.assertEqual(H5PActivity.objects.count(), 1)
        self.assertEqual(store_listing(), before)

    def test_dependencies_already_in_the_store_need_not_be_in_the_package(self):
        services.h5p_activity_import(path=questionset_package_matching_capture(self.tmp))
        slim = build_package(
            self.tmp,
            content=None,
            main_library=MULTICHOICE,
            libraries=(MULTICHOICE,),
            name="slim.h5p",
            h5p_json_overrides={"title": "Sola"},
            extra_entries={
                "content/content.json": {
                    "question": "<p>¿Quién preside el COSOC?</p>",
                    "answers": [{"text": "El alcalde", "correct": True}, {"text": "Un concejal", "correct": False}],
                }
            },
        )
        result = services.h5p_activity_import(path=slim)
        self.assertIn(f"{QUESTION.replace('-', ' ')}", result.activity.required_libraries)
        self.assertEqual(result.new_libraries, [])

    def test_a_refused_package_leaves_no_file_and_no_row(self):
        path = test_question_package(self.tmp, extra_entries={"content/evil.js": "alert(1)"})
        with self.assertRaises(H5PPackageError):
            services.h5p_activity_import(path=path)
        self.assertEqual(store_listing(), set())
        self.assertFalse(H5PActivity.objects.exists() or H5PLibrary.objects.exists())

    def test_a_failure_after_extraction_started_removes_everything(self):
        path = questionset_package_matching_capture(self.tmp)
        with mock.patch.object(services, "extract_content", side_effect=OSError("disco lleno")):
            with self.assertRaisesMessage(H5PPackageError, "No se pudo guardar el paquete"):
                services.h5p_activity_import(path=path)
        self.assertEqual(store_listing() - {"libraries", "content", "packages"}, set())
        self.assertFalse(H5PActivity.objects.exists() or H5PLibrary.objects.exists())
        self.assertEqual(
            [name for name in os.listdir(h5p_files.scratch_dir()) if not name.startswith("tmp")], [], "no scraps"
        )

    def test_questionset_maximum_and_answer_key_come_from_the_package(self):
        activity = services.h5p_activity_import(path=questionset_package_matching_capture(self.tmp)).activity
        self.assertEqual(activity.main_library, QUESTIONSET.replace("-", " "))
        self.assertEqual(activity.expected_max_score, 2)
        self.assertEqual(len(activity.answer_key), 2)


class AdminUploadTests(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)

    def setUp(self):
        super().setUp()
        self.client.force_login(self.admin)

    def upload(self, path, **data):
        with open(path, "rb") as handle:
            upload = SimpleUploadedFile(Path(path).name, handle.read(), content_type="application/zip")
        data = {"title": "", "grading_method": "highest", "package": upload, **data}
        return self.client.post(reverse("wagtailsnippets_courses_h5pactivity:add"), data)

    def test_upload_creates_the_activity_and_says_what_waits_for_approval(self):
        response = self.upload(test_question_package(self.tmp))
        self.assertEqual(response.status_code, 302)
        activity = H5PActivity.objects.get()
        self.assertEqual(activity.uploaded_by, self.admin)
        self.assertEqual(activity.title, "Pregunta de prueba")
        listing = self.client.get(reverse("wagtailsnippets_courses_h5pactivity:list"))
        self.assertContains(listing, "Pregunta de prueba")

    def test_a_malicious_upload_is_refused_with_a_spanish_message_and_leaves_nothing(self):
        response = self.upload(test_question_package(self.tmp, extra_entries={"content/x.html": "<script></script>"}))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "content/x.html")
        self.assertFalse(H5PActivity.objects.exists() or H5PLibrary.objects.exists())
        self.assertEqual(store_listing(), set())
        self.assertEqual(os.listdir(h5p_files.scratch_dir()), [])

    def test_a_file_that_is_not_h5p_is_refused(self):
        path = self.tmp / "notas.zip"
        path.write_bytes(b"PK")
        response = self.upload(path)
        self.assertContains(response, ".h5p")
        self.assertFalse(H5PActivity.objects.exists())

    def test_library_review_needs_the_permission_and_approves(self):
        self.upload(test_question_package(self.tmp))
        library = H5PLibrary.objects.get()
        home = self.client.get(reverse("wagtailadmin_home"))
        self.assertContains(home, "?status=pending")
        url = reverse("courses_h5p_library_review", args=[library.pk])
        self.assertContains(self.client.get(url), "Pregunta de prueba")
        editor = make_user(email="editora@example.cl", is_staff=True)
        editor.user_permissions.add(*self._permissions("access_admin", "view_h5plibrary"))
        self.client.force_login(editor)
        refused = self.client.post(url, {"decision": "approve"})  # Wagtail sends refusals back to the admin home
        self.assertRedirects(refused, reverse("wagtailadmin_home"), fetch_redirect_response=False)
        library.refresh_from_db()
        self.assertEqual(library.status, H5PLibrary.Status.PENDING)
        self.client.force_login(self.admin)
        self.assertRedirects(self.client.post(url, {"decision": "approve"}), reverse("courses_h5p_libraries:index"))
        library.refresh_from_db()
        self.assertEqual(library.status, H5PLibrary.Status.APPROVED)
        self.assertEqual(library.reviewed_by, self.admin)
        self.assertEqual(selectors.missing_libraries(activity=H5PActivity.objects.get()), [])

    def test_admin_pages_render(self):
        self.upload(test_question_package(self.tmp))
        activity, library = H5PActivity.objects.get(), H5PLibrary.objects.get()
        for url in [
            reverse("wagtailsnippets_courses_h5pactivity:list"),
            reverse("wagtailsnippets_courses_h5pactivity:add"),
            reverse("wagtailsnippets_courses_h5pactivity:edit", args=[activity.pk]),
            reverse("wagtailsnippets_courses_h5pactivity:inspect", args=[activity.pk]),
            reverse("courses_h5p_libraries:index") + "?status=pending",
            reverse("courses_h5p_libraries:inspect", args=[library.pk]),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    @staticmethod
    def _permissions(*codenames):
        from django.contrib.auth.models import Permission

        return Permission.objects.filter(codename__in=codenames)
