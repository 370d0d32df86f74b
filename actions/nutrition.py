"""The protein calculator: the documents' 0.8 to 1.5 g per kg per day, in grams."""

import re
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import PaceAction
from actions.weights import Weight, parse_weight, protein_range_grams

_MENTIONS_WEIGHT = re.compile(r"\bweigh", re.IGNORECASE)


class ActionCalculateProtein(PaceAction):
    """Answers protein questions with grams when a body weight is known, the range otherwise."""

    def name(self) -> str:
        return "action_calculate_protein"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        bare_ok = intent == "inform_weight" or bool(_MENTIONS_WEIGHT.search(text))
        weight = parse_weight(text, allow_bare_number=bare_ok)

        if weight is not None and weight.unit is None:
            unit = _unit_given_before(tracker)
            if unit is None:
                dispatcher.utter_message(response="utter_ask_weight_unit", number=f"{weight.amount:g}")
                return []
            weight = Weight(weight.amount, unit)  # a correction: "I'm 17kg" ... "sorry, I meant 70"
        if weight is not None and not weight.plausible:
            dispatcher.utter_message(response="utter_weight_implausible")
            return []
        if weight is None:
            known = tracker.get_slot("body_weight_kg")
            weight = Weight(float(known), "kg") if known is not None else _weight_given_before(tracker)
            if weight is None:
                dispatcher.utter_message(response="utter_protein_range")
                return []

        low, high = protein_range_grams(weight.kg)
        dispatcher.utter_message(
            response="utter_protein_grams",
            weight=weight.describe(),
            low_grams=low,
            high_grams=high,
        )
        return [SlotSet("body_weight_kg", weight.kg)]


def _unit_given_before(tracker: Tracker) -> str | None:
    """The unit of a weight the person gave in one of their last few messages before this one."""
    weight = _weight_given_before(tracker, plausible=False)
    return weight.unit if weight is not None else None


def _weight_given_before(tracker: Tracker, messages: int = 3, plausible: bool = True) -> Weight | None:
    """A weight with its unit that the person gave in one of their last few messages before this
    one ("She's about 9st now and losing weight" ... "how much protein should she get then")."""
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"][:-1]
    for text in reversed(said[-messages:]):
        weight = parse_weight(text)
        if weight is not None and weight.unit is not None and (weight.plausible or not plausible):
            return weight
    return None
