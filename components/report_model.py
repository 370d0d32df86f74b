"""The learned half of the safety layer: how likely a message is a report of a symptom going on now,
and how likely a report is an emergency.

Phrase lists and context rules hold on the words their authors saw; on new ones ("people keep
asking me to repeat myself", "his head swims when he stands") they miss, and on new idioms they
cry wolf. This model reads what the rules read (which phrases were found, and in which context:
the `reading` of symptom_rules.Analysis) together with the message's words, and learns from
labelled messages: the NLU examples (report intents against all others) and the cases under
`data/safety/` (reports, emergencies and messages that only look like reports).

SymptomDetector combines it with the rules (see there); this module is the model alone: plain
scikit-learn objects, which `components.base.save` keeps.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence, Tuple

import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression

from components.linear import tfidf_weighted
from components.yaml_files import read_yaml

NOT_A_REPORT, REPORT, EMERGENCY_REPORT = 0, 1, 2
# the case files' two formats: lists by label (cases.yml), or cases with a category (devsets)
_LIST_LABELS = {"reports": REPORT, "emergencies": EMERGENCY_REPORT, "near_misses": NOT_A_REPORT}
_CATEGORY_LABELS = {"symptom_report": REPORT, "emergency": EMERGENCY_REPORT, "trap": NOT_A_REPORT}


def read_cases(paths: Iterable[Path]) -> List[Tuple[str, int]]:
    """(text, label) of every case in the files; a file in neither format is an error."""
    cases = []
    for path in paths:
        content = read_yaml(path)
        if "cases" in content:
            for case in content["cases"]:
                if case.get("category") not in _CATEGORY_LABELS:
                    raise ValueError(
                        f"{path}: case {case.get('id')} has no category among {sorted(_CATEGORY_LABELS)}"
                    )
                cases.append((str(case["text"]), _CATEGORY_LABELS[case["category"]]))
        elif set(content) & set(_LIST_LABELS):
            for key, label in _LIST_LABELS.items():
                cases += [(str(text), label) for text in content.get(key) or []]
        else:
            raise ValueError(f"{path}: expected `cases:` or lists under {sorted(_LIST_LABELS)}")
    return cases


class ReportModel:
    """Two logistic regressions over the same features: report or not, and (given a report)
    emergency or not. Features: word pairs and character n-grams of the lemmas, and the words of
    the rules' reading."""

    def __init__(self, parts: Dict[str, Any]) -> None:
        self._parts = parts
        # (TfidfTransformer.idf_ is recomputed from a diagonal matrix at every access)
        self._idf = parts["tfidf"].idf_
        self._coefficients = {key: parts[key].coef_[0] for key in ("report", "emergency")}
        self._intercepts = {key: float(parts[key].intercept_[0]) for key in ("report", "emergency")}

    @classmethod
    def train(
        cls,
        lemmas: Sequence[str],
        readings: Sequence[Sequence[str]],
        labels: Sequence[int],
        C: float,
        seed: int,
    ) -> "ReportModel":
        labels = np.asarray(labels)
        if not {NOT_A_REPORT, REPORT} <= set(labels.tolist()) or EMERGENCY_REPORT not in labels:
            raise ValueError("the report model needs examples of reports, emergencies and non-reports")
        # hashed, not counted against a vocabulary: nothing to store but the weights, so the
        # model loads in a blink and reads a message in a fraction of a millisecond
        parts = {
            "words": _hashing(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b"),
            "characters": _hashing(analyzer="char_wb", ngram_range=(2, 5)),
            "reading": _hashing(token_pattern=r"\S+", lowercase=False, binary=True),
            "tfidf": TfidfTransformer(sublinear_tf=True),
        }
        features = parts["tfidf"].fit_transform(counts(parts, lemmas, readings))

        def regression() -> LogisticRegression:
            # (liblinear: lbfgs, the default, took 15 s on the 786,432 hashed columns, as it updates
            # every column at every step; liblinear took 2 s, its likelihoods within 0.01 of lbfgs's
            # on the 600 cases of set 18 left out of training, and the same decisions)
            return LogisticRegression(
                C=C, class_weight="balanced", solver="liblinear", max_iter=5000, random_state=seed
            )

        reports = labels != NOT_A_REPORT
        # (the two fits side by side: liblinear lets go of the GIL, so two cores take 5 s instead
        # of 7 for 36,000 examples; each fit is the same as on its own)
        with ThreadPoolExecutor(2) as pool:
            report = pool.submit(regression().fit, features, reports)
            emergency = pool.submit(regression().fit, features[reports], labels[reports] == EMERGENCY_REPORT)
            parts["report"], parts["emergency"] = report.result(), emergency.result()
        return cls(parts)

    @property
    def parts(self) -> Dict[str, Any]:
        return self._parts

    def probabilities(self, lemmas: str, reading: Sequence[str]) -> Tuple[float, float]:
        """(how likely a report, how likely an emergency if it is one)."""
        # TF-IDF and each regression's logistic function, as the fitted transformer and
        # predict_proba compute them, on the few columns of one message: their general versions
        # cost milliseconds on a matrix this wide
        row = tfidf_weighted(counts(self._parts, [lemmas], [reading]), self._idf, sublinear=True)
        columns, weights = row.indices, row.data
        report, emergency = (
            float(weights @ self._coefficients[key][columns]) + self._intercepts[key]
            for key in ("report", "emergency")
        )
        return _logistic(report), _logistic(emergency)


def counts(
    parts: Dict[str, Any], lemmas: Sequence[str], readings: Sequence[Sequence[str]]
) -> scipy.sparse.csr_matrix:
    """The hashed counts of the lemmas' words and characters and of the readings, side by side."""
    return scipy.sparse.hstack(
        [
            parts["words"].transform(lemmas),
            parts["characters"].transform(lemmas),
            parts["reading"].transform([" ".join(r) for r in readings]),
        ]
    ).tocsr()


def _hashing(**settings: Any) -> HashingVectorizer:
    return HashingVectorizer(n_features=2**18, alternate_sign=False, norm=None, **settings)


def _logistic(score: float) -> float:
    return float(1.0 / (1.0 + np.exp(-score)))
