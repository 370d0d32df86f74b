"""Rasa NLU component: a protein question that names a body weight goes to the calculator.

"At 75 kg, how much protein a day?" must reach action_calculate_protein whatever the classifier
made of the rest of the sentence: a number in grams is the answer people want, and a topic answer
would ignore the weight they gave. Symptom reports and emergencies are never rerouted.
"""

import re
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.weights import parse_weight

PROTEIN_INTENT = "ask_protein_needs"
NEVER_REROUTED = {"report_symptom", "report_emergency", "ask_medical"}
_PROTEIN = re.compile(r"\bprot[ei]{1,2}ne?s?\b|\bprotin\b", re.IGNORECASE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ProteinRouter(GraphComponent):
    """Sets the intent to ask_protein_needs for a protein question with a weight and its unit."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ProteinRouter":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            if intent in NEVER_REROUTED or intent == PROTEIN_INTENT:
                continue
            if _PROTEIN.search(text) and parse_weight(text) is not None:
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != PROTEIN_INTENT]
                message.set(INTENT, {"name": PROTEIN_INTENT, "confidence": 1.0}, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [{"name": PROTEIN_INTENT, "confidence": 1.0}] + ranking,
                    add_to_output=True,
                )
        return messages
