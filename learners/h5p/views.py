"""The H5P player page (shown in an iframe on the lesson), and the two endpoints it calls: xAPI and saved state.

All three need a signed-in learner enrolled (active or completed) in the lesson's course, and the activity placed
in that lesson. People who can edit the lesson may open the player without an enrolment, as a preview: nothing
they do is stored.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.h5p_files import content_token
from courses.models import LessonPage
from courses.public_address import public_host
from courses.selectors import LessonActivity, missing_libraries
from learners.enrolment.models import Enrolment
from learners.h5p import selectors, services, xapi

# H5P.md §6.3, verified with the whole quiz: the hash is H5P core's fixed bootstrap of its about:blank frame.
FRAME_BOOTSTRAP_HASH = "sha256-8CniZYrnO46q7MvZ3m08Wom1HH/ZhyXmm29kBKTV1rk="
PLAYER_CSP = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' '{FRAME_BOOTSTRAP_HASH}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "media-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
SAVE_FREQUENCY_SECONDS = 30


@dataclass(frozen=True)
class PlayerAccess:
    lesson: LessonPage
    placement: LessonActivity
    placements: list[LessonActivity]
    enrolment: Enrolment | None  # None for a preview by someone who can edit the lesson

    @property
    def preview(self) -> bool:
        return self.enrolment is None


def _access(request, lesson_id: int, activity_uuid, *, cached: bool = True) -> PlayerAccess:
    """Who may use this player; raises Http404 (no such lesson/activity) or PermissionDenied.

    The lesson, its course and its H5P blocks come from the shared page cache (``selectors.h5p_lesson``); her
    enrolment is read on every request."""
    found = selectors.h5p_lesson(lesson_id=lesson_id, cached=cached)
    if found is None:
        raise Http404
    lesson, placements = found.lesson, found.placements
    enrolment = None
    if found.course is not None:
        enrolment = selectors.progressing_enrolment(user=request.user, course=found.course)
    if enrolment is None and not lesson.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    placement = next((item for item in placements if str(item.activity.uuid) == str(activity_uuid)), None)
    if placement is None and cached:  # not in the cached copy: read the lesson again before refusing
        return _access(request, lesson_id, activity_uuid, cached=False)
    if placement is None:
        raise Http404
    return PlayerAccess(lesson=lesson, placement=placement, placements=placements, enrolment=enrolment)


def learner_actor(request) -> dict:
    """The xAPI actor the server writes into every statement (the one the browser sent is never trusted)."""
    account = {"homePage": f"https://{public_host()}", "name": str(request.user.pk)}
    return {"objectType": "Agent", "account": account}


def _content_length(request) -> int:
    """The declared body size (0 when the header is missing or not a number: the body is still read with limits)."""
    value = request.META.get("CONTENT_LENGTH") or ""
    return int(value) if value.isascii() and value.isdigit() else 0


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"success": False, "message": message}, status=status)


def _json_access(request, lesson_id: int, activity_uuid) -> PlayerAccess | JsonResponse:
    """``_access`` for the statement endpoints, with the refusals as JSON."""
    if not request.user.is_authenticated:
        return _json_error(_("Sign in to do this activity."), 403)
    try:
        return _access(request, lesson_id, activity_uuid)
    except Http404:
        return _json_error(_("This activity is not in this lesson."), 404)
    except PermissionDenied:
        return _json_error(_("Enrol in the course to do this activity."), 403)


def player_options(request, access: PlayerAccess) -> dict:
    """The h5p-standalone options (H5P.md §2.1 and §6.4): paths, IRI, user with her state endpoint, saved state."""
    activity = access.placement.activity
    token = content_token(activity_uuid=activity.uuid, user_id=request.user.pk)
    content_json = reverse("courses:h5p-content", kwargs={"token": token, "path": "h5p.json"})
    library_json = reverse("courses:h5p-library", kwargs={"folder": "H5P.X-1.0", "path": "library.json"})
    ids = {"lesson_id": access.lesson.pk, "activity_uuid": activity.uuid}
    state_url = reverse("learners:h5p_state", kwargs={**ids, "data_type": "DT", "sub_content_id": "0"})
    user = request.user
    options = {
        "id": str(activity.uuid),
        "title": activity.title,
        "h5pJsonPath": content_json.rsplit("/", 1)[0],
        "librariesPath": library_json.rsplit("/", 2)[0],
        "frameJs": static("h5p-standalone/frame.bundle.js"),
        "frameCss": static("h5p-standalone/styles/h5p.css"),
        "customJs": [static("learners/h5p-frame.js")],
        "xAPIObjectIRI": xapi.activity_iri(host=public_host(), activity_uuid=activity.uuid),
        # ``user`` without ``ajax.contentUserDataUrl`` crashes H5P core: always both (H5P.md §2.1).
        "user": {"name": user.get_full_name() or user.get_username(), "mail": user.email or f"{user.pk}@invalid"},
        "ajax": {"contentUserDataUrl": state_url.replace("/DT/0/", "/:dataType/:subContentId/")},
        "saveFreq": SAVE_FREQUENCY_SECONDS,
        "frame": False,
        "copyright": False,
        "export": False,
        "embed": False,
        "icon": False,
        "fullScreen": False,
        "translations": {"H5P": core_translations()},
    }
    if not access.preview:
        state = selectors.preloaded_state(
            user=user, enrolment=access.enrolment, lesson=access.lesson, activity=activity
        )
        if state is not None:
            options["contentUserData"] = state
    return options


def core_translations() -> dict[str, str]:
    """H5P core's own interface texts in the learner's language (content types bring theirs in the package)."""
    return {
        "fullscreen": _("Full screen"),
        "disableFullscreen": _("Leave full screen"),
        "contentChanged": _("This content has changed since you last used it."),
        "startingOver": _("You will start over."),
        "confirmDialogHeader": _("Confirm action"),
        "confirmDialogBody": _("Please confirm that you wish to proceed. This action cannot be undone."),
        "cancelLabel": _("Cancel"),
        "confirmLabel": _("Confirm"),
        "offlineDialogHeader": _("Your connection to the server was lost"),
        "offlineDialogBody": _("We were unable to send your answers to the server."),
        "offlineDialogRetryMessage": _("Trying again in :num…"),
        "offlineDialogRetryButtonLabel": _("Try again now"),
        "offlineSuccessfulSubmit": _("Your answers were sent."),
    }


@require_GET
@login_required
def h5p_player(request, lesson_id, activity_uuid):
    """The player page: h5p-standalone, our relay script and the options, under a strict CSP."""
    access = _access(request, lesson_id, activity_uuid)
    activity = access.placement.activity
    if missing_libraries(activity=activity, cached=True):
        raise Http404
    relay = {
        "xapiUrl": reverse("learners:h5p_xapi", kwargs={"lesson_id": access.lesson.pk, "activity_uuid": activity.uuid}),
        "csrfToken": get_token(request),
        "preview": access.preview,
    }
    context = {
        "activity": activity,
        "lesson": access.lesson,
        "options": player_options(request, access),
        "relay": relay,
        "preview": access.preview,
    }
    response = render(request, "learners/h5p/player.html", context)
    response["Content-Security-Policy"] = PLAYER_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def h5p_xapi(request, lesson_id, activity_uuid):
    """Take one xAPI statement from the player (JSON, ≤ 64 KB, CSRF header) and reduce it (learners.h5p.services)."""
    access = _json_access(request, lesson_id, activity_uuid)
    if isinstance(access, JsonResponse):
        return access
    if _content_length(request) > xapi.MAX_STATEMENT_BYTES:
        return _json_error(_("The activity sent too much data at once."), 413)
    if request.content_type != "application/json":  # the player sends JSON; form data would never be read
        return _json_error(_("The activity sent data that could not be read."), 400)
    if access.preview:
        return JsonResponse({"stored": False, "preview": True})
    activity = access.placement.activity
    if services.rate_limit_hit(user=request.user, activity=activity):
        return _json_error(_("Too many answers in a short time. Wait a minute and try again."), 429)
    try:
        statement = xapi.statement_parse(
            request.body,
            iri=xapi.activity_iri(host=public_host(), activity_uuid=activity.uuid),
            actor=learner_actor(request),
        )
        outcome = services.h5p_statement_record(
            user=request.user,
            enrolment=access.enrolment,
            lesson=access.lesson,
            placement=access.placement,
            placements=access.placements,
            statement=statement,
        )
    except xapi.StatementRejected as error:
        return _json_error(error.message, error.status)
    return JsonResponse(outcome.as_json())


@require_http_methods(["GET", "POST"])
def h5p_state(request, lesson_id, activity_uuid, data_type, sub_content_id):
    """H5P core's content user data: GET → {"success": true, "data": str | false}; POST form data/preload/invalidate."""
    access = _json_access(request, lesson_id, activity_uuid)
    if isinstance(access, JsonResponse):
        return access
    activity = access.placement.activity
    if request.method == "GET":
        value = None
        if not access.preview:
            value = selectors.state_get(
                user=request.user,
                enrolment=access.enrolment,
                lesson=access.lesson,
                activity=activity,
                data_type=data_type,
                sub_content_id=sub_content_id,
            )
        return JsonResponse({"success": True, "data": value if value is not None else False})
    if _content_length(request) > xapi.MAX_STATE_BYTES + 1024:
        return _json_error(_("The activity tried to save too much data."), 413)
    if "data" not in request.POST:
        return _json_error(_("The activity sent no data to save."), 400)
    if access.preview:
        return JsonResponse({"success": True})
    try:
        services.state_save(
            user=request.user,
            enrolment=access.enrolment,
            lesson=access.lesson,
            activity=activity,
            data_type=data_type,
            sub_content_id=sub_content_id,
            data=request.POST["data"],
            preload=request.POST.get("preload") == "1",
            invalidate=request.POST.get("invalidate") == "1",
        )
    except xapi.StatementRejected as error:
        return _json_error(error.message, error.status)
    return JsonResponse({"success": True})
