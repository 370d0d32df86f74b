"""action_calculate_protein and the weight parser behind it."""

import pytest
from rasa_sdk.events import SlotSet

from actions.nutrition import ActionCalculateProtein
from actions.weights import parse_weight, protein_range_grams
from tests.conftest import responses_of


@pytest.mark.parametrize(
    "text, amount, unit",
    [
        ("I'm 62 kg", 62, "kg"),
        ("she's about 130 pounds", 130, "lb"),
        ("my weight is 180 lb", 180, "lb"),
        ("he weighs 90 kilos", 90, "kg"),
        ("72.5kg", 72.5, "kg"),
        ("72,5 kg", 72.5, "kg"),
        ("140lbs", 140, "lb"),
        ("At 75 kg, what's a sensible amount of protein?", 75, "kg"),
    ],
)
def test_parse_weight_with_units(text, amount, unit):
    weight = parse_weight(text)
    assert weight is not None
    assert (weight.amount, weight.unit) == (amount, unit)


@pytest.mark.parametrize(
    "text, shown, low, high",
    [
        ("im 12 stone how much protein", "12 st (about 76 kg)", 61, 114),
        ("12st 2lb", "12 st 2 lb (about 77 kg)", 62, 116),
        ("he's 11 st 4 lb", "11 st 4 lb (about 72 kg)", 57, 108),
        ("she's eight and a half stone", "8.5 st (about 54 kg)", 43, 81),
        ("mum is ten stone seven", "10 st 7 lb (about 67 kg)", 53, 100),
        ("9 stone and 3 pounds", "9 st 3 lb (about 59 kg)", 47, 88),
    ],
)
def test_parse_weight_in_stone_and_pounds(text, shown, low, high):
    weight = parse_weight(text)
    assert weight.describe() == shown and protein_range_grams(weight.kg) == (low, high)


@pytest.mark.parametrize("text", ["a stone's throw from the pool", "he lost a stone since spring"])
def test_stone_without_an_amount_is_no_weight(text):
    assert parse_weight(text) is None


def test_parse_weight_ignores_grams_per_kilo_and_bare_numbers_by_default():
    assert parse_weight("is 0.5 g per kg of protein enough") is None
    assert parse_weight("I weigh 70") is None
    assert parse_weight("I weigh 70", allow_bare_number=True).unit is None
    assert parse_weight("[x](javascript:alert(1))", allow_bare_number=True) is None


@pytest.mark.parametrize(
    "kg, expected",
    [(62, (50, 93)), (95, (76, 143)), (55, (44, 83)), (75, (60, 113)), (130 * 0.45359237, (47, 88))],
)
def test_protein_range_rounds_to_whole_grams(kg, expected):
    assert protein_range_grams(kg) == expected


@pytest.mark.parametrize(
    "text, intent, weight_text, low, high",
    [
        ("I'm 62 kg", "inform_weight", "62 kg", 50, 93),
        ("she's about 130 pounds", "inform_weight", "130 lb (about 59 kg)", 47, 88),
        (
            "my wife is around 220 lb, how much protein?",
            "ask_protein_needs",
            "220 lb (about 100 kg)",
            80,
            150,
        ),
        ("For someone weighing 55 kilograms, what protein range?", "ask_protein_needs", "55 kg", 44, 83),
    ],
)
async def test_grams_from_a_weight_in_the_message(
    make_tracker, dispatcher, domain, text, intent, weight_text, low, high
):
    tracker = make_tracker(text, intent=intent)

    events = await ActionCalculateProtein().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_protein_grams"]
    message = dispatcher.messages[0]
    assert (message["weight"], message["low_grams"], message["high_grams"]) == (weight_text, low, high)
    assert events[0]["name"] == "body_weight_kg"


async def test_remembered_weight_is_used_for_a_later_question(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        "what should my protein intake be?", intent="ask_protein_needs", slots={"body_weight_kg": 95.0}
    )

    await ActionCalculateProtein().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_protein_grams"]
    assert (dispatcher.messages[0]["low_grams"], dispatcher.messages[0]["high_grams"]) == (76, 143)


async def test_a_weight_said_a_message_before_is_used(make_tracker, dispatcher, domain):
    said_before = [{"event": "user", "text": "She's about 9st now and has been losing weight"}]
    tracker = make_tracker(
        "how much protein should she get then", intent="ask_protein_needs", events=said_before
    )

    await ActionCalculateProtein().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_protein_grams"]
    assert (dispatcher.messages[0]["low_grams"], dispatcher.messages[0]["high_grams"]) == (46, 86)


async def test_without_a_weight_the_range_is_given(make_tracker, dispatcher, domain):
    tracker = make_tracker("how much protein do I need?", intent="ask_protein_needs")

    events = await ActionCalculateProtein().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_protein_range"]
    assert events == []


@pytest.mark.parametrize(
    "text", ["I'm 6 kg", "she weighs 900 lb", "he is 12 kg", "I weigh 400 kg", "he's 3 stone", "I'm 45 stone"]
)
async def test_implausible_weight_gets_a_question_not_a_number(make_tracker, dispatcher, domain, text):
    tracker = make_tracker(text, intent="inform_weight")

    events = await ActionCalculateProtein().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_weight_implausible"]
    assert events == []


@pytest.mark.parametrize(
    "text", ["why 30 to 60 mins", "is 45 minutes too long", "I do 20 reps", "3 meals a day at 65"]
)
def test_times_and_counts_are_no_bare_weight(text):
    weight = parse_weight(text, allow_bare_number=True)
    assert weight is None or weight.amount == 65


async def test_a_corrected_weight_keeps_the_unit_given_just_before(make_tracker, dispatcher, domain):
    earlier = {"event": "user", "text": "how much protein do i need, im 17kg"}
    tracker = make_tracker("sorry I meant 70 not 17", intent="inform_weight", events=[earlier])

    events = await ActionCalculateProtein().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_protein_grams"]
    assert dispatcher.messages[0]["weight"] == "70 kg"
    assert SlotSet("body_weight_kg", 70) in events


async def test_weight_without_unit_asks_for_the_unit(make_tracker, dispatcher, domain):
    tracker = make_tracker("my dad weighs 165", intent="inform_weight")

    events = await ActionCalculateProtein().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_ask_weight_unit"]
    assert dispatcher.messages[0]["number"] == "165"
    assert SlotSet("body_weight_kg", 165) not in events


async def test_unexpected_error_answers_temporarily_unavailable(
    make_tracker, dispatcher, domain, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("actions.nutrition.parse_weight", broken)
    tracker = make_tracker("I'm 62 kg", intent="inform_weight")

    events = await ActionCalculateProtein().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_temporarily_unavailable"]
    assert events == []


@pytest.mark.parametrize(
    "text, kg",
    [("seventy kilos", 70), ("one hundred and sixty pounds", 72.6), ("she's sixty two kg", 62)],
)
def test_weights_written_in_words(text, kg):
    weight = parse_weight(text)
    assert weight is not None and round(weight.kg, 1) == kg


def test_words_that_are_no_weight_stay_none():
    assert parse_weight("one reason to eat more") is None
    assert parse_weight("two meals a day") is None
