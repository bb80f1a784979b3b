"""Expected max score, answer keys and server-side re-scoring of H5P choice questions.

The rules follow the official content types' own code (read, not copied): H5P.MultiChoice `multichoice.js`
(getMaxScore, calculateMaxScore, calcScore, the single-answer click handler) and H5P.TrueFalse
`h5p-true-false.js` (MAX_SCORE = 1, responses "true"/"false"). Containers: H5P.QuestionSet's max is the sum of its
questions' max; H5P.Column sums its children. Parameters are content.json's (ideally sanitised) params.
"""

import math
import re
from collections.abc import Iterator

from courses.h5p.format import LibraryRef

MULTICHOICE = "H5P.MultiChoice"
TRUEFALSE = "H5P.TrueFalse"
QUESTIONSET = "H5P.QuestionSet"
COLUMN = "H5P.Column"
TEST_QUESTION = "EscuelaCiudadana.TestQuestion"
RESPONSE_SEPARATOR = "[,]"  # how MultiChoice joins the chosen (original) indices in result.response
UNSCORED = frozenset({"H5P.AdvancedText", "H5P.Text", "H5P.Image", "H5P.Video", "H5P.Audio", "H5P.Link", "H5P.Table"})
_INDEX = re.compile(r"[0-9]{1,5}", re.ASCII)


def expected_max_score(main_library: LibraryRef, params: dict) -> int | None:
    """The max score the content reports in xAPI, or None when it is not scored or its type is unknown."""
    score = _max_score(main_library, params)
    return score or None


def answer_key(main_library: LibraryRef, params: dict) -> dict:
    """{"": entry} for a standalone question; {"<subContentId>": entry} for each scorable child of a container.

    Entries: {"type": "multichoice", "max", "answers": [{"correct", "weight"}], "single_answer", "single_point",
    "pass_percentage", "weight", "blank_is_correct"} or {"type": "truefalse", "max": 1, "correct": "true"|"false"}.
    """
    entry = _question_entry(main_library, params)
    if entry is not None:
        return {"": entry}
    keys = {}
    for ref, child, sub_content_id in _sub_contents(params):
        child_entry = _question_entry(ref, child)
        if child_entry is not None and sub_content_id:
            keys[sub_content_id] = child_entry
    return keys


def pass_percentage(main_library: LibraryRef, params: dict) -> int | None:
    """The percentage of the max score the content itself calls a success, or None if unknown."""
    name = main_library.machine_name
    if name == MULTICHOICE:
        return _number(_behaviour(params).get("passPercentage"), 100)
    if name in (TRUEFALSE, TEST_QUESTION):
        return 100
    if name == QUESTIONSET:
        return _number(params.get("passPercentage"), 50)
    return None


def rescore(entry: dict, response: str) -> int | None:
    """The server's score for one answer-key entry from xAPI result.response; None if it cannot be parsed.

    MultiChoice: original choice indices joined by "[,]", "" for none. TrueFalse: "true", "false" or "".
    """
    if not isinstance(entry, dict) or not isinstance(response, str):
        return None
    if entry.get("type") == "multichoice":
        return _rescore_multichoice(entry, response)
    if entry.get("type") == "truefalse":
        if response == "":
            return 0
        if response in ("true", "false"):
            return 1 if response == entry.get("correct") else 0
    return None


# Entries ------------------------------------------------------------------------------------------------------


def _question_entry(ref: LibraryRef, params) -> dict | None:
    if not isinstance(params, dict):
        return None
    if ref.machine_name == MULTICHOICE:
        return _multichoice_entry(params)
    if ref.machine_name == TRUEFALSE:
        correct = "true" if params.get("correct", "true") == "true" else "false"
        return {"type": "truefalse", "max": 1, "correct": correct}
    if ref.machine_name == TEST_QUESTION:
        options = params.get("options") if isinstance(params.get("options"), list) else []
        correct = params.get("correct")
        return {
            "type": "multichoice",
            "max": 1,
            "answers": [{"correct": index == correct, "weight": 1} for index in range(len(options))],
            "single_answer": True,
            "single_point": False,
            "pass_percentage": 100,
            "weight": 1,
            "blank_is_correct": False,
        }
    return None


def _multichoice_entry(params: dict) -> dict:
    behaviour = _behaviour(params)
    answers = [
        {"correct": bool(answer.get("correct")), "weight": _number(answer.get("weight"), 1)}
        for answer in params.get("answers") or []
        if isinstance(answer, dict)
    ]
    correct_count = sum(answer["correct"] for answer in answers)
    kind = behaviour.get("type", "auto")
    single_answer = correct_count == 1 if kind == "auto" else kind == "single"
    single_point = bool(behaviour.get("singlePoint", True))
    weight = _number(params.get("weight"), 1)
    blank_is_correct = correct_count == 0
    entry = {
        "type": "multichoice",
        "answers": answers,
        "single_answer": single_answer,
        "single_point": single_point,
        "pass_percentage": _number(behaviour.get("passPercentage"), 100),
        "weight": weight,
        "blank_is_correct": blank_is_correct,
    }
    entry["max"] = weight if single_answer or single_point else _all_correct_score(entry)
    return entry


def _all_correct_score(entry: dict) -> int:
    """MultiChoice's calculateMaxScore: the weights of the correct answers (the weight when blank is correct)."""
    if entry["blank_is_correct"]:
        return entry["weight"]
    return sum(answer["weight"] for answer in entry["answers"] if answer["correct"])


def _max_score(ref: LibraryRef, params) -> int | None:
    entry = _question_entry(ref, params)
    if entry is not None:
        return entry["max"]
    if not isinstance(params, dict):
        return None
    if ref.machine_name == QUESTIONSET:
        children = [item for item in params.get("questions") or [] if isinstance(item, dict)]
    elif ref.machine_name == COLUMN:
        children = [item.get("content") for item in params.get("content") or [] if isinstance(item, dict)]
    elif ref.machine_name in UNSCORED:
        return 0
    else:
        return None
    total = 0
    for child in children:
        try:
            child_ref = LibraryRef.parse_content_string(child.get("library") if isinstance(child, dict) else None)
        except ValueError:
            return None
        child_max = _max_score(child_ref, child.get("params"))
        if child_max is None:
            return None
        total += child_max
    return total


def _sub_contents(value) -> Iterator[tuple[LibraryRef, dict, str | None]]:
    """Every sub-content ({"library", "params", "subContentId"}) inside `value`, depth first."""
    if isinstance(value, list):
        for item in value:
            yield from _sub_contents(item)
    elif isinstance(value, dict):
        if isinstance(value.get("library"), str) and isinstance(value.get("params"), dict):
            try:
                ref = LibraryRef.parse_content_string(value["library"])
            except ValueError:
                return
            sub_content_id = value.get("subContentId")
            yield ref, value["params"], sub_content_id if isinstance(sub_content_id, str) else None
            if _question_entry(ref, value["params"]) is None:
                yield from _sub_contents(value["params"])
            return
        for item in value.values():
            yield from _sub_contents(item)


def _behaviour(params: dict) -> dict:
    behaviour = params.get("behaviour")
    return behaviour if isinstance(behaviour, dict) else {}


def _number(value, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return int(value) if value == int(value) else value


# Re-scoring ---------------------------------------------------------------------------------------------------


def _rescore_multichoice(entry: dict, response: str) -> int | None:
    answers = entry.get("answers") or []
    picks = [] if response == "" else response.split(RESPONSE_SEPARATOR)
    if not all(_INDEX.fullmatch(pick) and int(pick) < len(answers) for pick in picks):
        return None
    chosen = [int(pick) for pick in picks]
    if len(set(chosen)) != len(chosen):
        return None
    if entry.get("single_answer"):
        if len(chosen) > 1:
            return None
        # The radio-button handler scores 1 for a correct pick (not `weight`), whatever getMaxScore says.
        return 1 if chosen and answers[chosen[0]]["correct"] else 0
    score = max(sum(answers[index]["weight"] * (1 if answers[index]["correct"] else -1) for index in chosen), 0)
    if not chosen and entry.get("blank_is_correct"):
        score = entry["weight"]
    if entry.get("single_point"):
        full = _all_correct_score(entry)
        score = entry["weight"] if full > 0 and 100 * score / full >= entry["pass_percentage"] else 0
    return score
