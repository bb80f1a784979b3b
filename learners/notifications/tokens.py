"""Signed one-click unsubscribe tokens: who (user id) and which kind, signed with the site's secret key and a salt
of their own, so a token cannot be forged, changed to another person or kind, nor reused as another signed value.
They do not expire (an old email's link must keep working, RFC 8058) and need no log-in."""

from django.core import signing

SALT = "learners.notifications.unsubscribe"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=SALT, compress=False)


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a genuine token; None for a forged, altered or malformed one."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]
