"""The invited person's side: the link in her invitation, where she chooses her password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from learners.accounts.backends import MODEL_BACKEND
from learners.accounts.forms import SetPasswordForm
from learners.accounts.states import is_unclaimed_import
from learners.imports.invitations import invitation_days, invitation_token
from learners.imports.models import ImportInvitation


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """Django's reset-confirm flow (the token leaves the address bar for the session) with the invitation's token.
    The link works only for an account still waiting to be claimed, never for a deactivated or blocked one; choosing
    the password activates it (``SetPasswordForm`` → ``imported_account_activate``) and logs her in. Someone logged
    in (another person on a shared computer) is asked to log out first."""

    token_generator = invitation_token
    form_class = SetPasswordForm
    template_name = "learners/imports/invitation_accept.html"
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND
    success_url = reverse_lazy("learners:dashboard")

    def dispatch(self, *args, **kwargs):
        if self.request.user.is_authenticated:
            return render(self.request, "learners/imports/invitation_logged_in.html", status=403)
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:
            response.status_code = 400
        return response

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not ImportInvitation.objects.filter(user=user).exists() or not is_unclaimed_import(user):
            return None
        return user

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "link_days": invitation_days()}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your account is active. Welcome to the Escuela Ciudadana!"))
        return response


invitation_accept = InvitationAcceptView.as_view()
