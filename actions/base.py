"""The shared base for Pace's actions: an action that fails says so instead of going silent."""

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)


class PaceAction(Action, ABC):
    """Runs `perform`; on any error logs it and sends `failure_response` instead."""

    failure_response: str = "utter_temporarily_unavailable"

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        try:
            return await self.perform(dispatcher, tracker, domain)
        except Exception:  # noqa: BLE001 - any failure must still answer the person
            logger.exception("action %s failed", self.name())
            dispatcher.messages.clear()  # never send half an answer
            dispatcher.utter_message(response=self.failure_response)
            return []
