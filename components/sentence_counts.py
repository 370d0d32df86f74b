"""Rasa NLU component: CountVectorsFeaturizer's token counts of a message's text, as one row.

Pace's classifiers (components/intent_classifier.py, components/answer_selector.py) read a
message's sentence features only. Rasa's CountVectorsFeaturizer also makes one row per token (the
sequence features DIET and TED read) and counts the response, intent and action attributes of every
training example, and Rasa's training fingerprints all of it, value by value, after each
featurizer: with ten thousand examples, 30 of the 96 s of a training. This featurizer makes the
same sentence features of the text, with the same vocabulary and settings, and nothing else.
"""

from typing import List, Optional, Tuple

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import TEXT


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountsFeaturizer(CountVectorsFeaturizer):
    """CountVectorsFeaturizer (same configuration) for the text's sentence features only."""

    @staticmethod
    def _attributes_for(analyzer: str) -> List[str]:
        return [TEXT]

    def _create_features(
        self, attribute: str, all_tokens: List[List[str]]
    ) -> Tuple[List[Optional[scipy.sparse.spmatrix]], List[Optional[scipy.sparse.spmatrix]]]:
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer:
            return [None], [None]
        sentences: List[Optional[scipy.sparse.spmatrix]] = []
        for tokens in all_tokens:
            if not tokens:
                sentences.append(None)
                continue
            row = vectorizer.transform([" ".join(tokens)])
            row.sort_indices()
            sentences.append(row.tocoo())
        return [None] * len(all_tokens), sentences
