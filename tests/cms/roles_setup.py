"""A small school with one account per role, shared by the roles, workflow and delete-protection tests.

``RolesTestCase.setUpTestData`` builds: a catalogue under the academy's review; two courses (``mine`` names the
instructor, ``other`` does not), each with a module, a lesson and a cohort (Peñalolén for ``mine``, Santiago for
``other``) with one learner living there; a certificate for the learner of ``mine``.
"""

from django.contrib.auth.models import Group
from django.test import TestCase
from wagtail.models import Page
from wagtail.test.utils import WagtailTestUtils

from certificates.services import issuance
from cms import roles
from courses.models import CourseInstructor
from learners.enrolment import services
from learners.models import StaffProfile
from tests.factories.certificates import make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import ensure_comuna, make_cohort, make_learner, make_session, make_user

PENALOLEN, SANTIAGO = "13122", "13101"


def name_instructors(course, *users) -> None:
    """Name these accounts as the course's instructors and publish, as the academy does in the page editor."""
    course.instructors = [CourseInstructor(name=user.get_full_name() or user.email, user=user) for user in users]
    course.save_revision().publish()


def in_group(user, name: str):
    user.groups.add(Group.objects.get(name=name))
    return user


class RolesTestCase(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_comuna(PENALOLEN, "Peñalolén")
        ensure_comuna(SANTIAGO, "Santiago")
        cls.catalogue = CourseIndexPageFactory(parent=site_root())
        cls.mine = build_course(catalogue=cls.catalogue, modules=1, lessons=1, title="Presupuestos participativos")
        cls.other = build_course(catalogue=cls.catalogue, modules=1, lessons=1, title="Liderazgo comunitario")
        for course in (cls.mine, cls.other):
            course.save_revision().publish()
        roles.school_roles_sync()  # the catalogue was created outside the admin: put it under review too

        cls.instructor = make_user(email="instructora@example.cl", first_name="Rosa", last_name="Díaz")
        cls.academy = in_group(make_user(email="academia@example.cl"), roles.ACADEMY)
        cls.coordinator = in_group(make_user(email="coordinacion@example.cl"), roles.COORDINATOR)
        StaffProfile.objects.create(user=cls.coordinator, municipality_id=PENALOLEN)
        cls.administrator = in_group(make_user(email="administracion@example.cl"), roles.ADMINISTRATOR)
        cls.nobody = make_user(email="nadie@example.cl")
        name_instructors(cls.mine, cls.instructor)

        cls.mine_module = cls.mine.get_children().specific().get()
        cls.mine_lesson = cls.mine_module.get_children().specific().get()
        cls.other_module = cls.other.get_children().specific().get()
        cls.other_lesson = cls.other_module.get_children().specific().get()

        cls.mine_cohort = make_cohort(course=cls.mine, municipality_id=PENALOLEN, instructors=[cls.instructor])
        cls.other_cohort = make_cohort(course=cls.other, municipality_id=SANTIAGO)
        cls.mine_session = make_session(cohort=cls.mine_cohort)
        cls.other_session = make_session(cohort=cls.other_cohort)
        cls.ana = make_learner(run="12.345.678-5", email="ana@example.cl", comuna=PENALOLEN)
        cls.luis = make_learner(run="11.111.111-1", email="luis@example.cl", comuna=SANTIAGO)
        cls.ana_enrolment = services.enrolment_create(user=cls.ana, course=cls.mine, cohort=cls.mine_cohort)
        cls.luis_enrolment = services.enrolment_create(user=cls.luis, course=cls.other, cohort=cls.other_cohort)

        make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)
        cls.ana_enrolment.status = cls.ana_enrolment.Status.COMPLETED
        cls.ana_enrolment.save(update_fields=["status"])
        cls.certificate = issuance.certificate_issue(enrolment=cls.ana_enrolment, render=False)

    @staticmethod
    def reload(page) -> Page:
        return Page.objects.get(pk=page.pk).specific
