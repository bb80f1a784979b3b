"""Issue 12, item 6: a learner who completes a quiz and comes back is scored as the player shows, never "disputed".

The player restores a saved state without sending its answers again, so a state from a closed attempt would put
answers the server never saw into a new attempt. The saved state belongs to the attempt in progress only: closing
an attempt deletes it, later writes are not kept, and the player page preloads nothing after a completed attempt.

``questionset-reload-after-completion`` was recorded in real Chromium by
tests/browser/test_h5p_journey.py::test_coming_back_after_completing_starts_a_clean_attempt: statements and state
writes as the player sent them, and what each page load preloaded.
"""

import json
from decimal import Decimal

from learners.models import H5PAttempt, H5PUserState, LessonProgress
from tests.factories.h5p import RELOAD_QUESTION_IDS, load_capture, questionset_test_questions_content
from tests.factories.h5p_activities import approve_libraries, h5p_lesson, make_activity
from tests.learners.h5p_setup import H5PTestCase, scored, statement

Q1, Q2 = RELOAD_QUESTION_IDS


class ReloadAfterCompletionTests(H5PTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.quiz = make_activity(
            content=questionset_test_questions_content(),
            main_library="H5P.QuestionSet 1.21",
            libraries=["H5P.QuestionSet 1.21", "EscuelaCiudadana.TestQuestion 1.0"],
        )
        approve_libraries(cls.quiz)
        cls.lesson = h5p_lesson(parent=cls.module, blocks=[(cls.quiz, True, 50)])

    @property
    def player_url(self) -> str:
        return f"/aprender/h5p/{self.lesson.pk}/{self.quiz.uuid}/"

    def preloaded(self):
        response = self.client.get(self.player_url)
        self.assertEqual(response.status_code, 200)
        return response.context["options"].get("contentUserData")

    def save_state(self, data: str, *, data_type="state", sub_content_id="0", preload="1", invalidate="1"):
        url = f"{self.player_url}estado/{data_type}/{sub_content_id}/"
        response = self.client.post(url, {"data": data, "preload": preload, "invalidate": invalidate})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"success": True})

    def replay(self, events: list[dict]) -> list[dict]:
        """Send each recorded event as the player did; at each page load, check what the server preloads."""
        outcomes = []
        for event in events:
            if event["type"] == "statement":
                data = json.loads(json.dumps(event["statement"]).replace("{activity}", str(self.quiz.uuid)))
                response = self.post_statement(self.lesson, self.quiz, data)
                self.assertEqual(response.status_code, 200, response.content)
                outcomes.append(response.json())
            elif event["type"] == "state":
                self.save_state(
                    event["data"],
                    data_type=event["data_type"],
                    sub_content_id=event["sub_content_id"],
                    preload=event["preload"],
                    invalidate=event["invalidate"],
                )
            else:
                self.assertEqual(self.preloaded(), event["contentUserData"], "the page preloads another state")
        return outcomes

    def test_the_recorded_reload_after_completion_is_scored_as_the_player_shows(self):
        events = load_capture("questionset-reload-after-completion")["events"]
        loads = [index for index, event in enumerate(events) if event["type"] == "load"]
        self.assertEqual(len(loads), 2)  # the recording has the reload after completion
        outcomes = self.replay(events)
        closing = [outcome for outcome in outcomes if outcome["completed"]]
        self.assertEqual([(item["score"], item["disputed"]) for item in closing], [(1.0, False), (2.0, False)])
        attempts = H5PAttempt.objects.order_by("number")
        self.assertEqual(
            [(a.number, a.raw_score, a.claimed_raw, a.score_disputed, a.success) for a in attempts],
            [(1, 1.0, 1.0, False, True), (2, 2.0, 2.0, False, True)],
        )
        self.assertFalse(H5PUserState.objects.exists())  # the state saved after each completion was not kept
        progress = LessonProgress.objects.get(enrolment=self.enrolment, lesson=self.lesson)
        self.assertEqual(progress.score, Decimal("1"))  # highest of 0.5 and 1

    def test_the_state_saved_after_a_completed_attempt_is_not_preloaded(self):
        """The issue's case: without this rule the page restored the closed attempt's answers."""
        events = load_capture("questionset-reload-after-completion")["events"]
        first_reload = [index for index, event in enumerate(events) if event["type"] == "load"][1]
        self.replay(events[:first_reload])
        self.assertIsNone(self.preloaded())
        self.assertEqual(self.client.get(f"{self.player_url}estado/state/0/").json(), {"success": True, "data": False})

    def test_a_reload_in_the_middle_of_an_attempt_restores_it_and_scores_it_whole(self):
        answer = statement(self.quiz, "answered", sub=Q1, result=scored(1, 1, "0"))
        self.assertEqual(self.post_statement(self.lesson, self.quiz, answer).status_code, 200)
        self.save_state('{"answers":[{"answer":0}]}')
        self.assertEqual(self.preloaded(), [{"state": '{"answers":[{"answer":0}]}'}])
        # The player restores Q1 (not sent again); she answers Q2 and finishes: 2 of 2.
        answer = statement(self.quiz, "answered", sub=Q2, result=scored(1, 1, "1"))
        self.assertEqual(self.post_statement(self.lesson, self.quiz, answer).status_code, 200)
        closing = self.post_statement(self.lesson, self.quiz, statement(self.quiz, "completed", result=scored(2, 2)))
        self.assertEqual((closing.json()["score"], closing.json()["disputed"]), (2.0, False))
        self.assertFalse(H5PUserState.objects.exists())
        self.assertIsNone(self.preloaded())

    def test_state_before_the_first_attempt_is_kept(self):
        self.save_state('{"answers":[{"answer":2}]}')
        self.assertEqual(self.preloaded(), [{"state": '{"answers":[{"answer":2}]}'}])
