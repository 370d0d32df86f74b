"""What the conversation was about: the last topic answer Pace gave, read from the tracker."""

import re
from typing import Any, Dict

from rasa_sdk import Tracker

# A follow-up that asks a question of its own about the last answer ("how long for", "how often",
# "what kind", "who teaches it"): the answer is the one the question reads as, joined to the last
# topic question (components/follow_up.py), not the next one. "how come" asks why.
SPECIFIC_FOLLOW_UP = re.compile(
    r"^\W*(how(?! come\b)|what (kind|sort|type)|which|who|when|where)\b", re.IGNORECASE
)

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


def next_topic_response(domain: Dict[str, Any], name: str) -> str | None:
    """The answer that continues `name` ("tell me more"), as a response name: its `next:` key."""
    if name in TOPIC_OF_RESPONSE:
        return TOPIC_OF_RESPONSE[name]
    following = response_metadata(domain, name).get("next")
    return f"utter_{following}" if following else None


def reason_response(domain: Dict[str, Any], name: str) -> str | None:
    """The answer that gives the reason for `name` ("why?"), as a response name: its `why:` key;
    None when the answer gives its reason itself."""
    if name in TOPIC_OF_RESPONSE:
        return TOPIC_OF_RESPONSE[name]
    reason = response_metadata(domain, name).get("why")
    return f"utter_{reason}" if reason else None
