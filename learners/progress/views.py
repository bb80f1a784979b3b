""" "Marcar como completada" on a lesson."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import LessonPage
from learners.enrolment.models import Enrolment
from learners.enrolment.services import EnrolmentError
from learners.progress import services


@require_POST
def mark_complete(request, lesson_id):
    lesson = get_object_or_404(LessonPage.objects.live().only("id", "path", "depth", "url_path", "body"), pk=lesson_id)
    if not request.user.is_authenticated:
        return redirect_to_login(lesson.get_url(request))
    course_path = lesson.path[: -2 * LessonPage.steplen]
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("course"), user=request.user, course__path=course_path
    )
    try:
        result = services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)
    except EnrolmentError as error:
        messages.error(request, str(error))
        return redirect(lesson.get_url(request))
    if result.course_completed:
        messages.success(request, _("Congratulations! You completed the course."))
        return redirect("learners:dashboard")
    # Back to the lesson, now shown as completed with the next step (the next lesson or the course), so that the
    # learner sees that it worked before moving on.
    messages.success(request, _("Lesson marked as completed."))
    return redirect(lesson.get_url(request))
