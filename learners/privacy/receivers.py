"""Log-in hook (connected in LearnersConfig.ready()): flag the session when a newer privacy notice awaits."""

from learners.privacy.middleware import PENDING_SESSION_KEY
from learners.privacy.selectors import notice_to_accept


def check_notice_on_login(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    notice = notice_to_accept(user=user)
    if notice is not None:
        session[PENDING_SESSION_KEY] = notice.version
    else:
        session.pop(PENDING_SESSION_KEY, None)


def register_signal_handlers() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(check_notice_on_login, dispatch_uid="learners_privacy_notice_on_login")
