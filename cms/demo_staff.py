"""Demo staff: one account per role, for trying the admin as each of them (local use only)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from cms import roles
from courses.models import Comuna, CourseInstructor, CoursePage
from courses.selectors import course_lessons, course_reflections, lesson_activities
from learners.accounts.run import check_digit
from learners.enrolment.services import EnrolmentError, enrolment_create
from learners.models import Cohort, Enrolment, LearnerProfile, LessonProgress, StaffProfile
from learners.progress.services import lesson_mark_complete
from learners.reflections.models import ReflectionAnswer

DEMO_STAFF_PASSWORD = "escuela-demo"
DEMO_INSTRUCTOR_EMAIL = "instructora@example.cl"
DEMO_ACADEMY_EMAIL = "academia@example.cl"
DEMO_COORDINATOR_EMAIL = "coordinacion@example.cl"
DEMO_COORDINATOR_MUNICIPALITY = "13122"  # Peñalolén
DEMO_LEARNER_EMAIL = "vecina@example.cl"  # the demo learner (cms.demo creates her)

DEMO_STAFF = [
    (DEMO_INSTRUCTOR_EMAIL, "Carolina", "Millán Rojas", roles.INSTRUCTOR),
    (DEMO_ACADEMY_EMAIL, "Patricio", "Fuentes Lagos", roles.ACADEMY),
    (DEMO_COORDINATOR_EMAIL, "Javiera", "Toro Cárdenas", roles.COORDINATOR),
]


def ensure_demo_staff(notes: list[str]) -> None:
    """Create the three demo staff accounts (idempotent): the instructor named on the first course and teaching
    its cohorts, an academy member, and Peñalolén's coordinator. Runs the role sync first."""
    roles.school_roles_sync()
    User = get_user_model()
    accounts = {}
    for email, first_name, last_name, role in DEMO_STAFF:
        user = User.objects.filter(username=email).first()
        if user is None:
            user = User.objects.create_user(
                username=email, email=email, password=DEMO_STAFF_PASSWORD, first_name=first_name, last_name=last_name
            )
            notes.append(f"Created the demo staff account {email!r} ({role}).")
        user.groups.add(Group.objects.get(name=role))
        accounts[email] = user
    StaffProfile.objects.update_or_create(
        user=accounts[DEMO_COORDINATOR_EMAIL],
        defaults={"municipality": Comuna.objects.filter(code=DEMO_COORDINATOR_MUNICIPALITY).first()},
    )
    instructor = accounts[DEMO_INSTRUCTOR_EMAIL]
    course = CoursePage.objects.live().order_by("path").first()
    if course is None:
        return
    if not CourseInstructor.objects.filter(page=course, user=instructor).exists():
        course.instructors.add(CourseInstructor(name=instructor.get_full_name(), role="Instructora", user=instructor))
        course.save_revision().publish()  # publishing syncs the course's instructor group
    group = Cohort.objects.filter(course=course).order_by("pk").first() or _demo_online_group(course, notes)
    for cohort in Cohort.objects.filter(course=course):
        cohort.instructors.add(instructor)
    # She also teaches the in-person group, so that her attendance, QR check-in and "Mis grupos" pages have sessions.
    in_person = Cohort.objects.exclude(course=course).order_by("pk").first()
    if in_person is not None:
        in_person.instructors.add(instructor)
    Enrolment.objects.filter(course=course, cohort__isnull=True, user__username=DEMO_LEARNER_EMAIL).update(cohort=group)


# Classmates of the demo learner in the first course's group: (given names, family names, RUN body, lessons done,
# days since the last visit, reflection answer or ""), so "Mis grupos" shows every flag.
DEMO_CLASSMATES = [
    ("Juana", "Cayupán Ríos", 15200341, 5, 1, "Llevaría el problema de la luminaria de la plaza a la asamblea."),
    ("Pedro", "Soto Mella", 12844190, 2, 3, ""),
    ("Luisa", "Araya Campos", 17333902, 1, 20, ""),
    ("Ernesto", "Villalobos Díaz", 9876543, 0, None, ""),
    ("Margarita", "Quispe Mamani", 20111222, 3, 2, "Que la junta pida una audiencia pública al concejo."),
]


def _demo_online_group(course: CoursePage, notes: list[str]) -> Cohort:
    """The first course's online group with five classmates at different points, one of them waiting for
    feedback on a reflection answer (local demo only)."""
    today = timezone.localdate()
    group = Cohort.objects.create(
        course=course,
        name=f"En línea {today.year}",
        municipality=Comuna.objects.filter(code=DEMO_COORDINATOR_MUNICIPALITY).first(),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
        capacity=40,
    )
    User = get_user_model()
    lessons = list(course_lessons(course=course))
    prompts = course_reflections(course=course)
    comuna = Comuna.objects.filter(code=DEMO_COORDINATOR_MUNICIPALITY).first()
    for given, family, body, done, days_ago, answer in DEMO_CLASSMATES:
        email = f"{given.lower()}.demo@example.cl"
        user = User.objects.filter(username=email).first()
        if user is not None:
            continue
        user = User.objects.create_user(
            username=email, email=email, password=DEMO_STAFF_PASSWORD, first_name=given, last_name=family
        )
        LearnerProfile.objects.create(
            user=user,
            given_names=given,
            family_names=family,
            run=f"{body}-{check_digit(body)}",
            comuna=comuna,
            learner_type=LearnerProfile.LearnerType.CITIZEN,
            birth_year=1970,
            privacy_notice_version=settings.LEARNERS_PRIVACY_NOTICE_VERSION,
            privacy_accepted_at=timezone.now(),
            email_confirmed_at=timezone.now(),
        )
        enrolment = enrolment_create(user=user, course=course, cohort=group)
        for lesson in lessons[:done]:
            if not lesson_activities(lesson=lesson):
                try:
                    lesson_mark_complete(enrolment=enrolment, lesson=lesson)
                except EnrolmentError:  # a lesson that waits for a required answer
                    pass
        if days_ago is not None:
            visited = timezone.now() - timedelta(days=days_ago)
            Enrolment.objects.filter(pk=enrolment.pk).update(last_visited_at=visited)
            LessonProgress.objects.filter(enrolment=enrolment).update(completed_at=visited, updated_at=visited)
        if answer and prompts:
            ReflectionAnswer.objects.create(
                enrolment=enrolment,
                lesson=prompts[0].lesson,
                block_id=prompts[0].block_id,
                prompt=prompts[0].prompt,
                text=answer,
            )
    notes.append(f"Created the demo group {group.name!r} with {len(DEMO_CLASSMATES)} learners.")
    return group
