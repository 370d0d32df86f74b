"""Rasa NLU component: no topic answer is guessed when even the best one is unlikely.

DIETClassifier may be sure a message is a topic question (intent `faq`) while the ResponseSelector
finds no answer that fits ("recommend a good novel" lands on some exercise answer with a few per
cent). Below `threshold` the intent becomes `nlu_fallback`, and Pace offers the nearest topics as
buttons instead of a guess. The ranking is kept for those suggestions.
"""

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from components.base import StatelessComponent, set_intent

RETRIEVAL_INTENT = "faq"
FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RetrievalFallback(StatelessComponent):
    """Turns a topic question whose best answer is below `threshold` into nlu_fallback."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"threshold": 0.1}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get("name") != RETRIEVAL_INTENT:
                continue
            selected = ((message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}).get(
                "response"
            ) or {}
            threshold = self._config["threshold"]
            if selected.get("confidence", 0.0) < threshold:
                set_intent(message, FALLBACK_INTENT, threshold)
        return messages
