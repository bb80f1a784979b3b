"""The learner's enrolment pages: "Mis cursos", enrolling in a course and leaving it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.converters import parse_id
from courses.models import CoursePage
from learners.enrolment import selectors, services
from learners.enrolment.models import Cohort, Enrolment


@login_required
def dashboard(request):
    notes = selectors.account_notes(user=request.user)
    context = {
        "dashboard": selectors.dashboard(user=request.user),
        "profile_incomplete": notes.profile_incomplete,
        "teaches": notes.teaches,
    }
    return render(request, "learners/dashboard.html", context)


@require_POST
def enrol(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if not request.user.is_authenticated:  # back to the course page after signing in, not to this POST-only URL
        return redirect_to_login(course.get_url(request))
    cohort = None
    if request.POST.get("cohort"):  # not an id (cohort=abc, ２, 20 digits): no such group, as for an unknown id
        cohort = get_object_or_404(Cohort, pk=parse_id(request.POST["cohort"]) or 0, course=course)
    try:
        enrolment = services.enrolment_create(user=request.user, course=course, cohort=cohort)
    except services.EnrolmentError as error:
        messages.error(request, str(error))
        return redirect(course.get_url(request))
    if enrolment.status == Enrolment.Status.WAITLISTED:
        position = selectors.waitlist_position(enrolment=enrolment)
        messages.warning(
            request, _("The group is full: you are number %(position)s on the waitlist.") % {"position": position}
        )
    else:
        messages.success(request, _("You are enrolled. Welcome to the course!"))
    return redirect(course.get_url(request))


@require_POST
def withdraw(request, course_id):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("learners:dashboard"))
    enrolment = get_object_or_404(Enrolment, user=request.user, course_id=course_id)
    try:
        services.enrolment_withdraw(enrolment=enrolment)
    except services.EnrolmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You left the course. You can enrol again whenever you want."))
    return redirect("learners:dashboard")
