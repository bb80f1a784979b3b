"""courses.h5p.scoring: max scores, answer keys and re-scoring with the official content types' rules."""

import json

import pytest

from courses.h5p import LibraryRef, answer_key, expected_max_score, pass_percentage, rescore, validate_package
from tests.factories import h5p as factory

MULTICHOICE = LibraryRef("H5P.MultiChoice", 1, 16)
TRUEFALSE = LibraryRef("H5P.TrueFalse", 1, 8)
QUESTIONSET = LibraryRef("H5P.QuestionSet", 1, 21)
COLUMN = LibraryRef("H5P.Column", 1, 18)
TEST_QUESTION = LibraryRef("EscuelaCiudadana.TestQuestion", 1, 0)
SUB_CONTENT = "http://h5p.org/x-api/h5p-subContentId"


def multichoice(answers, **behaviour) -> dict:
    """answers: (correct, weight) pairs; weight None leaves the key out, as real content does."""
    params = factory.multichoice_params(
        "<p>¿?</p>", [(f"Opción {n}", correct) for n, (correct, _w) in enumerate(answers)]
    )
    for answer, (_correct, weight) in zip(params["answers"], answers, strict=True):
        if weight is not None:
            answer["weight"] = weight
    params["behaviour"].update(behaviour)
    return params


def entry(params) -> dict:
    return answer_key(MULTICHOICE, params)[""]


def test_single_answer_multichoice():
    params = multichoice([(True, None), (False, None), (False, None)])

    key = entry(params)

    assert expected_max_score(MULTICHOICE, params) == 1
    assert key["single_answer"] is True
    assert [rescore(key, response) for response in ("0", "1", "2", "")] == [1, 0, 0, 0]


@pytest.mark.parametrize("response", ["0[,]1", "3", "-1", "x", "0,1", "0[,]0", " 0", None])
def test_unparseable_or_impossible_responses_give_none(response):
    key = entry(multichoice([(True, None), (False, None), (False, None)]))

    assert rescore(key, response) is None


def test_multi_answer_with_weights_adds_correct_picks_and_subtracts_wrong_ones_floored_at_zero():
    params = multichoice([(True, 2), (False, 1), (True, 3), (False, 4)], singlePoint=False)
    key = entry(params)

    assert key["single_answer"] is False
    assert expected_max_score(MULTICHOICE, params) == 5
    assert rescore(key, "0[,]2") == 5
    assert rescore(key, "2[,]0") == 5
    assert rescore(key, "0[,]1") == 1
    assert rescore(key, "0[,]1[,]2") == 4
    assert rescore(key, "1") == 0
    assert rescore(key, "0[,]3") == 0
    assert rescore(key, "") == 0


def test_single_point_gives_the_weight_once_the_pass_percentage_is_reached():
    params = multichoice([(True, None), (True, None), (True, None), (False, None)], singlePoint=True, passPercentage=60)
    key = entry(params)

    assert expected_max_score(MULTICHOICE, params) == 1
    assert rescore(key, "0[,]1[,]2") == 1
    assert rescore(key, "0[,]1") == 1  # 2/3 = 67 % ≥ 60 %
    assert rescore(key, "0") == 0
    assert rescore(key, "0[,]1[,]3") == 0  # 2 - 1 = 1 of 3 = 33 %
    assert rescore(key, "0[,]1[,]2[,]3") == 1  # 3 - 1 = 2 of 3


def test_single_point_is_the_default_when_the_behaviour_says_nothing():
    params = multichoice([(True, None), (True, None), (False, None)])
    del params["behaviour"]["singlePoint"]

    assert expected_max_score(MULTICHOICE, params) == 1
    assert rescore(entry(params), "0") == 0  # 50 % < the default 100 %
    assert rescore(entry(params), "0[,]1") == 1


def test_the_question_type_can_be_forced():
    forced_multi = multichoice([(True, None), (False, None)], type="multi")
    forced_single = multichoice([(True, None), (True, None), (False, None)], type="single")

    assert entry(forced_multi)["single_answer"] is False
    assert rescore(entry(forced_multi), "0[,]1") == 0
    assert entry(forced_single)["single_answer"] is True
    assert expected_max_score(MULTICHOICE, forced_single) == 1
    assert rescore(entry(forced_single), "1") == 1


def test_when_no_option_is_correct_a_blank_answer_scores_the_weight():
    params = multichoice([(False, None), (False, None)])
    key = entry(params)

    assert key["blank_is_correct"] is True
    assert expected_max_score(MULTICHOICE, params) == 1
    assert rescore(key, "") == 1
    assert rescore(key, "0") == 0


def test_true_false():
    for correct in ("true", "false"):
        params = {"question": "<p>Chile tiene 16 regiones.</p>", "correct": correct}
        key = answer_key(TRUEFALSE, params)[""]

        assert key == {"type": "truefalse", "max": 1, "correct": correct}
        assert expected_max_score(TRUEFALSE, params) == 1
        assert pass_percentage(TRUEFALSE, params) == 100
        assert rescore(key, correct) == 1
        assert rescore(key, "false" if correct == "true" else "true") == 0
        assert rescore(key, "") == 0
        assert rescore(key, "True") is None


def test_the_test_question_scores_like_a_single_answer_multichoice():
    params = factory.test_question_content(correct=2)
    key = answer_key(TEST_QUESTION, params)[""]

    assert expected_max_score(TEST_QUESTION, params) == 1
    assert [rescore(key, response) for response in ("2", "0", "", "0[,]2", "9")] == [1, 0, 0, None, None]


def test_question_set_max_is_the_sum_of_its_questions_and_keys_follow_the_sub_content_ids():
    params = factory.questionset_capture_content()
    params["questions"].append(
        {
            "library": "H5P.MultiChoice 1.16",
            "params": multichoice([(True, 2), (True, 2), (False, 1)], singlePoint=False),
            "subContentId": "0b5e2f1c-3d4a-4e5b-8c6d-7e8f9a0b1c2d",
        }
    )
    params["questions"].append(
        {
            "library": "H5P.TrueFalse 1.8",
            "params": {"question": "¿?", "correct": "false"},
            "subContentId": "1c6f3a2d-4e5b-4f6c-9d7e-8f9a0b1c2d3e",
        }
    )

    keys = answer_key(QUESTIONSET, params)

    assert expected_max_score(QUESTIONSET, params) == 1 + 1 + 4 + 1
    assert pass_percentage(QUESTIONSET, params) == 50
    assert list(keys) == [
        *factory.CAPTURE_QUESTION_IDS,
        "0b5e2f1c-3d4a-4e5b-8c6d-7e8f9a0b1c2d",
        "1c6f3a2d-4e5b-4f6c-9d7e-8f9a0b1c2d3e",
    ]
    assert keys["1c6f3a2d-4e5b-4f6c-9d7e-8f9a0b1c2d3e"]["correct"] == "false"
    json.dumps(keys)


def test_a_question_set_with_an_unknown_question_type_has_no_expected_max():
    params = factory.questionset_capture_content()
    params["questions"].append({"library": "H5P.DragQuestion 1.14", "params": {}, "subContentId": "x"})

    assert expected_max_score(QUESTIONSET, params) is None
    assert set(answer_key(QUESTIONSET, params)) == set(factory.CAPTURE_QUESTION_IDS)


def test_a_column_sums_its_questions_and_ignores_text():
    params = {
        "content": [
            {"content": {"library": "H5P.AdvancedText 1.1", "params": {"text": "<p>Lee esto</p>"}}},
            {"content": {"library": "H5P.TrueFalse 1.8", "params": {"correct": "true"}, "subContentId": "tf"}},
            {"content": {"library": "H5P.QuestionSet 1.21", "params": factory.questionset_capture_content()}},
        ]
    }

    assert expected_max_score(COLUMN, params) == 3
    assert set(answer_key(COLUMN, params)) == {"tf", *factory.CAPTURE_QUESTION_IDS}


def test_unknown_and_unscored_content_types():
    interactive_video = {
        "interactiveVideo": {
            "assets": {
                "interactions": [
                    {"action": {"library": "H5P.TrueFalse 1.8", "params": {"correct": "true"}, "subContentId": "iv-tf"}}
                ]
            }
        }
    }

    assert expected_max_score(LibraryRef("H5P.InteractiveVideo", 1, 27), interactive_video) is None
    assert answer_key(LibraryRef("H5P.InteractiveVideo", 1, 27), interactive_video) == {
        "iv-tf": {"type": "truefalse", "max": 1, "correct": "true"}
    }
    assert expected_max_score(LibraryRef("H5P.AdvancedText", 1, 1), {"text": "x"}) is None
    assert pass_percentage(LibraryRef("H5P.AdvancedText", 1, 1), {"text": "x"}) is None
    assert rescore({"type": "matching"}, "0") is None


# The captured statements of official content types ------------------------------------------------------------


def answered(statements: list[dict]) -> list[dict]:
    return [s for s in statements if s["verb"]["id"].endswith("/answered")]


def check_against_capture(package, statements):
    for statement in answered(statements):
        extensions = statement["object"]["definition"]["extensions"]
        key = package.answer_key[extensions.get(SUB_CONTENT, "")]
        definition = statement["object"]["definition"]
        correct = [str(index) for index, answer in enumerate(key["answers"]) if answer["correct"]]
        assert definition["correctResponsesPattern"] == correct
        assert [choice["id"] for choice in definition["choices"]] == [str(i) for i in range(len(key["answers"]))]
        assert rescore(key, statement["result"]["response"]) == statement["result"]["score"]["raw"]
        assert key["max"] == statement["result"]["score"]["max"]


def test_rescoring_the_captured_single_multichoice(tmp_path):
    package = validate_package(factory.multichoice_package_matching_capture(tmp_path), installed={})
    statements = factory.load_capture("multichoice-single")

    check_against_capture(package, statements)
    (top,) = answered(statements)
    assert package.expected_max_score == top["result"]["score"]["max"] == 1


def test_rescoring_the_captured_question_set(tmp_path):
    package = validate_package(factory.questionset_package_matching_capture(tmp_path), installed={})
    statements = factory.load_capture("questionset-2-multichoice")

    check_against_capture(package, statements)
    assert len(answered(statements)) == 2
    (completed,) = [s for s in statements if s["verb"]["id"].endswith("/completed")]
    assert package.expected_max_score == completed["result"]["score"]["max"] == 2
    children = sum(
        rescore(package.answer_key[s["object"]["definition"]["extensions"][SUB_CONTENT]], s["result"]["response"])
        for s in answered(statements)
    )
    assert children == completed["result"]["score"]["raw"] == 1
    assert 100 * children / package.expected_max_score >= package.pass_percentage
    assert completed["result"]["success"] is True
