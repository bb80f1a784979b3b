"""Reading the xAPI statements an H5P player sends (no database): the request body into a ParsedStatement, and the
checks on a closing statement's score. Refusals are StatementRejected, with a message for the learner."""

import math
import re
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from courses import safe_json

VERBS = "http://adlnet.gov/expapi/verbs/"
ATTEMPTED = VERBS + "attempted"
ANSWERED = VERBS + "answered"
COMPLETED = VERBS + "completed"
CONSUMED = "http://activitystrea.ms/schema/1.0/consume"
SUB_CONTENT_QUERY = "?subContentId="
SUB_CONTENT_ID = re.compile(r"^[A-Za-z0-9\-]{1,64}$")
DATA_TYPE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")

MAX_STATEMENT_BYTES = 64 * 1024
MAX_STATE_BYTES = 64 * 1024


class StatementRejected(Exception):
    """A statement (or a state write) that is refused; ``message`` is translated, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def activity_iri(*, host: str, activity_uuid) -> str:
    """The xAPI object IRI the player is given for an activity, and the only one its statements may name.

    ``host`` is the public address's (``courses.public_address.public_host``), not the request's: the IRI names the
    activity, so it stays the same whichever host name the learner came through. Its form, always https://, is the
    one stored statements already have (an identifier, not a link that is followed).
    """
    return f"https://{host}/h5p/actividad/{activity_uuid}"


@dataclass(frozen=True)
class ParsedStatement:
    statement_id: uuid.UUID
    verb: str
    object_id: str
    sub_content_id: str
    top_level: bool
    score: dict | None  # result.score as sent (validated only when it closes an attempt)
    response: str | None
    duration: float | None
    raw: dict


def json_number(value) -> float | None:
    """A finite JSON number (not a boolean, not a string), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _duration_seconds(value) -> float | None:
    match = DURATION.match(value) if isinstance(value, str) else None
    if match is None or not any(match.groups()):
        return None
    hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    return round(hours * 3600 + minutes * 60 + seconds, 2)


def statement_parse(body: bytes, *, iri: str, actor: dict) -> ParsedStatement:
    """Read one statement from a request body; raises StatementRejected with a message for the learner.

    The actor is replaced by ``actor`` (the signed-in user), a missing ``id`` is given one, and ``object.id``
    must be the activity's IRI or the IRI followed by ``?subContentId=<id>``.
    """
    if len(body) > MAX_STATEMENT_BYTES:
        raise StatementRejected(_("The activity sent too much data at once."), status=413)
    try:
        statement = safe_json.loads(body, max_bytes=MAX_STATEMENT_BYTES)
    except safe_json.JSONRejected:
        raise StatementRejected(_("The activity sent data that could not be read.")) from None
    if not isinstance(statement, dict):
        raise StatementRejected(_("The activity sent data that could not be read."))
    verb, target = statement.get("verb"), statement.get("object")
    if not isinstance(verb, dict) or not isinstance(verb.get("id"), str) or not verb["id"]:
        raise StatementRejected(_("The activity's statement has no verb."))
    if not isinstance(target, dict) or not isinstance(target.get("id"), str):
        raise StatementRejected(_("The activity's statement does not say what it is about."))
    raw_id = statement.get("id")
    try:
        statement_id = uuid.UUID(raw_id) if raw_id is not None else uuid.uuid4()
    except (TypeError, ValueError, AttributeError):
        raise StatementRejected(_("The activity's statement has an invalid identifier.")) from None

    object_id = target["id"]
    sub_content_id = ""
    if object_id != iri:
        prefix = iri + SUB_CONTENT_QUERY
        sub_content_id = object_id[len(prefix) :] if object_id.startswith(prefix) else ""
        if not SUB_CONTENT_ID.match(sub_content_id):
            raise StatementRejected(_("The statement is about another activity."))
    context = statement.get("context") if isinstance(statement.get("context"), dict) else {}
    activities = context.get("contextActivities") if isinstance(context.get("contextActivities"), dict) else {}
    top_level = not sub_content_id and not activities.get("parent")

    result = statement.get("result") if isinstance(statement.get("result"), dict) else {}
    score = result.get("score") if isinstance(result.get("score"), dict) else None
    if "score" in result and score is None:
        score = {"raw": result["score"]}  # not an object: rejected if it would close an attempt
    response = result.get("response") if isinstance(result.get("response"), str) else None

    statement["id"] = str(statement_id)
    statement["actor"] = actor
    return ParsedStatement(
        statement_id=statement_id,
        verb=verb["id"][:255],
        object_id=object_id,
        sub_content_id=sub_content_id,
        top_level=top_level,
        score=score,
        response=response,
        duration=_duration_seconds(result.get("duration")),
        raw=statement,
    )


def validated_score(score: dict | None, *, expected_max: int) -> tuple[float, float]:
    """(raw, max) from a closing statement's ``result.score``; raises StatementRejected when implausible."""
    if not isinstance(score, dict):
        raise StatementRejected(_("The activity's result has no score."))
    raw, maximum = json_number(score.get("raw")), json_number(score.get("max"))
    if raw is None or maximum is None:
        raise StatementRejected(_("The activity's score is not a number."))
    if "min" in score and json_number(score.get("min")) != 0:
        raise StatementRejected(_("The activity's score does not start at zero."))
    if maximum != expected_max:
        raise StatementRejected(_("The activity's maximum score does not match this activity."))
    if not 0 <= raw <= maximum:
        raise StatementRejected(_("The activity's score is out of range."))
    return raw, maximum
