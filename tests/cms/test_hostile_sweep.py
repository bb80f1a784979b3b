"""Hostile input on every URL the project registers: never a 5xx, and a refused request changes nothing.

Every URL pattern of the resolver tree (public pages, the learner and staff URLs, every Wagtail admin view and
viewset, each page type served by Wagtail) is called as an anonymous visitor, a learner, an instructor and the
academy, with:

1. its parameters filled with real ids (a GET and an empty POST: the names of the query and form parameters the
   view reads are recorded while it answers, see ``url_sweep.recorded_parameter_names``);
2. one path parameter at a time replaced by a hostile value (NUL, 20-digit and negative ids, text, fullwidth and
   Arabic-Indic digits, 10.000 characters…);
3. hostile values in every query parameter it read, and in every form field of a POST;
4. a hostile raw body: JSON nested 20.000 levels, 3 MB of JSON, and wrong content types.

Which hostile value goes where is chosen per pattern, role and slot (``url_sweep.pick``) rather than sending the
full cross product: each run sends the same requests, every value lands on many patterns, and the sweep stays
fast. Each request runs in a savepoint that is rolled back, so a POST that the view accepts (a delete, a publish,
a log-out) cannot change what the next request sees; a refused one (4xx, or a redirect to a log-in page) must
leave the key tables exactly as they were.

A new view is swept as soon as its URL is registered. ``SKIPPED`` is the only way out, and says why.
"""

import logging
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from wagtail.models import Collection, Page, Revision, Site
from wagtail.users.models import UserProfile

from certificates.models import CertificateBatch, IssuanceFailure, IssuedCertificate
from cms.models import SchoolSettings
from courses.models import H5PActivity, H5PLibrary
from learners.models import (
    AttendanceRecord,
    Cohort,
    Consent,
    DataRequest,
    Enrolment,
    H5PAttempt,
    H5PStatement,
    H5PUserState,
    LearnerProfile,
    LessonProgress,
    Session,
    StaffProfile,
)
from tests.cms import url_sweep
from tests.cms.roles_setup import RolesTestCase
from tests.factories.h5p_activities import approve_libraries, h5p_lesson, make_activity

# The only patterns the sweep leaves alone. Keep it short, and say why for each.
SKIPPED = {
    # Wagtail's deliberate error page ("This is a test of the emergency broadcast system"): a 500 is its purpose.
    "admin/failwhale/",
}

# Tables whose rows a refused request must leave untouched (every column compared, row by row).
KEY_MODELS = [
    get_user_model(),
    LearnerProfile,
    StaffProfile,
    Enrolment,
    Cohort,
    Session,
    AttendanceRecord,
    LessonProgress,
    H5PAttempt,
    H5PStatement,
    H5PUserState,
    H5PActivity,
    H5PLibrary,
    IssuedCertificate,
    CertificateBatch,
    IssuanceFailure,
    Consent,
    DataRequest,
    Page,
    Revision,
]

KEY_TABLES = {model._meta.db_table for model in KEY_MODELS}
# Tables a refused request may write: the session (Django saves it on any request that touched it).
UNWATCHED_TABLES = {"django_session"}
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class WriteLog:
    """A connection.execute_wrapper that notes the tables written by the statements it lets through (an UPDATE or
    DELETE that touched no row, such as Wagtail's purge of stale preview data, writes nothing)."""

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if (match := WRITE.match(sql)) and context["cursor"].rowcount != 0:
            self.tables.add(match[1])
        return result


# Hostile requests of each kind per pattern and role (path, query, form), each with other values: 2 keeps the whole
# sweep near 30 s on two cores, and spreads every value over several hundred patterns.
SAMPLES_PER_SLOT = 2
# How many patterns each role must at least open with a 200 (per test; the admin roles run in two halves): a
# broken log-in or a lost permission would otherwise leave a sweep that only ever meets the door.
MIN_REACHED = {"anonymous": 5, "learner": 8, "instructor": 15, "academy": 30}
ROLES = ("anonymous", "learner", "instructor", "academy")
LOGIN_PATHS = ("/admin/login/", "/cuenta/ingresar/")
SLOW_REQUEST_SECONDS = 5


def key_tables_fingerprint() -> dict[str, int]:
    """A hash of every row of the key tables (one query per table; the test database is small)."""
    fingerprint = {}
    for model in KEY_MODELS:
        columns = [f.attname for f in model._meta.concrete_fields]
        rows = model._base_manager.order_by("pk").values_list(*columns)
        fingerprint[model._meta.label] = hash(tuple(map(repr, rows)))
    return fingerprint


class HostileSweep(RolesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.activity = make_activity()
        approve_libraries(cls.activity)
        cls.h5p_lesson = h5p_lesson(parent=cls.mine_module, blocks=[(cls.activity, True, 50)])
        cls.h5p_lesson.save_revision().publish()
        cls.learner = cls.ana
        # Wagtail creates a site's settings row on first read (any page that renders base.html): do it now, so that
        # the first refused request is not blamed for it.
        SchoolSettings.for_site(Site.objects.get(is_default_site=True))
        cls.users = {"learner": cls.ana, "instructor": cls.instructor, "academy": cls.academy}

    # -- filling the parameters with real values ---------------------------------------------------------------

    def first_pk(self, model, default="1") -> str:
        pk = model._base_manager.order_by("pk").values_list("pk", flat=True).first()
        return str(pk) if pk is not None else default

    def valid_value(self, pattern: url_sweep.SweptPattern, parameter: url_sweep.Parameter) -> str:
        name = parameter.name
        by_name = {
            "page_id": self.mine.pk,
            "parent_page_id": self.mine.pk,
            "page_pk": self.mine.pk,
            "page_to_move_id": self.mine_lesson.pk,
            "destination_id": self.mine_module.pk,
            "course_id": self.mine.pk,
            "lesson_id": self.h5p_lesson.pk,
            "activity_uuid": self.activity.uuid,
            "session_id": self.mine_session.pk,
            "cohort_pk": self.mine_cohort.pk,
            "workflow_pk": self.first_pk(get_model("wagtailcore.Workflow")),
            "revision_id": Revision.page_revisions.filter(object_id=str(self.mine.pk)).order_by("pk").last().pk,
            "collection_id": Collection.get_first_root_node().pk,
            "object_id": self.mine_cohort.pk,
            "code": self.certificate.code,
            "data_type": "state",
            "sub_content_id": "0",
            "folder": "EscuelaCiudadana.TestQuestion-1.0",
            "path": "library.json",
            "app_label": "learners",
            "app_name": "learners",
            "model_name": "cohort",
            "content_type_app_name": "courses",
            "content_type_model_name": "lessonpage",
            "action": "publish",
            "action_name": "publish",
            "filter_spec": "original",
        }
        if name in by_name:
            return str(by_name[name])
        if name == "pk":
            if pattern.model is not None:
                return self.first_pk(pattern.model)
            for fragment, model in (
                ("batch", CertificateBatch),
                ("failure", IssuanceFailure),
                ("data_request", DataRequest),
                ("library", H5PLibrary),
                ("certificate", IssuedCertificate),
            ):
                if fragment in pattern.name:
                    return self.first_pk(model)
        if parameter.converter.startswith("regex:"):
            expression = parameter.converter.removeprefix("regex:")
            for candidate in (str(self.mine.pk), "live", "latest", "cursos/", "x"):
                if re.fullmatch(expression, candidate):
                    return candidate
        return {"int": "1", "uuid": str(self.activity.uuid)}.get(parameter.converter, "x")

    def targets(self) -> list[tuple[url_sweep.SweptPattern, dict[int, str]]]:
        """(pattern, valid values) for every pattern; Wagtail's page-serving pattern once per page type."""
        found = []
        for pattern in url_sweep.url_patterns():
            if pattern.description in SKIPPED:
                continue
            values = {i: self.valid_value(pattern, p) for i, p in enumerate(pattern.parameters)}
            if pattern.view_name == "wagtail.views.serve":
                pages = [self.catalogue.get_parent(), self.catalogue, self.mine, self.mine_module, self.h5p_lesson]
                for page in pages:
                    found.append((pattern, {0: page.specific.url.lstrip("/")}))
                continue
            found.append((pattern, values))
        return found

    # -- sending ------------------------------------------------------------------------------------------------

    def setUp(self):
        self.failures: list[str] = []
        request_log = logging.getLogger("django.request")  # thousands of "Not Found" lines would bury the failures
        self.addCleanup(request_log.setLevel, request_log.level)
        request_log.setLevel(logging.CRITICAL)
        bad_input_log = logging.getLogger("cms.middleware")
        self.addCleanup(bad_input_log.setLevel, bad_input_log.level)
        bad_input_log.setLevel(logging.CRITICAL)

    def client_for(self, role: str) -> Client:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def send(self, client, role, pattern, method, url, *, value=None, data=None, content_type=None):
        """One request in a rolled-back savepoint; records a failure for a 5xx or a refused request that wrote."""
        saved_cookies = SimpleCookie(client.cookies.output(header="", sep=";"))
        started = time.monotonic()
        writes = WriteLog()
        with transaction.atomic():
            with connection.execute_wrapper(writes):
                if method == "GET":
                    response = client.get(url)
                elif content_type is None:
                    response = client.post(url, data or {})  # multipart, as browsers send forms with files
                else:
                    response = client.generic("POST", url, data, content_type=content_type)
            refused = self.refused(response, pattern)
            problem = None
            if response.status_code >= 500:
                exc = getattr(response, "exc_info", None)
                problem = f"{exc[0].__name__}: {str(exc[1])[:300]}" if exc else "(no exception: a 5xx response)"
            elif refused and writes.tables:
                # Only a request that wrote is compared row by row (hashing the key tables after every request
                # would cost most of the sweep's time); the writes may have been undone by the view itself.
                try:
                    changed = [
                        label for label, digest in key_tables_fingerprint().items() if self.baseline[label] != digest
                    ]
                except Exception as error:  # a database error swallowed by the view leaves the transaction broken
                    changed = [f"the transaction is broken ({type(error).__name__}: {error})"]
                other = sorted(writes.tables - KEY_TABLES - UNWATCHED_TABLES)
                if changed or other:
                    problem = f"refused with {response.status_code} but changed {', '.join(changed + other)}"
            transaction.set_rollback(True)
        elapsed = time.monotonic() - started
        if problem is None and elapsed > SLOW_REQUEST_SECONDS:
            problem = f"took {elapsed:.1f} s"
        if problem:
            self.failures.append(
                f"{method} {url_sweep.shorten(url)} as {role} with {url_sweep.describe(value)}: "
                f"{response.status_code} {problem}  [{pattern.description} → {pattern.view_name}]"
            )
        client.cookies = saved_cookies
        cache.clear()  # rate limits and cached lessons must not carry one request's effects into the next
        mail.outbox = []
        return response

    @staticmethod
    def refused(response, pattern) -> bool:
        """A 4xx, or a redirect to a log-in page (except from a log-out view, which signs out by design)."""
        to_login = response.status_code in (301, 302) and response.get("Location", "").startswith(LOGIN_PATHS)
        return 400 <= response.status_code < 500 or (to_login and "logout" not in pattern.name)

    @staticmethod
    def at_the_door(response) -> bool:
        """Refused before the view read anything: not signed in, not allowed, or the wrong method."""
        return response.status_code in (403, 405) or (
            response.status_code in (301, 302) and response.get("Location", "").startswith(LOGIN_PATHS)
        )

    def sweep_pattern(self, client, role, pattern, values):
        key = (pattern.description, role, values)
        with url_sweep.recorded_parameter_names() as names:
            url = pattern.url(values)
            got = self.send(client, role, pattern, "GET", url, value="(valid ids)")
            self.reached += got.status_code == 200
            posted = self.send(client, role, pattern, "POST", url, value="(empty form)")
        names = sorted(names)[:80]

        for sample in range(SAMPLES_PER_SLOT):
            # 2. one path parameter at a time, a hostile value in it (a different value per parameter, role, sample)
            for index in range(len(pattern.parameters)):
                hostile = url_sweep.pick(url_sweep.HOSTILE_VALUES, *key, "path", index, sample)
                method = url_sweep.pick(["GET", "POST"], *key, "path-method", index, sample)
                self.send(client, role, pattern, method, pattern.url({**values, index: hostile}), value=hostile)

            # 3. hostile values in every query parameter and form field the view read (or could read)
            if not self.at_the_door(got) and names:
                query = self.hostile_fields(names, key, "query", sample)
                self.send(client, role, pattern, "GET", f"{url}?{urlencode(query)}", value=self.label(query))
            if not self.at_the_door(posted):
                form = self.hostile_fields(names or ["q"], key, "form", sample)
                if url_sweep.pick([True, False], *key, "multipart", sample):
                    self.send(client, role, pattern, "POST", url, value=self.label(form), data=form)
                else:
                    body, content_type = urlencode(form), "application/x-www-form-urlencoded"
                    self.send(
                        client, role, pattern, "POST", url, value=self.label(form), data=body, content_type=content_type
                    )

        if not self.at_the_door(posted):
            # 4. a hostile raw body
            label, body, content_type = url_sweep.pick(url_sweep.hostile_bodies(), *key, "body")
            self.send(client, role, pattern, "POST", url, value=label, data=body, content_type=content_type)

    @staticmethod
    def hostile_fields(names, key, slot, sample) -> dict[str, str]:
        """Every name gets a hostile value; the values rotate over the names so that one request carries many."""
        offset = url_sweep.HOSTILE_VALUES.index(url_sweep.pick(url_sweep.HOSTILE_VALUES, *key, slot, sample))
        count = len(url_sweep.HOSTILE_VALUES)
        return {name: url_sweep.HOSTILE_VALUES[(offset + i) % count] for i, name in enumerate(names)}

    @staticmethod
    def label(fields: dict[str, str]) -> str:
        return ", ".join(f"{name}={url_sweep.describe(value)}" for name, value in list(fields.items())[:6]) + (
            " …" if len(fields) > 6 else ""
        )

    def sweep(self, role: str, shard: int = 0, shards: int = 1) -> None:
        client = self.client_for(role)
        if role != "anonymous":  # Wagtail creates a user's admin profile on first use: before the baseline
            UserProfile.get_for_user(self.users[role])
        self.baseline = key_tables_fingerprint()
        self.reached = 0
        targets = self.targets()
        self.assertGreater(len(targets), 300, "the resolver walk found too few URL patterns")
        for position, (pattern, values) in enumerate(targets):
            if position % shards == shard:
                self.sweep_pattern(client, role, pattern, values)
        self.assertGreaterEqual(self.reached, MIN_REACHED[role], f"{role} opened too few pages: is the log-in broken?")
        if self.failures:
            self.fail(f"{len(self.failures)} hostile request(s) went wrong as {role}:\n" + "\n".join(self.failures))

    def test_anonymous(self):
        self.sweep("anonymous")

    def test_learner(self):
        self.sweep("learner")

    def test_instructor_first_half(self):  # halves, so that pytest-xdist spreads the admin-heavy roles evenly
        self.sweep("instructor", 0, 2)

    def test_instructor_second_half(self):
        self.sweep("instructor", 1, 2)

    def test_academy_first_half(self):
        self.sweep("academy", 0, 2)

    def test_academy_second_half(self):
        self.sweep("academy", 1, 2)


def get_model(label: str):
    from django.apps import apps

    return apps.get_model(label)
