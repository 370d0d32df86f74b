"""Rasa NLU component: picks the topic answer (`faq/<key>`) with a linear model trained in seconds.

It takes the place of Rasa's ResponseSelector, a TensorFlow network that took most of Pace's
training time and model size, and answers in the ResponseSelector's own format, so the `utter_faq`
rule, RetrievalFallback and the topic suggestions read it unchanged. The model is logistic
regression over the sparse features the pipeline's featurizers already computed (words, lemmas and
character n-grams), weighted by TF-IDF.
"""

from typing import Any, Dict, List, Optional

import numpy as np
import scipy.sparse
import scipy.special
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from components.base import TrainedComponent, save

SELECTOR_PROPERTY = "response_selector"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AnswerSelector(TrainedComponent):
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
        self._prediction = Prediction(model) if model is not None else None

    def train(self, training_data: TrainingData) -> Resource:
        intent = self._config["retrieval_intent"]
        examples = [
            e for e in training_data.intent_examples if e.get(INTENT) == intent and e.get(INTENT_RESPONSE_KEY)
        ]
        self._retrieval_intents = sorted(training_data.retrieval_intents)
        if len({e.get(INTENT_RESPONSE_KEY) for e in examples}) < 2:
            raise ValueError(f"AnswerSelector needs examples of two answers or more under '{intent}/...'")
        model = linear_model(self._config)
        model.fit(sparse_features(examples), [e.get(INTENT_RESPONSE_KEY) for e in examples])
        self._model = model
        self._prediction = Prediction(model)
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


def linear_model(config: Dict[str, Any]) -> Pipeline:
    """TF-IDF weights over the featurizers' token counts, then logistic regression."""
    # (the "sag" solver with a tolerance of 1e-3 fits the same model as the default in a fifth of
    # the time on Pace's examples: 4.5 s against 24.6 s for the answers, the same answers to one
    # question in 337 of a held-out set)
    classifier = LogisticRegression(
        C=config["C"],
        class_weight=config.get("class_weight"),
        solver="sag",
        tol=1e-3,
        max_iter=3000,
        random_state=config["random_seed"],
    )
    return Pipeline([("tfidf", TfidfTransformer(sublinear_tf=True)), ("classifier", classifier)])


class Prediction:
    """`model.predict_proba(counts)` of a fitted `linear_model`, computed on the counts' own columns.

    The general versions cost more than the rest of a message: TfidfTransformer multiplies by a
    diagonal matrix as wide as the vocabulary (and its `idf_` re-sums it at every access), and
    predict_proba copies the transposed coefficients at every call."""

    def __init__(self, model: Pipeline) -> None:
        tfidf, self._classifier = model.named_steps["tfidf"], model.named_steps["classifier"]
        self._idf = tfidf.idf_
        self._sublinear = tfidf.sublinear_tf
        self._weights = np.ascontiguousarray(self._classifier.coef_.T)
        self._intercept = self._classifier.intercept_
        # (scikit-learn's rule: a softmax over the classes' scores when the model is multinomial)
        self._softmax = (
            self._classifier.multi_class in ("auto", "multinomial")
            and len(self._classifier.classes_) > 2
            and self._classifier.solver != "liblinear"
        )

    def __call__(self, counts: scipy.sparse.csr_matrix) -> np.ndarray:
        features = counts.astype(np.float64, copy=True)
        if self._sublinear:
            np.log(features.data, out=features.data)
            features.data += 1.0
        features.data *= self._idf[features.indices]
        lengths = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel())
        lengths[lengths == 0] = 1.0
        features = scipy.sparse.diags(1.0 / lengths) @ features
        if not self._softmax:
            return self._classifier.predict_proba(features)
        return scipy.special.softmax(features @ self._weights + self._intercept, axis=1)


def sparse_features(messages: List[Message]) -> scipy.sparse.csr_matrix:
    """One row per message: its sentence-level sparse features (token counts of every featurizer).

    The same row as Rasa's `message.get_sparse_features(TEXT)[1]` (the featurizers' sentence
    features side by side, in pipeline order), without its deep copies and the sequence features
    it also combines, which were a quarter of the time of a message."""
    rows = []
    for message in messages:
        parts = [
            f.features
            for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()
        ]
        rows.append(scipy.sparse.hstack(parts, format="csr") if parts else None)
    width = max((r.shape[1] for r in rows if r is not None), default=0)
    return scipy.sparse.vstack(
        [r if r is not None else scipy.sparse.csr_matrix((1, width)) for r in rows]
    ).tocsr()
