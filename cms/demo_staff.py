"""Demo staff: one account per role, for trying the admin as each of them (local use only)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cms import roles
from courses.models import Comuna, CourseInstructor, CoursePage
from learners.models import Cohort, StaffProfile

DEMO_STAFF_PASSWORD = "escuela-demo"
DEMO_INSTRUCTOR_EMAIL = "instructora@example.cl"
DEMO_ACADEMY_EMAIL = "academia@example.cl"
DEMO_COORDINATOR_EMAIL = "coordinacion@example.cl"
DEMO_COORDINATOR_MUNICIPALITY = "13122"  # Peñalolén

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
    for cohort in Cohort.objects.filter(course=course):
        cohort.instructors.add(instructor)
