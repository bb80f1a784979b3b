"""H5P in lessons: xAPI statements into attempts, grades and lesson progress, and the player's saved state.

The player (learners/h5p/views.py) relays every statement H5P emits; ``h5p_statement_record`` stores it raw and
reduces it (H5P.md §6.4):

- an attempt opens with its first answer: a sub-content ``answered`` (a question inside a container), or a closing
  statement. ``attempted`` (sent each time the player is shown, also after a completed attempt) opens nothing: an
  attempt without answers would only be a "?" row in the lists;
- a sub-content ``answered`` attaches to the open attempt, with the server's own score when the activity's answer
  key knows that question;
- a top-level ``answered``/``completed`` with ``result.score`` closes the attempt, after checking the numbers
  (finite, 0 ≤ raw ≤ max, max equal to the maximum computed at upload). Choice questions (H5P.MultiChoice,
  H5P.TrueFalse, alone or inside a QuestionSet) are scored again from ``result.response``; a claim that
  disagrees is kept, the attempt is flagged ``score_disputed`` and the server's score counts. ``scaled`` and
  ``success`` are always computed here, with the block's pass percentage;
- ``consumed`` (and ``completed``) closes an attempt of an activity that has no score;
- anything else is stored for the record and changes nothing.

The player's saved state (``state_save``) belongs to the attempt in progress: closing an attempt deletes it, and it
is kept and served only while an attempt is open or before the first one. The player restores saved answers without
sending them again, so a state from a closed attempt would put answers the server never saw into a new attempt
(scored 0 by the server, and the attempt "disputed"); coming back after a completed attempt starts clean.

Then the activity's grade follows its grading method, and a lesson whose required activities are all passed is
completed through ``learners.progress.services.lesson_mark_complete`` (score = mean of its graded activities' grades),
which completes the course when its rule is met (``lesson_standing`` and ``lesson_standing_apply``). The same two
functions recompute everything in the background when those rules change (``h5p_grades_recompute``).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.h5p.scoring import rescore
from courses.models import H5PActivity, LessonPage
from courses.prepared import PreparedQuery
from courses.row_writes import delete_rows, insert_row, update_row
from courses.selectors import LessonActivity, lesson_activities
from learners.accounts.throttle import count_hit
from learners.enrolment.models import Enrolment
from learners.enrolment.selectors import PROGRESSING
from learners.h5p.grades import FOUR_PLACES, lesson_activities_passed, lesson_score
from learners.h5p.models import H5PAttempt, H5PStatement, H5PUserState
from learners.h5p.selectors import OPEN_ATTEMPT_FOR_UPDATE, lesson_activity_grades, open_attempt, state_in_progress
from learners.h5p.xapi import (
    ANSWERED,
    COMPLETED,
    CONSUMED,
    DATA_TYPE,
    MAX_STATE_BYTES,
    SUB_CONTENT_ID,
    ParsedStatement,
    StatementRejected,
    json_number,
    validated_score,
)
from learners.progress.models import LessonProgress
from learners.progress.services import CompletionResult, enrolment_evaluate_completion, lesson_mark_complete


def rate_limit_per_minute() -> int:
    return getattr(settings, "LEARNERS_H5P_XAPI_PER_MINUTE", 120)


def state_save(
    *,
    user: AbstractBaseUser,
    enrolment: Enrolment,
    lesson: LessonPage,
    activity: H5PActivity,
    data_type: str,
    sub_content_id: str,
    data: str,
    preload: bool,
    invalidate: bool,
) -> None:
    """Save what the player sent for (data type, sub-content); ``"0"`` deletes it (H5P core's reset).

    A write after the learner's last attempt was closed (the player saves every 30 seconds and when the page is
    left, also after the attempt ended) is ignored: only the attempt in progress has a saved state (module
    docstring). Raises StatementRejected when the value is larger than 64 KB or the names are not H5P's.
    """
    if not DATA_TYPE.match(data_type) or not SUB_CONTENT_ID.match(sub_content_id):
        raise StatementRejected(_("The activity tried to save its state under an invalid name."))
    rows = H5PUserState.objects.filter(user=user, activity=activity, data_type=data_type, sub_content_id=sub_content_id)
    if data == "0":
        rows.delete()
        return
    if len(data.encode()) > MAX_STATE_BYTES:
        raise StatementRejected(_("The activity tried to save too much data."), status=413)
    if not state_in_progress(enrolment=enrolment, lesson=lesson, activity=activity):
        return
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
    # No look-up first: the unique (user, statement id) constraint turns a repeat into an INSERT that inserts
    # nothing, and the first statement's outcome is returned then. Repeats are rare; every statement saves a query.
    arguments = {
        "user": user,
        "enrolment": enrolment,
        "lesson": lesson,
        "placement": placement,
        "placements": placements,
        "statement": statement,
    }
    locks = _locks(statement, placement.activity)
    for retry in (False, True):
        try:
            if not locks:
                return _keep(**arguments)  # no transaction: its one write is the INSERT
            with transaction.atomic():
                return _reduce(**arguments)
        except _Repeated:
            existing = _existing_statement(user=user, statement_id=statement.statement_id)
            return StatementOutcome(attempt=existing.attempt if existing is not None else None)
        except IntegrityError:  # two first answers at the same moment both opened an attempt: once more
            if retry:
                raise
    raise AssertionError("unreachable")


class _Repeated(Exception):
    """A statement id she sent before: what this statement did is rolled back, and the first one's outcome given."""


def _existing_statement(*, user, statement_id) -> H5PStatement | None:
    return H5PStatement.objects.filter(user=user, statement_id=statement_id).select_related("attempt").first()


def _closes(statement: ParsedStatement, activity: H5PActivity) -> bool:
    if not statement.top_level:
        return False
    if activity.is_scored:
        return statement.verb in (ANSWERED, COMPLETED) and statement.score is not None
    return statement.verb in (ANSWERED, COMPLETED, CONSUMED)


def _answers_question(statement: ParsedStatement) -> bool:
    return not statement.top_level and statement.verb == ANSWERED


def _locks(statement: ParsedStatement, activity: H5PActivity) -> bool:
    """Whether the statement may open, answer in or close an attempt: those take the open attempt's row lock, so
    that an answer and the statement closing its attempt, sent by the player at the same moment, are reduced one
    after the other (the closing one then counts the answer)."""
    return _answers_question(statement) or _closes(statement, activity)


def _keep(*, user, enrolment, lesson, placement, placements, statement) -> StatementOutcome:
    """A statement that changes no attempt (``attempted``, ``interacted``, ``progressed``…): stored with the open
    attempt, if any, read without a lock (two queries)."""
    attempt = open_attempt(enrolment=enrolment, lesson=lesson, activity=placement.activity)
    _statement_insert(
        user=user, enrolment=enrolment, lesson=lesson, activity=placement.activity, attempt=attempt, statement=statement
    )
    return StatementOutcome(attempt=attempt)


def _statement_insert(*, user, enrolment, lesson, activity, attempt, statement, claimed=None, server=None) -> None:
    """INSERT the statement (``courses.row_writes.insert_row``: H5PStatement has no signal receivers); raises _Repeated
    for a statement id she sent before."""
    inserted = insert_row(
        H5PStatement,
        {
            "user_id": user.pk,
            "enrolment_id": enrolment.pk,
            "activity_id": activity.pk,
            "lesson_id": lesson.pk,
            "attempt_id": attempt.pk if attempt is not None else None,
            "statement_id": statement.statement_id,
            "verb": statement.verb,
            "object_id": statement.object_id,
            "sub_content_id": statement.sub_content_id,
            "top_level": statement.top_level,
            "raw": statement.raw,
            "received_at": timezone.now(),
            "claimed_raw": claimed,
            "server_raw": server,
        },
        unless_conflict=("user", "statement_id"),
    )
    if not inserted:
        raise _Repeated


def _reduce(*, user, enrolment, lesson, placement, placements, statement) -> StatementOutcome:
    activity = placement.activity
    closes = _closes(statement, activity)
    score = None
    if closes and activity.is_scored:
        score = validated_score(statement.score, expected_max=activity.expected_max_score)
    attempt = OPEN_ATTEMPT_FOR_UPDATE.first(enrolment_id=enrolment.pk, lesson_id=lesson.pk, activity_id=activity.pk)
    answers_question = _answers_question(statement)
    if attempt is None:  # an attempt opens with its first answer
        attempt = _attempt_open(user=user, enrolment=enrolment, lesson=lesson, activity=activity)

    claimed = server = None
    key = activity.answer_key if isinstance(activity.answer_key, dict) else {}
    if answers_question and isinstance(statement.score, dict):
        claimed = json_number(statement.score.get("raw"))
        entry = key.get(statement.sub_content_id)
        if entry is not None:
            server = _server_points(entry, statement.response)
    _statement_insert(
        user=user,
        enrolment=enrolment,
        lesson=lesson,
        activity=activity,
        attempt=attempt,
        statement=statement,
        claimed=score[0] if score else claimed,
        server=server,
    )
    if not closes:
        return StatementOutcome(attempt=attempt)

    _attempt_close(attempt=attempt, placement=placement, statement=statement, score=score, key=key)
    # The saved state was this attempt's: the next visit starts a clean attempt (module docstring).
    delete_rows(H5PUserState, user=user.pk, activity=activity.pk)
    standing = lesson_standing(enrolment=enrolment, lesson=lesson, placements=placements)
    result = lesson_standing_apply(enrolment=enrolment, lesson=lesson, standing=standing)
    if result is None:
        return StatementOutcome(attempt=attempt)
    return StatementOutcome(attempt=attempt, lesson_completed=True, course_completed=result.course_completed)


@dataclass(frozen=True)
class LessonStanding:
    """A learner's standing in a lesson from her completed attempts, by the lesson's current rules."""

    score: Decimal | None  # mean grade of the graded activities (what LessonProgress.score records)
    passed: bool  # every required activity passed (False when the lesson has none)


def lesson_standing(*, enrolment: Enrolment, lesson: LessonPage, placements: list[LessonActivity]) -> LessonStanding:
    """Her lesson score and pass from her completed attempts, each activity graded by its grading method and its
    block's pass percentage (one query)."""
    grades = lesson_activity_grades(enrolment=enrolment, lesson=lesson, placements=placements)
    return LessonStanding(
        score=lesson_score(placements=placements, grades=grades),
        passed=bool(lesson_activities_passed(placements=placements, grades=grades)),
    )


def lesson_standing_apply(
    *, enrolment: Enrolment, lesson: LessonPage, standing: LessonStanding
) -> CompletionResult | None:
    """Write a lesson standing: the one rule of live scoring (a closing statement) and of recomputing
    (``h5p_grades_recompute``, after an activity's grading method or a block's rules changed).

    Passed: the lesson is completed with that score (``lesson_mark_complete``, which completes the course when its
    rule is met); returns the CompletionResult. Not passed: a lesson already completed by its activities stays
    completed and only its score follows (e.g. the "last" grading method); returns None. Nothing here ever reopens a
    lesson or a course.
    """
    if not standing.passed:
        LessonProgress.objects.filter(
            enrolment=enrolment, lesson=lesson, source=LessonProgress.Source.ACTIVITY, completed_at__isnull=False
        ).exclude(score=standing.score).update(score=standing.score, updated_at=timezone.now())
        return None
    return lesson_mark_complete(
        enrolment=enrolment, lesson=lesson, score=standing.score, source=LessonProgress.Source.ACTIVITY
    )


def h5p_grades_recompute(*, activity_id: int | None = None, lesson_id: int | None = None) -> int:
    """Recompute, with the rules in force now, what completed attempts of an activity (or in a lesson) decided:
    each attempt's "passed", each learner's lesson score and completion, and her course's completion.

    Run in the background (``learners.h5p.tasks``) when an activity's grading method changes or a lesson is
    published with other H5P rules (pass percentage, required flag, activities). Same rule as live scoring
    (``lesson_standing`` and ``lesson_standing_apply``): a completed lesson or course is never reopened, and a
    completed course keeps its final grade (its certificate may exist). Returns the number of (enrolment, lesson)
    pairs recomputed.
    """
    attempts = H5PAttempt.objects.filter(completed_at__isnull=False, enrolment__status__in=PROGRESSING)
    if activity_id is not None:
        attempts = attempts.filter(activity_id=activity_id)
    if lesson_id is not None:
        attempts = attempts.filter(lesson_id=lesson_id)
    pairs = sorted(set(attempts.values_list("enrolment_id", "lesson_id")))
    if not pairs:
        return 0
    lessons = LessonPage.objects.live().in_bulk({lesson for _, lesson in pairs})
    placements = {pk: lesson_activities(lesson=lesson) for pk, lesson in lessons.items()}
    for pk, items in placements.items():
        _attempts_passed_update(lesson_id=pk, placements=items)
    enrolments = Enrolment.objects.select_related("course").in_bulk({enrolment for enrolment, _ in pairs})
    done = 0
    for enrolment_id, pk in pairs:
        enrolment, lesson = enrolments.get(enrolment_id), lessons.get(pk)
        if enrolment is None or lesson is None or enrolment.status not in PROGRESSING:
            continue
        with transaction.atomic():
            standing = lesson_standing(enrolment=enrolment, lesson=lesson, placements=placements[pk])
            lesson_standing_apply(enrolment=enrolment, lesson=lesson, standing=standing)
        done += 1
    for enrolment in enrolments.values():
        # A score that changed may now meet a course's grade requirement; a completed course stays as it is.
        if enrolment.status == Enrolment.Status.ACTIVE:
            enrolment_evaluate_completion(enrolment=enrolment)
    return done


def _attempts_passed_update(*, lesson_id: int, placements: list[LessonActivity]) -> None:
    """Each completed, scored attempt's "passed" by its block's pass percentage (the first block of an activity
    counts, as in ``lesson_activity_grades``)."""
    seen = set()
    for placement in placements:
        activity = placement.activity
        if activity.pk in seen or not activity.is_scored:
            continue
        seen.add(activity.pk)
        attempts = H5PAttempt.objects.filter(lesson_id=lesson_id, activity=activity, completed_at__isnull=False)
        threshold = Decimal(placement.pass_percentage) / 100
        attempts.filter(scaled__gte=threshold).exclude(success=True).update(success=True)
        attempts.filter(scaled__lt=threshold).exclude(success=False).update(success=False)


_LAST_NUMBER = PreparedQuery(
    lambda enrolment_id, lesson_id, activity_id: (
        H5PAttempt.objects.filter(enrolment_id=enrolment_id, lesson_id=lesson_id, activity_id=activity_id)
        .order_by("-number")
        .values_list("number")[:1]
    ),
)


def _attempt_open(*, user, enrolment, lesson, activity) -> H5PAttempt:
    """Her next attempt, numbered after her last (two queries; two opened at the same moment break a unique
    constraint: IntegrityError, and the statement is reduced again)."""
    last = _LAST_NUMBER(enrolment_id=enrolment.pk, lesson_id=lesson.pk, activity_id=activity.pk)
    attempt = H5PAttempt(
        user=user, enrolment=enrolment, lesson=lesson, activity=activity, number=(last[0][0] if last else 0) + 1
    )
    fields = [field.attname for field in H5PAttempt._meta.concrete_fields if not field.primary_key]
    attempt.pk = insert_row(H5PAttempt, {name: getattr(attempt, name) for name in fields}, returning="id")
    attempt._state.adding, attempt._state.db = False, "default"
    return attempt


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
    fields = ("completed_at", "duration_seconds", "raw_score", "max_score", "claimed_raw", "score_disputed", "scaled")
    update_row(H5PAttempt, attempt.pk, {name: getattr(attempt, name) for name in (*fields, "success")})


_ANSWERS = PreparedQuery(
    lambda attempt_id: (
        H5PStatement.objects.filter(attempt_id=attempt_id, verb=ANSWERED)
        .order_by("received_at", "pk")
        .values_list("sub_content_id", "claimed_raw", "server_raw")
    ),
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
    for sub, claimed_raw, server_raw in _ANSWERS(attempt_id=attempt.pk):
        if sub in children:
            latest[sub] = (claimed_raw, server_raw)
    known_server = sum((latest.get(sub, (0, 0))[1] or 0.0) for sub in children)
    known_claimed = sum((latest.get(sub, (0, 0))[0] or 0.0) for sub in children)
    known_max = sum(json_number(entry.get("max")) or 0.0 for entry in children.values())
    rest = min(max(claimed - known_claimed, 0.0), max(maximum - known_max, 0.0))
    return min(known_server + rest, maximum)
