"""Bulk enrolment from a CSV file inside the Wagtail admin: upload → preview → import.

The uploaded bytes wait in the user's session (never on disk) between the preview and the confirmation, and the
confirmation reads and checks them again before importing, because people or seats may have changed meanwhile.
With rows that have problems, staff choose: import nothing (fix the file first) or import the valid rows and skip
the others, which a downloadable report lists with their reasons. Confirming the same preview twice imports once.
The list of invited people who have not activated their account yet, with "Reenviar invitación", is here too.
Only people with the ``learners.add_enrolment`` permission get here (the academy and a municipal school's
administration; never instructors or municipal coordinators). A school's administration imports only into her
school's courses and cohorts (``learners.staff.selectors.staff_may_enrol_in``, the rule of her cohort and
enrolment admin), sees only her school's imports and invitations (another school's answer 404) and her
invitations leave with her school's name and host.
"""

import base64
import uuid

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem

from courses.converters import parse_id
from courses.models import CoursePage, School
from courses.public_address import public_base_url
from courses.spreadsheets import DOWNLOAD_FORMATS, download_file, filename_ending
from learners.enrolment import selectors, services
from learners.enrolment.models import Cohort
from learners.imports.invitations import ResendResult, invitation_resend, resend_minutes
from learners.imports.models import EnrolmentImport
from learners.imports.parsing import MAX_BYTES, parse_enrolment_csv
from learners.imports.selectors import import_school, pending_invitations, visible_imports, visible_invitations
from learners.imports.services import BulkImportError, import_enrolments, skipped_report
from learners.staff.selectors import staff_cohorts, staff_courses, staff_may_enrol_in

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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # a school's administration: her school's courses and the national ones, her school's cohorts
        self.fields["course"].queryset = staff_courses(user=user, queryset=CoursePage.objects.live().order_by("title"))
        self.fields["cohort"].queryset = staff_cohorts(
            user=user, queryset=Cohort.objects.select_related("course").order_by("course__title", "starts_on")
        )
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
        error = enrolment_target_error(course=course, cohort=cohort, user=self.user)
        if error:
            self.add_error("cohort", error)
        return cleaned_data


def enrolment_target_error(*, course: CoursePage, cohort: Cohort | None, user) -> str:
    """Why the services would refuse every row for this course and cohort (empty when they would not)."""
    if cohort is not None and cohort.course_id != course.pk:
        return _("That cohort belongs to another course.")
    if not staff_may_enrol_in(user=user, course=course, cohort=cohort):
        return _(
            "You can only enrol people in your school's courses and cohorts. For a national course, choose a "
            "cohort of your school."
        )
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
            cohort = staff_cohorts(user=request.user, queryset=Cohort.objects.filter(pk=cohort_id)).first()
            if cohort is not None:
                initial = {"course": cohort.course_id, "cohort": cohort.pk}
        form = BulkEnrolForm(initial=initial, user=request.user)
        return self.render("learners/admin/bulk_enrol_upload.html", {"form": form})

    def post(self, request):
        form = BulkEnrolForm(request.POST, request.FILES, user=request.user)
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
        token = request.POST.get("token", "")
        done = EnrolmentImport.objects.filter(token=token, created_by=request.user).first() if token else None
        if done is not None:  # a second click after the first one imported the file
            messages.warning(request, _("This file was already imported; nothing was imported again."))
            return redirect("learners_bulk_enrol_result", done.pk)
        if not pending or pending.get("token") != token:
            messages.error(request, _("That preview is out of date. Upload the file again."))
            return redirect("learners_bulk_enrol")
        skip_invalid = request.POST.get("mode") == EnrolmentImport.Mode.SKIP_INVALID
        course = get_object_or_404(CoursePage, pk=pending["course"])
        cohort = get_object_or_404(Cohort, pk=pending["cohort"]) if pending["cohort"] else None
        parsed = parse_enrolment_csv(base64.b64decode(pending["data"]))
        preview = {"parsed": parsed, "course": course, "cohort": cohort, "filename": pending["filename"]}
        error = (
            enrolment_target_error(course=course, cohort=cohort, user=request.user)
            if course.live
            else _("This course is not open for enrolment.")
        )
        if error or not (parsed.is_clean or (skip_invalid and parsed.ok_rows and not parsed.problems)):
            if error:
                messages.error(request, error)
            else:
                messages.error(request, _("The file no longer passes the checks, so nothing was imported."))
            return self.render_preview(**preview, token=pending["token"], status=400)
        try:
            report = import_enrolments(
                parsed=parsed,
                course=course,
                cohort=cohort,
                by=request.user,
                skip_invalid=skip_invalid,
                token=pending["token"],
                filename=pending["filename"],
                **invitation_sender(import_school(course=course, cohort=cohort)),
            )
        except (BulkImportError, services.EnrolmentError) as error:
            messages.error(request, str(error))
            return self.render_preview(**preview, token=pending["token"], status=400)
        except IntegrityError:
            record = EnrolmentImport.objects.filter(token=pending["token"]).first()
            if record is not None:  # the same preview confirmed twice at once: the other request imported it
                return redirect("learners_bulk_enrol_result", record.pk)
            messages.error(
                request, _("Someone changed these learners while you were importing. Upload the file again.")
            )
            return redirect("learners_bulk_enrol")
        if report.repeated:
            messages.warning(request, _("This file was already imported; nothing was imported again."))
        request.session.pop(SESSION_KEY, None)
        return redirect("learners_bulk_enrol_result", report.record.pk)


class BulkEnrolResultView(BulkEnrolMixin, View):
    """What an import did: its counts, and the rows it skipped with why (also as a CSV or XLSX report)."""

    page_title = gettext_lazy("Import result")

    def get(self, request, pk):
        imports = visible_imports(user=request.user)  # another school's import: 404
        record = get_object_or_404(imports.select_related("course", "cohort", "created_by"), pk=pk)
        kind = request.GET.get("formato", "")
        if kind in DOWNLOAD_FORMATS:
            headings, rows = skipped_report(record=record)
            body, content_type = download_file(kind, headings=headings, rows=rows, sheet_name=_("Skipped rows"))
            response = HttpResponse(body, content_type=content_type)
            stamp = timezone.localtime(record.created_at).strftime("%Y%m%d")
            response["Content-Disposition"] = (
                f'attachment; filename="importacion-{record.pk}-filas-omitidas-{stamp}{filename_ending(kind)}"'
            )
            return response
        return self.render(
            "learners/admin/bulk_enrol_result.html",
            {
                "record": record,
                "enrolments_url": reverse("learners_enrolment:index") + "?" + urlencode({"course": record.course_id}),
                "invitations_url": reverse("learners_invitations") + "?" + urlencode({"importacion": record.pk}),
            },
        )


class InvitationListView(BulkEnrolMixin, View):
    """People created by an import who have not activated their account yet, with "Reenviar invitación" for one
    person or for those ticked. Filters: ``importacion``, ``curso``, ``grupo`` (ids)."""

    page_title = gettext_lazy("Invitations not activated yet")
    MAX_BULK = 500

    def filters(self):
        params = self.request.GET if self.request.method == "GET" else self.request.POST
        user = self.request.user
        return {
            "enrolment_import": self.imports().filter(pk=parse_id(params.get("importacion", ""))).first(),
            "course": self.courses().filter(pk=parse_id(params.get("curso", ""))).first(),
            "cohort": self.cohorts().filter(pk=parse_id(params.get("grupo", ""))).first(),
            "user": user,
        }

    def imports(self):
        return visible_imports(user=self.request.user)

    def courses(self):
        return staff_courses(user=self.request.user, queryset=CoursePage.objects.order_by("title").only("pk", "title"))

    def cohorts(self):
        cohorts = Cohort.objects.select_related("course").order_by("course__title", "starts_on")
        return staff_cohorts(user=self.request.user, queryset=cohorts)

    def get(self, request):
        filters = self.filters()
        return self.render(
            "learners/admin/invitations.html",
            {
                "invitations": pending_invitations(**filters)[:1000],
                "filters": filters,
                "courses": self.courses(),
                "cohorts": self.cohorts(),
                "imports": self.imports().order_by("-created_at")[:50],
                "resend_minutes": resend_minutes(),
                "query": request.GET.urlencode(),
            },
        )

    def post(self, request):
        raw = [request.POST.get("one", "")] if request.POST.get("one") else request.POST.getlist("invitation")
        ids = {parse_id(value) for value in raw[: self.MAX_BULK]} - {None}
        if not ids:
            messages.error(request, _("Choose at least one person."))
            return redirect(request.get_full_path())
        results = {result: 0 for result in ResendResult}
        senders: dict[tuple, dict[str, str]] = {}  # one look-up per course and comuna, not per person
        invitations = visible_invitations(user=request.user).filter(pk__in=ids)  # never another school's
        for invitation in invitations.select_related("user", "enrolment_import__course", "enrolment_import__cohort"):
            record = invitation.enrolment_import
            key = (record.course_id, record.cohort.municipality_id if record.cohort else None) if record else None
            if key not in senders:
                school = import_school(course=record.course, cohort=record.cohort) if record else None
                senders[key] = invitation_sender(school)
            results[invitation_resend(invitation=invitation, **senders[key])] += 1
        if results[ResendResult.SENT]:
            count = results[ResendResult.SENT]
            messages.success(
                request,
                ngettext(
                    "Invitation sent again to %(count)s person.", "Invitation sent again to %(count)s people.", count
                )
                % {"count": count},
            )
        if results[ResendResult.TOO_SOON]:
            count, minutes = results[ResendResult.TOO_SOON], resend_minutes()
            messages.warning(
                request,
                ngettext(
                    "%(count)s invitation was not sent again: it was sent less than %(minutes)s minutes ago.",
                    "%(count)s invitations were not sent again: they were sent less than %(minutes)s minutes ago.",
                    count,
                )
                % {"count": count, "minutes": minutes},
            )
        if results[ResendResult.NOT_PENDING]:
            count = results[ResendResult.NOT_PENDING]
            messages.warning(
                request,
                ngettext(
                    "%(count)s person no longer waits for an invitation (her account is active, deactivated or "
                    "blocked).",
                    "%(count)s people no longer wait for an invitation (their accounts are active, deactivated or "
                    "blocked).",
                    count,
                )
                % {"count": count},
            )
        return redirect(reverse("learners_invitations") + ("?" + request.GET.urlencode() if request.GET else ""))


def invitation_sender(school: School | None) -> dict[str, str]:
    """The ``base_url`` and ``site_name`` of invitations: a school's import invites from its host and in its name,
    the academy's from the academy's address."""
    if school is None:
        return {"base_url": public_base_url(), "site_name": ""}
    return {"base_url": public_base_url(site=school.site), "site_name": school.name}


class BulkEnrolMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


bulk_enrol_upload = BulkEnrolUploadView.as_view()
bulk_enrol_confirm = BulkEnrolConfirmView.as_view()
bulk_enrol_result = BulkEnrolResultView.as_view()
invitations = InvitationListView.as_view()
