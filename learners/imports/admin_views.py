"""Bulk enrolment from a CSV file inside the Wagtail admin: upload → preview → import.

The uploaded bytes wait in the user's session (never on disk) between the preview and the confirmation, and the
confirmation reads and checks them again before importing, because people or seats may have changed meanwhile.
Only people with the ``learners.add_enrolment`` permission get here.
"""

import base64
import uuid

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem

from courses.converters import parse_id
from courses.models import CoursePage
from learners.enrolment import selectors, services
from learners.enrolment.models import Cohort
from learners.imports.parsing import MAX_BYTES, parse_enrolment_csv
from learners.imports.services import BulkImportError, import_enrolments

PERMISSION = "learners.add_enrolment"
SESSION_KEY = "learners_bulk_enrol"


class BulkEnrolForm(forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("Course"), queryset=CoursePage.objects.none())
    cohort = forms.ModelChoiceField(
        label=gettext_lazy("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "Optional. Without a cohort, learners join the course's open cohort with the earliest start, if it has any."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns: run (or documento), nombres, apellidos, email, comuna (5-digit CUT code), and año_nacimiento "
            "for people who are not registered yet. Separated by commas or semicolons, as Excel saves them."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["cohort"].queryset = Cohort.objects.select_related("course").order_by("course__title", "starts_on")
        self.fields["cohort"].label_from_instance = lambda cohort: f"{cohort.course.title} · {cohort.name}"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB. Split it into smaller files.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        return upload

    def clean(self):
        cleaned_data = super().clean()
        course, cohort = cleaned_data.get("course"), cleaned_data.get("cohort")
        if course is None:
            return cleaned_data
        error = enrolment_target_error(course=course, cohort=cohort)
        if error:
            self.add_error("cohort", error)
        return cleaned_data


def enrolment_target_error(*, course: CoursePage, cohort: Cohort | None) -> str:
    """Why the services would refuse every row for this course and cohort (empty when they would not)."""
    if cohort is not None and cohort.course_id != course.pk:
        return _("That cohort belongs to another course.")
    if cohort is not None and not cohort.enrolment_is_open():
        return _("Enrolment for this cohort is closed. Change its enrolment window first.")
    if cohort is None and Cohort.objects.filter(course=course).exists():
        if not selectors.open_cohorts(course=course).exists():
            return _("No cohort of this course is taking enrolments. Choose a cohort or open one.")
    return ""


class BulkEnrolMixin:
    page_title = gettext_lazy("Enrol from a CSV file")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def render(self, template, context, status=200):
        context = {
            "page_title": self.page_title,
            "header_title": self.page_title,
            "header_icon": "upload",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                {"url": reverse("learners_cohort:index"), "label": _("Cohorts")},
                {"url": "", "label": self.page_title},
            ],
            **context,
        }
        return TemplateResponse(self.request, template, context, status=status)

    def render_preview(self, *, parsed, course, cohort, filename, token, status=200):
        return self.render(
            "learners/admin/bulk_enrol_preview.html",
            {
                "parsed": parsed,
                "course": course,
                "cohort": cohort,
                "filename": filename,
                "token": token,
                "confirm_url": reverse("learners_bulk_enrol_confirm"),
                "upload_url": reverse("learners_bulk_enrol"),
            },
            status=status,
        )


class BulkEnrolUploadView(BulkEnrolMixin, View):
    """Choose a course (and cohort), upload the file, see the preview of every row."""

    def get(self, request):
        initial = {}
        if cohort_id := parse_id(request.GET.get("cohort", "")):
            cohort = Cohort.objects.filter(pk=cohort_id).first()
            if cohort is not None:
                initial = {"course": cohort.course_id, "cohort": cohort.pk}
        return self.render("learners/admin/bulk_enrol_upload.html", {"form": BulkEnrolForm(initial=initial)})

    def post(self, request):
        form = BulkEnrolForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render("learners/admin/bulk_enrol_upload.html", {"form": form}, status=400)
        upload = form.cleaned_data["file"]
        data = upload.read()
        course, cohort = form.cleaned_data["course"], form.cleaned_data["cohort"]
        token = uuid.uuid4().hex
        request.session[SESSION_KEY] = {
            "token": token,
            "data": base64.b64encode(data).decode("ascii"),
            "filename": upload.name,
            "course": course.pk,
            "cohort": cohort.pk if cohort else None,
        }
        parsed = parse_enrolment_csv(data)
        return self.render_preview(parsed=parsed, course=course, cohort=cohort, filename=upload.name, token=token)


class BulkEnrolConfirmView(BulkEnrolMixin, View):
    """Check the stored file again and import it; back to the preview if anything is wrong now."""

    def post(self, request):
        pending = request.session.get(SESSION_KEY)
        if not pending or pending.get("token") != request.POST.get("token"):
            messages.error(request, _("That preview is out of date. Upload the file again."))
            return redirect("learners_bulk_enrol")
        course = get_object_or_404(CoursePage, pk=pending["course"])
        cohort = get_object_or_404(Cohort, pk=pending["cohort"]) if pending["cohort"] else None
        parsed = parse_enrolment_csv(base64.b64decode(pending["data"]))
        preview = {"parsed": parsed, "course": course, "cohort": cohort, "filename": pending["filename"]}
        error = (
            enrolment_target_error(course=course, cohort=cohort)
            if course.live
            else _("This course is not open for enrolment.")
        )
        if error or not parsed.is_clean:
            if error:
                messages.error(request, error)
            else:
                messages.error(request, _("The file no longer passes the checks, so nothing was imported."))
            return self.render_preview(**preview, token=pending["token"], status=400)
        try:
            report = import_enrolments(parsed=parsed, course=course, cohort=cohort, by=request.user)
        except (BulkImportError, services.EnrolmentError) as error:
            messages.error(request, str(error))
            return self.render_preview(**preview, token=pending["token"], status=400)
        except IntegrityError:
            messages.error(
                request, _("Someone changed these learners while you were importing. Upload the file again.")
            )
            return redirect("learners_bulk_enrol")
        del request.session[SESSION_KEY]
        messages.success(
            request,
            _(
                "Import finished. New learners: %(created)s. Already registered: %(matched)s. Enrolled: %(enrolled)s. "
                "On the waitlist: %(waitlisted)s. Already enrolled before: %(already)s."
            )
            % {
                "created": report.created,
                "matched": report.matched,
                "enrolled": report.enrolled,
                "waitlisted": report.waitlisted,
                "already": report.already_enrolled,
            },
        )
        return redirect(reverse("learners_enrolment:index") + "?" + urlencode({"course": course.pk}))


class BulkEnrolMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


bulk_enrol_upload = BulkEnrolUploadView.as_view()
bulk_enrol_confirm = BulkEnrolConfirmView.as_view()
