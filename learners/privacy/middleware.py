"""Send a learner who has a newer privacy notice to accept to the acceptance page, whatever she asks for.

The check itself runs once, at log-in (``learners.privacy.receivers.check_notice_on_login``), and leaves a flag in
the session; this middleware only reads the session, so it costs no query per request.
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

PENDING_SESSION_KEY = "learners_privacy_notice_pending"


class PrivacyNoticeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def exempt(self, path: str) -> bool:
        prefixes = [
            reverse("accounts:privacy"),  # the notice, its acceptance and withdrawal
            reverse("accounts:logout"),
            settings.STATIC_URL,
            settings.MEDIA_URL,
            "/i18n/",
        ]
        return any(path.startswith(prefix) for prefix in prefixes if prefix)

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(PENDING_SESSION_KEY) and not self.exempt(request.path):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                target = reverse("accounts:privacy_accept")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
