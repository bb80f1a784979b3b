"""Admin actions on certificates: issue for one learner, revoke, reissue, retry, batch progress and cohort ZIP, and
the sample PDF of a template (its download and the editor's preview panel).

Each action asks for confirmation on GET and acts on POST (CSRF-protected), after checking the permission.
"""

import zipfile

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.auth import permission_denied
from wagtail.snippets.views.snippets import PreviewOnCreateView, PreviewOnEditView
from wagtail.utils.decorators import xframe_options_sameorigin_override

from certificates import selectors
from certificates.models import CertificateBatch, CertificateTemplate, IssuanceFailure, IssuedCertificate
from certificates.scope import scoped_batches, scoped_certificates, scoped_cohorts, scoped_failures
from certificates.services import batches, issuance, rendering, revocation
from certificates.services.errors import CertificateError
from certificates.services.snapshot import sample_snapshot
from courses import spreadsheets
from courses.models import CoursePage
from learners.admin_helpers import learner_search_q
from learners.models import Enrolment

CHANGE = "certificates.change_issuedcertificate"
ADD = "certificates.add_issuedcertificate"
VIEW = "certificates.view_issuedcertificate"


def _render(request, *, title, form=None, intro="", submit, action_url, back_url, status=200, danger=False):
    return TemplateResponse(
        request,
        "certificates/admin/action_form.html",
        {
            "page_title": title,
            "header_title": title,
            "header_icon": "doc-full-inverse",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                {"url": reverse("certificates_issued:index"), "label": _("Issued certificates")},
                {"url": "", "label": title},
            ],
            "form": form,
            "intro": intro,
            "submit_label": submit,
            "action_url": action_url,
            "back_url": back_url,
            "danger": danger,
        },
        status=status,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Recorded with your name. It is never shown on the public verification page."),
    )


def _inspect_url(certificate):
    return reverse("certificates_issued:inspect", args=[certificate.pk])


def _reason_action(request, pk, *, title, intro, submit, run, success, danger=False):
    if not request.user.has_perm(CHANGE):
        return permission_denied(request)
    certificate = get_object_or_404(scoped_certificates(request.user, IssuedCertificate.objects.all()), pk=pk)
    form = ReasonForm(request.POST or None)
    back = _inspect_url(certificate)
    if request.method == "POST" and form.is_valid():
        try:
            result = run(certificate=certificate, reason=form.cleaned_data["reason"], by=request.user)
        except CertificateError as error:
            messages.error(request, str(error))
            return redirect(back)
        messages.success(request, success % {"folio": result.folio})
        return redirect(_inspect_url(result))
    return _render(
        request,
        title=title % {"folio": certificate.folio},
        form=form,
        intro=intro,
        submit=submit,
        action_url=request.path,
        back_url=back,
        status=400 if request.method == "POST" else 200,
        danger=danger,
    )


def certificate_revoke(request, pk):
    return _reason_action(
        request,
        pk,
        title=_("Revoke certificate %(folio)s"),
        intro=_(
            "The verification page will say that this certificate was revoked and when. The learner keeps no valid "
            "certificate for this course until you reissue it."
        ),
        submit=_("Revoke"),
        run=revocation.certificate_revoke,
        success=_("Certificate %(folio)s revoked."),
        danger=True,
    )


def certificate_reissue(request, pk):
    return _reason_action(
        request,
        pk,
        title=_("Reissue certificate %(folio)s"),
        intro=_(
            "A new certificate is issued with today's data of the learner and the course, a new folio and a new "
            "code. The old code will say “replaced” and link to the new one."
        ),
        submit=_("Reissue"),
        run=revocation.certificate_reissue,
        success=_("New certificate %(folio)s issued; its PDF is being prepared."),
    )


def certificate_retry(request, pk):
    """Render a certificate's PDF again (after a failure) in the background."""
    if not request.user.has_perm(CHANGE):
        return permission_denied(request)
    certificate = get_object_or_404(scoped_certificates(request.user, IssuedCertificate.objects.all()), pk=pk)
    if request.method == "POST":
        IssuedCertificate.objects.filter(pk=certificate.pk).update(
            render_state=IssuedCertificate.RenderState.PENDING, render_error=""
        )
        from certificates.tasks import render_certificates_task

        render_certificates_task.enqueue(certificate_ids=[certificate.pk], batch_id=certificate.batch_id)
        messages.success(request, _("The PDF of %(folio)s is being prepared again.") % {"folio": certificate.folio})
        return redirect(_inspect_url(certificate))
    return _render(
        request,
        title=_("Prepare the PDF of %(folio)s again") % {"folio": certificate.folio},
        intro=certificate.render_error,
        submit=_("Prepare the PDF again"),
        action_url=request.path,
        back_url=_inspect_url(certificate),
    )


class IssueOneForm(forms.Form):
    learner = forms.CharField(
        label=gettext_lazy("Learner"), help_text=gettext_lazy("Her RUN (any format) or her email address.")
    )
    course = forms.ModelChoiceField(label=gettext_lazy("Course"), queryset=CoursePage.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.order_by("title")

    def clean(self):
        cleaned_data = super().clean()
        query, course = cleaned_data.get("learner", "").strip(), cleaned_data.get("course")
        if not query or course is None:
            return cleaned_data
        condition = learner_search_q(query, profile="user__learner_profile__", user="user__")
        if "@" in query:
            condition |= Q(user__email__iexact=query)
        matches = list(Enrolment.objects.filter(condition, course=course).select_related("user")[:2])
        if len(matches) != 1:
            raise forms.ValidationError(
                _("No enrolment in this course matches that learner.")
                if not matches
                else _("Several learners match. Type the full RUN or email address.")
            )
        cleaned_data["enrolment"] = matches[0]
        return cleaned_data


def certificate_issue_one(request):
    """Manual issue for one learner who completed a course (staff may first mark it completed in Enrolments)."""
    if not request.user.has_perm(ADD):
        return permission_denied(request)
    form = IssueOneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate = issuance.certificate_issue(enrolment=form.cleaned_data["enrolment"], issued_by=request.user)
        except CertificateError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Certificate %(folio)s issued.") % {"folio": certificate.folio})
            return redirect(_inspect_url(certificate))
    return _render(
        request,
        title=_("Issue a certificate for one learner"),
        form=form,
        intro=_("The learner must have completed the course. Issuing again gives back her current certificate."),
        submit=_("Issue"),
        action_url=request.path,
        back_url=reverse("certificates_issued:index"),
        status=400 if request.method == "POST" else 200,
    )


def failure_retry(request, pk):
    """Try an automatic issue that failed again, now (for example after creating a template)."""
    if not request.user.has_perm(ADD):
        return permission_denied(request)
    failure = get_object_or_404(
        scoped_failures(request.user, IssuanceFailure.objects.select_related("enrolment")), pk=pk
    )
    back = reverse("certificates_failure:index")
    if request.method == "POST":
        certificate = issuance.certificate_issue_automatically(enrolment_id=failure.enrolment_id)
        if certificate is None:
            failure.refresh_from_db()
            messages.error(request, _("It failed again: %(error)s") % {"error": failure.error})
            return redirect(back)
        messages.success(request, _("Certificate %(folio)s issued.") % {"folio": certificate.folio})
        return redirect(_inspect_url(certificate))
    return _render(
        request,
        title=_("Issue the certificate again"),
        intro=failure.error,
        submit=_("Try again"),
        action_url=request.path,
        back_url=back,
    )


@require_POST
def batch_retry(request, pk):
    """Render a batch's failed PDFs again in the background; the batch runs until they are done."""
    if not request.user.has_perm(CHANGE):
        return permission_denied(request)
    batch = get_object_or_404(scoped_batches(request.user, CertificateBatch.objects.all()), pk=pk)
    count = batches.certificate_batch_retry_failed(batch=batch)
    messages.success(request, _("Preparing %(count)s PDFs again.") % {"count": count})
    return redirect(reverse("certificates_batch:inspect", args=[batch.pk]))


@require_GET
def batch_progress(request, pk):
    """The batch's progress as JSON, polled by its admin page's progress bar."""
    if not request.user.has_perm("certificates.view_certificatebatch"):
        return permission_denied(request)
    batch = get_object_or_404(scoped_batches(request.user, CertificateBatch.objects.all()), pk=pk)
    return JsonResponse(
        {
            "state": batch.state,
            "state_label": batch.get_state_display(),
            "percent": batch.percent,
            "total": batch.total,
            "rendered": batch.rendered,
            "failed": batch.failed,
            "finished": batch.is_finished,
        }
    )


class _Sink:
    """A write-only file for zipfile that hands over what was written, so the ZIP streams as it is built."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def drain(self):
        chunks, self.chunks = self.chunks, []
        yield from chunks


def _zip_stream(certificates):
    sink = _Sink()
    index = [["folio", "nombre", "curso", "codigo"]]
    now = timezone.localtime()
    stamp = (now.year, now.month, now.day, now.hour, now.minute, now.second)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates.iterator(chunk_size=200):
            with certificate.pdf.open("rb") as handle:
                archive.writestr(zipfile.ZipInfo(f"{certificate.folio}.pdf", date_time=stamp), handle.read())
            snapshot = certificate.snapshot
            index.append([certificate.folio, snapshot["learner_name"], snapshot["course_title"], snapshot["code"]])
            yield from sink.drain()
        index_csv = spreadsheets.csv_bytes(index)
        archive.writestr(zipfile.ZipInfo("indice.csv", date_time=stamp), index_csv)
    yield from sink.drain()


def cohort_zip(request, cohort_pk):
    """Every valid certificate of a cohort as one ZIP (streamed), with an index of folios and names."""
    if not request.user.has_perm(VIEW):
        return permission_denied(request)
    cohort = get_object_or_404(scoped_cohorts(request.user), pk=cohort_pk)
    certificates = selectors.cohort_certificates(cohort=cohort)
    if not certificates.exists():
        messages.warning(request, _("This cohort has no certificates with a PDF yet."))
        return redirect(reverse("certificates_issued:index") + f"?cohort={cohort.pk}")
    response = StreamingHttpResponse(_zip_stream(certificates), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="certificados-grupo-{cohort.pk}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


def sample_pdf(template: CertificateTemplate) -> bytes:
    """A certificate of ``template`` (saved or not) with made-up learner data; nothing is saved."""
    return rendering.render_pdf(sample_snapshot(template=template))


def template_sample_pdf(request, pk):
    """A sample PDF of a saved template (the editor's preview panel shows unsaved changes)."""
    if not request.user.has_perm("certificates.view_certificatetemplate") and not request.user.has_perm(
        "certificates.change_certificatetemplate"
    ):
        return permission_denied(request)
    template = get_object_or_404(CertificateTemplate, pk=pk)
    response = HttpResponse(sample_pdf(template), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="vista-previa-{template.pk}.pdf"'
    return response


class SamplePdfPreviewMixin:
    """The editor's preview panel of a certificate template: a sample certificate drawn from the form as it is
    (unsaved changes included), as a PDF instead of Wagtail's HTML page preview."""

    @method_decorator(xframe_options_sameorigin_override)
    def get(self, request, *args, **kwargs):
        form = self.get_form(self._get_form_data(self._get_form_state()))
        if not self.validate_form(form):
            return self.error_response()
        form.save(commit=False)
        response = HttpResponse(sample_pdf(self.object), content_type="application/pdf")
        patch_cache_control(response, private=True)
        return response


class TemplatePreviewOnCreateView(SamplePdfPreviewMixin, PreviewOnCreateView):
    pass


class TemplatePreviewOnEditView(SamplePdfPreviewMixin, PreviewOnEditView):
    pass
