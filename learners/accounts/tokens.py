"""Signed, expiring links that confirm a new account's email address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode


class AccountConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Like password-reset tokens (valid for PASSWORD_RESET_TIMEOUT) but with its own salt.

    The hash includes ``is_active``, so a link stops working once the account is confirmed.
    """

    key_salt = "learners.accounts.tokens.AccountConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{user.email}{timestamp}"


account_confirmation_token = AccountConfirmationTokenGenerator()


def confirmation_path(user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:confirm", kwargs={"uidb64": uidb64, "token": account_confirmation_token.make_token(user)})


def user_for_uidb64(uidb64: str):
    """The user a link names, or None when the id is malformed or unknown."""
    User = get_user_model()
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User._default_manager.get(pk=pk)
    except (TypeError, ValueError, OverflowError, ValidationError, User.DoesNotExist):
        return None
