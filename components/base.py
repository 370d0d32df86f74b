"""What Pace's NLU components share: how they are built (from config alone, or with a trained model),
how a trained model is kept (JSON and NumPy arrays), and one way to set the intent."""

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class StatelessComponent(GraphComponent):
    """A component with nothing to train or persist: it is made from its config."""

    def __init__(self, config: Optional[Dict[str, Any]] = None) -> None:
        self._config = {**self.get_default_config(), **(config or {})}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "StatelessComponent":
        return cls(config)


class TrainedComponent(GraphComponent):
    """A component that trains a model on the featurizers' output and keeps it in Rasa's storage."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Featurizer]

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TrainedComponent":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TrainedComponent":
        """The component with what it saved (`save`'s keys are its constructor's arguments), or
        untrained when it saved nothing (it had no data to train on)."""
        return cls(config, model_storage, resource, **(restore(model_storage, resource) or {}))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return STORAGE_FORMAT


def set_intent(message: Message, name: str, confidence: float = 1.0) -> None:
    """Makes `name` the message's intent and puts it first in the intent ranking."""
    chosen = {"name": name, "confidence": confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != name]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(chosen)] + ranking, add_to_output=True)


def save(storage: ModelStorage, resource: Resource, content: Dict[str, Any]) -> None:
    """Keeps `content` (values: plain data, or the scikit-learn objects Pace's classifiers fit) as a
    JSON description and its arrays in a NumPy archive: nothing a load could execute, and no
    skops, whose import alone took 4.4 s in Rasa's process (it lists every scikit-learn estimator)."""
    arrays: Dict[str, np.ndarray] = {}
    description = _encode(content, arrays)
    with storage.write_to(resource) as directory:
        (directory / _DESCRIPTION).write_text(json.dumps(description), encoding="utf-8")
        np.savez(directory / _ARRAYS, **arrays)


def restore(storage: ModelStorage, resource: Resource) -> Optional[Dict[str, Any]]:
    """What `save` wrote, or None when nothing was (a component that had no data to train on)."""
    try:
        with storage.read_from(resource) as directory:
            return _read(directory)
    except ValueError:  # (raised by read_from only: no resource was written)
        return None


def _read(directory: Path) -> Dict[str, Any]:
    if not (directory / _DESCRIPTION).exists():
        raise FileNotFoundError(
            f"{directory}: no {_DESCRIPTION}: a model written by an older Pace (`make train` makes a new one)"
        )
    try:
        description = json.loads((directory / _DESCRIPTION).read_text(encoding="utf-8"))
        with np.load(directory / _ARRAYS, allow_pickle=False) as archive:
            return _decode(description, {key: archive[key] for key in archive.files})
    except ValueError as error:  # (a broken file; not "nothing written", which restore returns as None)
        raise OSError(f"{directory}: the model files cannot be read: {error}") from error


_DESCRIPTION, _ARRAYS = "model.json", "arrays.npz"
# part of every trained component's fingerprint, so that Rasa's cache never hands a component a
# model kept in another format
STORAGE_FORMAT = "pace model storage: model.json and arrays.npz, 1"


def _fitted() -> Dict[str, Tuple[type, Tuple[str, ...]]]:
    """The scikit-learn classes `save` keeps, and their fitted attributes."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    return {
        "LogisticRegression": (LogisticRegression, ("coef_", "intercept_", "classes_", "n_iter_")),
        "TfidfTransformer": (TfidfTransformer, ("idf_",)),
        "HashingVectorizer": (HashingVectorizer, ()),
    }


def _encode(value: Any, arrays: Dict[str, np.ndarray]) -> Any:
    from sklearn.pipeline import Pipeline

    if value is None or isinstance(value, str | bool | int | float):
        return {"value": value}
    if isinstance(value, list | tuple):
        return {"list": [_encode(item, arrays) for item in value]}
    if isinstance(value, dict):
        return {"dict": {str(key): _encode(item, arrays) for key, item in value.items()}}
    if isinstance(value, Pipeline):
        return {"pipeline": [[name, _encode(step, arrays)] for name, step in value.steps]}
    cls, attributes = _fitted().get(type(value).__name__, (None, ()))
    if type(value) is not cls:
        raise TypeError(f"Pace's model storage does not keep a {type(value).__qualname__}")
    fitted = {}
    for attribute in attributes:
        fitted[attribute] = key = f"a{len(arrays)}"
        arrays[key] = np.asarray(getattr(value, attribute))
    # (the parameters are plain values, except the vectorizer's dtype, float64 by default)
    parameters = {key: item for key, item in value.get_params().items() if key != "dtype"}
    return {"estimator": type(value).__name__, "parameters": parameters, "fitted": fitted}


def _decode(description: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> Any:
    from sklearn.pipeline import Pipeline

    if "value" in description:
        return description["value"]
    if "list" in description:
        return [_decode(item, arrays) for item in description["list"]]
    if "dict" in description:
        return {key: _decode(item, arrays) for key, item in description["dict"].items()}
    if "pipeline" in description:
        return Pipeline([(name, _decode(step, arrays)) for name, step in description["pipeline"]])
    name = description.get("estimator")
    if name not in _fitted():
        raise TypeError(f"a model file holds a {name!r}, which Pace's classifiers never write")
    cls, _ = _fitted()[name]
    parameters = dict(description["parameters"])
    if "ngram_range" in parameters:
        parameters["ngram_range"] = tuple(parameters["ngram_range"])
    estimator = cls(**parameters)
    for attribute, key in description["fitted"].items():
        setattr(estimator, attribute, arrays[key])
    if "coef_" in description["fitted"]:
        estimator.n_features_in_ = estimator.coef_.shape[1]
    elif "idf_" in description["fitted"]:
        estimator.n_features_in_ = len(estimator.idf_)
    return estimator
