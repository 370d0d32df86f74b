"""Rasa NLU component: a leading "/" is plain text, never an intent shortcut.

Rasa reads a message such as `/greet{"x": 1} my chest hurts` as the intent `greet` with entities,
skipping the classifier and the safety layer. Nobody talking to Pace on a public channel needs that,
and it would let anyone suppress an escalation or set slots. This component runs last in the NLU
pipeline, after the text was understood as written, and removes the leading slashes so Rasa's
RegexMessageHandler (which runs after the pipeline) finds no shortcut. Pace's own buttons send plain
words, so they are not affected. "/ /greet" and "/\t/greet" are plain text too.
"""

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ShortcutGuard(StatelessComponent):
    """Turns `/anything` into `anything` once the pipeline has read the message."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and text.strip().startswith("/"):
                message.set(TEXT, plain(text), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


def plain(text: str) -> str:
    """The text without any leading run of slashes and white space ("/ /greet" is "greet").

    Rasa strips the text before it looks for the "/" prefix, so every slash that white space
    separates from the start must go, not only the first run of them.
    """
    while text.strip().startswith("/"):
        text = text.strip()[1:]
    return text.strip()
