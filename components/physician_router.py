"""Rasa NLU component: a question that names a medicine, a dose, a supplement, another condition, a
treatment or the outlook goes to the physician, never to an ALS answer.

The terms are content (content/physician_topics.yml), read when Rasa starts. A classifier learns
"ask_medical" only from the medicines it has seen; a list the content team keeps catches "CBD oil
for stiffness" and "protein with kidney disease" however the rest of the sentence is worded.
Symptom reports and emergencies are never rerouted: the safety layer after this one decides those.
The other way round, the classifier's unsure guess of a physician question that names nothing of
the list gives way to a topic answer the answer selector is sure of.
"""

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.answer_selector import best_answer
from components.base import StatelessComponent, set_intent
from components.retrieval_fallback import RETRIEVAL_INTENT
from components.yaml_files import read_yaml

DEFAULT_TOPICS = Path(__file__).resolve().parent.parent / "content" / "physician_topics.yml"
MEDICAL_INTENT = "ask_medical"
NEVER_REROUTED = {"report_symptom", "report_emergency", MEDICAL_INTENT}
GROUPS = ("medicines", "doses", "supplements", "conditions", "treatments", "outlook")
# the endings of medicine names ("atorvastatin", "omeprazole"): a name nobody listed still counts,
# unless it is one of the words that only look like one ("myostatin" is a protein the answers explain)
ENDINGS = "medicine_endings"
LOOKALIKES = "not_medicines"
_DENIALS = {"no", "not", "without", "never", "don't", "dont", "doesn't", "nor"}


def load_topics(path: Path = DEFAULT_TOPICS) -> Tuple[List[str], List[str], List[str]]:
    """The file's terms; its medicine name endings; and the words that end so but are no medicine."""
    data = read_yaml(path)

    def words(*groups: str) -> List[str]:
        return sorted({str(word).lower() for group in groups for word in data.get(group) or []})

    return words(*GROUPS), words(ENDINGS), words(LOOKALIKES)


class PhysicianTerms:
    """Finds the first term of the list, or word with one of the endings, in a text that is not
    denied right before it."""

    def __init__(self, terms: List[str], endings: Sequence[str] = (), lookalikes: Sequence[str] = ()) -> None:
        alternatives = [re.escape(t) for t in sorted(terms, key=len, reverse=True)]
        if endings:
            # (three letters at least before the ending: "april" is no "-pril" medicine)
            ending = r"[a-z]{3,}(?:" + "|".join(re.escape(e) for e in endings) + ")"
            if lookalikes:
                ending = r"(?!(?:" + "|".join(re.escape(w) for w in lookalikes) + r")(?![\w-]))" + ending
            alternatives.append(ending)
        joined = "|".join(alternatives)
        self._pattern = re.compile(rf"(?<![\w-])(?:{joined})(?![\w-])") if alternatives else None

    def find(self, text: str) -> Optional[str]:
        if self._pattern is None:
            return None
        lowered = text.lower()
        for match in self._pattern.finditer(lowered):
            before = re.findall(r"[\w']+", lowered[: match.start()])[-3:]
            if not _DENIALS & set(before):
                return match.group(0)
        return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PhysicianRouter(StatelessComponent):
    """Sets the intent to ask_medical when a message names a physician topic."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # unsure_below, answer_sure_from: a physician guess of the classifier below the first, for a
        # message that names nothing of the list, gives way to a topic answer from the second
        return {"topics_file": str(DEFAULT_TOPICS), "unsure_below": 0.6, "answer_sure_from": 0.9}

    def __init__(self, config: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(config)
        self._terms = PhysicianTerms(*load_topics(Path(self._config["topics_file"])))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            named = self._terms.find(message.get(TEXT) or "")
            if intent not in NEVER_REROUTED and named:
                set_intent(message, MEDICAL_INTENT)
            elif intent == MEDICAL_INTENT and not named:
                self._answer_if_sure(message)
        return messages

    def _answer_if_sure(self, message: Message) -> None:
        """ "My dad has ALS, are resistance bands alright for him?": the classifier leans to a
        physician question (0.53) on "my dad has ALS", the answer selector is sure of resistance
        training (1.0), and the message names no medicine or condition."""
        confidence = (message.get(INTENT) or {}).get("confidence", 0.0)
        _, answer = best_answer(message)
        if confidence < self._config["unsure_below"] and answer >= self._config["answer_sure_from"]:
            set_intent(message, RETRIEVAL_INTENT, answer)
