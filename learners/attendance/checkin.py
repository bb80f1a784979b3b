"""QR check-in: the rotating code the instructor shows, and when a session counts as running.

A code is the check-in URL with a token ``<session id>.<step>.<signature>``: the step is the number of
``LEARNERS_CHECKIN_STEP_SECONDS`` periods since the epoch, and the signature an HMAC (``django.core.signing``, own
salt, key derived from SECRET_KEY) of the session id and the step. Nothing else is in it: no name, no password, no
personal data. A token is accepted during its own step and the next one (so a code lives between one and two steps,
30–60 s by default); a photo forwarded later is refused. See README, "Asistencia con código QR".
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import qrencoder

from courses.public_address import public_base_url
from learners.enrolment.models import Session

SALT = "learners.attendance.checkin"
QUIET_ZONE = 4


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def step_seconds() -> int:
    """How long one code is shown before the next (``LEARNERS_CHECKIN_STEP_SECONDS``, default 30)."""
    return max(5, _setting("LEARNERS_CHECKIN_STEP_SECONDS", 30))


def current_step(now: datetime | None = None) -> int:
    return int((now or timezone.now()).timestamp()) // step_seconds()


def seconds_to_next_step(now: datetime | None = None) -> int:
    """Seconds until the code shown now is replaced (at least 1)."""
    timestamp = (now or timezone.now()).timestamp()
    return max(1, int(step_seconds() - timestamp % step_seconds()) + 1)


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=".", algorithm="sha256")


def token_make(*, session_id: int, step: int) -> str:
    return _signer().sign(f"{session_id}.{step}")


@dataclass(frozen=True)
class Token:
    session_id: int
    step: int


def token_read(token: str) -> Token | None:
    """The session and step a token was signed for, or None when it is not one of ours (tampered, truncated…)."""
    try:
        value = _signer().unsign(token)
        session_id, step = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        return None
    return Token(session_id=session_id, step=step)


def token_fresh(token: Token, *, now: datetime | None = None) -> bool:
    """True during the token's own step and the next one."""
    return 0 <= current_step(now) - token.step <= 1


def checkin_path(*, session_id: int, step: int) -> str:
    return reverse("learners:checkin", args=[token_make(session_id=session_id, step=step)])


# When a session is running ---------------------------------------------------------------------------------------


def session_window(session: Session) -> tuple[datetime, datetime]:
    """When learners may check in: from ``LEARNERS_CHECKIN_EARLY_MINUTES`` (default 30) before the start to
    ``LEARNERS_CHECKIN_LATE_MINUTES`` (default 30) after the end (``end_time``), in the site's time zone
    (America/Santiago)."""
    start = timezone.make_aware(datetime.combine(session.date, session.start_time))
    end = timezone.make_aware(datetime.combine(session.date, session.end_time))
    early = timedelta(minutes=_setting("LEARNERS_CHECKIN_EARLY_MINUTES", 30))
    late = timedelta(minutes=_setting("LEARNERS_CHECKIN_LATE_MINUTES", 30))
    return start - early, end + late


def session_running(session: Session, *, now: datetime | None = None) -> bool:
    if session.is_suspended:
        return False
    opens, closes = session_window(session)
    return opens <= (now or timezone.now()) <= closes


# The picture -----------------------------------------------------------------------------------------------------


def qr_svg(text: str, *, label: str = "") -> str:
    """An SVG QR code (error correction M, four-module quiet zone) for ``text``: one path of dark runs, black on
    white, scaled by its container. Made with reportlab's encoder (the library the certificates use)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(qrencoder.QR8bitByte(text))
    code.make()
    count = code.getModuleCount()
    runs = []
    for row in range(count):
        column = 0
        while column < count:
            if code.isDark(row, column):
                start = column
                while column < count and code.isDark(row, column):
                    column += 1
                runs.append(f"M{start + QUIET_ZONE} {row + QUIET_ZONE}h{column - start}v1h-{column - start}z")
            else:
                column += 1
    size = count + 2 * QUIET_ZONE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" '
        f'role="img" aria-label="{escape(label or text)}" class="checkin-qr__code">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


@dataclass(frozen=True)
class ShownCode:
    url: str
    svg: str
    refresh_in: int


def shown_code(*, session: Session, now: datetime | None = None) -> ShownCode:
    """The code to show now for ``session``: its absolute URL and its picture (cached for the step, so that a
    projector and a phone showing the same session draw it once)."""
    step = current_step(now)
    url = public_base_url() + checkin_path(session_id=session.pk, step=step)
    key = f"learners:attendance:qr:{translation.get_language()}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"
    svg = cache.get(key)
    if svg is None:
        svg = qr_svg(url, label=_("Attendance QR code"))
        cache.set(key, svg, timeout=2 * step_seconds())
    return ShownCode(url=url, svg=svg, refresh_in=seconds_to_next_step(now))
