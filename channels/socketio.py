"""socket.io channel for the web widget, with sessions that belong to the client that owns them.

With Rasa's stock channel the widget picks its own session id and anyone who sends the same id
joins that conversation and receives its replies. Here the server issues the id, signed with a
secret (`PACE_SESSION_SECRET`, or a random one per process), and:
  - a `session_request` with a valid signed id resumes that conversation (a page reload);
  - any other id (forged, guessed, unsigned) gets a fresh conversation instead;
  - a `user_uttered` is only handled when its session id is the one this connection was given;
  - its text and metadata pass the limits of channels/limits.py, and with PACE_API_TOKEN set a
    connection must present the token (`auth: {"token": ...}`).
Conversation ids are "socketio:<id>", so no other channel can address them.
Replies carry one mark of their response's metadata to the widget: `alert` ("symptom" on the
escalation, "emergency" on the urgent reply), so the widget shows them as alerts.
Requires python-socketio < 5.10 (pinned): later releases make `enter_room` a coroutine that this
code, like Rasa 3.6's own channel, calls without awaiting (Rasa issue 13027).
"""

import hashlib
import hmac
import logging
import os
import secrets
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels import limits

logger = logging.getLogger(__name__)
ALERTS = {"symptom", "emergency"}


class PaceSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with the response's `alert` mark passed on to the widget."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        alert = (kwargs.get("metadata") or {}).get("alert")
        if alert not in ALERTS:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        await self._send_message(recipient_id, {"text": text.strip(), "metadata": {"alert": alert}})


class SessionSigner:
    """Issues session ids of the form '<uuid>.<signature>' and checks them."""

    def __init__(self, secret: Optional[bytes] = None) -> None:
        configured = os.environ.get("PACE_SESSION_SECRET")
        self._secret = secret or (configured.encode() if configured else secrets.token_bytes(32))

    def _sign(self, conversation: str) -> str:
        return hmac.new(self._secret, conversation.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        conversation = uuid.uuid4().hex
        return f"{conversation}.{self._sign(conversation)}"

    def conversation_of(self, session_id: Any) -> Optional[str]:
        """The conversation id inside a genuine session id, or None."""
        if not isinstance(session_id, str) or session_id.count(".") != 1:
            return None
        conversation, signature = session_id.split(".")
        if hmac.compare_digest(signature, self._sign(conversation)):
            return conversation
        return None


class PaceSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with server-issued, signed session ids bound to the connection."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signer = SessionSigner()
        self._sessions: Dict[str, str] = {}  # socket id -> conversation id

    def conversation_id(self, session_id: Any) -> Optional[str]:
        conversation = self.signer.conversation_of(session_id)
        return f"{self.name()}:{conversation}" if conversation else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        webhook = SocketBlueprint(sio, self.socketio_path, "pace_socketio_webhook", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: Dict, auth: Optional[Dict]) -> bool:
            token = auth.get("token") if isinstance(auth, dict) else None
            return limits.token_problem(token) is None

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            self._sessions.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Optional[Dict]) -> None:
            requested = (data or {}).get("session_id") if isinstance(data, dict) else None
            session_id = requested if self.signer.conversation_of(requested) else self.signer.issue()
            conversation = self.conversation_id(session_id)
            self._sessions[sid] = conversation
            sio.enter_room(sid, conversation)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            conversation = self.conversation_id(data.get("session_id"))
            if conversation is None or self._sessions.get(sid) != conversation:
                logger.warning("socket.io message for a session this connection does not own; ignored")
                return
            text = data.get("message")
            metadata = data.get(self.metadata_key)
            problem = limits.text_problem(
                "message", text, limits.MAX_MESSAGE_CHARS
            ) or limits.metadata_problem(metadata if isinstance(metadata, dict) else None)
            if problem:
                logger.warning("socket.io message refused: %s", problem)
                return
            output = PaceSocketIOOutput(sio, self.bot_message_evt)
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    conversation,
                    input_channel=self.name(),
                    metadata=metadata if isinstance(metadata, dict) else None,
                )
            )

        return webhook
