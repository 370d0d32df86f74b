"""Facebook Messenger: X-Hub-Signature-256 checked; quick replies as Messenger quick replies.

Credentials: page_access_token, app_secret, verify_token (for Facebook's subscription handshake).
"""

import hashlib
import hmac
from typing import Any, Dict, List, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messaging import Inbound, PlatformInput, PlatformOutput, Rejected, json_body

DEFAULT_API_URL = "https://graph.facebook.com/v17.0"
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20


class MessengerOutput(PlatformOutput):
    text_limit = 2000  # Send API text limit

    @classmethod
    def name(cls) -> str:
        return "facebook"

    async def send_part(self, text: str, buttons: Optional[List[Dict[str, Any]]]) -> None:
        message: Dict[str, Any] = {"text": text}
        if buttons:
            message["quick_replies"] = [
                {"content_type": "text", "title": b["title"][:MAX_QUICK_REPLY_TITLE], "payload": b["payload"]}
                for b in buttons[:MAX_QUICK_REPLIES]
            ]
        payload = {
            "recipient": {"id": self.reply_to["psid"]},
            "messaging_type": "RESPONSE",
            "message": message,
        }
        await self.post(f"{self.api_url}/me/messages", params={"access_token": self.token}, json=payload)


class MessengerInput(PlatformInput):
    @classmethod
    def name(cls) -> str:
        return "facebook"

    api_url_variable = "FACEBOOK_API_URL"
    default_api_url = DEFAULT_API_URL
    credential_keys = ("page_access_token", "app_secret", "verify_token")

    def __init__(self, page_access_token: str, app_secret: str, verify_token: str) -> None:
        super().__init__()
        self.page_access_token = page_access_token
        self.app_secret = app_secret
        self.verify_token = verify_token

    def extra_routes(self, webhook: Blueprint) -> None:
        @webhook.route("/webhook", methods=["GET"])
        async def subscribe(request: Request) -> HTTPResponse:
            if request.args.get("hub.verify_token") == self.verify_token:
                return response.text(request.args.get("hub.challenge", ""))
            return response.text("wrong verify token", status=403)

    def verify(self, request: Request) -> None:
        given = request.headers.get("X-Hub-Signature-256", "")
        expected = (
            "sha256=" + hmac.new(self.app_secret.encode(), request.body or b"", hashlib.sha256).hexdigest()
        )
        if not given.startswith("sha256=") or not hmac.compare_digest(given, expected):
            raise Rejected(403, "missing or wrong X-Hub-Signature-256")

    def read(self, request: Request) -> List[Inbound]:
        body = json_body(request)
        if body.get("object") != "page":
            raise Rejected(400, "not a page subscription event")
        found = []
        for entry in body.get("entry") or []:
            for event in entry.get("messaging") or []:
                message = event.get("message") or {}
                psid = (event.get("sender") or {}).get("id")
                if not psid or message.get("is_echo"):
                    continue
                quick = (message.get("quick_reply") or {}).get("payload")
                text = quick or message.get("text")
                if isinstance(text, str):
                    found.append(Inbound(str(psid), text, {"psid": psid}, str(message.get("mid") or "")))
        return found

    def output_for(self, inbound: Inbound) -> MessengerOutput:
        return MessengerOutput(self.api_url, self.page_access_token, inbound.reply_to)
