"""Follow-ups continue the last topic; unsure messages get the nearest topics as buttons."""

import pytest

from actions.conversation import ActionContinueTopic, ActionSuggestTopics
from tests.conftest import responses_of


def bot_said(name):
    return {"event": "bot", "text": "...", "metadata": {"utter_action": name}}


@pytest.mark.parametrize("text", ["tell me more", "what else can I do?", "go on"])
async def test_follow_up_continues_with_the_next_answer(make_tracker, dispatcher, domain, text):
    tracker = make_tracker(text, intent="ask_followup", events=[bot_said("utter_faq/reinnervation")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_faq/reinnervation_overwhelmed"]


@pytest.mark.parametrize("text", ["why?", "why does that matter", "how come"])
async def test_why_repeats_an_answer_that_gives_its_own_reason(make_tracker, dispatcher, domain, text):
    """The calories answer says why itself ("which speeds up muscle and weight loss"): the next
    answer (cachexia) would not answer "why?"."""
    tracker = make_tracker(text, intent="ask_followup", events=[bot_said("utter_faq/hypermetabolism")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_reason_as_said", "utter_faq/hypermetabolism"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("why?", "utter_faq/exercise_benefits"),
        ("how come", "utter_faq/exercise_benefits"),
        ("y tho", "utter_faq/exercise_benefits"),
        ("tell me more", "utter_faq/range_of_motion"),
    ],
)
async def test_why_gives_the_reason_where_the_answer_names_one(
    make_tracker, dispatcher, domain, text, expected
):
    tracker = make_tracker(text, intent="ask_followup", events=[bot_said("utter_faq/stretching")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == [expected]


@pytest.mark.parametrize("text", ["like what", "such as?", "for example?", "any examples"])
async def test_like_what_gives_the_answer_with_examples(make_tracker, dispatcher, domain, text):
    tracker = make_tracker(text, intent="ask_followup", events=[bot_said("utter_faq/exercise_goals")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_faq/activity_types"]


@pytest.mark.parametrize(
    "text, last, expected",
    [
        ("who does that", "utter_faq/texture_changes", "utter_faq/slp_role"),
        ("who could show us how to do them properly", "utter_faq/stretching", "utter_faq/physical_therapist"),
        ("where do we find one", "utter_faq/physical_therapist", "utter_faq/physician_approval"),
    ],
)
async def test_who_gives_the_answer_about_who_helps(make_tracker, dispatcher, domain, text, last, expected):
    tracker = make_tracker(text, intent="ask_followup", events=[bot_said(last)])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == [expected]


async def test_like_what_after_an_answer_with_no_examples_goes_on(make_tracker, dispatcher, domain):
    tracker = make_tracker("like what", intent="ask_followup", events=[bot_said("utter_faq/reinnervation")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_faq/reinnervation_overwhelmed"]


@pytest.mark.parametrize("text", ["and for him?", "what about my wife", "same for her?"])
async def test_follow_up_about_someone_else_repeats_the_answer_for_them(
    make_tracker, dispatcher, domain, text
):
    tracker = make_tracker(text, intent="ask_followup", events=[bot_said("utter_faq/stretching")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_same_for_them", "utter_faq/stretching"]


@pytest.mark.parametrize("text", ["why does she need that much", "how come he needs so much"])
async def test_a_why_about_someone_else_continues_the_topic(make_tracker, dispatcher, domain, text):
    tracker = make_tracker(text, intent="ask_followup", events=[bot_said("utter_protein_grams")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_faq/protein_why"]


async def test_follow_up_after_the_protein_calculator(make_tracker, dispatcher, domain):
    tracker = make_tracker("why?", intent="ask_followup", events=[bot_said("utter_protein_grams")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_faq/protein_why"]


async def test_a_weight_after_a_protein_amount_gets_its_own_amount(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        "and for me? I've got it too and I'm 62 kg",
        intent="ask_followup",
        events=[bot_said("utter_protein_grams")],
    )

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_protein_grams"]
    assert (dispatcher.messages[0]["low_grams"], dispatcher.messages[0]["high_grams"]) == (50, 93)


@pytest.mark.parametrize("text", ["is that per day", "per day or per meal?", "is that a day?"])
async def test_per_day_after_a_protein_amount_says_it_is_a_day(make_tracker, dispatcher, domain, text):
    tracker = make_tracker(text, intent="ask_followup", events=[bot_said("utter_protein_grams")])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_protein_per_day"]


async def test_the_latest_topic_wins(make_tracker, dispatcher, domain):
    events = [bot_said("utter_faq/stretching"), bot_said("utter_greet"), bot_said("utter_faq/myostatin")]
    tracker = make_tracker("tell me more", intent="ask_followup", events=events)

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_faq/continuous_loss"]


def user_said(text):
    return {"event": "user", "text": text, "parse_data": {"text": text}}


@pytest.mark.parametrize(
    "said, expected",
    [
        (["utter_out_of_scope"], "utter_why_out_of_scope"),
        (["utter_ask_physician"], "utter_why_physician"),
        (["utter_weight_implausible"], "utter_why_weight_check"),
        (["utter_stop_and_call_physician", "utter_symptom_named"], "utter_faq/stop_signals"),
        (["utter_emergency", "utter_stop_and_call_physician", "utter_symptom_named"], "utter_why_emergency"),
    ],
)
async def test_why_right_after_an_answer_that_is_no_topic_says_why_pace_said_it(
    make_tracker, dispatcher, domain, said, expected
):
    events = [bot_said("utter_faq/stretching"), user_said("can you fill in a form")]
    tracker = make_tracker("why not?", intent="ask_followup", events=events + [bot_said(n) for n in said])

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == [expected]


@pytest.mark.parametrize(
    "earlier, text, expected",
    [
        # a why after a topic answer: the turn before it, which was no topic answer, does not count
        (
            ["utter_out_of_scope", "are stretches good", "utter_faq/stretching"],
            "why?",
            "utter_faq/exercise_benefits",
        ),
        # a follow-up that asks no why after an answer that is no topic answer goes on with the topic
        (
            ["utter_faq/stretching", "what about my meds", "utter_ask_physician"],
            "tell me more",
            "utter_faq/range_of_motion",
        ),
    ],
)
async def test_only_a_why_right_after_an_answer_that_is_no_topic_is_about_that_answer(
    make_tracker, dispatcher, domain, earlier, text, expected
):
    events = [bot_said(e) if e.startswith("utter_") else user_said(e) for e in earlier]
    tracker = make_tracker(text, intent="ask_followup", events=events)

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == [expected]


def own_answer(key, confidence):
    return {
        "response_selector": {"faq": {"response": {"intent_response_key": key, "confidence": confidence}}}
    }


@pytest.mark.parametrize("confidence", [None, 0.3])
async def test_follow_up_without_a_topic_offers_the_menu(make_tracker, dispatcher, domain, confidence):
    extra = own_answer("faq/what_is_als", confidence) if confidence else None
    tracker = make_tracker(
        "tell me more", intent="ask_followup", events=[bot_said("utter_greet")], parse_extra=extra
    )

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_nothing_to_continue"]


async def test_a_follow_up_with_nothing_to_follow_gets_its_own_likely_answer(
    make_tracker, dispatcher, domain
):
    tracker = make_tracker(
        "my dad has it and i dont get what it is can u explain",
        intent="ask_followup",
        parse_extra=own_answer("faq/what_is_als", 0.8),
    )

    await ActionContinueTopic().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_faq/what_is_als"]


@pytest.mark.parametrize("key", ["next", "why", "examples", "who"])
def test_every_link_points_to_an_answer(domain, key):
    links = [(variations[0].get("metadata") or {}).get(key) for variations in domain["responses"].values()]
    assert any(links)
    for following in filter(None, links):
        assert f"utter_{following}" in domain["responses"], following


async def test_suggestions_are_the_nearest_topics_as_buttons(make_tracker, dispatcher, domain):
    selector = {
        "faq": {
            "ranking": [
                {"intent_response_key": "faq/stretching", "confidence": 0.30},
                {"intent_response_key": "faq/range_of_motion", "confidence": 0.25},
                {"intent_response_key": "faq/myostatin", "confidence": 0.01},
            ]
        }
    }
    ranking = [{"name": "ask_protein_needs", "confidence": 0.28}, {"name": "greet", "confidence": 0.2}]
    tracker = make_tracker(
        "strech thing??",
        intent="nlu_fallback",
        parse_extra={"response_selector": selector, "intent_ranking": ranking},
    )

    await ActionSuggestTopics().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_suggest_topics"]
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Stretching", "payload": "how long should I hold a stretch"},
        {"title": "Protein needs", "payload": "how much protein do I need"},
        {"title": "Range of motion", "payload": "what are range of motion exercises"},
    ]


async def test_no_ranking_falls_back_to_the_capabilities_menu(make_tracker, dispatcher, domain):
    tracker = make_tracker("???", intent="nlu_fallback")

    await ActionSuggestTopics().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_capabilities"]
