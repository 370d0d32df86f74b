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
        self._persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None or not messages:
            return messages
        probabilities = predict(self._model, sparse_features(messages))
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


def predict(model: Pipeline, counts: scipy.sparse.csr_matrix) -> np.ndarray:
    """model.predict_proba(counts), with the TF-IDF step done on the counts' own columns: the
    transformer's general version multiplies by a diagonal matrix as wide as the vocabulary, which
    costs more than the rest of the prediction."""
    tfidf, classifier = model.named_steps["tfidf"], model.named_steps["classifier"]
    idf = getattr(model, "_pace_idf", None)
    if idf is None:
        idf = model._pace_idf = tfidf.idf_  # (a property that sums the diagonal at every access)
    features = counts.astype(np.float64, copy=True)
    if tfidf.sublinear_tf:
        np.log(features.data, out=features.data)
        features.data += 1.0
    features.data *= idf[features.indices]
    lengths = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel())
    lengths[lengths == 0] = 1.0
    features = scipy.sparse.diags(1.0 / lengths) @ features
    return classifier.predict_proba(features)


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
