"""Per-learner state on course and lesson pages (the course pages themselves stay user-agnostic)."""

from types import SimpleNamespace
from typing import NamedTuple

from django import template
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from courses import page_cache, page_shell
from courses.selectors import lesson_activities, lesson_position, missing_libraries
from learners.calendar.selectors import course_sessions
from learners.enrolment.selectors import PROGRESSING, open_cohorts
from learners.h5p.grades import ActivityGrade
from learners.h5p.selectors import lesson_activity_grades
from learners.progress import selectors
from learners.progress.models import LessonProgress
from learners.reflections.selectors import lesson_answers, missing_required_answers
from learners.reflections.services import answer_max_chars

register = template.Library()


@register.simple_tag(takes_context=True)
def learner_course_state(context, course):
    """The learner's enrolment, lessons done and next lesson for a course page (cached on the request)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated or not getattr(course, "pk", None):
        return selectors.LearnerCourseState(enrolment=None)
    cache = request.__dict__.setdefault("_learner_course_states", {})
    if course.pk not in cache:
        outline = context.get("outline")  # the course page has already loaded its lessons
        lessons = [item.page for module in outline.modules for item in module.lessons] if outline else None
        cache[course.pk] = selectors.learner_course_state(user=request.user, course=course, lessons=lessons)
    return cache[course.pk]


@register.simple_tag(takes_context=True)
def school_details(context):
    """Who runs the school (``organisation_name``) and its ``contact_email``, for the privacy notice and the profile:
    the Wagtail site setting that LEARNERS_SCHOOL_SETTINGS names ("app_label.ModelName", a BaseSiteSetting with
    those two fields), or WAGTAIL_SITE_NAME and no email when the host has none."""
    label = getattr(settings, "LEARNERS_SCHOOL_SETTINGS", None)
    request = context.get("request")
    if label and request is not None:
        try:
            return apps.get_model(label).for_request(request)
        except ObjectDoesNotExist:  # no Wagtail site for this request's host
            pass
    return SimpleNamespace(organisation_name=getattr(settings, "WAGTAIL_SITE_NAME", ""), contact_email="")


@register.simple_tag(takes_context=True)
def open_cohorts_for(context, course):
    if not getattr(course, "pk", None):
        return []
    return list(open_cohorts(course=course).select_related("municipality"))


@register.inclusion_tag("learners/includes/lesson_progress.html", takes_context=True)
def lesson_progress_panel(context, lesson):
    """ "Marcar como completada" for an enrolled learner; nothing for visitors of open courses."""
    request = context.get("request")
    enrolment = getattr(request, "learner_enrolment", None)
    done = False
    can_progress = enrolment is not None and enrolment.status in PROGRESSING
    if can_progress:
        done = getattr(enrolment, "lessons_done", {}).get(lesson.pk)  # read with her enrolment (gate_lessons)
        if done is None:
            done = LessonProgress.objects.filter(enrolment=enrolment, lesson=lesson, completed_at__isnull=False)
            done = done.exists()
    position = context.get("position")
    if position is None and request is not None and getattr(lesson, "pk", None):  # a page shell's own render
        position = lesson_position(lesson=lesson, cached=page_cache.cacheable(request))
    next_lesson = position.next if position else None
    missing_answers = []
    if can_progress and not done:
        missing_answers = missing_required_answers(enrolment=enrolment, lesson=lesson)
    activities = _lesson_h5p(request, lesson, enrolment if can_progress else None)
    required = [
        {
            "title": item.activity.title,
            "uuid": str(item.activity.uuid),
            "passed": activities.grades.get(item.activity.pk, ActivityGrade()).passed,
        }
        for item in activities.placements
        if item.required
    ]
    return {
        "required_activities": required,
        "missing_answers": missing_answers,
        "request": request,
        "lesson": lesson,
        "enrolment": enrolment,
        "can_progress": can_progress,
        "done": done,
        "next_lesson": next_lesson,
        "course": getattr(request, "learner_course", None),
    }


# Her state in a course page's outline: rendered for each request, also when the page comes whole from the page cache
# (courses.page_shell), from the outline of the page's context and her course state (read once per request).


def _outline_state(context):
    page = context.get("page")
    return learner_course_state(context, page)


class _OutlineMarks(NamedTuple):
    """Her marks in one course outline, worked out once per request: a 60-lesson outline asks for 120 of them."""

    done: frozenset
    next_id: int | None
    done_badge: str
    next_badge: str


def _outline_marks(context) -> _OutlineMarks:
    request, page = context.get("request"), context.get("page")
    memo = getattr(request, "_outline_marks", None)
    if memo is not None and memo[0] is page:
        return memo[1]
    state = _outline_state(context)
    marks = _OutlineMarks(
        done=state.done_lesson_ids,
        next_id=state.next_lesson.pk if state.enrolment and state.next_lesson is not None else None,
        done_badge=format_html(' <span class="state state--done">{}</span>', gettext("completed")),
        next_badge=format_html(' <span class="state">{}</span>', gettext("next")),
    )
    if request is not None:
        request._outline_marks = (page, marks)
    return marks


@page_shell.late_call("learners.outline_module_progress")
def _outline_module_progress(context, module_id) -> str:
    state = _outline_state(context)
    outline = context.get("outline")
    module = next((module for module in outline.modules if module.page.pk == module_id), None) if outline else None
    if state.enrolment is None or module is None or not module.lessons:
        return ""
    text = gettext("%(done)s of %(total)s lessons completed") % {
        "done": done_in(module.lessons, state),
        "total": len(module.lessons),
    }
    return format_html('<p class="module-progress">{}</p>', text)


@page_shell.late_call("learners.outline_lesson_class")
def _outline_lesson_class(context, lesson_id) -> str:
    return ' class="is-done"' if lesson_id in _outline_marks(context).done else ""


@page_shell.late_call("learners.outline_lesson_badge")
def _outline_lesson_badge(context, lesson_id) -> str:
    marks = _outline_marks(context)
    if lesson_id in marks.done:
        return marks.done_badge
    if lesson_id == marks.next_id:
        return marks.next_badge
    return ""


@register.simple_tag(takes_context=True)
def outline_module_progress(context, module_id):
    """ "3 de 20 lecciones completadas" under a module of the outline, for an enrolled learner."""
    return mark_safe(page_shell.call_or_mark("learners.outline_module_progress", context, module_id))  # noqa: S308


@register.simple_tag(takes_context=True)
def outline_lesson_class(context, lesson_id):
    """``class="is-done"`` on a lesson of the outline that she completed."""
    return mark_safe(page_shell.call_or_mark("learners.outline_lesson_class", context, lesson_id))  # noqa: S308


@register.simple_tag(takes_context=True)
def outline_lesson_badge(context, lesson_id):
    """ "completada" or "siguiente" after a lesson of the outline."""
    return mark_safe(page_shell.call_or_mark("learners.outline_lesson_badge", context, lesson_id))  # noqa: S308


@register.filter
def done_in(items, state):
    """How many of a module's outline lessons the learner completed: ``{{ module.lessons|done_in:state }}``."""
    done = getattr(state, "done_lesson_ids", frozenset())
    return sum(1 for item in items if item.page.pk in done)


# H5P activities in lesson bodies -----------------------------------------------------------------------------


class _LessonH5P:
    def __init__(self, placements, grades):
        self.placements = placements
        self.grades = grades


def _lesson_h5p(request, lesson, enrolment) -> _LessonH5P:
    """The lesson's H5P placements and the learner's grades, loaded once per request (two queries at most)."""
    if request is None or not getattr(lesson, "pk", None):
        return _LessonH5P([], {})
    cache = request.__dict__.setdefault("_learner_h5p", {})
    key = (lesson.pk, getattr(enrolment, "pk", None))
    if key not in cache:
        placements = lesson_activities(lesson=lesson, cached=page_cache.cacheable(request))
        grades = {}
        if enrolment is not None and placements:
            grades = lesson_activity_grades(enrolment=enrolment, lesson=lesson, placements=placements)
        cache[key] = _LessonH5P(placements, grades)
    return cache[key]


H5P_EMBED_TEMPLATE = "learners/h5p/embed.html"


def h5p_block_html(page, raw, context) -> str | None:
    """The H5P block ``raw`` (its stored value) of the lesson ``page`` for this reader (courses.templatetags.
    course_tags.register_reader_block): what ``h5p_activity_embed`` shows, with the activity taken from the lesson's
    placements in the shared page cache instead of StreamField reading it again (one query per request). None
    (render as usual) for a block without an id or outside a request."""
    request = context.get("request")
    block_id = raw.get("id")
    if request is None or not block_id or not getattr(page, "pk", None) or not page_cache.cacheable(request):
        return None
    enrolment = getattr(request, "learner_enrolment", None)
    progressing = enrolment is not None and enrolment.status in PROGRESSING
    placements = _lesson_h5p(request, page, enrolment if progressing else None).placements
    placement = next((item for item in placements if item.block_id == block_id), None)
    value = {"activity": None, "required": False}
    if placement is not None:  # None: its activity was deleted, as StreamField would give it
        value = {"activity": placement.activity, "required": placement.required}
    data = h5p_activity_embed(context, page, value)
    return template.loader.get_template(H5P_EMBED_TEMPLATE).render(data)


@register.inclusion_tag(H5P_EMBED_TEMPLATE, takes_context=True)
def h5p_activity_embed(context, lesson, value):
    """An H5P block on a lesson: the player in an iframe and the learner's attempts; otherwise why not.

    Visitors are asked to sign in, people without an active enrolment to enrol; those who can edit the lesson get
    the player as a preview. An activity whose libraries are not approved yet shows a note (and, to staff, which).
    """
    request = context.get("request")
    activity = value.get("activity") if hasattr(value, "get") else None
    result = {"activity": activity, "lesson": lesson, "required": bool(value.get("required")) if activity else False}
    if activity is None or request is None:
        return {**result, "state": "unavailable"}
    user = request.user
    if not user.is_authenticated:
        return {**result, "state": "sign_in", "login_url": reverse("accounts:login"), "next": request.get_full_path()}
    enrolment = getattr(request, "learner_enrolment", None)
    progressing = enrolment is not None and enrolment.status in PROGRESSING
    editor = False
    if not progressing:
        editor = bool(getattr(lesson, "pk", None)) and lesson.permissions_for_user(user).can_edit()
        if not editor:
            return {**result, "state": "enrol", "course": getattr(request, "learner_course", None)}
    if not getattr(lesson, "pk", None):
        return {**result, "state": "unsaved"}
    missing = missing_libraries(activity=activity, cached=page_cache.cacheable(request))
    if missing:
        staff = editor or user.is_staff or user.has_perm("courses.approve_h5plibrary")
        return {**result, "state": "not_ready", "missing": missing if staff else []}
    url = reverse("learners:h5p_player", kwargs={"lesson_id": lesson.pk, "activity_uuid": activity.uuid})
    grade = None
    if progressing:
        grade = _lesson_h5p(request, lesson, enrolment).grades.get(activity.pk, ActivityGrade())
    return {
        **result,
        "state": "play",
        "player_url": url,
        "preview": not progressing,
        "grade": grade,
        "percent": None if grade is None or grade.grade is None else round(grade.grade * 100),
    }


# Reflection prompts in lesson bodies -------------------------------------------------------------------------------


@register.inclusion_tag("learners/reflections/answer_box.html", takes_context=True)
def reflection_answer_box(context, lesson, value, block_id):
    """The answer box under a "Para reflexionar" prompt, for a learner enrolled in the course: her saved answer,
    editable until the instructor replies, then the reply. Nothing for visitors, staff or previews. Her answers
    in the lesson are loaded once per request (one query)."""
    request = context.get("request")
    enrolment = getattr(request, "learner_enrolment", None)
    if request is None or enrolment is None or enrolment.status not in PROGRESSING:
        return {"show": False}
    if not block_id or not getattr(lesson, "pk", None) or not request.user.is_active:
        return {"show": False}
    cache = request.__dict__.setdefault("_learner_reflections", {})
    if lesson.pk not in cache:
        cache[lesson.pk] = lesson_answers(enrolment=enrolment, lesson=lesson)
    answer = cache[lesson.pk].get(str(block_id))
    return {
        "show": True,
        "answer": answer,
        "block_id": str(block_id),
        "lesson": lesson,
        "required": bool(value.get("answer_required")) if hasattr(value, "get") else False,
        "max_chars": answer_max_chars(),
        "storage_key": f"{request.user.pk}:{lesson.pk}:{block_id}",
    }


@register.inclusion_tag("learners/calendar/course_sessions.html", takes_context=True)
def course_sessions_panel(context, course):
    """Her cohort's in-person sessions on the course page (next first, past ones folded); nothing for visitors,
    self-paced learners or people still on the waitlist."""
    state = learner_course_state(context, course)
    sessions = course_sessions(enrolment=state.enrolment)
    today = timezone.localdate()
    return {
        "request": context.get("request"),
        "upcoming": [session for session in sessions if session.date >= today],
        "past": [session for session in sessions if session.date < today],
    }
