"""A small, hand-counted data set for the report tests (the expected figures are written in the tests).

Course "Presupuestos participativos" (A):
  cohort "Santiago 1" (municipality Santiago 13101): seven Santiago learners —
    s1, s2, s3 completed with grades 6.0, 5.0, 4.0 (s1 and s2 hold valid certificates);
    s4 active, visited 2 days ago; s5 active, visited 40 days ago; s6 withdrawn;
    teen (born 15 years ago) active, never visited; plus w, waitlisted (never counted).
    One past session: s1 present, s2 absent, s3 excused, s4 present → 2 of 3 counted marks: 66.7 %.
  cohort "Peñalolén 1" (municipality 13122): p1 completed with 7.0, p2 active visited yesterday (municipal staff).
Course "Liderazgo" (B), no cohort, enrolled on 10/01/2025: s1 active; v1 (Valparaíso 05101, age unknown) completed
  without a grade.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO

from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone

from certificates.services import issuance
from learners.models import AttendanceRecord, Enrolment, LearnerProfile, StaffProfile
from tests.factories.certificates import make_template
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, site_root
from tests.factories.learners import learner, make_cohort, make_session, make_user

REPORT_PERMISSION = ("cms_reports", "view_reports")


def grant_reports(user):
    user.user_permissions.add(Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"))
    user.user_permissions.add(
        Permission.objects.get(codename=REPORT_PERMISSION[1], content_type__app_label=REPORT_PERMISSION[0])
    )
    return user


def build_report_data(cls) -> None:
    """Attach the fixture's objects to the test class (call from setUpTestData)."""
    call_command("load_reference_data", stdout=StringIO())
    now = timezone.now()
    this_year = timezone.localdate().year
    catalogue = CourseIndexPageFactory(parent=site_root())
    cls.course_a = CoursePageFactory(parent=catalogue, title="Presupuestos participativos")
    cls.course_b = CoursePageFactory(parent=catalogue, title="Liderazgo")
    cls.santiago_cohort = make_cohort(course=cls.course_a, name="Santiago 1", municipality_id="13101")
    cls.penalolen_cohort = make_cohort(course=cls.course_a, name="Peñalolén 1", municipality_id="13122")

    def enrol(user, course, cohort, status, **fields):
        return Enrolment.objects.create(user=user, course=course, cohort=cohort, status=status, **fields)

    completed, active = Enrolment.Status.COMPLETED, Enrolment.Status.ACTIVE
    santiago = {"comuna_id": "13101"}
    cls.s = [learner(given_names=f"S{n}", family_names="Santiago", **santiago) for n in range(1, 7)]
    cls.teen = learner(given_names="Teen", family_names="Santiago", birth_year=this_year - 15, **santiago)
    waiting = learner(given_names="W", family_names="Santiago", **santiago)
    cls.s_enrolments = [
        enrol(cls.s[0], cls.course_a, cls.santiago_cohort, completed, completed_at=now, final_grade=Decimal("6.0")),
        enrol(cls.s[1], cls.course_a, cls.santiago_cohort, completed, completed_at=now, final_grade=Decimal("5.0")),
        enrol(cls.s[2], cls.course_a, cls.santiago_cohort, completed, completed_at=now, final_grade=Decimal("4.0")),
        enrol(cls.s[3], cls.course_a, cls.santiago_cohort, active, last_visited_at=now - timedelta(days=2)),
        enrol(cls.s[4], cls.course_a, cls.santiago_cohort, active, last_visited_at=now - timedelta(days=40)),
        enrol(cls.s[5], cls.course_a, cls.santiago_cohort, Enrolment.Status.WITHDRAWN, withdrawn_at=now),
    ]
    enrol(cls.teen, cls.course_a, cls.santiago_cohort, active)
    enrol(waiting, cls.course_a, cls.santiago_cohort, Enrolment.Status.WAITLISTED, waitlisted_at=now)

    staff = LearnerProfile.LearnerType.MUNICIPAL_STAFF
    cls.p1 = learner(given_names="P1", family_names="Peñalolén", comuna_id="13122", learner_type=staff)
    cls.p2 = learner(given_names="P2", family_names="Peñalolén", comuna_id="13122", learner_type=staff)
    enrol(cls.p1, cls.course_a, cls.penalolen_cohort, completed, completed_at=now, final_grade=Decimal("7.0"))
    enrol(cls.p2, cls.course_a, cls.penalolen_cohort, active, last_visited_at=now - timedelta(days=1))

    old = timezone.make_aware(datetime(2025, 1, 10, 12, 0))
    cls.v1 = learner(given_names="V1", family_names="Valparaíso", comuna_id="05101", birth_year=None)
    enrol(cls.s[0], cls.course_b, None, active, enrolled_at=old)
    enrol(cls.v1, cls.course_b, None, completed, enrolled_at=old, completed_at=old + timedelta(days=30))

    session = make_session(cohort=cls.santiago_cohort, date=timezone.localdate() - timedelta(days=3))
    for enrolment, status in zip(cls.s_enrolments[:4], ["present", "absent", "excused", "present"], strict=True):
        AttendanceRecord.objects.create(session=session, enrolment=enrolment, status=status)

    make_template(is_default=True)
    cls.certificates = [
        issuance.certificate_issue(enrolment=enrolment, render=False) for enrolment in cls.s_enrolments[:2]
    ]

    cls.admin = make_user(email="admin@example.cl", is_superuser=True, is_staff=True)
    cls.academy = grant_reports(make_user(email="academia@example.cl"))
    cls.academy.user_permissions.add(  # national scope, as the Academia role has (learners.staff.selectors)
        Permission.objects.get(codename="change_cohort", content_type__app_label="learners")
    )
    cls.coordinator = grant_reports(make_user(email="coordinacion@example.cl"))
    StaffProfile.objects.create(user=cls.coordinator, municipality_id="13122")
    cls.nobody = make_user(email="sin-permiso@example.cl")
    cls.nobody.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    cls.today = date.today()
