"""SMS and WhatsApp through Twilio: X-Twilio-Signature checked; quick replies as numbered options.

Credentials: account_sid, auth_token, twilio_number (for WhatsApp "whatsapp:+1..."), and
webhook_url, the exact public URL registered with Twilio (the signature covers it).
A reply of "2" chooses the second option of Pace's last message.
"""

from typing import Any, Dict, List, Optional

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.messaging import Inbound, PlatformInput, PlatformOutput, Rejected

DEFAULT_API_URL = "https://api.twilio.com"
SMS_LIMIT = 1600  # Twilio's maximum message body


class TwilioOutput(PlatformOutput):
    text_limit = SMS_LIMIT

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self, api_url: str, account_sid: str, auth_token: str, sender: str, reply_to: Dict) -> None:
        super().__init__(api_url, auth_token, reply_to)
        self.account_sid = account_sid
        self.sender = sender

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        options = "\n".join(f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1))
        await self.send_text_message(recipient_id, f"{text}\n\nReply with a number:\n{options}")

    async def send_part(self, text: str, buttons: Optional[List[Dict[str, Any]]]) -> None:
        url = f"{self.api_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        form = {"To": self.reply_to["to"], "From": self.sender, "Body": text}
        await self.post(url, data=form, auth=aiohttp.BasicAuth(self.account_sid, self.token))


class TwilioInput(PlatformInput):
    numbered_options = True

    @classmethod
    def name(cls) -> str:
        return "twilio"

    api_url_variable = "TWILIO_API_URL"
    default_api_url = DEFAULT_API_URL
    credential_keys = ("account_sid", "auth_token", "twilio_number", "webhook_url")

    def __init__(self, account_sid: str, auth_token: str, twilio_number: str, webhook_url: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.twilio_number = twilio_number
        self.webhook_url = webhook_url
        self.validator = RequestValidator(auth_token)

    def verify(self, request: Request) -> None:
        signature = request.headers.get("X-Twilio-Signature", "")
        params = {key: request.form.get(key) for key in request.form}
        if not signature or not self.validator.validate(self.webhook_url, params, signature):
            raise Rejected(403, "missing or wrong X-Twilio-Signature")

    def read(self, request: Request) -> List[Inbound]:
        sender, text = request.form.get("From"), request.form.get("Body")
        if not sender or text is None:
            raise Rejected(400, "From and Body are required")
        return [Inbound(sender, text, {"to": sender}, request.form.get("MessageSid") or "")]

    def acknowledge(self, request: Request) -> HTTPResponse:
        # an empty TwiML answer: the replies go out through the REST API
        return response.text("<Response/>", content_type="text/xml")

    def output_for(self, inbound: Inbound) -> TwilioOutput:
        return TwilioOutput(
            self.api_url, self.account_sid, self.auth_token, self.twilio_number, inbound.reply_to
        )
