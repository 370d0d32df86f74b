"""What Pace's two classifiers share (components/intent_classifier.py, components/answer_selector.py):
logistic regression over the featurizers' token counts weighted by TF-IDF, its quick prediction,
and the counts of a message as one row."""

from typing import Any, Dict, List, Optional

import numpy as np
import scipy.sparse
import scipy.special
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize

from components.base import TrainedComponent


class LinearComponent(TrainedComponent):
    """A trained component whose model is a `linear_model` over the featurizers' counts, with the
    quick `Prediction` of it (the intent classifier and the answer selector)."""

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Pipeline] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, model)
        self._prediction = Prediction(model) if model is not None else None

    def _fit(self, examples: List[Message], labels: List[str]) -> None:
        self._model = linear_model(self._config).fit(sparse_features(examples), labels)
        self._prediction = Prediction(self._model)


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
        features = tfidf_weighted(counts, self._idf, self._sublinear)
        if not self._softmax:
            return self._classifier.predict_proba(features)
        return scipy.special.softmax(features @ self._weights + self._intercept, axis=1)


def tfidf_weighted(
    counts: scipy.sparse.csr_matrix, idf: np.ndarray, sublinear: bool
) -> scipy.sparse.csr_matrix:
    """What a fitted TfidfTransformer (l2 norm) makes of the counts, computed on their own columns
    (its `transform` multiplies by a diagonal matrix as wide as the vocabulary)."""
    features = counts.astype(np.float64, copy=True)
    if sublinear:
        np.log(features.data, out=features.data)
        features.data += 1.0
    features.data *= idf[features.indices]
    return normalize(features, copy=False)


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
