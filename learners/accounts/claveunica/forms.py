"""Forms of the ClaveÚnica log-in: what ClaveÚnica does not give (email, comuna, year of birth, consent), the code
sent by email, and the local account's password."""

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from courses.models import Region
from learners.accounts.forms import (
    birth_year_field,
    comuna_field,
    email_field,
    privacy_consent_field,
    region_label,
)


class CompleteForm(forms.Form):
    email = email_field(
        help_text=_("We will send you a code to confirm it, and your course notices and certificates."),
        max_length=150,
    )
    comuna = comuna_field()
    birth_year = birth_year_field()
    accept_privacy = privacy_consent_field()

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
