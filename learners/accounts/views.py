"""Learner accounts over HTTP: parse the form, call one service, respond."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from courses.public_address import public_base_url
from learners.accounts import forms, services, throttle
from learners.accounts.backends import MODEL_BACKEND
from learners.accounts.claveunica import views as claveunica_views
from learners.accounts.models import LearnerProfile
from learners.safe_next import path_with_next, safe_next_path

SIGNUP_EMAIL_SESSION_KEY = "learners_accounts_signup_email"
SIGNUP_NEXT_SESSION_KEY = "learners_accounts_signup_next"
LINK_DAYS = max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60))
SIGNUP_LIMITED_MESSAGE = gettext_lazy(
    "We received too many sign-ups from your connection or with these details. Wait an hour and try again. "
    "If you already have an account, log in or choose a new password."
)


def _base_url(request) -> str:
    """Where the links in this request's emails point: the site's public address, never the Host header."""
    return public_base_url()


def _next_path(request) -> str:
    """Where the learner was going (the course she signed up from): a path on this site, or ""."""
    return safe_next_path(request.POST.get("next") or request.GET.get("next") or "")


def _to_signup_done(request, email, next_path=""):
    request.session[SIGNUP_EMAIL_SESSION_KEY] = email
    request.session[SIGNUP_NEXT_SESSION_KEY] = next_path
    return redirect("accounts:signup_done")


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request):
    next_path = _next_path(request)
    if request.user.is_authenticated:
        return redirect(next_path or settings.LOGIN_REDIRECT_URL)
    form = forms.SignupForm(request.POST or None)
    context = {
        "form": form,
        "next": next_path,
        "login_url": path_with_next(reverse("accounts:login"), next_path),
        **claveunica_views.button_context(request, next_path),
    }
    if request.method == "POST" and form.is_valid():
        if throttle.signup_limited(ip=throttle.client_ip(request), targets=form.targets()):
            form.add_error(None, ValidationError(SIGNUP_LIMITED_MESSAGE, code="limited"))
            return render(request, "learners/accounts/signup.html", context, status=429)
        email = form.cleaned_data["email"]
        password, profile = form.cleaned_data["password1"], form.profile_fields()
        services.signup_submit(
            email=email, password=password, profile=profile, base_url=_base_url(request), next_path=next_path
        )
        return _to_signup_done(request, email, next_path)
    return render(request, "learners/accounts/signup.html", context)


@never_cache
def signup_done(request):
    email = request.session.get(SIGNUP_EMAIL_SESSION_KEY, "")
    form = forms.EmailForm(initial={"email": email})
    next_path = safe_next_path(request.session.get(SIGNUP_NEXT_SESSION_KEY, ""))
    context = {"email": email, "form": form, "link_days": LINK_DAYS, "next": next_path}
    return render(request, "learners/accounts/signup_done.html", context)


@never_cache
def resend_confirmation(request):
    form = forms.EmailForm(request.POST or None)
    next_path = _next_path(request)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if throttle.email_send_allowed(purpose="confirmation", email=email):
            services.confirmation_resend(email=email, base_url=_base_url(request), next_path=next_path)
        context = {"form": form, "sent": True, "next": next_path}
        return render(request, "learners/accounts/resend_confirmation.html", context)
    return render(request, "learners/accounts/resend_confirmation.html", {"form": form, "next": next_path})


@never_cache
def confirm(request, uidb64, token):
    """Confirm the email and log her in, then take her where she was going (``?next=``, a path on this site, carried
    from the sign-up through the link in the email) or to "Mis cursos"."""
    next_path = safe_next_path(request.GET.get("next", ""))
    try:
        user = services.account_confirm(uidb64=uidb64, token=token)
    except services.ConfirmationError as error:
        if error.code == "already_confirmed":
            messages.info(request, _("Your account was already confirmed. Log in with your email and password."))
            return redirect(path_with_next(reverse("accounts:login"), next_path))
        return render(request, "learners/accounts/confirm_invalid.html", {"link_days": LINK_DAYS}, status=400)
    login(request, user, backend=MODEL_BACKEND)
    request.session.pop(SIGNUP_EMAIL_SESSION_KEY, None)
    request.session.pop(SIGNUP_NEXT_SESSION_KEY, None)
    messages.success(request, _("Your email is confirmed. Welcome to the Escuela Ciudadana!"))
    return redirect(next_path or "learners:dashboard")


class LoginView(auth_views.LoginView):
    template_name = "learners/accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # "Create your account" keeps where she was going, so the confirmation link brings her back there.
        context["signup_url"] = path_with_next(reverse("accounts:signup"), context.get("next", ""))
        context.update(claveunica_views.button_context(self.request, context.get("next", "")))
        return context


class LogoutView(auth_views.LogoutView):
    """Ends the platform session; after a ClaveÚnica log-in it then sends her through ClaveÚnica's log-out (its
    rules: the application always ends the ClaveÚnica session too, in the full page), which brings her back."""

    def post(self, request, *args, **kwargs):
        through_claveunica = claveunica_views.logout_target(request)
        response = super().post(request, *args, **kwargs)
        return redirect(through_claveunica) if through_claveunica else response


logout = LogoutView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, with the link on the site's public address (Django builds it from the Host header)."""

    def form_valid(self, form):
        self.extra_email_context = {**(self.extra_email_context or {}), "base_url": _base_url(self.request)}
        return super().form_valid(form)


password_reset = PasswordResetView.as_view(
    form_class=forms.PasswordResetForm,
    template_name="learners/accounts/password_reset_form.html",
    email_template_name="learners/accounts/email/password_reset_body.txt",
    subject_template_name="learners/accounts/email/password_reset_subject.txt",
    extra_email_context={"days": LINK_DAYS, "site_name": getattr(settings, "WAGTAIL_SITE_NAME", "")},
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="learners/accounts/password_reset_done.html", extra_context={"link_days": LINK_DAYS}
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A reset link works for active accounts and for claiming an imported one; for a deactivated or blocked
    account it is an invalid link, even if it was sent before (it never turns the account back on)."""

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and services.reset_allowed(user=user) else None


password_reset_confirm = PasswordResetConfirmView.as_view(
    form_class=forms.SetPasswordForm,
    template_name="learners/accounts/password_reset_confirm.html",
    post_reset_login=True,
    post_reset_login_backend=MODEL_BACKEND,
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="learners/accounts/password_reset_complete.html"
)


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """ "Cambiar contraseña": Django's view (login required, keeps her logged in) with the project's form and page."""

    form_class = forms.PasswordChangeForm
    template_name = "learners/accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed. You are still logged in."))
        return response


password_change = PasswordChangeView.as_view()


@login_required
@never_cache
def profile(request):
    profile = LearnerProfile.objects.select_related("user").filter(user=request.user).first()
    if profile is None:
        return _profile_complete(request)
    form = forms.ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.profile_update(profile=profile, fields=form.profile_fields())
        messages.success(request, _("Your details were saved."))
        return redirect("accounts:profile")
    return render(request, "learners/accounts/profile.html", {"form": form, "profile": profile})


def _profile_complete(request):
    form = forms.ProfileCompleteForm(
        request.POST or None,
        initial={"given_names": request.user.first_name, "family_names": request.user.last_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_create(user=request.user, fields=form.profile_fields())
        except services.AccountConflict as conflict:
            form.add_error(conflict.field, ValidationError(conflict.message, code="taken"))
        else:
            messages.success(request, _("Your profile is complete. Thank you!"))
            return redirect("accounts:profile")
    return render(request, "learners/accounts/profile_complete.html", {"form": form})
