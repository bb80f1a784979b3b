"""A learner with something in every table that holds personal data, and a search for her identifiers across
every table and stored file (used by the deletion tests)."""

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import TestCase
from django.utils import timezone
from wagtail.log_actions import log

from certificates.services import issuance
from learners.accounts.run import check_digit
from learners.enrolment import services as learner_services
from learners.models import (
    AttendanceRecord,
    Enrolment,
    H5PAttempt,
    H5PStatement,
    H5PUserState,
    LessonProgress,
    ReflectionAnswer,
)
from learners.privacy import services as privacy_services
from learners.privacy.audit import audit_record
from tests.factories.certificates import make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.h5p_activities import make_activity
from tests.factories.learners import cohort, learner, make_user, session

RUN_BODY = 17654321
RUN = f"{RUN_BODY}-{check_digit(RUN_BODY)}"
EMAIL = "xiomara.quintanilla@example.cl"
GIVEN, FAMILY = "Xiomara Belén", "Quintanilla Zúñiga"
PHONE = "+56 9 8765 4321"

#: Her identifiers in every form they could be stored in (compared case-insensitively).
NEEDLES = [
    str(RUN_BODY),
    f"{RUN_BODY:,}".replace(",", "."),
    RUN,
    EMAIL,
    "xiomara",
    "quintanilla",
    "zúñiga",
    "8765 4321",
    "87654321",
]


def render_with_identity(snapshot, images=None):
    """A stand-in PDF that, like the real one, prints her full name and RUN."""
    return f"%PDF-1.7 {snapshot['learner_name']} RUN {snapshot['learner_run']} {snapshot['folio']}\n%%EOF".encode()


def traces_in_database(*, skip_certificate_name: bool = True) -> list[str]:
    """Every text or JSON value, in every table, that contains one of NEEDLES: ``"<model>.<field> #pk: value"``.

    An issued certificate may keep the learner's name (``snapshot.learner_name``): the verify page shows it."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField | models.EmailField)
        ]
        if not fields:
            continue
        for row in model._base_manager.values_list("pk", *fields):
            pk, values = row[0], row[1:]
            for name, value in zip(fields, values, strict=True):
                if value is None:
                    continue
                if isinstance(value, dict | list):
                    if skip_certificate_name and model._meta.label == "certificates.IssuedCertificate":
                        value = {key: item for key, item in value.items() if key != "learner_name"}
                    text = json.dumps(value, ensure_ascii=False)
                else:
                    text = str(value)
                lowered = text.casefold()
                for needle in NEEDLES:
                    if needle.casefold() in lowered:
                        found.append(f"{model._meta.label}.{name} #{pk}: {text[:120]}")
    return found


def _stored_files() -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.CERTIFICATES_PRIVATE_ROOT)]
    return [path for root in roots for path in root.rglob("*") if path.is_file()]


def traces_in_files() -> list[str]:
    """Stored files (media and private certificate storage) whose bytes contain one of NEEDLES."""
    found = []
    for path in _stored_files():
        content = path.read_bytes().decode("utf-8", errors="replace").casefold()
        found.extend(f"{path}: {needle}" for needle in NEEDLES if needle.casefold() in content)
    return found


class PrivacyTestCase(TestCase):
    """A course with one lesson and an H5P activity, a cohort with a session, an issuer with a default template,
    and (``make_full_learner``) a learner with data in every table."""

    @classmethod
    def setUpTestData(cls):
        catalogue = CourseIndexPageFactory(parent=site_root())
        cls.course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Participación ciudadana")
        cls.lesson = cls.course.get_descendants().type(apps.get_model("courses", "LessonPage")).specific().first()
        cls.activity = make_activity()
        cls.issuer = make_issuer(short_code="AMUCH", city="Santiago")
        cls.template = make_template(issuer=cls.issuer, is_default=True)
        cls.group = cohort(course=cls.course, starts_on=date(2026, 3, 2), ends_on=date(2026, 5, 29))
        cls.class_session = session(cohort=cls.group, on=date(2026, 3, 3))
        cls.staff = make_user(email="academia@example.cl", is_superuser=True, is_staff=True)

    def setUp(self):
        super().setUp()
        before = set(_stored_files())
        self.addCleanup(lambda: [path.unlink() for path in set(_stored_files()) - before])

    def make_full_learner(self):
        """Xiomara, with a completed enrolment and everything that comes with it, and a rendered certificate."""
        user = learner(
            email=EMAIL, given_names=GIVEN, family_names=FAMILY, run=RUN, phone=PHONE, organisation_name="Xiomara JJVV"
        )
        user.first_name, user.last_name = GIVEN, FAMILY
        user.save()
        privacy_services.consent_record(user=user, channel="signup")
        enrolment = learner_services.enrolment_create(user=user, course=self.course, cohort=self.group)
        LessonProgress.objects.create(
            enrolment=enrolment, lesson=self.lesson, course=self.course, completed_at=timezone.now(), score=1
        )
        attempt = H5PAttempt.objects.create(
            user=user,
            enrolment=enrolment,
            lesson=self.lesson,
            activity=self.activity,
            number=1,
            completed_at=timezone.now(),
            raw_score=1,
            max_score=1,
            scaled=Decimal("1"),
            success=True,
        )
        H5PStatement.objects.create(
            user=user,
            enrolment=enrolment,
            activity=self.activity,
            lesson=self.lesson,
            attempt=attempt,
            statement_id=uuid.uuid4(),
            verb="http://adlnet.gov/expapi/verbs/answered",
            object_id="urn:x",
            top_level=True,
            raw={"actor": {"account": {"name": str(user.pk)}}, "result": {"response": "Soy Xiomara Quintanilla"}},
        )
        H5PUserState.objects.create(
            user=user, activity=self.activity, data_type="state", sub_content_id="0", value="{}"
        )
        AttendanceRecord.objects.create(
            session=self.class_session, enrolment=enrolment, status="present", recorded_by=self.staff
        )
        ReflectionAnswer.objects.create(
            enrolment=enrolment,
            lesson=self.lesson,
            block_id=str(uuid.uuid4()),
            prompt="¿Qué problema llevarías a tu junta de vecinos?",
            text="Soy Xiomara Quintanilla y en mi pasaje no hay luz.",
            feedback="Gracias, Xiomara: llévalo a la asamblea.",
            feedback_by=self.staff,
            feedback_at=timezone.now(),
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(
            status=Enrolment.Status.COMPLETED, completed_at=timezone.now(), final_grade=Decimal("6.5")
        )
        enrolment.refresh_from_db()
        log(instance=enrolment, action="wagtail.edit", user=self.staff)
        audit_record(actor=self.staff, action="learner.viewed", subject=user.learner_profile)
        privacy_services.data_request_create(user=user, kind="access", details="Soy Xiomara, RUN " + RUN)
        with mock.patch("certificates.services.rendering.render_pdf", side_effect=render_with_identity):
            with self.captureOnCommitCallbacks(execute=True):
                certificate = issuance.certificate_issue(enrolment=enrolment, issued_by=self.staff)
        certificate.refresh_from_db()
        assert certificate.pdf, certificate.render_state
        return user, enrolment, certificate

    @staticmethod
    def yesterday():
        return timezone.now() - timedelta(days=1)
