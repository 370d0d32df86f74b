"""What Pace's messaging-app channels share: verify, parse, answer in the platform's shape.

Each platform module (telegram, slack, twilio, messenger) says how to check that a request really
comes from the platform, how to read the person's message from the platform's JSON or form, and
how to send a reply back through the platform's HTTP API. The API base URL of each platform comes
from the environment (for example TELEGRAM_API_URL), so tests point it at a loopback stand-in.

Nothing here calls a platform at start-up: an unreachable platform can never stop Pace starting.
A platform that fails while Pace answers loses nothing: the failure is logged, the turn is saved,
and the platform gets its 200 (so it does not send the message again). A message the platform does
send again (a retry, with the same event or message id) is answered once.

Conversation ids carry their channel ("telegram:1234", "twilio:+15551234567"), so a conversation
on one app can never be read or reset from another, or from REST.
"""

import asyncio
import logging
import os
import re
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 15
# retries come within minutes; ids are remembered this long, and this many at most
SEEN_SECONDS = 3600
SEEN_MAX = 10_000


@dataclass(frozen=True)
class Inbound:
    """One message a person sent: who (the platform's conversation id) and what."""

    sender: str
    text: str
    reply_to: Dict[str, Any]  # what the output needs to answer (chat id, channel, number...)
    message_id: str = ""  # the platform's id of this message or event: a retry carries the same


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
        """Sends one call to the platform; a failure is logged, never raised into Rasa (which would
        then neither save nor audit the turn)."""
        timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(url, **kwargs) as reply:
                    if reply.status >= 300:
                        logger.error("%s answered %s when sending a reply", self.name(), reply.status)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            logger.error("%s could not be reached to send a reply: %r", self.name(), error)

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

    # platforms that retry when not answered within seconds (Slack: 3 s) set this: the request is
    # acknowledged at once and the message handled in the background
    acknowledge_first = False

    def __init__(self) -> None:
        self.api_url = os.environ.get(self.api_url_variable, self.default_api_url)
        self._seen: OrderedDict[str, float] = OrderedDict()

    def seen_before(self, message_id: str) -> bool:
        """True for a message id handled in the last SEEN_SECONDS; remembers it otherwise."""
        if not message_id:
            return False
        now = time.monotonic()
        while self._seen and (
            len(self._seen) >= SEEN_MAX or next(iter(self._seen.values())) < now - SEEN_SECONDS
        ):
            self._seen.popitem(last=False)
        if message_id in self._seen:
            return True
        self._seen[message_id] = now
        return False

    def conversation_id(self, inbound: Inbound) -> str:
        return f"{self.name()}:{inbound.sender}"

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
        buttons = await last_buttons(request, self.conversation_id(inbound))
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
            fresh = [inbound for inbound in messages if not self.seen_before(inbound.message_id)]
            if len(fresh) < len(messages):
                logger.info(
                    "%s: %d retried message(s) answered already", self.name(), len(messages) - len(fresh)
                )
            if self.acknowledge_first:
                request.app.add_task(self.handle(request, fresh, on_new_message))
            else:
                await self.handle(request, fresh, on_new_message)
            return self.acknowledge(request)

        return webhook

    async def handle(
        self,
        request: Request,
        messages: List[Inbound],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        for inbound in messages:
            try:
                text = await self.preprocess(request, inbound)
                await on_new_message(
                    UserMessage(
                        text,
                        self.output_for(inbound),
                        self.conversation_id(inbound),
                        input_channel=self.name(),
                    )
                )
            except Exception:  # noqa: BLE001 - one message's failure must not lose the others
                logger.exception("%s: handling a message failed", self.name())


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
