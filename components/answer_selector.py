"""Rasa NLU component: picks the topic answer (`faq/<key>`) with a linear model trained in seconds.

It takes the place of Rasa's ResponseSelector, a TensorFlow network that took most of Pace's
training time and model size, and answers in the ResponseSelector's own format, so the `utter_faq`
rule, RetrievalFallback and the topic suggestions read it unchanged. The model is logistic
regression over the sparse features the pipeline's featurizers already computed (words, lemmas and
character n-grams), weighted by TF-IDF.
"""

from typing import Any, Dict, List, Optional

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import Pipeline

from components.base import save
from components.linear import LinearComponent, sparse_features
from components.retrieval_fallback import RETRIEVAL_INTENT

SELECTOR_PROPERTY = "response_selector"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AnswerSelector(LinearComponent):
    """Chooses among the answers of one retrieval intent (`faq`)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # C: how closely the model follows the examples (higher: closer); ranking_length: how many
        # answers the ranking keeps (the suggestions offer the first few)
        return {"retrieval_intent": "faq", "C": 20.0, "ranking_length": 10, "random_seed": 7}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Pipeline] = None,
        retrieval_intents: Optional[List[str]] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, model)
        self._retrieval_intents = retrieval_intents or []

    def train(self, training_data: TrainingData) -> Resource:
        intent = self._config["retrieval_intent"]
        examples = [
            e for e in training_data.intent_examples if e.get(INTENT) == intent and e.get(INTENT_RESPONSE_KEY)
        ]
        self._retrieval_intents = sorted(training_data.retrieval_intents)
        if len({e.get(INTENT_RESPONSE_KEY) for e in examples}) < 2:
            raise ValueError(f"AnswerSelector needs examples of two answers or more under '{intent}/...'")
        self._fit(examples, [e.get(INTENT_RESPONSE_KEY) for e in examples])
        self._persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None or not messages:
            return messages
        probabilities = self._prediction(sparse_features(messages))
        keys = self._model.classes_
        for message, row in zip(messages, probabilities, strict=False):
            order = np.argsort(-row)[: self._config["ranking_length"]]
            ranking = [
                {"id": int(i), "confidence": float(row[i]), INTENT_RESPONSE_KEY: keys[i]} for i in order
            ]
            best = ranking[0]
            selector = dict(message.get(SELECTOR_PROPERTY) or {})
            selector["all_retrieval_intents"] = self._retrieval_intents
            selector[self._config["retrieval_intent"]] = {
                "response": {
                    "responses": None,
                    "confidence": best["confidence"],
                    INTENT_RESPONSE_KEY: best[INTENT_RESPONSE_KEY],
                    "utter_action": f"utter_{best[INTENT_RESPONSE_KEY]}",
                },
                "ranking": ranking,
            }
            message.set(SELECTOR_PROPERTY, selector, add_to_output=True)
        return messages

    def _persist(self) -> None:
        save(
            self._storage,
            self._resource,
            {"model": self._model, "retrieval_intents": self._retrieval_intents},
        )


def selection(message: Message) -> Dict[str, Any]:
    """The answer selector's reading of a message: its best answer ("response") and "ranking"."""
    return (message.get(SELECTOR_PROPERTY) or {}).get(RETRIEVAL_INTENT) or {}


def best_answer(message: Message) -> tuple:
    """The selector's best answer key ("faq/stretching") and its confidence."""
    response = selection(message).get("response") or {}
    return response.get("intent_response_key"), response.get("confidence", 0.0)
