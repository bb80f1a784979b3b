"""Forms for learner accounts: sign-up, log-in, confirmation, password reset and the learner's profile.

Every label, help text and error is an English msgid translated in the catalogue (tuteo Spanish).
"""

import re
import unicodedata
from itertools import groupby
from operator import attrgetter

from django import forms
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from courses.models import Comuna, Region
from courses.models.territory import comuna_key
from learners.accounts import services, throttle
from learners.accounts.models import LearnerProfile
from learners.accounts.run import InvalidRun, normalise_run
from learners.accounts.states import AccountState, account_state

MINIMUM_AGE = 14
EARLIEST_BIRTH_YEAR = 1900

DocumentType = LearnerProfile.DocumentType
LearnerType = LearnerProfile.LearnerType

PASSWORD_HELP = _("At least 8 characters. Avoid common passwords, only numbers, or your name or email.")
RUN_ERRORS = {
    "format": _("Write the RUN with its check digit (a number or K), for example 12.345.678-5."),
    "range": _("This RUN is too short or too long. Check the number on your identity card."),
    "check_digit": _(
        "The check digit (after the dash) does not match the number. Check the RUN on your identity card."
    ),
}


def region_label(name: str) -> str:
    """The official Spanish name of a region: "Región de Tarapacá", "Región del Maule", "Región Metropolitana…"."""
    if name.startswith("Metropolitana"):
        return f"Región {name}"
    if name.startswith(("Libertador", "Maule", "Biobío")):
        return f"Región del {name}"
    return f"Región de {name}"


class GroupedComunaIterator(ModelChoiceIterator):
    """Comunas grouped by region (north to south, then alphabetically), from a single query."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        comunas = sorted(self.queryset, key=comuna_key)
        for _code, group in groupby(comunas, key=attrgetter("region_id")):
            group = list(group)
            yield (region_label(group[0].region.name), [self.choice(comuna) for comuna in group])


class ComunaSelect(forms.Select):
    """One <select> with an <optgroup> per region; each group carries data-region for comuna.js."""

    template_name = "learners/accounts/widgets/comuna_select.html"

    def __init__(self, attrs=None):
        super().__init__({"data-comuna-select": True, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["groups"] = [
            {"label": label, "region": str(options[0]["value"])[:2] if label else "", "options": options}
            for label, options, _index in context["widget"]["optgroups"]
        ]
        return context


class ComunaChoiceField(forms.ModelChoiceField):
    """A comuna from the official list (CUT codes nest: the first two digits are the region)."""

    iterator = GroupedComunaIterator
    widget = ComunaSelect

    def __init__(self, **kwargs):
        super().__init__(queryset=Comuna.objects.select_related("region"), **kwargs)


def comuna_field() -> "ComunaChoiceField":
    """The "comuna where you live" field of the sign-up and ClaveÚnica forms, with its Spanish messages."""
    return ComunaChoiceField(
        label=_("Comuna where you live"),
        empty_label=_("Choose your comuna"),
        error_messages={
            "required": _("Choose the comuna where you live."),
            "invalid_choice": _("Choose a comuna from the list."),
        },
    )


def email_field(*, autofocus: bool = False, **kwargs) -> forms.EmailField:
    attrs = {"autocomplete": "email", **({"autofocus": True} if autofocus else {})}
    return forms.EmailField(
        label=_("Email"),
        max_length=kwargs.pop("max_length", 254),
        error_messages={
            "required": _("Write your email."),
            "invalid": _("Write a valid email, for example nombre@ejemplo.cl."),
        },
        widget=forms.EmailInput(attrs=attrs),
        **kwargs,
    )


class TelInput(forms.TextInput):
    input_type = "tel"


# RUN and document numbers: no autocomplete or spelling fixes, capitals for the K
DOCUMENT_INPUT_ATTRS = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


def validate_birth_year(year: int) -> int:
    """Plausible, not in the future, and 14 or older this year (the age gate)."""
    this_year = timezone.localdate().year
    if year > this_year:
        raise ValidationError(_("The year of birth cannot be in the future."), code="future")
    if year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(_("Check the year: write all four digits, for example 1962."), code="implausible")
    if this_year - year < MINIMUM_AGE:
        raise ValidationError(
            _(
                "We are sorry: you need to be %(age)s or older to create an account. "
                "We will be glad to welcome you when you turn %(age)s."
            ),
            code="too_young",
            params={"age": MINIMUM_AGE},
        )
    return year


def birth_year_field() -> forms.IntegerField:
    """The year of birth of the sign-up and ClaveÚnica forms: four digits, with its Spanish messages and the age
    gate (``validate_birth_year``)."""
    return forms.IntegerField(
        label=_("Year of birth"),
        help_text=_("Four digits, for example 1962."),
        error_messages={
            "required": _("Write the year you were born."),
            "invalid": _("Write the year with four digits, for example 1962."),
        },
        validators=[validate_birth_year],
        widget=forms.TextInput(
            attrs={"autocomplete": "bday-year", "inputmode": "numeric", "pattern": "[0-9]*", "maxlength": 4}
        ),
    )


def privacy_consent_field() -> forms.BooleanField:
    """The acceptance of the privacy notice of the sign-up and ClaveÚnica forms, with its Spanish messages."""
    return forms.BooleanField(
        label=_("I have read the privacy notice and I agree that the school uses my data as it explains."),
        error_messages={"required": _("To continue, you need to accept the privacy notice.")},
    )


class ProfileForm(forms.ModelForm):
    """What a learner can correct herself on her profile page (never the RUN, document or email)."""

    given_names = forms.CharField(
        label=_("Given names"),
        max_length=100,
        error_messages={"required": _("Write your given names.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_names = forms.CharField(
        label=_("Family names"),
        max_length=100,
        error_messages={"required": _("Write your family names.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    comuna = comuna_field()
    learner_type = forms.ChoiceField(
        label=_("How do you take part?"),
        choices=[
            (LearnerType.CITIZEN, _("As a citizen")),
            (LearnerType.SOCIAL_LEADER, _("As a community leader")),
            (LearnerType.MUNICIPAL_STAFF, _("As municipal staff")),
            (LearnerType.OTHER, _("In another way")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you take part.")},
    )
    municipality = ComunaChoiceField(
        label=_("Municipality where you work"),
        help_text=_("Only if you work in a municipality."),
        empty_label=_("Choose the municipality"),
        required=False,
        error_messages={"invalid_choice": _("Choose a municipality from the list.")},
    )
    organisation_name = forms.CharField(
        label=_("Organisation"),
        help_text=_("If you belong to an organisation, for example your neighbourhood association."),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    organisation_type = forms.ChoiceField(
        label=_("Type of organisation"),
        choices=[("", _("Choose a type"))] + LearnerProfile.OrganisationType.choices,
        required=False,
    )
    phone = forms.CharField(
        label=_("Phone"),
        help_text=_("So the school can reach you about your courses. For example +56 9 1234 5678."),
        max_length=30,
        required=False,
        widget=TelInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    field_order = ["given_names", "family_names", "phone", "comuna", "learner_type", "municipality"]

    class Meta:
        model = LearnerProfile
        fields = list(services.EDITABLE_PROFILE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.birth_year is None:
            # people enrolled by the school from a file: the year was not in the file
            self.fields["birth_year"] = forms.IntegerField(
                label=_("Year of birth"),
                help_text=_("We need it to know your age. We never publish it."),
                widget=forms.NumberInput(attrs={"autocomplete": "bday-year", "inputmode": "numeric"}),
                error_messages={"required": _("Write the year you were born, for example 1962.")},
                validators=[validate_birth_year],
            )

    @cached_property
    def regions(self) -> list[tuple[str, str]]:
        """(code, label) of every region, for the region filter in front of each comuna list."""
        return [(region.code, region_label(region.name)) for region in Region.objects.all()]  # north to south

    def clean_phone(self):
        phone = " ".join(self.cleaned_data["phone"].split())
        digits = re.sub(r"\D", "", phone)
        if phone and (not re.fullmatch(r"[0-9+()\s.-]+", phone) or not 8 <= len(digits) <= 15):
            raise ValidationError(_("Write the phone with digits only, for example +56 9 1234 5678."), code="invalid")
        return phone

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("learner_type") == LearnerType.MUNICIPAL_STAFF:
            if not cleaned.get("municipality") and "municipality" not in self.errors:
                self.add_error(
                    "municipality",
                    ValidationError(_("Choose the municipality where you work."), code="required"),
                )
        else:
            cleaned["municipality"] = None
        return cleaned

    def profile_fields(self) -> dict:
        """Cleaned values to hand to the services."""
        names = list(services.EDITABLE_PROFILE_FIELDS) + list(services.IDENTITY_FIELDS)
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}


class ProfileCompleteForm(ProfileForm):
    """A full learner profile: identity, age and privacy acceptance as well (for accounts without one)."""

    document_type = forms.ChoiceField(
        label=_("Identity document"),
        choices=[
            (DocumentType.RUN, _("RUN (Chilean identity card)")),
            (DocumentType.PASSPORT, _("Passport")),
            (DocumentType.OTHER, _("Other identity document")),
        ],
        initial=DocumentType.RUN,
        required=False,
        widget=forms.RadioSelect,
    )
    run = forms.CharField(
        label=_("RUN"),
        help_text=_("The number of your identity card with its check digit, for example 12.345.678-5."),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs=DOCUMENT_INPUT_ATTRS),
    )
    document_number = forms.CharField(
        label=_("Document number"),
        help_text=_("Only if you do not have a RUN: the number of your passport or other document."),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs=DOCUMENT_INPUT_ATTRS),
    )
    birth_year = birth_year_field()
    accept_privacy = privacy_consent_field()

    field_order = [
        "given_names",
        "family_names",
        "run",
        "document_type",
        "document_number",
        "birth_year",
        "phone",
        "comuna",
        "learner_type",
        "municipality",
        "organisation_name",
        "organisation_type",
        "accept_privacy",
    ]

    #: Say that the RUN or document belongs to another account. Only a logged-in person completing her profile
    #: is told; the public sign-up never is (it must not reveal who is registered).
    report_taken = True

    class Meta(ProfileForm.Meta):
        fields = list(services.EDITABLE_PROFILE_FIELDS) + list(services.IDENTITY_FIELDS)

    def clean(self):
        cleaned = super().clean()
        document_type = cleaned.get("document_type") or DocumentType.RUN
        cleaned["document_type"] = document_type
        if document_type == DocumentType.RUN:
            cleaned["document_number"] = ""
            cleaned["run"] = self._clean_run(cleaned.get("run", ""))
        else:
            cleaned["run"] = None
            cleaned["document_number"] = self._clean_document_number(document_type, cleaned.get("document_number", ""))
        return cleaned

    def _clean_run(self, raw: str) -> str | None:
        if "run" in self.errors:
            return None
        if not raw.strip():
            self.add_error(
                "run",
                ValidationError(_("Write your RUN, or choose another document if you have none."), code="required"),
            )
            return None
        try:
            run = normalise_run(raw)
        except InvalidRun as error:
            reason = error.args[0] if error.args and error.args[0] in RUN_ERRORS else "format"
            self.add_error("run", ValidationError(RUN_ERRORS[reason], code=f"run_{reason}"))
            return None
        if self.report_taken and LearnerProfile.objects.filter(run=run).exclude(pk=self.instance.pk).exists():
            self.add_error("run", ValidationError(services.run_taken_message(), code="taken"))
            return None
        return run

    def _clean_document_number(self, document_type: str, raw: str) -> str:
        number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()
        if "document_number" in self.errors:
            return number
        if not number:
            self.add_error("document_number", ValidationError(_("Write the number of your document."), code="required"))
        elif self.report_taken and (
            LearnerProfile.objects.filter(document_type=document_type, document_number=number)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("document_number", ValidationError(services.document_taken_message(), code="taken"))
        return number


class SignupForm(ProfileCompleteForm):
    """Sign-up in one page: the account (email and password) and the full learner profile.

    Whether the email, RUN or document is already registered is never a form error: the sign-up service answers
    the same either way and writes to the existing account's owner instead (``services.signup_submit``).
    """

    report_taken = False

    email = email_field(
        help_text=_("You will use it to log in. We will send you a link to confirm it."),
        max_length=150,  # it becomes the username
    )
    password1 = forms.CharField(
        label=_("Password"),
        help_text=PASSWORD_HELP,
        strip=False,
        error_messages={"required": _("Choose a password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        error_messages={"required": _("Write the password again.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["email", "password1", "password2", *ProfileCompleteForm.field_order]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def _get_validation_exclusions(self):
        # The model's unique checks would say "a profile with this RUN already exists" to anyone: the identity
        # fields were validated above (learners.accounts.run), and their uniqueness is the sign-up service's business.
        return super()._get_validation_exclusions() | {"run", "document_type", "document_number"}

    def targets(self) -> list[str]:
        """What this sign-up is about, for the per-target rate limit: the email and the RUN or document."""
        document = self.cleaned_data.get("run") or (
            f"{self.cleaned_data.get('document_type')}:{self.cleaned_data.get('document_number')}"
        )
        return [f"email:{self.cleaned_data['email']}", f"document:{document}"]

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                ValidationError(_("The two passwords are different. Write the same one twice."), code="mismatch"),
            )
        elif password1:
            candidate = get_user_model()(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("given_names", ""),
                last_name=cleaned.get("family_names", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(auth_forms.AuthenticationForm):
    """Log in with email and password; failed attempts slow down that email from that client IP, and an IP that
    fails on many accounts is refused (``learners.accounts.throttle``)."""

    username = email_field(autofocus=True)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        error_messages={"required": _("Write your password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("The email or the password is not correct. Check them and try again."),
        "inactive": _("You have not confirmed your email yet. Open the link we sent you, or ask for a new one."),
        "unavailable": _(
            "You cannot log in with this account. If you think this is a mistake, write to the school at the "
            "contact email at the foot of this page."
        ),
    }

    unconfirmed_email = None

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        ip = throttle.client_ip(self.request)
        if wait := throttle.seconds_locked(account=email, ip=ip):
            raise self.locked_error(wait)
        inactive = get_user_model()._default_manager.filter(username=email, is_active=False).first()
        if inactive is not None:  # one password hash either way, so timing does not tell accounts apart
            if inactive.check_password(password):  # only someone with the password learns it cannot log in
                if account_state(inactive) == AccountState.UNCONFIRMED:
                    self.unconfirmed_email = email
                    raise ValidationError(self.error_messages["inactive"], code="inactive")
                raise ValidationError(self.error_messages["unavailable"], code="unavailable")
        else:
            self.user_cache = authenticate(self.request, username=email, password=password)
        if self.user_cache is None:
            wait = throttle.record_failure(account=email, ip=ip)
            raise self.locked_error(wait) if wait else self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        throttle.record_success(account=email, ip=ip)
        return self.cleaned_data

    @staticmethod
    def locked_error(seconds: int) -> ValidationError:
        minutes = max(1, -(-seconds // 60))
        message = ngettext(
            "Too many failed attempts. For your security, wait %(minutes)s minute and try again, "
            "or reset your password.",
            "Too many failed attempts. For your security, wait %(minutes)s minutes and try again, "
            "or reset your password.",
            minutes,
        )
        return ValidationError(message, code="locked", params={"minutes": minutes})


class AdminLoginForm(WagtailLoginForm):
    """The Wagtail admin's log-in, under the same failed-attempt limits as learners (the most valuable accounts).

    Enabled with ``WAGTAILADMIN_USER_LOGIN_FORM``; the admin's user name is counted as the "email".
    """

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip().lower()
        ip = throttle.client_ip(self.request)
        if username and (wait := throttle.seconds_locked(account=username, ip=ip)):
            raise LoginForm.locked_error(wait)
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if username and error.code == "invalid_login":
                if wait := throttle.record_failure(account=username, ip=ip):
                    raise LoginForm.locked_error(wait) from error
            raise
        if username:
            throttle.record_success(account=username, ip=ip)
        return cleaned


class EmailForm(forms.Form):
    """Just an email: to ask again for the confirmation link."""

    email = email_field()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with our wording and at most one email per address a minute."""

    email = email_field()

    def get_users(self, email):
        """Active accounts, plus accounts the school created from a file that were never activated."""
        if not throttle.email_send_allowed(purpose="password-reset", email=email):
            return iter(())
        return services.reset_recipients(email=email)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        """Django renders the reset email; the platform's outbox sends it (right away, never switched off)."""
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        services.password_reset_send(user=context["user"], subject=subject, body=body)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Choosing a new password from a reset link; it also lifts a log-in lock on that email."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].label = _("Repeat the new password")

    def save(self, commit=True):
        user = super().save(commit=commit)
        services.imported_account_activate(user=user)
        throttle.account_locks_clear(account=user.get_username())
        return user


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """ "Cambiar contraseña" for a logged-in learner. Wrong current passwords count as failed log-ins for her account
    and address (``learners.accounts.throttle``): after the limit she must wait, as at the log-in."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": _("Your current password is not correct. Write it again."),
    }

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].label = _("Repeat the new password")

    def clean_old_password(self):
        account, ip = self.user.get_username(), throttle.client_ip(self.request)
        if wait := throttle.seconds_locked(account=account, ip=ip):
            raise LoginForm.locked_error(wait)
        old_password = self.cleaned_data["old_password"]
        if not self.user.check_password(old_password):
            if wait := throttle.record_failure(account=account, ip=ip):
                raise LoginForm.locked_error(wait)
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    def save(self, commit=True):
        return services.password_change(user=self.user, new_password=self.cleaned_data["new_password1"])
