"""Rasa NLU component: the counts of a message's words and character n-grams, one row each.

Pace's classifiers (components/intent_classifier.py, components/answer_selector.py) read a
message's sentence features only. Rasa's CountVectorsFeaturizer also makes one row per token (the
sequence features DIET and TED read) and counts the response, intent and action attributes of every
training example, and Rasa's training fingerprints all of it, value by value, after each
featurizer: with ten thousand examples, each featurizer in the pipeline cost 6 to 10 s of a
training. This one featurizer counts the text as CountVectorsFeaturizer does (the tokens' lemmas,
numbers as __NUMBER__, lower case; the same scikit-learn CountVectorizer settings), once for each
entry of `counts`, and makes the same sentence features, and nothing else.
"""

import json
import re
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

_NUMBER = re.compile(r"\b[0-9]+\b")
_ANALYZERS = ("word", "char", "char_wb")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountsFeaturizer(SparseFeaturizer, GraphComponent):
    """Sentence features of the text: one CountVectorizer per entry of `counts`."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **SparseFeaturizer.get_default_config(),
            # each: an analyzer (word, char or char_wb) and the n-gram lengths it counts
            "counts": [
                {"analyzer": "word", "min_ngram": 1, "max_ngram": 2},
                {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
            ],
        }

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        counts = config.get("counts")
        if not counts or not isinstance(counts, list):
            raise ValueError("SentenceCountsFeaturizer: `counts` needs at least one entry")
        for entry in counts:
            if not isinstance(entry, dict) or entry.get("analyzer", "word") not in _ANALYZERS:
                raise ValueError(
                    f"SentenceCountsFeaturizer: each `counts` entry needs an analyzer among {_ANALYZERS}"
                )
            if not 1 <= int(entry.get("min_ngram", 1)) <= int(entry.get("max_ngram", 1)):
                raise ValueError(
                    "SentenceCountsFeaturizer: a `counts` entry needs 1 <= min_ngram <= max_ngram"
                )

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabularies: Optional[List[Dict[str, int]]] = None,
    ) -> None:
        super().__init__(execution_context.node_name, {**self.get_default_config(), **config})
        self._storage = model_storage
        self._resource = resource
        self._vectorizers = [
            _vectorizer(entry, vocabulary)
            for entry, vocabulary in zip(
                self._config["counts"], vocabularies or [None] * len(self._config["counts"]), strict=True
            )
        ]
        self._trained = vocabularies is not None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceCountsFeaturizer":
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SentenceCountsFeaturizer":
        with model_storage.read_from(resource) as directory:
            vocabularies = json.loads((directory / "vocabularies.json").read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, execution_context, vocabularies)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [text or "" for text in _texts(training_data.training_examples)]
        for vectorizer in self._vectorizers:
            vectorizer.fit(texts)
        self._trained = True
        vocabularies = [{word: int(i) for word, i in v.vocabulary_.items()} for v in self._vectorizers]
        with self._storage.write_to(self._resource) as directory:
            (directory / "vocabularies.json").write_text(json.dumps(vocabularies), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._trained:
            return messages
        for message, text in zip(messages, _texts(messages), strict=True):
            if text is None:
                continue  # (no tokens: nothing to count, as in CountVectorsFeaturizer)
            for vectorizer in self._vectorizers:
                row = vectorizer.transform([text])
                row.sort_indices()
                self.add_features_to_message(None, row.tocoo(), TEXT, message)
        return messages


def _vectorizer(entry: Dict[str, Any], vocabulary: Optional[Dict[str, int]]) -> CountVectorizer:
    analyzer = entry.get("analyzer", "word")
    return CountVectorizer(
        analyzer=analyzer,
        token_pattern=r"(?u)\b\w+\b" if analyzer == "word" else None,
        ngram_range=(int(entry.get("min_ngram", 1)), int(entry.get("max_ngram", 1))),
        vocabulary=vocabulary,
    )


def _texts(messages: List[Message]) -> List[Optional[str]]:
    """Each message's text as CountVectorsFeaturizer counts it, or None without tokens."""
    texts: List[Optional[str]] = []
    for message in messages:
        tokens = message.get(TOKENS_NAMES[TEXT]) if message.get(TEXT) is not None else None
        if not tokens:
            texts.append(None)
            continue
        texts.append(" ".join(_NUMBER.sub("__NUMBER__", token.lemma).lower() for token in tokens))
    return texts
