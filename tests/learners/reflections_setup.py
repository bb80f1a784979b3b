"""A course with one lesson holding two reflection prompts (one with "answer required"), two cohorts in two
municipalities, their instructors, a coordinator, the academy and three learners (shared by the reflection tests
and the browser test)."""

from django.contrib.auth.models import Group

from cms import roles
from learners.enrolment.services import enrolment_create
from learners.models import StaffProfile
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, LessonPageFactory, ModulePageFactory
from tests.factories.learners import ensure_comuna, make_cohort, make_learner, make_user

REQUIRED_PROMPT = "6a0f3c4e-1111-4a5b-9c0d-000000000001"
OPTIONAL_PROMPT = "6a0f3c4e-2222-4a5b-9c0d-000000000002"
PASSWORD = "clave-segura-123"


def reflection_body():
    """A lesson body in the stored (JSON) form, with fixed block ids."""
    return [
        {"type": "paragraph", "value": "<p>La junta de vecinos representa al barrio.</p>", "id": "p-1"},
        {
            "type": "reflection",
            "value": {
                "prompt": "¿Qué problema de tu barrio llevarías a la junta?",
                "hint": "",
                "answer_required": True,
            },
            "id": REQUIRED_PROMPT,
        },
        {
            "type": "reflection",
            "value": {
                "prompt": "¿Quién más debería participar?",
                "hint": "Piensa en tus vecinas.",
                "answer_required": False,
            },
            "id": OPTIONAL_PROMPT,
        },
    ]


def in_group(user, name):
    user.groups.add(Group.objects.get(name=name))
    return user


def build_reflection_school(catalogue_parent):
    """Returns a namespace dict with the course, lesson, cohorts, staff and learners."""
    santiago = ensure_comuna("13101", "Santiago")
    nunoa = ensure_comuna("13120", "Ñuñoa")
    catalogue = CourseIndexPageFactory(parent=catalogue_parent, slug="cursos", title="Cursos")
    course = CoursePageFactory(parent=catalogue, title="Juntas de vecinos")
    module = ModulePageFactory(parent=course)
    lesson = LessonPageFactory(parent=module, title="La junta y su barrio", body=reflection_body())
    plain_lesson = LessonPageFactory(parent=module, title="Sin preguntas")

    teacher = in_group(make_user(email="profe@example.cl", first_name="Rosa"), roles.INSTRUCTOR)
    other_teacher = in_group(make_user(email="otra.profe@example.cl"), roles.INSTRUCTOR)
    coordinator = in_group(make_user(email="coordina@example.cl"), roles.COORDINATOR)
    StaffProfile.objects.create(user=coordinator, municipality=santiago)
    academy = in_group(make_user(email="academia@example.cl"), roles.ACADEMY)

    cohort = make_cohort(course=course, name="Grupo Santiago", municipality=santiago, instructors=[teacher])
    other_cohort = make_cohort(course=course, name="Grupo Ñuñoa", municipality=nunoa, instructors=[other_teacher])

    ana = make_learner(run="12.345.678-5", email="ana@example.cl", given_names="Ana", family_names="Pérez")
    luis = make_learner(run="11.111.111-1", email="luis@example.cl", given_names="Luis", family_names="Vera")
    carla = make_learner(run="22.222.222-2", email="carla@example.cl", given_names="Carla", family_names="Soto")
    return {
        "course": course,
        "lesson": lesson,
        "plain_lesson": plain_lesson,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "coordinator": coordinator,
        "academy": academy,
        "cohort": cohort,
        "other_cohort": other_cohort,
        "ana": ana,
        "luis": luis,
        "carla": carla,
        "ana_enrolment": enrolment_create(user=ana, course=course, cohort=cohort),
        "luis_enrolment": enrolment_create(user=luis, course=course, cohort=cohort),
        "carla_enrolment": enrolment_create(user=carla, course=course, cohort=other_cohort),
    }
