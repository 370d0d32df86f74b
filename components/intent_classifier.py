"""Rasa NLU component: the intent, by logistic regression over TF-IDF weighted token counts.

Pace's intents are few and its examples short, so a linear model trained in a second does what a
TensorFlow network (Rasa's DIETClassifier) did in minutes, and uses a fraction of the memory. It
reads the same features (the pipeline's featurizers) and writes the same output (intent and
intent_ranking) as every Rasa intent classifier. The topic answer itself is AnswerSelector's.
"""

from typing import Any, Dict, List

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import save
from components.follow_up import JOINED
from components.linear import LinearComponent, sparse_features


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LinearComponent):
    """Predicts the intent of a message (a topic question is the retrieval intent, `faq`)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # C: how closely the model follows the examples; class_weight "balanced" gives intents
        # with few examples the weight of those with many
        return {"C": 20.0, "class_weight": None, "ranking_length": 10, "random_seed": 7}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            raise ValueError("LinearIntentClassifier needs examples of two intents or more")
        self._fit(examples, [e.get(INTENT) for e in examples])
        save(self._storage, self._resource, {"model": self._model})
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None or not messages:
            return messages
        # (a follow-up joined to its topic question, components/follow_up.py, needs only an answer:
        # it is taken for a topic question, which the classifiers after this one expect an intent of)
        for message in messages:
            if message.get(JOINED):
                message.set(INTENT, {"name": "faq", "confidence": 1.0})
        own = [m for m in messages if not m.get(JOINED)]
        if not own:
            return messages
        probabilities = self._prediction(sparse_features(own))
        intents = self._model.classes_
        for message, row in zip(own, probabilities, strict=False):
            order = np.argsort(-row)[: self._config["ranking_length"]]
            ranking = [{"name": str(intents[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
