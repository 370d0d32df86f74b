"""What Pace's messaging-app channels share: verify, parse, answer in the platform's shape.

Each platform module (telegram, slack, twilio, messenger) says how to check that a request really
comes from the platform, how to read the person's message from the platform's JSON or form, and
how to send a reply back through the platform's HTTP API. The API base URL of each platform comes
from the environment (for example TELEGRAM_API_URL), so tests point it at a loopback stand-in.

Nothing here calls a platform at start-up: an unreachable platform can never stop Pace starting.
"""

import logging
import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Inbound:
    """One message a person sent: who (the platform's conversation id) and what."""

    sender: str
    text: str
    reply_to: Dict[str, Any]  # what the output needs to answer (chat id, channel, number...)


class Rejected(Exception):
    """A request that must not be handled; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def split_text(text: str, limit: int) -> List[str]:
    """Splits text into parts of at most `limit` characters, at paragraph, sentence or word ends."""
    text = text.strip()
    parts: List[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), max((m.end() for m in re.finditer(r"[.!?]\s", window)), default=-1))
        if cut <= limit // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        parts.append(text)
    return parts


class PlatformOutput(OutputChannel, ABC):
    """Sends Pace's replies through a platform's HTTP API."""

    text_limit = 4000

    def __init__(self, api_url: str, token: str, reply_to: Dict[str, Any]) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.reply_to = reply_to

    async def post(self, url: str, **kwargs: Any) -> None:
        timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(url, **kwargs) as reply:
                if reply.status >= 300:
                    logger.error("%s answered %s when sending a reply", self.name(), reply.status)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_text(text, self.text_limit):
            await self.send_part(part, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = split_text(text, self.text_limit)
        for part in parts[:-1]:
            await self.send_part(part, None)
        await self.send_part(parts[-1] if parts else "", buttons)

    @abstractmethod
    async def send_part(self, text: str, buttons: Optional[List[Dict[str, Any]]]) -> None:
        """Sends one message of at most `text_limit` characters, with the buttons if any."""


class PlatformInput(InputChannel, ABC):
    """Verifies, reads and answers one messaging platform's webhook."""

    # set by each platform: the environment variable that can move its API (tests point it at a
    # loopback stand-in), the real API, and the keys its credentials.yml section must have
    api_url_variable: str
    default_api_url: str
    credential_keys: Tuple[str, ...]

    def __init__(self) -> None:
        self.api_url = os.environ.get(self.api_url_variable, self.default_api_url)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "PlatformInput":
        credentials = credentials or {}
        missing = [key for key in cls.credential_keys if not credentials.get(key)]
        if missing:
            raise ValueError(f"credentials for {cls.name()} lack {', '.join(missing)}")
        return cls(**{key: credentials[key] for key in cls.credential_keys})

    @abstractmethod
    def verify(self, request: Request) -> None:
        """Raises Rejected unless the request is signed by the platform."""

    @abstractmethod
    def read(self, request: Request) -> List[Inbound]:
        """The people's messages in a verified request (none for delivery receipts and such)."""

    @abstractmethod
    def output_for(self, inbound: Inbound) -> PlatformOutput:
        """The output channel that answers this message."""

    def acknowledge(self, request: Request) -> HTTPResponse:
        """What the platform expects back once the message is handled."""
        return response.text("ok")

    # platforms that show quick replies as numbered text options set this
    numbered_options = False

    async def preprocess(self, request: Request, inbound: Inbound) -> str:
        """The text to hand to Pace: a quick reply's title (or number, where options are
        numbered) becomes the button's payload, read from the conversation's last reply."""
        buttons = await last_buttons(request, inbound.sender)
        typed = inbound.text.strip()
        for button in buttons:
            if typed.lower() == str(button.get("title", "")).strip().lower():
                return str(button.get("payload", typed))
        if self.numbered_options and typed.rstrip(".)").isdigit():
            index = int(typed.rstrip(".)")) - 1
            if 0 <= index < len(buttons):
                return str(buttons[index].get("payload", typed))
        return inbound.text

    def extra_routes(self, webhook: Blueprint) -> None:
        """Platform-specific routes besides the webhook (verification handshakes)."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"pace_{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        self.extra_routes(webhook)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                self.verify(request)
                messages = self.read(request)
            except Rejected as rejected:
                logger.warning("%s webhook refused a request: %s", self.name(), rejected.reason)
                return response.json({"error": rejected.reason}, status=rejected.status)
            for inbound in messages:
                text = await self.preprocess(request, inbound)
                await on_new_message(
                    UserMessage(text, self.output_for(inbound), inbound.sender, input_channel=self.name())
                )
            return self.acknowledge(request)

        return webhook


async def last_buttons(request: Request, sender: str) -> List[Dict[str, Any]]:
    """The buttons of Pace's last message in this conversation, from the tracker store."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return []
    tracker = await agent.tracker_store.retrieve(sender)
    if tracker is None:
        return []
    for event in reversed(tracker.events):
        if getattr(event, "type_name", "") == "bot":
            return list((event.data or {}).get("buttons") or [])
        if getattr(event, "type_name", "") == "user":
            return []
    return []


def json_body(request: Request) -> Dict[str, Any]:
    """The request's JSON object, or Rejected(400)."""
    try:
        body = request.json
    except Exception as error:  # noqa: BLE001 - Sanic raises on malformed JSON
        raise Rejected(400, "the body is not valid JSON") from error
    if not isinstance(body, dict):
        raise Rejected(400, "the body must be a JSON object")
    return body
