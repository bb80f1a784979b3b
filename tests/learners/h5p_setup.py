"""Shared set-up for the H5P learner tests: a course with one module whose lessons embed activities."""

import copy
import json
import uuid

from django.test import TestCase

from learners.enrolment import services
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, ModulePageFactory, site_root
from tests.factories.h5p import load_capture
from tests.factories.learners import learner

CAPTURE_IRIS = {
    "questionset-2-multichoice": "http://127.0.0.1:18765/lms/h5p/activity/multichoice",
    "multichoice-single": "http://127.0.0.1:18765/lms/h5p/activity/multichoice-single",
}


def iri_for(activity) -> str:
    return f"https://testserver/h5p/actividad/{activity.uuid}"


def capture_for(name: str, activity) -> list[dict]:
    """A captured statement sequence rewritten to talk about ``activity`` (each statement gets an id)."""
    text = json.dumps(load_capture(name)).replace(CAPTURE_IRIS[name], iri_for(activity))
    statements = json.loads(text)
    for statement in statements:
        statement["id"] = str(uuid.uuid4())
    return statements


def statement(activity, verb: str, *, sub: str | None = None, result: dict | None = None, **extra) -> dict:
    """A minimal statement like H5P's: top level unless ``sub`` (a subContentId) is given."""
    data = {
        "id": str(uuid.uuid4()),
        "actor": {"name": "Ana", "mbox": "mailto:ana@example.org"},
        "verb": {"id": verb if "/" in verb else f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": iri_for(activity) + (f"?subContentId={sub}" if sub else "")},
    }
    if sub:
        data["context"] = {"contextActivities": {"parent": [{"id": iri_for(activity)}]}}
    if result is not None:
        data["result"] = result
    data.update(extra)
    return data


def scored(raw, maximum, response=None, **result) -> dict:
    data = {"score": {"min": 0, "raw": raw, "max": maximum}, "completion": True, **result}
    if response is not None:
        data["response"] = response
    return data


class H5PTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.course = CoursePageFactory(parent=cls.catalogue)
        cls.module = ModulePageFactory(parent=cls.course)
        cls.user = learner()
        cls.enrolment = services.enrolment_create(user=cls.user, course=cls.course)

    def setUp(self):
        self.client.force_login(self.user)

    def xapi_url(self, lesson, activity) -> str:
        return f"/aprender/h5p/{lesson.pk}/{activity.uuid}/xapi/"

    def post_statement(self, lesson, activity, data, client=None, **headers):
        body = data if isinstance(data, bytes | str) else json.dumps(copy.deepcopy(data))
        return (client or self.client).post(
            self.xapi_url(lesson, activity), body, content_type="application/json", **headers
        )
