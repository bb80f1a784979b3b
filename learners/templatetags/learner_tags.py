"""Per-learner state on course and lesson pages (the course pages themselves stay user-agnostic)."""

from django import template

from learners import selectors
from learners.models import LessonProgress

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
def open_cohorts_for(context, course):
    if not getattr(course, "pk", None):
        return []
    return list(selectors.open_cohorts(course=course).select_related("municipality"))


@register.inclusion_tag("learners/includes/lesson_progress.html", takes_context=True)
def lesson_progress_panel(context, lesson):
    """ "Marcar como completada" for an enrolled learner; nothing for visitors of open courses."""
    request = context.get("request")
    enrolment = getattr(request, "learner_enrolment", None)
    done = False
    can_progress = enrolment is not None and enrolment.status in selectors.PROGRESSING
    if can_progress:
        done = LessonProgress.objects.filter(enrolment=enrolment, lesson=lesson, completed_at__isnull=False).exists()
    next_lesson = context.get("position").next if context.get("position") else None
    return {
        "request": request,
        "lesson": lesson,
        "enrolment": enrolment,
        "can_progress": can_progress,
        "done": done,
        "next_lesson": next_lesson,
        "course": getattr(request, "learner_course", None),
    }


@register.filter
def done_in(items, state):
    """How many of a module's outline lessons the learner completed: ``{{ module.lessons|done_in:state }}``."""
    done = getattr(state, "done_lesson_ids", frozenset())
    return sum(1 for item in items if item.page.pk in done)
