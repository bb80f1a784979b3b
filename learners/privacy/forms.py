"""Forms of the "Mis datos" page and of the privacy notice's acceptance."""

from django import forms
from django.utils.translation import gettext_lazy as _

from learners.privacy.models import DataRequest


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you ask for?"),
        choices=[
            (DataRequest.Kind.DELETION, _("Delete my data and my account")),
            (DataRequest.Kind.BLOCKING, _("Block my data for a while (nobody uses them, and you cannot log in)")),
            (
                DataRequest.Kind.RECTIFICATION,
                _("Correct data I cannot change myself (RUN, document, email, year of birth)"),
            ),
            (DataRequest.Kind.ACCESS, _("Know where my data come from and who received them")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you ask for.")},
    )
    details = forms.CharField(
        label=_("Details"),
        help_text=_("Optional. For a correction, tell us what is wrong and what is right."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


REQUEST_KINDS = frozenset(DataRequest.Kind.values)


class AcceptNoticeForm(forms.Form):
    accept = forms.BooleanField(
        label=_("I have read this privacy notice and I agree that the school uses my data as it explains."),
        error_messages={"required": _("To continue, you need to accept the privacy notice.")},
    )


class WithdrawConsentForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account will be blocked and my data deleted."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
