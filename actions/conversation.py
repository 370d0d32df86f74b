"""Keeping a conversation going: follow-ups on the last topic, and suggestions when unsure."""

import re
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import PaceAction
from actions.nutrition import ActionCalculateProtein
from actions.topics import (
    examples_response,
    last_topic_response,
    last_turn_responses,
    next_topic_response,
    reason_response,
    response_metadata,
    who_response,
)
from actions.weights import parse_weight

# "and for him?", "what about my wife": the same answer, for the person they care for
_ABOUT_SOMEONE_ELSE = re.compile(
    r"\b(him|her|he|she|them|they|my (wife|husband|partner|mum|mom|mother|dad|father|son|daughter))\b",
    re.IGNORECASE,
)
# "why does she need that much": a question about the answer, whoever it names
_ASKS_WHY = re.compile(r"\b(why|y|how come|what for)\b", re.IGNORECASE)
MAX_SUGGESTIONS = 3
# A "follow-up" with nothing before it to follow is a question of its own ("my dad has ALS and I
# don't get what it is, can u explain"): its own topic answer, from this confidence
OWN_ANSWER_FROM = 0.5
# "like what?", "such as?": examples of what the last answer named
_ASKS_FOR_EXAMPLES = re.compile(
    r"\b(like what|such as|for (example|instance)|examples?|e\.?g|what sort of (thing|exercise)s?)\b",
    re.IGNORECASE,
)
# "who does that?", "where do we find one?": who helps with what the last answer is about
_ASKS_WHO = re.compile(r"\b(who|where)\b", re.IGNORECASE)
# "is that per day?" after a protein amount
_ASKS_PER_WHAT = re.compile(r"\b(day|daily|days|meal|meals|week|weekly|a time|each time)\b", re.IGNORECASE)
PROTEIN_AMOUNTS = ("utter_protein_grams", "utter_protein_range")
# "why?" right after an answer that is no topic answer: why Pace said it, most urgent first
WHY_OF_RESPONSE = {
    "utter_emergency": "utter_why_emergency",
    "utter_stop_and_call_physician": "utter_faq/stop_signals",
    "utter_ask_physician": "utter_why_physician",
    "utter_out_of_scope": "utter_why_out_of_scope",
    "utter_weight_implausible": "utter_why_weight_check",
}
# Non-topic intents worth suggesting, with the response that carries their title and question.
SUGGESTABLE_INTENTS = {"ask_protein_needs": "utter_protein_range"}


class ActionContinueTopic(PaceAction):
    """'Why?', 'tell me more', 'like what?', 'who does that?', 'and for him?' continue the last
    topic answer."""

    def name(self) -> str:
        return "action_continue_topic"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        asks_why = bool(_ASKS_WHY.search(text))
        if asks_why:
            said = last_turn_responses(tracker)
            for response, reason in WHY_OF_RESPONSE.items():
                if response in said:
                    dispatcher.utter_message(response=reason)
                    return []
        last = last_topic_response(tracker)
        if last is None:
            best = ((tracker.latest_message.get("response_selector") or {}).get("faq") or {}).get(
                "response"
            ) or {}
            if best.get("intent_response_key") and best.get("confidence", 0.0) >= OWN_ANSWER_FROM:
                dispatcher.utter_message(response=f"utter_{best['intent_response_key']}")
            else:
                dispatcher.utter_message(response="utter_nothing_to_continue")
            return []
        if not asks_why:
            if last in PROTEIN_AMOUNTS and parse_weight(text) is not None:
                # ("and for me? I'm 62 kg": the same calculation, for another weight)
                return await ActionCalculateProtein().perform(dispatcher, tracker, domain)
            if last in PROTEIN_AMOUNTS and _ASKS_PER_WHAT.search(text):
                dispatcher.utter_message(response="utter_protein_per_day")
            elif _ASKS_WHO.search(text) and who_response(domain, last):
                dispatcher.utter_message(response=who_response(domain, last))
            elif _ABOUT_SOMEONE_ELSE.search(text):
                dispatcher.utter_message(response="utter_same_for_them")
                dispatcher.utter_message(response=last)
            elif _ASKS_FOR_EXAMPLES.search(text) and examples_response(domain, last):
                dispatcher.utter_message(response=examples_response(domain, last))
            else:
                dispatcher.utter_message(response=next_topic_response(domain, last) or last)
            return []
        reason = reason_response(domain, last)
        if reason is None:
            # (the answer gives its reason itself: "why does that matter?" after the calories answer)
            dispatcher.utter_message(response="utter_reason_as_said")
        dispatcher.utter_message(response=reason or last)
        return []


class ActionSuggestTopics(PaceAction):
    """When Pace is unsure, it offers the nearest topics as buttons instead of guessing."""

    def name(self) -> str:
        return "action_suggest_topics"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        buttons = []
        for response in self._candidates(tracker):
            meta = response_metadata(domain, response)
            if meta.get("title") and meta.get("question"):
                buttons.append({"title": meta["title"], "payload": meta["question"]})
            if len(buttons) == MAX_SUGGESTIONS:
                break
        if not buttons:
            dispatcher.utter_message(response="utter_capabilities")
            return []
        dispatcher.utter_message(response="utter_suggest_topics", buttons=buttons)
        return []

    @staticmethod
    def _candidates(tracker: Tracker) -> List[str]:
        message = tracker.latest_message
        ranked = []
        selector = (message.get("response_selector") or {}).get("faq") or {}
        for item in selector.get("ranking") or []:
            key = item.get("intent_response_key")
            if key:
                ranked.append((item.get("confidence", 0.0), f"utter_{key}"))
        for item in message.get("intent_ranking") or []:
            response = SUGGESTABLE_INTENTS.get(item.get("name"))
            if response:
                ranked.append((item.get("confidence", 0.0), response))
        ranked.sort(key=lambda pair: pair[0], reverse=True)
        seen: List[str] = []
        for _, response in ranked:
            if response not in seen:
                seen.append(response)
        return seen
