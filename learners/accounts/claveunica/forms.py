"""Forms of the ClaveÚnica log-in: what ClaveÚnica does not give (email, comuna, year of birth, consent), the code
sent by email, and the local account's password."""

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from courses.models import Region
from learners.accounts.forms import comuna_field, email_field, region_label, validate_birth_year


class CompleteForm(forms.Form):
    email = email_field(
        help_text=_("We will send you a code to confirm it, and your course notices and certificates."),
        max_length=150,
    )
    comuna = comuna_field()
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        help_text=_("Four digits, for example 1962."),
        error_messages={
            "required": _("Write the year you were born."),
            "invalid": _("Write the year with four digits, for example 1962."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "bday-year", "inputmode": "numeric", "pattern": "[0-9]*", "maxlength": 4}
        ),
    )
    accept_privacy = forms.BooleanField(
        label=_("I have read the privacy notice and I agree that the school uses my data as it explains."),
        error_messages={"required": _("To continue, you need to accept the privacy notice.")},
    )

    def clean_birth_year(self):
        return validate_birth_year(self.cleaned_data["birth_year"])

    @cached_property
    def regions(self) -> list[tuple[str, str]]:
        """(code, label) of every region, for the region filter in front of the comuna list."""
        return [(region.code, region_label(region.name)) for region in Region.objects.all()]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        help_text=_("The six digits we sent you by email."),
        max_length=12,
        error_messages={"required": _("Write the code we sent you.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isascii() or not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("The code has six digits."), code="format")
        return code


class PasswordProofForm(forms.Form):
    password = forms.CharField(
        label=_("Password of that account"),
        strip=False,
        error_messages={"required": _("Write the password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
