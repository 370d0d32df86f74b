"""Rasa NLU component: no topic answer is guessed when even the best one is unlikely.

DIETClassifier may be sure a message is a topic question (intent `faq`) while the ResponseSelector
finds no answer that fits ("recommend a good novel" lands on some exercise answer with a few per
cent). Below `threshold` the intent becomes `nlu_fallback`, and Pace offers the nearest topics as
buttons instead of a guess. The ranking is kept for those suggestions.
"""

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

RETRIEVAL_INTENT = "faq"
FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RetrievalFallback(GraphComponent):
    """Turns a topic question whose best answer is below `threshold` into nlu_fallback."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"threshold": 0.1}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.threshold = config["threshold"]

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RetrievalFallback":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get("name") != RETRIEVAL_INTENT:
                continue
            selected = ((message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}).get(
                "response"
            ) or {}
            if selected.get("confidence", 0.0) < self.threshold:
                fallback = {"name": FALLBACK_INTENT, "confidence": self.threshold}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY,
                    [fallback] + (message.get(INTENT_RANKING_KEY) or []),
                    add_to_output=True,
                )
        return messages
