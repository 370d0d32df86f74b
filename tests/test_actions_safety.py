"""action_escalate_symptom: names the symptom back, remembers it, audits without the message."""

import hashlib
import hmac
import json
import logging

import pytest
from rasa_sdk.events import SlotSet

from actions.safety import ActionEscalateSymptom, audit_key, symptom_labels
from tests.conftest import responses_of


def symptom_entity(category):
    return {"entity": "symptom", "value": category, "extractor": "SymptomDetector"}


@pytest.mark.parametrize(
    "text, category, label",
    [
        ("my legs are cramping after my walk", "cramping", "cramping"),
        ("my arm hurts after the bands", "pain", "pain"),
        ("my thighs keep twitching since the pool", "twitching", "twitching"),
        ("I get breathless folding laundry", "breathing", "shortness of breath"),
        ("dad is still drained from yesterday's class", "fatigue", "fatigue that lasts"),
        ("her legs are weaker this morning", "weakness", "weakness"),
        ("he coughs every time he drinks", "swallowing", "trouble swallowing"),
    ],
)
async def test_symptom_is_named_back(make_tracker, dispatcher, domain, text, category, label):
    tracker = make_tracker(text, intent="report_symptom", entities=[symptom_entity(category)])

    events = await ActionEscalateSymptom().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_symptom_named"]
    assert dispatcher.messages[0]["symptom_label"] == label
    assert SlotSet("safety_flag", True) in events


async def test_symptom_caught_by_classifier_only_gets_generic_guidance(make_tracker, dispatcher, domain):
    tracker = make_tracker("something feels off in my leg", intent="report_symptom")

    events = await ActionEscalateSymptom().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_symptom_unnamed"]
    assert SlotSet("safety_flag", True) in events


async def test_emergency_adds_nothing_after_the_urgent_reply(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        "he is choking and turning blue", intent="report_emergency", entities=[symptom_entity("emergency")]
    )

    events = await ActionEscalateSymptom().run(dispatcher, tracker, domain)

    assert dispatcher.messages == []
    assert SlotSet("safety_flag", True) in events


async def test_audit_line_has_a_keyed_id_tier_and_category_but_not_the_message_or_number(
    make_tracker, dispatcher, domain, caplog, monkeypatch
):
    monkeypatch.setenv("PACE_AUDIT_KEY", "test-audit-key")
    audit_key.cache_clear()
    text = "my wife's shoulder has hurt since the stretches"
    number = "twilio:+15551234567"
    tracker = make_tracker(text, intent="report_symptom", entities=[symptom_entity("pain")], sender_id=number)

    with caplog.at_level(logging.INFO, logger="pace.audit"):
        await ActionEscalateSymptom().run(dispatcher, tracker, domain)

    records = [r for r in caplog.records if r.name == "pace.audit"]
    assert len(records) == 1
    line = records[0].getMessage()
    expected_id = hmac.new(b"test-audit-key", number.encode(), hashlib.sha256).hexdigest()[:24]
    assert json.loads(line) == {
        "event": "escalation",
        "conversation": expected_id,
        "tier": "symptom",
        "category": "pain",
        "layer": "rules",
    }
    assert "shoulder" not in line and "stretches" not in line and "5551234567" not in line
    audit_key.cache_clear()


async def test_failure_still_sends_the_guidance(make_tracker, dispatcher, domain, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("patterns file unreadable")

    monkeypatch.setattr("actions.safety.symptom_labels", broken)
    tracker = make_tracker("my calf cramps", intent="report_symptom", entities=[symptom_entity("cramping")])

    await ActionEscalateSymptom().run(dispatcher, tracker, domain)

    assert responses_of(dispatcher) == ["utter_symptom_unnamed"]


def test_every_category_has_a_label_and_the_named_response_uses_it(domain):
    labels = symptom_labels()
    assert {"pain", "cramping", "twitching", "fatigue", "weakness", "breathing", "swallowing"} <= set(labels)
    assert all(labels.values())
    assert "{symptom_label}" in domain["responses"]["utter_symptom_named"][0]["text"]
