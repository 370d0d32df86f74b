"""Escalation after a symptom report: say the symptom back, remember it, record an audit line.

The urgent words themselves ("stop exercising now and contact your physician", or "call your local
emergency number") are static responses sent by the rule before this action runs, so they reach
the person even when this server is down.
"""

import hashlib
import hmac
import json
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import PaceAction

PATTERNS_FILE = Path(__file__).resolve().parent.parent / "content" / "symptom_patterns.yml"
audit_log = logging.getLogger("pace.audit")
# the audit log names a conversation by a keyed hash of its id, never the phone number or chat id
AUDIT_KEY_VARIABLE = "PACE_AUDIT_KEY"


@lru_cache(maxsize=1)
def audit_key() -> bytes:
    """PACE_AUDIT_KEY (scripts/serve.sh keeps one in var/), or a random key for this process."""
    configured = os.environ.get(AUDIT_KEY_VARIABLE)
    return configured.encode() if configured else secrets.token_bytes(32)


def audit_id(conversation_id: str) -> str:
    """The same conversation always gets the same id; nobody without the key can tell whose it is."""
    return hmac.new(audit_key(), conversation_id.encode(), hashlib.sha256).hexdigest()[:24]


@lru_cache(maxsize=1)
def symptom_labels(path: Path = PATTERNS_FILE) -> Dict[str, str]:
    """Category -> the words said back to the person, from the content team's patterns file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {key: spec.get("label", key) for key, spec in (data.get("symptoms") or {}).items()}


def detected_symptom(tracker: Tracker) -> Dict[str, Any] | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "symptom":
            return entity
    return None


class ActionEscalateSymptom(PaceAction):
    """Names the reported symptom and the documents' recovery guidance; audits the escalation."""

    failure_response = "utter_symptom_unnamed"

    def name(self) -> str:
        return "action_escalate_symptom"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        tier = "emergency" if intent == "report_emergency" else "symptom"
        entity = detected_symptom(tracker)
        category = entity["value"] if entity else "unspecified"
        layer = "rules" if entity else "classifier"
        # Audit: which conversation (keyed hash), how urgent, what kind; never the message text.
        audit_log.info(
            json.dumps(
                {
                    "event": "escalation",
                    "conversation": audit_id(tracker.sender_id),
                    "tier": tier,
                    "category": category,
                    "layer": layer,
                }
            )
        )
        if tier == "symptom":
            label = symptom_labels().get(category)
            if label and category != "emergency":
                dispatcher.utter_message(response="utter_symptom_named", symptom_label=label)
            else:
                dispatcher.utter_message(response="utter_symptom_unnamed")
        return [SlotSet("safety_flag", True)]
