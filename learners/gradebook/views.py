"""Gradebook pages: "Mis grupos" and a cohort's matrix (with its CSV and XLSX exports) and one learner's course
for staff (mounted at ``/equipo/`` by learners.staff.urls), and "Mis notas" for the learner.

A cohort or an enrolment outside what the account may see is a 404, so ids reveal nothing. Filters and sorting
are plain links and a GET form: everything works without JavaScript.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.spreadsheets import DOWNLOAD_FORMATS, download_file, filename_ending
from learners.enrolment.models import Enrolment
from learners.enrolment.selectors import PROGRESSING, SEAT_HOLDING
from learners.gradebook import selectors
from learners.privacy.audit import audit_record
from learners.reflections.selectors import learner_feedback_for_course


@login_required
def group_list(request):
    access = selectors.gradebook_access(user=request.user)
    context = {"cohorts": selectors.cohort_list(access=access), "read_only": access.read_only}
    return render(request, "learners/gradebook/group_list.html", context)


@login_required
def group_matrix(request, cohort_id):
    access = selectors.gradebook_access(user=request.user)
    cohort = get_object_or_404(access.cohorts, pk=cohort_id)
    book = selectors.cohort_gradebook(cohort=cohort, params=request.GET)
    export = request.GET.get("formato", "")
    if export in DOWNLOAD_FORMATS:
        return _export(request, book=book, kind=export)
    context = {"book": book, "read_only": access.read_only, "export_query": book.filters.querystring()}
    return render(request, "learners/gradebook/matrix.html", context)


def _export(request, *, book: selectors.Gradebook, kind: str) -> HttpResponse:
    headings, rows = selectors.gradebook_table(book=book)
    audit_record(
        actor=request.user,
        action="gradebook.exported",
        subject=book.cohort,
        data={"format": kind, "rows": len(rows), "filter": book.filters.flag},
    )
    body, content_type = download_file(kind, headings=headings, rows=rows, sheet_name=_("Gradebook"))
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="grupo-{book.cohort.pk}-notas-{stamp}{filename_ending(kind)}"'
    )
    return response


@login_required
def group_learner(request, cohort_id, enrolment_id):
    access = selectors.gradebook_access(user=request.user)
    cohort = get_object_or_404(access.cohorts, pk=cohort_id)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("course", "cohort", "user__learner_profile"),
        pk=enrolment_id,
        cohort=cohort,
        status__in=SEAT_HOLDING,
    )
    report = selectors.course_report(enrolment=enrolment)
    audit_record(actor=request.user, action="gradebook.learner_viewed", subject=enrolment)
    context = {
        "report": report,
        "cohort": cohort,
        "name": selectors.learner_name(enrolment),
        "read_only": access.read_only,
        "staff_view": True,
    }
    return render(request, "learners/gradebook/learner.html", context)


@login_required
def my_grades(request, course_id):
    enrolment = (
        Enrolment.objects.select_related("course", "cohort")
        .filter(user=request.user, course_id=course_id, status__in=PROGRESSING, course__live=True)
        .first()
    )
    if enrolment is None:
        raise Http404
    context = {
        "report": selectors.course_report(enrolment=enrolment),
        "reflection_rows": learner_feedback_for_course(user=request.user, course=enrolment.course),
        "staff_view": False,
    }
    return render(request, "learners/gradebook/my_grades.html", context)
