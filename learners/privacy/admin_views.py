"""Answering a learner's data request from the admin: done or rejected with a response, and, for deletion and
blocking, carrying it out through ``learners.privacy.services`` after an explicit confirmation."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.auth import permission_denied

from learners.privacy import services
from learners.privacy.models import DataRequest
from learners.privacy.viewsets import deadline_text, requester

PERMISSION = "learners.change_datarequest"


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Answer"),
        choices=[
            (DataRequest.Status.DONE, gettext_lazy("Carried out")),
            (DataRequest.Status.REJECTED, gettext_lazy("Rejected with reasons")),
        ],
        widget=forms.RadioSelect,
    )
    response = forms.CharField(
        label=gettext_lazy("Response to the learner"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Required when rejecting: give the reasons, and tell her she may complain to the Agencia de Protección "
            "de Datos Personales within 30 business days. Do not write her RUN, email or phone."
        ),
    )
    execute = forms.BooleanField(label="", required=False)

    def __init__(self, *args, request: DataRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if request.kind == DataRequest.Kind.DELETION:
            self.fields["execute"].label = _(
                "Delete her data now. This cannot be undone: only her certificates stay verifiable."
            )
        elif request.kind == DataRequest.Kind.BLOCKING:
            self.fields["execute"].label = _("Block her account now (she is logged out and cannot log in).")
        else:
            del self.fields["execute"]

    def clean(self):
        cleaned = super().clean()
        executable = self.request.kind in (DataRequest.Kind.DELETION, DataRequest.Kind.BLOCKING)
        if executable and cleaned.get("status") == DataRequest.Status.DONE and not cleaned.get("execute"):
            self.add_error("execute", ValidationError(_("Tick the box to carry out the request."), code="required"))
        if cleaned.get("status") == DataRequest.Status.REJECTED and not cleaned.get("response", "").strip():
            self.add_error("response", ValidationError(_("Give the reasons for rejecting the request.")))
        return cleaned


def answer(request, pk):
    if not request.user.has_perm(PERMISSION):
        return permission_denied(request)
    data_request = get_object_or_404(DataRequest.objects.select_related("user__learner_profile"), pk=pk)
    inspect_url = reverse("learners_data_request:inspect", args=[pk])
    if data_request.status != DataRequest.Status.OPEN:
        messages.info(request, _("This request was already answered."))
        return redirect(inspect_url)
    form = AnswerForm(request.POST or None, request=data_request)
    if request.method == "POST" and form.is_valid():
        try:
            services.data_request_answer(
                request=data_request,
                by=request.user,
                status=form.cleaned_data["status"],
                response=form.cleaned_data["response"],
                execute=form.cleaned_data.get("execute", False),
            )
        except services.PrivacyError as error:
            messages.error(request, str(error))
            return redirect(inspect_url)
        messages.success(request, _("Request answered."))
        return redirect(inspect_url)
    title = _("Answer request %(request)s") % {"request": data_request}
    return TemplateResponse(
        request,
        "learners/admin/data_request_answer.html",
        {
            "page_title": title,
            "header_title": title,
            "header_icon": "mail",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                {"url": reverse("learners_data_request:index"), "label": _("Data requests")},
                {"url": "", "label": title},
            ],
            "form": form,
            "data_request": data_request,
            "requester": requester(data_request),
            "countdown": deadline_text(data_request),
            "back_url": inspect_url,
        },
        status=400 if request.method == "POST" else 200,
    )
