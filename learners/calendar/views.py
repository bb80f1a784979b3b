"""The learner's "Mi calendario" page and the calendar files: one session's ``.ics`` (logged in, only for people
who may see it) and the private subscription feeds (no log-in: the secret token in the address is the key)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from learners.calendar import selectors, services
from learners.calendar.models import CalendarFeed


def _calendar_response(body: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def my_calendar(request):
    context = {"calendar": selectors.my_calendar(user=request.user)}
    context["feed_urls"] = {kind: selectors.feed_url(feed=feed) for kind, feed in context["calendar"].feeds.items()}
    context["webcal_urls"] = {kind: "webcal" + url[url.index(":") :] for kind, url in context["feed_urls"].items()}
    return render(request, "learners/calendar/my_calendar.html", context)


@login_required
@require_POST
def feed_regenerate(request, kind):
    if kind not in CalendarFeed.Kind.values or (
        kind == CalendarFeed.Kind.INSTRUCTOR and not selectors.teaches(user=request.user)
    ):
        raise Http404
    services.calendar_feed_regenerate(user=request.user, kind=kind)
    messages.success(request, _("Your new calendar address is ready. The previous one no longer works."))
    return redirect("learners:my_calendar")


@login_required
@require_safe
def session_ics(request, session_id):
    session = selectors.visible_session(user=request.user, session_id=session_id)
    if session is None:
        raise Http404
    body = selectors.sessions_ics(sessions=[session], name=session.cohort.course.title)
    return _calendar_response(body, filename=f"sesion-{session.pk}.ics", attachment=True)


@require_safe  # calendar apps may check the address with HEAD
def calendar_feed(request, token):
    feed = selectors.feed_for_token(token=token)
    if feed is None:
        raise Http404
    body = selectors.sessions_ics(sessions=selectors.feed_sessions(feed=feed), name=feed.get_kind_display())
    return _calendar_response(body, filename="calendario.ics", attachment=False)
