"""Slack: Events API with Slack's request signature; quick replies as Block Kit buttons.

Credentials: slack_token (bot token, xoxb-...) and slack_signing_secret.
Button clicks arrive as interactivity payloads on the same webhook URL.
"""

import hashlib
import hmac
import json
import time
from typing import Any, Dict, List, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messaging import Inbound, PlatformInput, PlatformOutput, Rejected, json_body

DEFAULT_API_URL = "https://slack.com/api"
MAX_SIGNATURE_AGE_SECONDS = 300
MAX_BUTTONS = 25  # Block Kit actions block limit


class SlackOutput(PlatformOutput):
    text_limit = 3000  # Block Kit section text limit

    @classmethod
    def name(cls) -> str:
        return "slack"

    async def send_part(self, text: str, buttons: Optional[List[Dict[str, Any]]]) -> None:
        payload: Dict[str, Any] = {"channel": self.reply_to["channel"], "text": text}
        if buttons:
            payload["blocks"] = [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": b["title"]},
                            "value": b["payload"],
                            "action_id": f"pace_option_{i}",
                        }
                        for i, b in enumerate(buttons[:MAX_BUTTONS])
                    ],
                },
            ]
        headers = {"Authorization": f"Bearer {self.token}"}
        await self.post(f"{self.api_url}/chat.postMessage", json=payload, headers=headers)


class SlackInput(PlatformInput):
    @classmethod
    def name(cls) -> str:
        return "slack"

    # Slack sends an event again unless it is acknowledged within 3 seconds
    acknowledge_first = True
    api_url_variable = "SLACK_API_URL"
    default_api_url = DEFAULT_API_URL
    credential_keys = ("slack_token", "slack_signing_secret")

    def __init__(self, slack_token: str, slack_signing_secret: str) -> None:
        super().__init__()
        self.token = slack_token
        self.signing_secret = slack_signing_secret

    def verify(self, request: Request) -> None:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SIGNATURE_AGE_SECONDS:
            raise Rejected(401, "missing or stale X-Slack-Request-Timestamp")
        base = b"v0:" + timestamp.encode() + b":" + (request.body or b"")
        expected = "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            raise Rejected(401, "wrong X-Slack-Signature")

    def read(self, request: Request) -> List[Inbound]:
        if request.form.get("payload"):  # a button click (interactivity)
            try:
                action = json.loads(request.form.get("payload"))
                value = action["actions"][0]["value"]
                channel = action["channel"]["id"]
                user = action["user"]["id"]
            except (ValueError, KeyError, IndexError, TypeError) as error:
                raise Rejected(400, "malformed interactivity payload") from error
            click = f"{action.get('trigger_id') or ''}{action['actions'][0].get('action_ts') or ''}"
            return [Inbound(f"{channel}:{user}", value, {"channel": channel}, click)]
        body = json_body(request)
        event = body.get("event") or {}
        if body.get("type") != "event_callback" or event.get("type") != "message":
            return []
        if event.get("bot_id") or event.get("subtype") or not isinstance(event.get("text"), str):
            return []  # Pace's own messages and edits are not questions
        channel, user = event.get("channel"), event.get("user")
        return [
            Inbound(f"{channel}:{user}", event["text"], {"channel": channel}, str(body.get("event_id") or ""))
        ]

    def acknowledge(self, request: Request) -> HTTPResponse:
        # Slack's one-off handshake when the URL is registered (signed like any request)
        body = request.json if not request.form else None
        if isinstance(body, dict) and body.get("type") == "url_verification":
            return response.json({"challenge": body.get("challenge")})
        return response.text("")

    def output_for(self, inbound: Inbound) -> SlackOutput:
        return SlackOutput(self.api_url, self.token, inbound.reply_to)
