"""What the conversation was about: the last topic answer Pace gave, read from the tracker."""

from typing import Any, Dict, List

from rasa_sdk import Tracker

# Answers that are not retrieval answers but still belong to a topic a follow-up can continue.
TOPIC_OF_RESPONSE = {
    "utter_protein_range": "utter_faq/protein_why",
    "utter_protein_grams": "utter_faq/protein_why",
}


def last_topic_response(tracker: Tracker) -> str | None:
    """Name of the last topic response Pace sent (e.g. 'utter_faq/stretching'), if any."""
    for event in reversed(tracker.events):
        if event.get("event") != "bot":
            continue
        name = (event.get("metadata") or {}).get("utter_action") or ""
        if name.startswith("utter_faq/") or name in TOPIC_OF_RESPONSE:
            return name
    return None


def last_turn_responses(tracker: Tracker) -> List[str]:
    """Names of the responses of Pace's last turn, the one before the latest message, last first."""
    said: List[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            said.append((event.get("metadata") or {}).get("utter_action") or "")
        elif event.get("event") == "user" and said:
            break
    return said


def response_metadata(domain: Dict[str, Any], name: str) -> Dict[str, Any]:
    variations = (domain.get("responses") or {}).get(name) or []
    return (variations[0].get("metadata") or {}) if variations else {}


def next_topic_response(domain: Dict[str, Any], name: str) -> str | None:
    """The answer that continues `name` ("tell me more"), as a response name: its `next:` key."""
    return _linked_response(domain, name, "next")


def examples_response(domain: Dict[str, Any], name: str) -> str | None:
    """The answer that gives examples for `name` ("like what?"), as a response name: its
    `examples:` key; None when the answer gives its examples itself."""
    return _linked_response(domain, name, "examples")


def who_response(domain: Dict[str, Any], name: str) -> str | None:
    """The answer that says who helps with `name` ("who does that?", "where do we find one?"), as a
    response name: its `who:` key (none for a protein amount, which no one of the answers helps
    with)."""
    return None if name in TOPIC_OF_RESPONSE else _linked_response(domain, name, "who")


def reason_response(domain: Dict[str, Any], name: str) -> str | None:
    """The answer that gives the reason for `name` ("why?"), as a response name: its `why:` key;
    None when the answer gives its reason itself."""
    return _linked_response(domain, name, "why")


def _linked_response(domain: Dict[str, Any], name: str, key: str) -> str | None:
    if name in TOPIC_OF_RESPONSE:
        return TOPIC_OF_RESPONSE[name]
    linked = response_metadata(domain, name).get(key)
    return f"utter_{linked}" if linked else None
