"""A short follow-up read together with the topic question before it (components/follow_up.py)."""

import pytest
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from components.follow_up import JOINED, FollowUpContext, FollowUpResolver, last_topic_question


def parse(intent, answer=None, confidence=0.0):
    data = {"intent": {"name": intent, "confidence": 0.9}}
    if answer:
        data["response_selector"] = {
            "faq": {"response": {"intent_response_key": answer, "confidence": confidence}}
        }
    return data


def tracker(*turns):
    events = [UserUttered(text, parse_data=data) for text, data in turns]
    return DialogueStateTracker.from_events("someone", events)


THICKENED = ("the speech therapist wants us to thicken his drinks", parse("faq", "faq/texture_changes", 0.8))


def context(text, turns, **config):
    return FollowUpContext({**FollowUpContext.get_default_config(), **config}).process(
        [Message(data={"text": text})], tracker(*turns) if turns is not None else None
    )


def test_a_short_message_after_a_topic_question_is_also_read_joined_to_it():
    messages = context("who decides how thick", [THICKENED])
    assert [m.get("text") for m in messages] == [
        "who decides how thick",
        "the speech therapist wants us to thicken his drinks who decides how thick",
    ]
    assert messages[1].get(JOINED) and not messages[0].get(JOINED)


@pytest.mark.parametrize(
    "text, turns",
    [
        ("who decides how thick", None),  # no conversation (rasa test nlu, /model/parse)
        ("who decides how thick", []),  # the first message
        ("so who is it that decides how thick the drinks should be for him", [THICKENED]),  # long
        ("/greet", [THICKENED]),
        ("who decides how thick", [("hello", parse("greet"))]),  # no topic question before
        ("who decides how thick", [("what is als", parse("faq", "faq/what_is_als", 0.1))]),  # unanswered
    ],
)
def test_other_messages_are_read_alone(text, turns):
    assert [m.get("text") for m in context(text, turns)] == [text]


def test_the_topic_question_may_be_a_few_messages_back_but_no_further():
    small_talk = ("thanks", parse("thank"))
    assert last_topic_question(tracker(THICKENED, small_talk, small_talk), 3, 0.2) == THICKENED[0]
    assert last_topic_question(tracker(THICKENED, small_talk, small_talk, small_talk), 3, 0.2) is None


def message(intent, best, ranking, joined=False):
    data = {"text": "x", "intent": {"name": intent, "confidence": 0.8}}
    data["response_selector"] = {
        "faq": {
            "response": {"intent_response_key": best[0], "confidence": best[1]},
            "ranking": [{"intent_response_key": k, "confidence": c} for k, c in ranking],
        }
    }
    if joined:
        data[JOINED] = True
    return Message(data=data)


UNSURE = [("faq/texture_changes", 0.15), ("faq/slp_role", 0.12), ("faq/dysphagia", 0.1)]
JOINED_SLP = message("faq", ("faq/slp_role", 0.7), [("faq/slp_role", 0.7)], joined=True)


def resolve(alone, joined=JOINED_SLP):
    out = FollowUpResolver(FollowUpResolver.get_default_config()).process([alone, joined])
    assert out == [alone]  # the joined message never leaves the pipeline
    return alone


@pytest.mark.parametrize("intent", ["nlu_fallback", "faq"])
def test_an_unsure_follow_up_takes_the_joined_answer(intent):
    msg = resolve(message(intent, ("faq/texture_changes", 0.15), UNSURE))
    assert msg.get("intent")["name"] == "faq"
    assert msg.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/slp_role"


def test_a_follow_up_surer_on_its_own_keeps_its_answer():
    msg = resolve(message("faq", ("faq/texture_changes", 0.75), UNSURE))
    assert msg.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/texture_changes"


def test_a_follow_up_less_sure_than_its_joined_reading_takes_the_joined_answer():
    """ "how long for" alone leans towards some answer on its few letters; joined to the stretching
    question it is surer, even when the joined answer is far down its own ranking."""
    far = [(f"faq/other_{i}", 0.05) for i in range(5)] + [("faq/slp_role", 0.01)]
    msg = resolve(message("faq", ("faq/other_0", 0.5), far))
    assert msg.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/slp_role"
    assert msg.get("intent") == {"name": "faq", "confidence": 0.7}


@pytest.mark.parametrize(
    "text",
    [
        "how long for",
        "how often",
        "what kind",
        "how",
        "what if it lasts longer",
        "what about cycling",
    ],
)
def test_a_follow_up_with_a_question_of_its_own_takes_the_joined_answer(text):
    alone = message("ask_followup", ("faq/texture_changes", 0.15), UNSURE)
    alone.set("text", text)
    assert resolve(alone).get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/slp_role"


@pytest.mark.parametrize(
    "text",
    ["why?", "how come", "tell me more", "what else", "and for him?", "what about my wife", "who teaches it"],
)
def test_a_follow_up_about_the_answer_itself_stays_one(text):
    alone = message("ask_followup", ("faq/texture_changes", 0.15), UNSURE)
    alone.set("text", text)
    assert resolve(alone).get("intent")["name"] == "ask_followup"


def test_a_follow_up_read_as_out_of_scope_takes_the_joined_answer_it_also_ranks_high():
    """ "how do you prevent it" after the cachexia question: out of scope alone, but its own ranking
    has the joined answer near the top; "lovely weather today" has not."""
    near = message("out_of_scope", ("faq/texture_changes", 0.15), UNSURE)
    assert resolve(near).get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/slp_role"
    far = [(f"faq/other_{i}", 0.05) for i in range(5)] + [("faq/slp_role", 0.01)]
    assert (
        resolve(message("out_of_scope", ("faq/other_0", 0.05), far)).get("intent")["name"] == "out_of_scope"
    )


def test_a_follow_up_read_as_out_of_scope_that_ends_on_it_takes_the_joined_answer():
    """ "how do I avoid it" after the overwork weakness question: the "it" is the answer before,
    however far down its own ranking."""
    far = [(f"faq/other_{i}", 0.05) for i in range(5)] + [("faq/slp_role", 0.01)]
    alone = message("out_of_scope", ("faq/other_0", 0.05), far)
    alone.set("text", "how do I avoid it")
    assert resolve(alone).get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/slp_role"


@pytest.mark.parametrize("text", ["who should we talk to about it", "where do we find one", "who does that?"])
def test_who_or_where_of_the_last_answer_is_a_follow_up(text):
    alone = message("faq", ("faq/texture_changes", 0.6), UNSURE)
    alone.set("text", text)
    assert resolve(alone).get("intent")["name"] == "ask_followup"


def test_small_talk_and_reports_are_left_as_they_are():
    for intent in ("greet", "report_symptom"):
        assert resolve(message(intent, ("faq/texture_changes", 0.15), UNSURE)).get("intent")["name"] == intent


def test_an_unsure_joined_reading_changes_nothing():
    joined = message("faq", ("faq/slp_role", 0.25), [("faq/slp_role", 0.25)], joined=True)
    msg = resolve(message("nlu_fallback", ("faq/texture_changes", 0.15), UNSURE), joined)
    assert msg.get("intent")["name"] == "nlu_fallback"
