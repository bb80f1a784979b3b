"""Who is told that a RUN is under review (a ClaveÚnica-verified RUN displaced another profile's, issue 16): the
academy always, and a municipal school's administration only when the displaced profile is enrolled in the school's
courses or cohorts. Real schools (``cms.schools.services.school_create``), real outbox, no mocks."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction

from cms import roles
from cms.schools import services as school_services
from courses.models import CourseIndexPage
from learners.accounts.claveunica.selectors import run_review_recipients
from learners.accounts.claveunica.services import run_displace
from learners.enrolment.services import enrolment_create
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import ensure_comuna, make_cohort, make_learner, make_user

pytestmark = pytest.mark.django_db
PENALOLEN, VALPARAISO, SANTIAGO = "13122", "05101", "13101"


class World:
    """Two schools (Peñalolén, Valparaíso), a course of Peñalolén's, a national course, and the staff around them."""

    def __init__(self):
        for code, name in ((PENALOLEN, "Peñalolén"), (VALPARAISO, "Valparaíso"), (SANTIAGO, "Santiago")):
            ensure_comuna(code, name)
        created_a = school_services.school_create(
            name="Escuela Ciudadana de Peñalolén",
            comuna_code=PENALOLEN,
            host="escuela-a.localhost",
            admin_email="admin@penalolen.cl",
        )
        created_b = school_services.school_create(
            name="Escuela Ciudadana de Valparaíso",
            comuna_code=VALPARAISO,
            host="escuela-b.localhost",
            admin_email="admin@valparaiso.cl",
        )
        self.school_a, self.admin_a, self.admin_b = created_a.school, created_a.administrator, created_b.administrator
        groups_a = roles.school_groups(school=self.school_a)
        self.admin_a_away = make_user(email="de-baja@penalolen.cl", is_active=False)
        self.admin_a_away.groups.add(groups_a[roles.ADMINISTRATION])
        self.teacher_a = make_user(email="docente@penalolen.cl")
        self.teacher_a.groups.add(groups_a[roles.TEACHING])
        # Valparaíso's administrator also holds the national Administrador role by mistake: her school limits her
        self.admin_b.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))

        self.superuser = make_user(email="soporte@example.cl", is_superuser=True, is_staff=True)
        self.administrador = make_user(email="administracion@example.cl")
        self.administrador.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
        self.academia = make_user(email="academia@example.cl")  # sees learner profiles but does not change them
        self.academia.groups.add(Group.objects.get(name=roles.ACADEMY))

        catalogue_a = CourseIndexPage.objects.child_of(self.school_a.site.root_page).get()
        self.school_course = build_course(catalogue=catalogue_a, modules=1, lessons=1, title="Ordenanza local")
        self.national_course = build_course(
            catalogue=CourseIndexPageFactory(parent=site_root()), modules=1, lessons=1, title="Presupuestos"
        )
        self.school_cohort = make_cohort(course=self.school_course, municipality_id=PENALOLEN)
        self.national_in_penalolen = make_cohort(course=self.national_course, municipality_id=PENALOLEN)
        self.national_in_santiago = make_cohort(course=self.national_course, municipality_id=SANTIAGO)

    @property
    def academy(self) -> set[str]:
        return {self.superuser.email, self.administrador.email}


@pytest.fixture
def world():
    return World()


def displaced_and_told(profile, django_capture_on_commit_callbacks) -> set[str]:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        run_displace(profile=profile)
    told = [message for message in mail.outbox if "en revisión" in message.subject]
    assert all(len(message.to) == 1 for message in told)
    addresses = [message.to[0] for message in told]
    assert len(addresses) == len(set(addresses)), "one email per person"
    return set(addresses)


@pytest.mark.parametrize("cohort", ["school_cohort", "national_in_penalolen"])
def test_a_learner_of_a_schools_course_or_cohort_is_reported_to_that_schools_administration_and_the_academy(
    world, cohort, django_capture_on_commit_callbacks
):
    """In the school's own course, or in a national course's cohort opened for the school's comuna."""
    learner = make_learner(run="12.345.678-5", email="impostora@example.cl", comuna=PENALOLEN)
    cohort = getattr(world, cohort)
    enrolment_create(user=learner, course=cohort.course, cohort=cohort)
    told = displaced_and_told(learner.learner_profile, django_capture_on_commit_callbacks)
    assert told == world.academy | {world.admin_a.email}
    # never the school's instructors, its deactivated administrators, another school's administration (even with
    # a national role), nor the Academia role, which does not change learner profiles
    assert not told & {world.teacher_a.email, world.admin_a_away.email, world.admin_b.email, world.academia.email}


@pytest.mark.parametrize("enrolled", [True, False])
def test_a_learner_of_no_school_is_reported_to_the_academy_only(world, enrolled, django_capture_on_commit_callbacks):
    """A national course's cohort of a comuna without a school (or no enrolment at all): the school's residents
    included, since a school sees its courses and cohorts, not everyone who lives in its comuna."""
    learner = make_learner(run="12.345.678-5", email="impostora@example.cl", comuna=PENALOLEN)
    if enrolled:
        enrolment_create(user=learner, course=world.national_course, cohort=world.national_in_santiago)
    assert displaced_and_told(learner.learner_profile, django_capture_on_commit_callbacks) == world.academy


def test_learners_of_two_schools_tell_both_administrations(world, django_capture_on_commit_callbacks):
    learner = make_learner(run="12.345.678-5", email="impostora@example.cl", comuna=PENALOLEN)
    enrolment_create(user=learner, course=world.school_course, cohort=world.school_cohort)
    valparaiso = make_cohort(course=world.national_course, municipality_id=VALPARAISO)
    enrolment_create(user=learner, course=world.national_course, cohort=valparaiso)
    told = displaced_and_told(learner.learner_profile, django_capture_on_commit_callbacks)
    assert told == world.academy | {world.admin_a.email, world.admin_b.email}


def test_the_recipients_are_read_in_one_query(world, django_assert_num_queries):
    learner = make_learner(run="12.345.678-5", email="impostora@example.cl", comuna=PENALOLEN)
    enrolment_create(user=learner, course=world.school_course, cohort=world.school_cohort)
    with django_assert_num_queries(1):
        emails = {user.email for user in run_review_recipients(profile=learner.learner_profile)}
    assert emails == world.academy | {world.admin_a.email}
