"""REST channel for custom front ends: clear 400s for bad input, answers with their source.

Rasa's stock REST channel puts a request without `sender` into one shared "default" conversation
and answers a non-string message with a 500. This one refuses both with a 400 and a plain message,
and so for every limit of channels/limits.py (sizes, nesting, invalid Unicode, another channel's
conversation id); with PACE_API_TOKEN set it asks for `Authorization: Bearer <token>` (401).
It adds each answer's source (document and quote) to the reply as `metadata`.
"""

from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import limits


class SourcedOutputChannel(CollectingOutputChannel):
    """Collects replies like Rasa's REST channel, keeping each response's source metadata."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        metadata = message.get("metadata") or {}
        before = len(self.messages)
        await super().send_response(recipient_id, message)
        source = {k: metadata[k] for k in ("document", "quote") if k in metadata}
        if source:
            for sent in self.messages[before:]:
                sent["metadata"] = source


def bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": "bad_request", "reason": reason}, status=400)


def validate(body: Any) -> Optional[str]:
    """Why the request body cannot be handled, or None when it can."""
    if not isinstance(body, dict):
        return "the body must be a JSON object with 'sender' and 'message'"
    return (
        limits.sender_problem(body.get("sender"))
        or limits.text_problem("message", body.get("message"), limits.MAX_MESSAGE_CHARS)
        or limits.metadata_problem(body.get("metadata"))
    )


class PaceRestInput(RestInput):
    """Served at /webhooks/rest/webhook, like Rasa's REST channel."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("pace_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = limits.token_problem(limits.bearer(request.headers.get("Authorization")))
            if refused:
                return response.json({"error": "unauthorized", "reason": refused}, status=401)
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic raises on malformed JSON
                return bad_request("the body is not valid JSON")
            problem = validate(body)
            if problem:
                return bad_request(problem)
            collector = SourcedOutputChannel()
            await on_new_message(
                UserMessage(
                    body["message"],
                    collector,
                    body["sender"],
                    input_channel=self.name(),
                    metadata=body.get("metadata"),
                )
            )
            messages: List[Dict[str, Any]] = collector.messages
            return response.json(messages)

        return webhook
