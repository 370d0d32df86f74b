"""Telegram: Bot API webhook with its secret-token header; quick replies as a reply keyboard.

Credentials (credentials.yml): access_token (from BotFather) and secret_token, the value given to
setWebhook as `secret_token` and sent back by Telegram in X-Telegram-Bot-Api-Secret-Token.
"""

import hmac
from typing import Any, Dict, List, Optional

from sanic.request import Request

from channels.messaging import Inbound, PlatformInput, PlatformOutput, Rejected, json_body

DEFAULT_API_URL = "https://api.telegram.org"


class TelegramOutput(PlatformOutput):
    text_limit = 4096  # Bot API sendMessage limit

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_part(self, text: str, buttons: Optional[List[Dict[str, Any]]]) -> None:
        payload: Dict[str, Any] = {"chat_id": self.reply_to["chat_id"], "text": text}
        if buttons:
            # a reply keyboard: tapping a button sends its title as the person's message
            payload["reply_markup"] = {
                "keyboard": [[{"text": b["title"]}] for b in buttons],
                "one_time_keyboard": True,
                "resize_keyboard": True,
            }
        await self.post(f"{self.api_url}/bot{self.token}/sendMessage", json=payload)


class TelegramInput(PlatformInput):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    api_url_variable = "TELEGRAM_API_URL"
    default_api_url = DEFAULT_API_URL
    credential_keys = ("access_token", "secret_token")

    def __init__(self, access_token: str, secret_token: str) -> None:
        super().__init__()
        self.access_token = access_token
        self.secret_token = secret_token

    def verify(self, request: Request) -> None:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not given or not hmac.compare_digest(given, self.secret_token):
            raise Rejected(403, "missing or wrong X-Telegram-Bot-Api-Secret-Token")

    def read(self, request: Request) -> List[Inbound]:
        update = json_body(request)
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict):
            return []  # other update kinds (joins, reactions) carry no question
        chat = message.get("chat") or {}
        text = message.get("text")
        if not isinstance(text, str) or "id" not in chat:
            return []
        return [Inbound(str(chat["id"]), text, {"chat_id": chat["id"]}, str(update.get("update_id", "")))]

    def output_for(self, inbound: Inbound) -> TelegramOutput:
        return TelegramOutput(self.api_url, self.access_token, inbound.reply_to)
