"""Security headers: the Content-Security-Policy of every HTML page (a nonce, no 'unsafe-inline' for scripts, no
other origin), the admin's documented allowances, the H5P player's own policy, framing, and `check --deploy` with
the production settings. The browser side (no violation fires) is tests/browser/test_content_security_policy.py."""

import json
import os
import re
import secrets
import subprocess
import sys

from django.conf import settings
from django.test import RequestFactory, SimpleTestCase, TestCase
from wagtail.rich_text import RichText

from learners.enrolment import services
from learners.h5p.views import PLAYER_CSP
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, ModulePageFactory, site_root
from tests.factories.h5p import test_question_content
from tests.factories.h5p_activities import approve_libraries, h5p_lesson, make_activity
from tests.factories.learners import learner, make_user

ROOT = str(settings.BASE_DIR)
SITE_ORIGINS = {"'self'", "'none'"}
NONCE = re.compile(r"^'nonce-[A-Za-z0-9+/]{22}==' ?$")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]} (exactly one header)."""
    headers = [value for name, value in response.items() if name.lower() == "content-security-policy"]
    assert len(headers) == 1, headers
    directives = {}
    for part in headers[0].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def inline_scripts(html: str) -> list[str]:
    """The opening tags of <script> elements that run code written in the page (no src, not JSON data)."""
    tags = re.findall(r"<script\b[^>]*>", html)
    return [tag for tag in tags if "src=" not in tag and "application/json" not in tag]


class SiteSetUp(TestCase):
    @classmethod
    def setUpTestData(cls):
        home = site_root()
        catalogue = CourseIndexPageFactory(parent=home, slug="cursos", title="Cursos")
        cls.course = CoursePageFactory(parent=catalogue, title="Liderazgo comunitario")
        cls.module = ModulePageFactory(parent=cls.course, title="Asambleas")
        cls.activity = make_activity(content=test_question_content(correct=1), title="Pregunta")
        approve_libraries(cls.activity)
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.activity, True, 60)], title="El acta")
        cls.lesson.body.append(("paragraph", RichText("<p>Los acuerdos.</p>")))
        cls.lesson.save_revision().publish()
        cls.learner = learner(email="ana@example.cl")
        services.enrolment_create(user=cls.learner, course=cls.course)
        cls.admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)


class SitePolicyTests(SiteSetUp):
    PUBLIC = ["/", "/cursos/", "/cursos/?q=acta", "/cuenta/ingresar/", "/cuenta/registro/", "/cuenta/clave/"]
    PUBLIC += ["/certificados/verificar/", "/certificados/verificar/ABCD-EFGH-JKLM-NPQR-S/", "/no-existe/"]
    LEARNER = ["/mis-cursos/", "/cuenta/mis-datos/", "/cuenta/perfil/"]

    def assert_site_policy(self, response, url):
        self.assertIn("text/html", response["Content-Type"], url)
        directives = policy(response)
        script, style = directives["script-src"], directives["style-src"]
        self.assertEqual(script[0], "'self'", url)
        self.assertRegex(script[1], NONCE, url)
        self.assertEqual(len(script), 2, url)
        self.assertEqual(style, ["'self'", script[1]], url)  # the same nonce; no 'unsafe-inline' anywhere
        self.assertNotIn("'unsafe-eval'", response["Content-Security-Policy"], url)
        self.assertEqual(directives["default-src"], ["'self'"], url)
        self.assertEqual(directives["object-src"], ["'none'"], url)
        self.assertEqual(directives["base-uri"], ["'self'"], url)
        self.assertEqual(directives["form-action"], ["'self'"], url)
        self.assertEqual(directives["frame-ancestors"], ["'none'"], url)
        self.assertEqual(response["X-Frame-Options"], "DENY", url)
        for name, sources in directives.items():  # no other origin, except the video players a lesson embeds
            allowed = SITE_ORIGINS | ({*settings.VIDEO_FRAME_ORIGINS} if name == "frame-src" else set())
            self.assertLessEqual(set(sources) - {script[1]}, allowed, f"{url} {name}")
        nonce = script[1].strip("'").removeprefix("nonce-")
        for tag in inline_scripts(response.content.decode()):
            self.assertIn(f'nonce="{nonce}"', tag, url)
        return nonce

    def test_public_pages(self):
        nonces = set()
        for url in [*self.PUBLIC, self.course.url, self.module.url, self.lesson.url]:
            response = self.client.get(url, follow=True)  # a verification code is first put in canonical form
            self.assertIn(response.status_code, (200, 404), url)
            nonces.add(self.assert_site_policy(response, url))
        self.assertEqual(len(nonces), len(self.PUBLIC) + 3)  # a new nonce for every response

    def test_learner_pages(self):
        self.client.force_login(self.learner)
        for url in [*self.LEARNER, self.course.url, self.lesson.url]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assert_site_policy(response, url)
        self.assertIn('class="h5p-embed__frame"', self.client.get(self.lesson.url).content.decode())

    def test_no_style_attribute_or_inline_handler_in_site_pages(self):
        """The site's policy refuses style="" and onclick="" (no nonce applies to them)."""
        self.client.force_login(self.learner)
        for url in [*self.PUBLIC, *self.LEARNER, self.course.url, self.lesson.url]:
            html = self.client.get(url).content.decode()
            self.assertNotRegex(html, r"<[^>]+\sstyle=", url)
            self.assertNotRegex(html, r"<[^>]+\son[a-z]+=", url)

    def test_the_h5p_player_keeps_its_own_policy(self):
        self.client.force_login(self.learner)
        response = self.client.get(f"/aprender/h5p/{self.lesson.pk}/{self.activity.uuid}/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Security-Policy"], PLAYER_CSP)  # one header, not merged with the site's
        self.assertIn("frame-ancestors 'self'", PLAYER_CSP)
        self.assertEqual(response["X-Frame-Options"], "SAMEORIGIN")  # framed by its lesson page, and only there
        self.assertNotIn("'unsafe-inline'", policy(response)["script-src"])

    def test_the_preview_of_a_page_can_be_framed_by_the_admin_only(self):
        request = RequestFactory().get("/admin/")
        request.user = self.admin
        response = self.lesson.make_preview_request(original_request=request)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(policy(response)["frame-ancestors"], ["'self'"])
        self.assertEqual(response["X-Frame-Options"], "SAMEORIGIN")


class AdminPolicyTests(SiteSetUp):
    def test_admin_pages_get_the_admin_policy(self):
        """Only the documented allowances (settings.CONTENT_SECURITY_POLICY_ADMIN): inline <script> and <style>
        elements, blob: images; never inline event handlers (but Jcrop's "return;"), style attributes or other
        origins."""
        self.client.force_login(self.admin)
        for url in [
            "/admin/",
            f"/admin/pages/{self.module.pk}/",
            f"/admin/pages/{self.lesson.pk}/edit/",
            "/admin/snippets/courses/h5pactivity/",
            "/admin/learners/enrolments/",
            "/admin/images/",
        ]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            directives = policy(response)
            self.assertEqual(directives["script-src"], ["'self'", "'unsafe-inline'"], url)  # no nonce: it would
            self.assertEqual(directives["style-src"], ["'self'", "'unsafe-inline'"], url)  # cancel 'unsafe-inline'
            self.assertEqual(
                directives["script-src-attr"], ["'unsafe-hashes'", *settings.ADMIN_ALLOWED_HANDLER_HASHES], url
            )
            self.assertEqual(directives["style-src-attr"], ["'none'"], url)
            self.assertEqual(directives["img-src"], ["'self'", "blob:"], url)
            self.assertEqual(directives["object-src"], ["'none'"], url)
            self.assertEqual(directives["frame-ancestors"], ["'none'"], url)
            self.assertEqual(response["X-Frame-Options"], "DENY", url)
            self.assertNotIn("'unsafe-eval'", response["Content-Security-Policy"], url)
            self.assertNotRegex(response["Content-Security-Policy"], r"https?://(?!www\.youtube|player\.vimeo)", url)

    def test_the_allowed_handler_hash_is_the_no_op_return(self):
        import base64
        import hashlib

        digest = base64.b64encode(hashlib.sha256(b"return;").digest()).decode()
        self.assertEqual(settings.ADMIN_ALLOWED_HANDLER_HASHES, [f"'sha256-{digest}'"])


def test_no_template_of_the_project_needs_an_inline_allowance():
    """No style="" attribute, on…="" handler or <script> with code and no nonce in any template of the four apps
    (the site's policy refuses them, and the admin's refuses the first two). Email bodies (templates under an
    ``email/`` folder) are never served as pages and need inline styles, since mail clients drop <style>."""
    from pathlib import Path

    problems = []
    for app in ("cms", "courses", "learners", "certificates"):
        for template in (Path(ROOT) / app).rglob("templates/**/*.html"):
            if "email" in template.relative_to(Path(ROOT) / app).parts:
                continue
            html = template.read_text(encoding="utf-8")
            for pattern in (r"<[a-zA-Z][^>]*\sstyle=", r"<[a-zA-Z][^>]*\son[a-z]+="):
                problems += [f"{template}: {match}" for match in re.findall(pattern, html)]
            problems += [f"{template}: {tag}" for tag in inline_scripts(html) if "csp_nonce" not in tag]
    assert problems == []


def run_production(code: str, **env: str) -> subprocess.CompletedProcess:
    """Python code run with the production settings and only the given environment (plus PATH and HOME)."""
    clean = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    environment = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "escuela.example.cl",
        "PUBLIC_BASE_URL": "https://escuela.example.cl",
        "CERTIFICATES_CREDENTIAL_KEY_DIR": str(settings.CERTIFICATES_CREDENTIAL_KEY_DIR),  # an existing folder
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


REDIS = {"REDIS_URL": "redis://127.0.0.1:6379/15"}


def test_check_deploy_has_nothing_to_say_about_production():
    result = run_production(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **REDIS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_headers_on_a_response():
    code = (
        "import json, django; django.setup(); from django.test import Client; client = Client();"
        "plain = client.get('/robots.txt', headers={'host': 'escuela.example.cl'});"
        "secure = client.get('/robots.txt', secure=True, headers={'host': 'escuela.example.cl'});"
        "from django.conf import settings;"
        "print(json.dumps({'plain': [plain.status_code, plain.get('Location')], 'secure': dict(secure.items()),"
        " 'cookies': [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY]}))"
    )
    result = run_production(code, **REDIS)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["plain"] == [301, "https://escuela.example.cl/robots.txt"]
    headers = values["secure"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert re.search(r"script-src 'self' 'nonce-[^']+'(;|$)", headers["Content-Security-Policy"])
    assert values["cookies"] == [True, True, True]


class PolicyBuiltOnceTests(SimpleTestCase):
    """ContentSecurityPolicyMiddleware builds each kind of policy once and puts each response's nonce in: the
    header is django-csp's own, for every kind of response."""

    def respond(self, path: str, *, frame: str = "DENY", use_nonce: bool = False, mark=None, way=None):
        from django.http import HttpResponse

        from cms.middleware import ContentSecurityPolicyMiddleware

        request = RequestFactory().get(path)

        def view(request):
            response = HttpResponse(f"<script nonce='{request.csp_nonce}'></script>" if use_nonce else "ok")
            response["X-Frame-Options"] = frame
            if mark:
                mark(response)
            return response

        middleware = ContentSecurityPolicyMiddleware(view)
        if way is not None:
            middleware.process_response = way.__get__(middleware)
        return request, middleware(request)

    def django_csp_way(self, *args, **kwargs):
        from csp.middleware import CSPMiddleware

        return self.respond(*args, **kwargs, way=CSPMiddleware.process_response)

    def assert_same_as_django_csp(self, *args, **kwargs):
        request, response = self.respond(*args, **kwargs)
        expected_request, expected = self.django_csp_way(*args, **kwargs)
        ours, theirs = policy(response), policy(expected)
        ours_nonce = getattr(request, "_csp_nonce", None)
        theirs_nonce = getattr(expected_request, "_csp_nonce", None)
        self.assertEqual(ours_nonce is None, theirs_nonce is None)
        if ours_nonce:
            if not args[0].startswith("/admin/"):  # the admin's policy has no nonce, used or not
                self.assertIn(f"'nonce-{ours_nonce}'", ours["script-src"])
            theirs = {name: [s.replace(theirs_nonce, ours_nonce) for s in sources] for name, sources in theirs.items()}
        self.assertEqual(ours, theirs)
        self.assertNotIn("@", response["Content-Security-Policy"])
        return request, response

    def test_every_kind_of_response_gets_django_csps_policy(self):
        for path in ("/mis-cursos/", "/admin/", "/admin/pages/3/"):
            for frame in ("DENY", "SAMEORIGIN"):
                for use_nonce in (False, True):
                    with self.subTest(path=path, frame=frame, use_nonce=use_nonce):
                        self.assert_same_as_django_csp(path, frame=frame, use_nonce=use_nonce)

    def test_a_new_nonce_for_every_response_the_one_the_page_used(self):
        nonces = set()
        for _ in range(3):
            request, response = self.assert_same_as_django_csp("/mis-cursos/", use_nonce=True)
            self.assertIn(f"nonce='{request._csp_nonce}'", response.content.decode())
            self.assertRegex(policy(response)["script-src"][1] + " ", NONCE)
            nonces.add(request._csp_nonce)
        self.assertEqual(len(nonces), 3)
        _request, framed = self.respond("/aprender/", frame="SAMEORIGIN")
        self.assertEqual(policy(framed)["frame-ancestors"], ["'self'"])

    def test_the_admin_has_no_nonce_and_a_late_nonce_is_refused(self):
        from csp.exceptions import CSPNonceError

        request, response = self.assert_same_as_django_csp("/admin/")
        self.assertEqual(policy(response)["script-src"], ["'self'", "'unsafe-inline'"])
        with self.assertRaises(CSPNonceError):
            str(request.csp_nonce)

    def test_responses_marked_by_django_csps_decorators_and_own_policies_take_django_csps_way(self):
        from csp.constants import SELF

        def update(response):
            response._csp_update = {"img-src": ["https://imagenes.example.cl"]}

        def exempt(response):
            response._csp_exempt = True

        def own(response):
            response["Content-Security-Policy"] = "default-src 'none'"

        _request, updated = self.assert_same_as_django_csp("/mis-cursos/", mark=update)
        self.assertEqual(policy(updated)["img-src"], [SELF, "https://imagenes.example.cl"])
        _request, exempted = self.respond("/mis-cursos/", mark=exempt)
        self.assertNotIn("Content-Security-Policy", exempted)
        _request, owned = self.respond("/mis-cursos/", mark=own)
        self.assertEqual(owned["Content-Security-Policy"], "default-src 'none'")

    def test_the_policy_follows_the_settings(self):
        directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'", "data:"]}
        self.respond("/mis-cursos/")  # the policy built before the settings change
        with self.settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": directives}):
            _request, response = self.assert_same_as_django_csp("/mis-cursos/")
            self.assertEqual(policy(response)["img-src"], ["'self'", "data:"])
        with self.settings(CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"default-src": ["'self'"]}}):
            _request, response = self.respond("/mis-cursos/")
            self.assertEqual(response["Content-Security-Policy-Report-Only"], "default-src 'self'")
        _request, response = self.assert_same_as_django_csp("/mis-cursos/")
        self.assertEqual(policy(response)["img-src"], ["'self'"])
