"""H5P in lessons: xAPI statements into attempts, grades and lesson progress, and the player's saved state.

The player (learners/h5p_views.py) relays every statement H5P emits; ``h5p_statement_record`` stores it raw and
reduces it (H5P.md §6.4):

- a top-level ``attempted`` opens an attempt when none is open;
- a sub-content ``answered`` (a question inside a container) attaches to the open attempt, with the server's own
  score when the activity's answer key knows that question;
- a top-level ``answered``/``completed`` with ``result.score`` closes the attempt, after checking the numbers
  (finite, 0 ≤ raw ≤ max, max equal to the maximum computed at upload). Choice questions (H5P.MultiChoice,
  H5P.TrueFalse, alone or inside a QuestionSet) are scored again from ``result.response``; a claim that
  disagrees is kept, the attempt is flagged ``score_disputed`` and the server's score counts. ``scaled`` and
  ``success`` are always computed here, with the block's pass percentage;
- ``consumed`` (and ``completed``) closes an attempt of an activity that has no score;
- anything else is stored for the record and changes nothing.

Then the activity's grade follows its grading method, and a lesson whose required activities are all passed is
completed through ``learners.services.lesson_mark_complete`` (score = mean of its graded activities' grades),
which completes the course when its rule is met.
"""

import json
import math
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.h5p.scoring import rescore
from courses.models import H5PActivity, LessonPage
from courses.selectors import LessonActivity
from learners import services
from learners.accounts.throttle import count_hit
from learners.models import Enrolment, H5PAttempt, H5PStatement, H5PUserState, LessonProgress

VERBS = "http://adlnet.gov/expapi/verbs/"
ATTEMPTED = VERBS + "attempted"
ANSWERED = VERBS + "answered"
COMPLETED = VERBS + "completed"
CONSUMED = "http://activitystrea.ms/schema/1.0/consume"
SUB_CONTENT_QUERY = "?subContentId="
SUB_CONTENT_ID = re.compile(r"^[A-Za-z0-9\-]{1,64}$")
DATA_TYPE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")
FOUR_PLACES = Decimal("0.0001")

MAX_STATEMENT_BYTES = 64 * 1024
MAX_STATE_BYTES = 64 * 1024


def rate_limit_per_minute() -> int:
    return getattr(settings, "LEARNERS_H5P_XAPI_PER_MINUTE", 120)


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


# Parsing (no database) -----------------------------------------------------------------------------------------


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


def _number(value) -> float | None:
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
        statement = json.loads(body)
    except (ValueError, UnicodeDecodeError):
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
    raw, maximum = _number(score.get("raw")), _number(score.get("max"))
    if raw is None or maximum is None:
        raise StatementRejected(_("The activity's score is not a number."))
    if "min" in score and _number(score.get("min")) != 0:
        raise StatementRejected(_("The activity's score does not start at zero."))
    if maximum != expected_max:
        raise StatementRejected(_("The activity's maximum score does not match this activity."))
    if not 0 <= raw <= maximum:
        raise StatementRejected(_("The activity's score is out of range."))
    return raw, maximum


# Grades (no database) ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityGrade:
    """A learner's standing in one activity of one lesson, from her completed attempts."""

    attempts: int = 0
    grade: Decimal | None = None  # scaled 0–1, by the activity's grading method; None for unscored activities
    best: Decimal | None = None
    passed: bool = False


def activity_grade(*, method: str, scaled: list[Decimal | None], pass_percentage: int, scored: bool) -> ActivityGrade:
    """Grade completed attempts (``scaled``, oldest first) by ``method`` (highest, last, first or average)."""
    if not scaled:
        return ActivityGrade()
    if not scored:
        return ActivityGrade(attempts=len(scaled), passed=True)
    values = [value if value is not None else Decimal(0) for value in scaled]
    if method == H5PActivity.GradingMethod.LAST:
        grade = values[-1]
    elif method == H5PActivity.GradingMethod.FIRST:
        grade = values[0]
    elif method == H5PActivity.GradingMethod.AVERAGE:
        grade = (sum(values, Decimal(0)) / len(values)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    else:
        grade = max(values)
    return ActivityGrade(
        attempts=len(values), grade=grade, best=max(values), passed=grade * 100 >= Decimal(pass_percentage)
    )


def lesson_score(*, placements: list[LessonActivity], grades: dict[int, ActivityGrade]) -> Decimal | None:
    """Mean grade of the lesson's scored activities that have one (what LessonProgress.score records)."""
    values = []
    seen = set()
    for placement in placements:
        grade = grades.get(placement.activity.pk)
        if placement.activity.pk in seen or grade is None or grade.grade is None:
            continue
        seen.add(placement.activity.pk)
        values.append(grade.grade)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def lesson_activities_passed(*, placements: list[LessonActivity], grades: dict[int, ActivityGrade]) -> bool | None:
    """True when every required activity is passed; None when the lesson has no required activity."""
    required = [placement for placement in placements if placement.required]
    if not required:
        return None
    return all(grades.get(placement.activity.pk, ActivityGrade()).passed for placement in required)


# Selectors -----------------------------------------------------------------------------------------------------


def lesson_activity_grades(
    *, enrolment: Enrolment, lesson: LessonPage, placements: list[LessonActivity]
) -> dict[int, ActivityGrade]:
    """Each placed activity's grade for this enrolment (activity id → ActivityGrade), in one query."""
    if not placements:
        return {}
    scaled: dict[int, list[Decimal | None]] = {}
    for activity_id, value in (
        H5PAttempt.objects.filter(enrolment=enrolment, lesson=lesson, completed_at__isnull=False)
        .order_by("number")
        .values_list("activity_id", "scaled")
    ):
        scaled.setdefault(activity_id, []).append(value)
    grades = {}
    for placement in placements:
        activity = placement.activity
        if activity.pk not in grades:
            grades[activity.pk] = activity_grade(
                method=activity.grading_method,
                scaled=scaled.get(activity.pk, []),
                pass_percentage=placement.pass_percentage,
                scored=activity.is_scored,
            )
    return grades


def preloaded_state(*, user: AbstractBaseUser, activity: H5PActivity) -> list[dict[str, str]] | None:
    """The player's ``contentUserData`` ([{"state": "<json>"}], index = sub-content 0), or None (one query)."""
    rows = H5PUserState.objects.filter(user=user, activity=activity, sub_content_id="0", preload=True).values_list(
        "data_type", "value"
    )
    data = dict(rows)
    return [data] if data else None


def state_get(*, user: AbstractBaseUser, activity: H5PActivity, data_type: str, sub_content_id: str) -> str | None:
    return (
        H5PUserState.objects.filter(user=user, activity=activity, data_type=data_type, sub_content_id=sub_content_id)
        .values_list("value", flat=True)
        .first()
    )


# Services ------------------------------------------------------------------------------------------------------


def state_save(
    *,
    user: AbstractBaseUser,
    activity: H5PActivity,
    data_type: str,
    sub_content_id: str,
    data: str,
    preload: bool,
    invalidate: bool,
) -> None:
    """Save what the player sent for (data type, sub-content); ``"0"`` deletes it (H5P core's reset).

    Raises StatementRejected when the value is larger than 64 KB or the names are not H5P's.
    """
    if not DATA_TYPE.match(data_type) or not SUB_CONTENT_ID.match(sub_content_id):
        raise StatementRejected(_("The activity tried to save its state under an invalid name."))
    rows = H5PUserState.objects.filter(user=user, activity=activity, data_type=data_type, sub_content_id=sub_content_id)
    if data == "0":
        rows.delete()
        return
    if len(data.encode()) > MAX_STATE_BYTES:
        raise StatementRejected(_("The activity tried to save too much data."), status=413)
    H5PUserState.objects.update_or_create(
        user=user,
        activity=activity,
        data_type=data_type,
        sub_content_id=sub_content_id,
        defaults={"value": data, "preload": preload, "invalidate": invalidate},
    )


def rate_limit_hit(*, user: AbstractBaseUser, activity: H5PActivity) -> bool:
    """Count one statement for (user, activity) in the current minute; True once over the limit (cache only)."""
    key = f"h5p-xapi:{user.pk}:{activity.pk}:{int(timezone.now().timestamp() // 60)}"
    return count_hit(key, window=90) > rate_limit_per_minute()


@dataclass(frozen=True)
class StatementOutcome:
    """What the player is told after a statement (the same again for a repeated statement id)."""

    attempt: H5PAttempt | None
    lesson_completed: bool = False
    course_completed: bool = False

    def as_json(self) -> dict:
        attempt = self.attempt
        data = {"stored": True, "attempt": None, "completed": False}
        if attempt is not None:
            data.update(
                attempt=attempt.number,
                completed=attempt.completed_at is not None,
                score=attempt.raw_score,
                max_score=attempt.max_score,
                percent=attempt.percent,
                passed=attempt.success,
                disputed=attempt.score_disputed,
            )
            if attempt.completed_at is not None:
                data["message"] = attempt_message(attempt)
        data["lesson_completed"] = self.lesson_completed
        data["course_completed"] = self.course_completed
        return data


def attempt_message(attempt: H5PAttempt) -> str:
    """One sentence for the learner about a completed attempt."""
    if attempt.raw_score is None or not attempt.max_score:
        return _("Attempt %(number)s completed.") % {"number": attempt.number}
    values = {"number": attempt.number, "score": _points(attempt.raw_score), "max": _points(attempt.max_score)}
    if attempt.success:
        return _("Attempt %(number)s: %(score)s of %(max)s points. You passed!") % values
    return _("Attempt %(number)s: %(score)s of %(max)s points. Not passed yet: you can try again.") % values


def _points(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").replace(".", ",")


def h5p_statement_record(
    *,
    user: AbstractBaseUser,
    enrolment: Enrolment,
    lesson: LessonPage,
    placement: LessonActivity,
    placements: list[LessonActivity],
    statement: ParsedStatement,
) -> StatementOutcome:
    """Store one statement and reduce it into attempts, grades and lesson progress (see the module docstring).

    ``enrolment`` must be active or completed, with its course loaded; ``placements`` are all of the lesson's
    H5P blocks (``courses.selectors.lesson_activities``). A statement id seen before returns the outcome of the
    first, changing nothing. Raises StatementRejected for a closing statement with an implausible score.
    """
    # No look-up first: the unique (user, statement id) constraint turns a repeat into an IntegrityError, and the
    # first statement's outcome is returned then. Repeats are rare; every statement saves a query.
    for retry in (False, True):
        try:
            with transaction.atomic():
                return _reduce(
                    user=user,
                    enrolment=enrolment,
                    lesson=lesson,
                    placement=placement,
                    placements=placements,
                    statement=statement,
                )
        except IntegrityError:
            existing = _existing_statement(user=user, statement_id=statement.statement_id)
            if existing is not None:  # the same statement, sent twice at the same moment
                return StatementOutcome(attempt=existing.attempt)
            if retry:
                raise
    raise AssertionError("unreachable")


def _existing_statement(*, user, statement_id) -> H5PStatement | None:
    return H5PStatement.objects.filter(user=user, statement_id=statement_id).select_related("attempt").first()


def _closes(statement: ParsedStatement, activity: H5PActivity) -> bool:
    if not statement.top_level:
        return False
    if activity.is_scored:
        return statement.verb in (ANSWERED, COMPLETED) and statement.score is not None
    return statement.verb in (ANSWERED, COMPLETED, CONSUMED)


def _reduce(*, user, enrolment, lesson, placement, placements, statement) -> StatementOutcome:
    activity = placement.activity
    closes = _closes(statement, activity)
    score = None
    if closes and activity.is_scored:
        score = validated_score(statement.score, expected_max=activity.expected_max_score)
    attempt = (
        H5PAttempt.objects.select_for_update()
        .filter(enrolment=enrolment, lesson=lesson, activity=activity, completed_at__isnull=True)
        .first()
    )
    answers_question = not statement.top_level and statement.verb == ANSWERED
    opens = statement.top_level and statement.verb == ATTEMPTED
    if attempt is None and (opens or closes or answers_question):
        attempt = _attempt_open(user=user, enrolment=enrolment, lesson=lesson, activity=activity)

    claimed = server = None
    key = activity.answer_key if isinstance(activity.answer_key, dict) else {}
    if answers_question and isinstance(statement.score, dict):
        claimed = _number(statement.score.get("raw"))
        entry = key.get(statement.sub_content_id)
        if entry is not None:
            server = _server_points(entry, statement.response)
    H5PStatement.objects.create(
        user=user,
        enrolment=enrolment,
        activity=activity,
        lesson=lesson,
        attempt=attempt,
        statement_id=statement.statement_id,
        verb=statement.verb,
        object_id=statement.object_id,
        sub_content_id=statement.sub_content_id,
        top_level=statement.top_level,
        raw=statement.raw,
        claimed_raw=score[0] if score else claimed,
        server_raw=server,
    )
    if not closes:
        return StatementOutcome(attempt=attempt)

    _attempt_close(attempt=attempt, placement=placement, statement=statement, score=score, key=key)
    grades = lesson_activity_grades(enrolment=enrolment, lesson=lesson, placements=placements)
    score = lesson_score(placements=placements, grades=grades)
    if not lesson_activities_passed(placements=placements, grades=grades):
        # A lesson once completed stays completed; its score still follows the grading method (e.g. "last").
        LessonProgress.objects.filter(
            enrolment=enrolment, lesson=lesson, source=LessonProgress.Source.ACTIVITY, completed_at__isnull=False
        ).exclude(score=score).update(score=score, updated_at=timezone.now())
        return StatementOutcome(attempt=attempt)
    result = services.lesson_mark_complete(
        enrolment=enrolment, lesson=lesson, score=score, source=LessonProgress.Source.ACTIVITY
    )
    return StatementOutcome(attempt=attempt, lesson_completed=True, course_completed=result.course_completed)


def _attempt_open(*, user, enrolment, lesson, activity) -> H5PAttempt:
    last = H5PAttempt.objects.filter(enrolment=enrolment, lesson=lesson, activity=activity).aggregate(
        last=Max("number")
    )["last"]
    return H5PAttempt.objects.create(
        user=user, enrolment=enrolment, lesson=lesson, activity=activity, number=(last or 0) + 1
    )


def _server_points(entry: dict, response: str | None) -> float:
    """The server's score for one question; an answer it cannot read scores nothing."""
    points = rescore(entry, response) if response is not None else None
    return float(points) if points is not None else 0.0


def _attempt_close(*, attempt: H5PAttempt, placement: LessonActivity, statement: ParsedStatement, score, key) -> None:
    attempt.completed_at = timezone.now()
    attempt.duration_seconds = statement.duration
    if score is None:  # an activity without a score: completing it is passing it
        attempt.success = True
    else:
        claimed, maximum = score
        server = _server_score(attempt=attempt, statement=statement, claimed=claimed, maximum=maximum, key=key)
        attempt.raw_score, attempt.max_score, attempt.claimed_raw = server, maximum, claimed
        attempt.score_disputed = server != claimed
        attempt.scaled = (Decimal(str(server)) / Decimal(str(maximum))).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
        attempt.success = attempt.scaled * 100 >= Decimal(placement.pass_percentage)
    attempt.save(
        update_fields=[
            "completed_at",
            "duration_seconds",
            "raw_score",
            "max_score",
            "claimed_raw",
            "score_disputed",
            "scaled",
            "success",
        ]
    )


def _server_score(*, attempt: H5PAttempt, statement: ParsedStatement, claimed: float, maximum: float, key) -> float:
    """The score that counts for a closing statement.

    A standalone choice question is scored from its response. In a container, each child the answer key knows
    counts with the server's score of its last answer in this attempt (0 if never answered); children it does
    not know (other question types) keep their share of the claim, capped at their share of the maximum.
    """
    if "" in key:
        return _server_points(key[""], statement.response)
    children = {sub: entry for sub, entry in key.items() if sub}
    if not children:
        return claimed
    latest: dict[str, tuple[float | None, float | None]] = {}
    for sub, claimed_raw, server_raw in (
        H5PStatement.objects.filter(attempt=attempt, verb=ANSWERED, sub_content_id__in=children.keys())
        .order_by("received_at", "pk")
        .values_list("sub_content_id", "claimed_raw", "server_raw")
    ):
        latest[sub] = (claimed_raw, server_raw)
    known_server = sum((latest.get(sub, (0, 0))[1] or 0.0) for sub in children)
    known_claimed = sum((latest.get(sub, (0, 0))[0] or 0.0) for sub in children)
    known_max = sum(_number(entry.get("max")) or 0.0 for entry in children.values())
    rest = min(max(claimed - known_claimed, 0.0), max(maximum - known_max, 0.0))
    return min(known_server + rest, maximum)


# The xAPI and state endpoints receive a statement every few seconds from every learner playing; the lesson and its
# H5P blocks change only when an editor publishes. The endpoints keep them this many seconds in the cache, and a
# publish or unpublish drops them at once (in this process; with REDIS_URL, in every process).
LESSON_CACHE_SECONDS = 30


def lesson_cache_key(lesson_id) -> str:
    return f"learners:h5p:lesson:{lesson_id}"


def forget_lesson(sender, instance, **kwargs) -> None:
    """``page_published`` / ``page_unpublished`` receiver: the next statement reads the lesson again."""
    cache.delete(lesson_cache_key(instance.pk))
