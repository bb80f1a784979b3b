""" "Marcar como completada" on a lesson."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.selectors import course_for, live_lesson
from courses.serving import cached_site
from learners.enrolment.selectors import enrolment_with_course
from learners.enrolment.services import EnrolmentError
from learners.progress import services


@require_POST
def mark_complete(request, lesson_id):
    lesson = live_lesson(lesson_id=lesson_id)
    if lesson is None:
        raise Http404
    cached_site(request)  # the site for the redirects below, from the page cache (Wagtail would query it)
    if not request.user.is_authenticated:
        return redirect_to_login(lesson.get_url(request))
    course = course_for(page=lesson, cached=True)
    enrolment = enrolment_with_course(user=request.user, course=course) if course is not None else None
    if enrolment is None:
        raise Http404
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
