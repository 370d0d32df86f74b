"""What Pace's NLU components share: how they are built (from config alone, or with a trained model),
and one way to set the intent."""

from typing import Any, Dict, List, Optional

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


def set_intent(message: Message, name: str, confidence: float = 1.0) -> None:
    """Makes `name` the message's intent and puts it first in the intent ranking."""
    chosen = {"name": name, "confidence": confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != name]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(chosen)] + ranking, add_to_output=True)


def save(storage: ModelStorage, resource: Resource, content: Dict[str, Any]) -> None:
    import skops.io as sio

    with storage.write_to(resource) as directory:
        sio.dump(content, directory / "model.skops")


def restore(storage: ModelStorage, resource: Resource) -> Optional[Dict[str, Any]]:
    """What `save` wrote, or None when nothing was (a component that had no data to train on)."""
    import skops.io as sio

    try:
        with storage.read_from(resource) as directory:
            path = directory / "model.skops"
            types = sio.get_untrusted_types(file=path)
            foreign = [t for t in types if not t.startswith(("sklearn.", "numpy.", "scipy."))]
            if foreign:
                raise TypeError(f"{path} holds types Pace's classifiers never write: {foreign}")
            return sio.load(path, trusted=types)
    except ValueError:
        return None
