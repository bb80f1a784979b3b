"""Two app servers behind a load balancer (issue 18, item 6): separate gunicorn processes on their own ports, each
with its own empty local folders, behind HAProxy, sharing the database, Redis and an S3-compatible server.

An instructor and a learner are walked across both servers through the balancer: the instructor uploads an image
and an H5P package on one, the other shows and serves them; a publish on one is seen at once on the other; the
learner plays the activity with files served by either server and gets her certificate on the other; failed
log-ins count across both. At the end neither server has a file of its own on its disk.

The servers share the test database, so this test exists on the PostgreSQL run of the suite (CI runs the suite on
SQLite, then on PostgreSQL): SQLite's test database lives in the test process's memory, and several app servers on
one SQLite file are not a set-up the README offers."""

import html
import io
import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase
from PIL import Image

from certificates.models import IssuedCertificate
from courses.models import H5PActivity, H5PLibrary, LessonPage
from tests.factories.certificates import make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, ensure_site_baseline
from tests.factories.h5p import test_question_package
from tests.factories.learners import ensure_comuna, make_learner, make_user
from tests.multiserver.cluster import start_cluster

PASSWORD = "clave-segura-123"
REDIS_URL = "redis://127.0.0.1:6379/0"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.usefixtures("s3_server_class")
class TwoServersTests(TransactionTestCase):
    __test__ = connection.vendor == "postgresql"  # collected on the PostgreSQL run only (see above)
    cluster = None

    def setUp(self):
        home = ensure_site_baseline()
        catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos")
        self.course = build_course(catalogue=catalogue, modules=1, lessons=1, title="El concejo municipal")
        self.lesson = LessonPage.objects.descendant_of(self.course).get()
        make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)
        self.instructor = make_user(email="rosa@example.cl", is_superuser=True, is_staff=True, password=PASSWORD)
        ensure_comuna()
        self.learner = make_learner(email="ana@example.cl", given_names="Ana", family_names="Pérez")
        self.learner.set_password(PASSWORD)
        self.learner.save()
        self.tmp = Path(tempfile.mkdtemp(prefix="escuela-multiserver-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        cls = type(self)
        if getattr(cls, "cluster", None) is None:  # one pair of servers for the class (each boot costs seconds)
            cls.bucket = self.s3.new_bucket("varios")
            self.s3.allow_public_read(cls.bucket, "media/")
            cls.cluster = start_cluster(
                database_url=self.database_url(),
                storage_env=self.s3.environment(cls.bucket),
                redis_url=REDIS_URL,
                credential_keys=Path(settings.CERTIFICATES_CREDENTIAL_KEY_DIR),
            )
            cls.addClassCleanup(cls.cluster.stop)

    def database_url(self) -> str:
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    # Requests through the balancer, pinned to a server -----------------------------------------------------------

    def get(self, session, server, path, **kwargs):
        response = session.get(self.cluster.url + path, headers={"X-Servidor": server}, timeout=60, **kwargs)
        self.assertEqual(response.headers.get("X-Servidor"), server, path)
        return response

    def post(self, session, server, path, data=None, *, form_from=None, **kwargs):
        data = dict(data or {})
        if form_from is not None:
            form = session.get(
                self.cluster.url + form_from, headers={"X-Servidor": server, **kwargs.get("headers", {})}, timeout=60
            )
            data["csrfmiddlewaretoken"] = csrf_token(form.text)
        headers = {"X-Servidor": server, "Referer": self.cluster.url + (form_from or path), **kwargs.pop("headers", {})}
        response = session.post(self.cluster.url + path, data=data, headers=headers, timeout=60, **kwargs)
        self.assertEqual(response.headers.get("X-Servidor"), server, path)
        return response

    def log_in(self, server, email, *, admin=False):
        session = requests.Session()
        path = "/admin/login/" if admin else "/cuenta/ingresar/"
        response = self.post(session, server, path, {"username": email, "password": PASSWORD}, form_from=path)
        self.assertEqual(response.status_code, 200, response.text[-2000:])
        self.assertIn("sessionid", session.cookies)
        return session

    # The walk ----------------------------------------------------------------------------------------------------

    def test_an_instructor_and_a_learner_across_two_servers(self):
        rosa = self.log_in("a", "rosa@example.cl", admin=True)

        # An image uploaded on server a is stored in the bucket, listed and rendered by server b, public from the store.
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(picture, "PNG")
        response = self.post(
            rosa,
            "a",
            "/admin/images/add/",
            {"title": "Plaza de armas", "collection": "1"},
            form_from="/admin/images/add/",
            files={"file": ("plaza.png", picture.getvalue(), "image/png")},
        )
        self.assertIn(response.status_code, (200, 302), response.text[-1500:])
        keys = self.s3.keys(self.bucket, "media/")
        self.assertTrue(any(key.startswith("media/original_images/plaza") for key in keys), keys)
        listing = self.get(rosa, "b", "/admin/images/")
        self.assertContains_(listing, "Plaza de armas")
        rendition = re.search(r'<img[^>]+src="([^"]+/images/plaza[^"]+)"', listing.text).group(1)
        self.assertTrue(rendition.startswith(self.s3.endpoint + f"/{self.bucket}/media/images/"), rendition)
        public = requests.get(html.unescape(rendition), timeout=30)  # no session: public, from the store itself
        self.assertEqual(public.status_code, 200, public.text[:500])
        self.assertEqual(public.headers["Content-Type"], "image/png")

        # An H5P package uploaded on a, its library approved on b.
        package = test_question_package(self.tmp, correct=1, name="pregunta.h5p")
        response = self.post(
            rosa,
            "a",
            "/admin/snippets/courses/h5pactivity/add/",
            {"title": "¿Quién aprueba el presupuesto?", "grading_method": "highest"},
            form_from="/admin/snippets/courses/h5pactivity/add/",
            files={"package": ("pregunta.h5p", package.read_bytes(), "application/zip")},
        )
        self.assertEqual(response.status_code, 200, response.text[-1500:])
        activity, library = H5PActivity.objects.get(), H5PLibrary.objects.get()
        review = f"/admin/courses/h5p-libraries/review/{library.pk}/"
        self.post(rosa, "b", review, {"decision": "approve"}, form_from=review)
        library.refresh_from_db()
        self.assertEqual(library.status, H5PLibrary.Status.APPROVED)
        stored = self.s3.keys(self.bucket, "private/h5p/")
        self.assertIn(f"private/h5p/content/{activity.uuid}/h5p.json", stored)
        self.assertIn(f"private/h5p/libraries/{library.folder}/library.json", stored)

        # The learner enrols on b and opens the lesson there; the instructor publishes the activity in it on a; b
        # shows it at once.
        ana = self.log_in("b", "ana@example.cl")
        self.post(ana, "b", f"/cursos/{self.course.pk}/inscripcion/", form_from=self.course.url)
        before = self.get(ana, "b", self.lesson.url)
        self.assertEqual(before.status_code, 200)
        self.assertNotIn(str(activity.uuid), before.text)
        self.lesson.body.append(("h5p", {"activity": activity, "required": True, "pass_percentage": 100}))
        revision = self.lesson.save_revision(user=self.instructor)
        self.assertEqual(self.get(ana, "b", self.lesson.url).text.count(str(activity.uuid)), 0, "a draft is not live")
        self.assertIsNotNone(revision.pk)
        # The bulk action publishes the latest revision (the editor's button posts the whole edit form).
        bulk = f"/admin/bulk/wagtailcore/page/publish/?id={self.lesson.pk}&next=/admin/"
        response = self.post(rosa, "a", bulk, form_from=bulk)
        self.assertEqual(response.status_code, 200, response.text[-1500:])
        after = self.get(ana, "b", self.lesson.url)
        self.assertIn(str(activity.uuid), after.text)

        # She plays it: the player page from b, its files from a and b (streamed from the store).
        player = self.get(ana, "b", f"/aprender/h5p/{self.lesson.pk}/{activity.uuid}/")
        self.assertEqual(player.status_code, 200)
        token = re.search(r"/h5p/contenido/([^/\"']+)", player.text).group(1)
        iri = re.search(r'"xAPIObjectIRI": "([^"]+)"', player.text).group(1)
        for server in ("a", "b"):
            content = self.get(ana, server, f"/h5p/contenido/{token}/content/content.json")
            self.assertEqual(content.status_code, 200)
            self.assertIn("question", json.loads(content.content))
            script = self.get(
                ana,
                server,
                f"/h5p/bibliotecas/{library.machine_name}-{library.major_version}.{library.minor_version}/js/test-question.js",
            )
            self.assertEqual(script.status_code, 200)
            self.assertEqual(script.headers["Content-Type"], "text/javascript; charset=utf-8")
        self.assertEqual(self.get(rosa, "a", f"/h5p/contenido/{token}/content/content.json").status_code, 404)

        statement = {
            "id": str(uuid.uuid4()),
            "actor": {"name": "Ana", "mbox": "mailto:ana@example.cl"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {
                "id": iri,
                "definition": {
                    "interactionType": "choice",
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                    "correctResponsesPattern": ["1"],
                },
            },
            "result": {"score": {"min": 0, "raw": 1, "max": 1}, "completion": True, "success": True, "response": "1"},
        }
        xapi = f"/aprender/h5p/{self.lesson.pk}/{activity.uuid}/xapi/"
        csrf = ana.cookies["csrftoken"]
        response = ana.post(
            self.cluster.url + xapi,
            data=json.dumps(statement),
            headers={"X-Servidor": "a", "X-CSRFToken": csrf, "Content-Type": "application/json"},
            timeout=60,
        )
        self.assertEqual(response.status_code, 200, response.text[-1500:])
        done = self.post(ana, "b", f"/lecciones/{self.lesson.pk}/completar/", form_from=self.lesson.url)
        self.assertEqual(done.status_code, 200)

        certificate = IssuedCertificate.objects.get(enrolment__user=self.learner)
        pdf = self.get(ana, "a", f"/certificados/{certificate.pk}/descargar/")
        self.assertEqual(pdf.status_code, 200)
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        self.assertIn(f"private/certificates/{certificate.pdf.name}", self.s3.keys(self.bucket, "private/"))
        self.assertEqual(self.get(rosa, "b", f"/certificados/{certificate.pk}/descargar/").status_code, 200)
        private = f"{self.s3.endpoint}/{self.bucket}/private/certificates/{certificate.pdf.name}"
        self.assertEqual(requests.get(private, timeout=30).status_code, 403, "private files are not public")
        make_user(email="luis@example.cl", password=PASSWORD)
        luis = self.log_in("a", "luis@example.cl")
        self.assertEqual(self.get(luis, "b", f"/certificados/{certificate.pk}/descargar/").status_code, 404)

        # Neither server kept a file on its own disk.
        for server in self.cluster.servers.values():
            self.assertEqual(server.local_files(), [], server.name)

    def test_failed_log_ins_count_across_both_servers(self):
        """The limits count in the shared Redis, per account and client address as the balancer reports it."""
        make_user(email="marta@example.cl", password=PASSWORD)

        def attempt(server, password, client):
            session = requests.Session()
            response = self.post(
                session,
                server,
                "/cuenta/ingresar/",
                {"username": "marta@example.cl", "password": password},
                form_from="/cuenta/ingresar/",
                headers={"X-Forwarded-For": client},
            )
            self.assertEqual(response.status_code, 200)
            return session, response

        for number in range(settings.LEARNERS_LOGIN_FAILURE_LIMIT):
            session, _response = attempt("ab"[number % 2], "equivocada", "198.51.100.7")
            self.assertNotIn("sessionid", session.cookies)
        for server in ("a", "b"):  # now even the right password waits, on either server
            session, response = attempt(server, PASSWORD, "198.51.100.7")
            self.assertNotIn("sessionid", session.cookies, server)
            self.assertIn("Demasiados intentos", response.text)
        # Another person behind the same balancer (another client address) is not held back.
        session, _response = attempt("a", PASSWORD, "198.51.100.8")
        self.assertIn("sessionid", session.cookies)

    def assertContains_(self, response, text):
        self.assertEqual(response.status_code, 200)
        self.assertIn(text, response.text)
