"""What Pace's NLU components share: built from config alone, and one way to set the intent."""

from typing import Any, Dict, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


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


def set_intent(message: Message, name: str, confidence: float = 1.0) -> None:
    """Makes `name` the message's intent and puts it first in the intent ranking."""
    chosen = {"name": name, "confidence": confidence}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != name]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(chosen)] + ranking, add_to_output=True)
