"""What the conversation was about: the last topic answer Pace gave, read from the tracker."""

from typing import Any, Dict

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


def response_metadata(domain: Dict[str, Any], name: str) -> Dict[str, Any]:
    variations = (domain.get("responses") or {}).get(name) or []
    return (variations[0].get("metadata") or {}) if variations else {}


def next_topic_response(domain: Dict[str, Any], name: str, follow: str = "next") -> str | None:
    """The answer that continues `name`, as a response name: its `why:` key when asked why (`next:`
    when it has none), else its `next:` key."""
    if name in TOPIC_OF_RESPONSE:
        return TOPIC_OF_RESPONSE[name]
    metadata = response_metadata(domain, name)
    following = metadata.get(follow) or metadata.get("next")
    return f"utter_{following}" if following else None
