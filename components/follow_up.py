"""Rasa NLU components: a short follow-up is read together with the topic question before it.

"who decides how thick", after a question about thickened drinks, names no topic on its own: the
answer selector is unsure and Pace would offer suggestions. Read as one message with the question
before it ("the speech therapist wants us to thicken his drinks ... who decides how thick"), it is
clearly about the speech-language pathologist. Two components do this inside the NLU pipeline,
which Rasa runs with the conversation's tracker:

  - FollowUpContext (first in the pipeline) adds a second message to the batch: the last topic
    question of the conversation and the new message, joined. The components after it read both
    (the intent classifier leaves it out: only its answer is wanted).
  - FollowUpResolver (right after the answer selector and its fallbacks) takes the joined message's
    answer for a new message that the classifier read as a topic question (or was unsure of, or
    read as a follow-up that asks a question of its own: "how often", "what kind") when the joined
    reading is confident and surer than the new message alone: "how long for" alone
    leans on its few letters towards any answer; after a stretching question the joined reading
    is clearly about stretching. Small talk, out of scope and reports keep their own reading (so
    "lovely weather today", after a stretching question, stays small talk). Then it drops the
    joined message, so the routers and the safety layer after it read the new message alone.

Without a tracker (`rasa test nlu`, `/model/parse`) nothing changes. Rasa keeps the first message
of the batch as the result.
"""

import re
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.answer_selector import SELECTOR_PROPERTY, best_answer, selection
from components.base import StatelessComponent, set_intent
from components.retrieval_fallback import FALLBACK_INTENT, RETRIEVAL_INTENT

# marks the joined message FollowUpContext adds
JOINED = "pace_follow_up_joined"
FOLLOW_UP_INTENT = "ask_followup"
OUT_OF_SCOPE_INTENT = "out_of_scope"
# A follow-up that asks a question of its own about the last answer ("how long for", "how often",
# "what kind", "what if it lasts longer", "what about cycling"): its answer is the one it reads as
# joined to the last topic question, not the next one that action_continue_topic would give.
# "how come" asks why; "what about my wife" asks the same for someone; "who does that?" and "where
# do we find one?" are for action_continue_topic, which knows who helps with each answer.
SPECIFIC_FOLLOW_UP = re.compile(
    r"^\W*(how(?! come\b)|what (kind|sort|type|if)|what about(?! (him|her|them|me|us|my|his|our)\b)"
    r"|which|when)\b",
    re.IGNORECASE,
)


# A message that ends on "it" or "that" is about what was said before ("how do I avoid it", after
# the overwork weakness answer), whatever its own few words lean to
_ENDS_ON_IT = re.compile(r"\b(it|that|this|them|those)\W*$", re.IGNORECASE)
# "who does that?", "where do we find one?"
_ASKS_WHO_OF_IT = re.compile(r"^\W*(who|where)\b.*\b(it|that|this|one|them|those)\W*$", re.IGNORECASE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FollowUpContext(StatelessComponent):
    """Adds the last topic question and the new message, joined, to the batch."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # max_words: only a message this short is a follow-up; look_back: how many earlier
        # messages may stand between it and the topic question; answered_from: the answer
        # confidence at which that question counts as answered
        return {"max_words": 9, "look_back": 3, "answered_from": 0.2}

    def process(
        self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None
    ) -> List[Message]:
        if tracker is None or len(messages) != 1:
            return messages
        text = (messages[0].get(TEXT) or "").strip()
        if not text or text.startswith("/") or len(text.split()) > self._config["max_words"]:
            return messages
        question = last_topic_question(tracker, self._config["look_back"], self._config["answered_from"])
        if question is None:
            return messages
        return messages + [Message(data={TEXT: f"{question} {text}", JOINED: True})]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FollowUpResolver(StatelessComponent):
    """Takes the joined message's answer for an unsure follow-up, then drops the joined message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # threshold: the joined message's answer confidence needed; out_of_scope_within: for a
        # message read as out of scope ("how do you prevent it"), that answer must also be among
        # its own first few
        return {"threshold": 0.3, "out_of_scope_within": 3}

    def process(self, messages: List[Message]) -> List[Message]:
        joined = [m for m in messages if m.get(JOINED)]
        alone = [m for m in messages if not m.get(JOINED)]
        if len(joined) == 1 and len(alone) == 1:
            self._resolve(alone[0], joined[0])
        return alone

    def _resolve(self, message: Message, joined: Message) -> None:
        intent = (message.get(INTENT) or {}).get("name")
        if intent in (RETRIEVAL_INTENT, FALLBACK_INTENT, OUT_OF_SCOPE_INTENT) and _ASKS_WHO_OF_IT.search(
            message.get(TEXT) or ""
        ):
            # ("who should we talk to about it": who helps with the last answer, which
            # action_continue_topic knows, not the answer its few words lean to)
            set_intent(message, FOLLOW_UP_INTENT, (message.get(INTENT) or {}).get("confidence", 0.0))
            return
        specific = intent == FOLLOW_UP_INTENT and SPECIFIC_FOLLOW_UP.search(message.get(TEXT) or "")
        unrelated = intent == OUT_OF_SCOPE_INTENT
        if intent not in (RETRIEVAL_INTENT, FALLBACK_INTENT) and not specific and not unrelated:
            return  # (small talk, a report, "why?": the new message says what it is)
        key, confidence = best_answer(joined)
        if key is None or confidence < self._config["threshold"]:
            return
        own = [r.get("intent_response_key") for r in selection(message).get("ranking") or []]
        refers_back = bool(_ENDS_ON_IT.search(message.get(TEXT) or ""))
        if unrelated and not refers_back and key not in own[: self._config["out_of_scope_within"]]:
            return  # ("lovely weather today" after a stretching question stays out of scope)
        if intent == RETRIEVAL_INTENT and best_answer(message)[1] >= confidence:
            return  # surer on its own
        selector = dict(message.get(SELECTOR_PROPERTY) or {})
        selector[RETRIEVAL_INTENT] = selection(joined)
        message.set(SELECTOR_PROPERTY, selector, add_to_output=True)
        set_intent(message, RETRIEVAL_INTENT, confidence)


def last_topic_question(tracker: DialogueStateTracker, look_back: int, answered_from: float) -> Optional[str]:
    """The text of the latest of the last `look_back` user messages that got a topic answer."""
    seen = 0
    for event in reversed(tracker.events):
        if not isinstance(event, UserUttered):
            continue
        seen += 1
        if seen > look_back:
            return None
        parse = event.parse_data or {}
        if (parse.get(INTENT) or {}).get("name") != RETRIEVAL_INTENT or not event.text:
            continue
        response = ((parse.get(SELECTOR_PROPERTY) or {}).get(RETRIEVAL_INTENT) or {}).get("response") or {}
        if response.get("confidence", 0.0) >= answered_from:
            return event.text
    return None
