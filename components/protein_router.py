"""Rasa NLU component: a protein question that names a body weight goes to the calculator.

"At 75 kg, how much protein a day?" must reach action_calculate_protein whatever the classifier
made of the rest of the sentence: a number in grams is the answer people want, and a topic answer
would ignore the weight they gave. Symptom reports and emergencies are never rerouted.
"""

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.weights import parse_weight
from components.base import StatelessComponent, set_intent

PROTEIN_INTENT = "ask_protein_needs"
NEVER_REROUTED = {"report_symptom", "report_emergency", "ask_medical"}
_PROTEIN = re.compile(r"\bprot[ei]{1,2}ne?s?\b|\bprotin\b", re.IGNORECASE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ProteinRouter(StatelessComponent):
    """Sets the intent to ask_protein_needs for a protein question with a weight and its unit."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            if intent in NEVER_REROUTED or intent == PROTEIN_INTENT:
                continue
            if _PROTEIN.search(text) and parse_weight(text) is not None:
                set_intent(message, PROTEIN_INTENT)
        return messages
