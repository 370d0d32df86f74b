"""Rasa NLU component: a protein question that names a body weight goes to the calculator.

"At 75 kg, how much protein a day?" must reach action_calculate_protein whatever the classifier
made of the rest of the sentence: a number in grams is the answer people want, and a topic answer
would ignore the weight they gave. Symptom reports and emergencies are never rerouted, nor is a
physician question the classifier is sure of. (One it is unsure of, "she's eight and a half stone,
what's her protein target", is rerouted: the PhysicianRouter after this one still sends every
question that names a medicine or another condition to the physician.)
"""

import re
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.weights import parse_weight
from components.base import StatelessComponent, set_intent

PROTEIN_INTENT = "ask_protein_needs"
NEVER_REROUTED = {"report_symptom", "report_emergency"}
MEDICAL_INTENT = "ask_medical"
_PROTEIN = re.compile(r"\bprot[ei]{1,2}ne?s?\b|\bprotin\b", re.IGNORECASE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ProteinRouter(StatelessComponent):
    """Sets the intent to ask_protein_needs for a protein question with a weight and its unit."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # medical_sure_from: the classifier's confidence from which its physician question stays one
        return {"medical_sure_from": 0.6}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            if intent in NEVER_REROUTED or intent == PROTEIN_INTENT:
                continue
            confidence = (message.get(INTENT) or {}).get("confidence", 0.0)
            if intent == MEDICAL_INTENT and confidence >= self._config["medical_sure_from"]:
                continue
            if _PROTEIN.search(text) and parse_weight(text) is not None:
                set_intent(message, PROTEIN_INTENT)
        return messages
