"""Messaging apps on loopback: each platform's documented inbound format posted to the running
Pace, and a stand-in for the platform's API receiving Pace's outbound calls."""

import hashlib
import hmac
import json
import os
import signal
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Dict, Optional, Tuple

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import CHANNEL_SECRETS
from tests.content import button_titles, mentions, next_topic, text_of

pytestmark = pytest.mark.stack
STOP = text_of("utter_stop_and_call_physician")


def post(stack, path: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{stack.rasa_port}{path}", body, headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def conversation_events(stack, sender: str) -> int:
    with sqlite3.connect(stack.db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def sent_since(standin, fragment: str, before: int):
    return [call for call in standin.calls[before:] if fragment in call["path"]]


def sent_soon(standin, fragment: str, before: int, at_least: int = 1, seconds: float = 30):
    """For platforms answered in the background (Slack): the calls once there are `at_least`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sent = sent_since(standin, fragment, before)
        if len(sent) >= at_least:
            time.sleep(0.5)  # the rest of the turn's messages
            return sent_since(standin, fragment, before)
        time.sleep(0.1)
    return sent_since(standin, fragment, before)


# ---- Telegram --------------------------------------------------------------------------------
def telegram_update(chat_id: int, text: str) -> bytes:
    return json.dumps(
        {
            "update_id": uuid.uuid4().int % 10**9,
            "message": {
                "message_id": 1,
                "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
                "chat": {"id": chat_id, "type": "private", "first_name": "Ann"},
                "date": int(time.time()),
                "text": text,
            },
        }
    ).encode()


def telegram(stack, chat_id: int, text: str, secret: Optional[str] = "telegram-secret") -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return post(stack, "/webhooks/telegram/webhook", telegram_update(chat_id, text), headers)[0]


def test_telegram_answer_with_a_reply_keyboard_and_the_keyboard_works(stack, standin):
    chat = int(time.time() * 1000) % 10**9
    before = len(standin.calls)
    assert telegram(stack, chat, "can I build muscle with ALS?") == 200
    sent = sent_since(standin, f"/bot{CHANNEL_SECRETS['TELEGRAM_ACCESS_TOKEN']}/sendMessage", before)
    assert sent and sent[0]["data"]["chat_id"] == chat
    assert mentions(sent[0]["data"]["text"], "utter_faq/hypertrophy_not_realistic")
    assert sent[0]["data"]["reply_markup"]["keyboard"][0] == [{"text": "Tell me more"}]

    before = len(standin.calls)
    assert telegram(stack, chat, "Tell me more") == 200  # a tap sends the button's title
    following = next_topic("utter_faq/hypertrophy_not_realistic")
    assert mentions(sent_since(standin, "sendMessage", before)[0]["data"]["text"], following)


def test_telegram_symptom_report_escalates(stack, standin):
    before = len(standin.calls)
    assert telegram(stack, 5151, "my legs are cramping after my walk") == 200
    assert STOP in sent_since(standin, "sendMessage", before)[0]["data"]["text"]


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_telegram_forged_request_is_refused(stack, standin, secret):
    chat = 880000 + len(standin.calls)
    before = len(standin.calls)
    assert telegram(stack, chat, "my arm hurts", secret=secret) == 403
    assert standin.calls[before:] == []
    assert conversation_events(stack, f"telegram:{chat}") == 0


# ---- Slack -----------------------------------------------------------------------------------
def slack_signed(body: bytes, secret: str = "slack-signing-secret", age: int = 0) -> Dict[str, str]:
    timestamp = str(int(time.time()) - age)
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def slack_event(channel: str, text: str, event_id: str = "") -> bytes:
    return json.dumps(
        {
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex}",
            "team_id": "T1",
            "event": {"type": "message", "channel": channel, "user": "U1", "text": text, "ts": "1.0"},
        }
    ).encode()


def slack(stack, body: bytes, headers: Dict[str, str], form: bool = False) -> Tuple[int, bytes]:
    content_type = "application/x-www-form-urlencoded" if form else "application/json"
    return post(stack, "/webhooks/slack/webhook", body, {"Content-Type": content_type, **headers})


def test_slack_answer_with_buttons_and_a_click_works(stack, standin):
    channel = f"D{uuid.uuid4().hex[:8]}"
    body = slack_event(channel, "how long should I hold a stretch?")
    before = len(standin.calls)
    assert slack(stack, body, slack_signed(body))[0] == 200
    sent = sent_soon(standin, "/chat.postMessage", before)
    assert sent[0]["headers"]["Authorization"] == "Bearer xoxb-test"
    assert sent[0]["data"]["channel"] == channel and mentions(sent[0]["data"]["text"], "utter_faq/stretching")
    buttons = sent[0]["data"]["blocks"][1]["elements"]
    assert buttons[0]["type"] == "button" and buttons[0]["text"]["text"] == "Tell me more"

    click = {"type": "block_actions", "user": {"id": "U1"}, "channel": {"id": channel}}
    click["actions"] = [{"action_id": buttons[0]["action_id"], "value": buttons[0]["value"]}]
    form = urllib.parse.urlencode({"payload": json.dumps(click)}).encode()
    before = len(standin.calls)
    assert slack(stack, form, slack_signed(form), form=True)[0] == 200
    assert mentions(
        sent_soon(standin, "/chat.postMessage", before)[0]["data"]["text"], "utter_faq/range_of_motion"
    )


def test_slack_symptom_report_escalates(stack, standin):
    body = slack_event("D-symptom", "my shoulder hurts after the bands")
    before = len(standin.calls)
    assert slack(stack, body, slack_signed(body))[0] == 200
    assert STOP in sent_soon(standin, "/chat.postMessage", before)[0]["data"]["text"]


def test_slack_url_verification(stack):
    body = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
    status, reply = slack(stack, body, slack_signed(body))
    assert status == 200 and json.loads(reply) == {"challenge": "abc123"}


@pytest.mark.parametrize(
    "headers",
    [{}, "wrong-secret", "stale"],
)
def test_slack_forged_request_is_refused(stack, standin, headers):
    channel = f"D{uuid.uuid4().hex[:8]}"
    body = slack_event(channel, "my arm hurts")
    if headers == "wrong-secret":
        headers = slack_signed(body, secret="not-the-secret")
    elif headers == "stale":
        headers = slack_signed(body, age=3600)
    before = len(standin.calls)
    assert slack(stack, body, headers)[0] == 401
    assert standin.calls[before:] == []
    assert conversation_events(stack, f"slack:{channel}:U1") == 0


def test_slack_is_acknowledged_at_once_even_when_answering_takes_long(stack, standin):
    """Slack sends an event again unless it gets its 200 within 3 seconds."""
    body = slack_event(f"D{uuid.uuid4().hex[:8]}", "my calves are cramping after the walk")
    before = len(standin.calls)
    os.kill(stack.actions.pid, signal.SIGSTOP)  # the turn now waits for the action timeout
    try:
        started = time.monotonic()
        assert slack(stack, body, slack_signed(body))[0] == 200
        assert time.monotonic() - started < 3
    finally:
        os.kill(stack.actions.pid, signal.SIGCONT)
    assert STOP in sent_soon(standin, "/chat.postMessage", before)[0]["data"]["text"]


def test_a_slack_retry_is_answered_once(stack, standin):
    channel = f"D{uuid.uuid4().hex[:8]}"
    body = slack_event(channel, "what is myostatin", event_id=f"Ev{uuid.uuid4().hex}")
    before = len(standin.calls)
    assert slack(stack, body, slack_signed(body))[0] == 200
    first = len(sent_soon(standin, "/chat.postMessage", before))
    assert slack(stack, body, {**slack_signed(body), "X-Slack-Retry-Num": "1"})[0] == 200
    time.sleep(3)
    assert first >= 1 and len(sent_since(standin, "/chat.postMessage", before)) == first


# ---- Twilio (SMS and WhatsApp) ---------------------------------------------------------------
def twilio_form(sender: str, text: str, message_sid: str = "") -> Dict[str, str]:
    sid = message_sid or f"SM{uuid.uuid4().hex}"
    return {"From": sender, "To": "+15550000000", "Body": text, "MessageSid": sid, "AccountSid": "ACtest"}


def twilio(
    stack, sender: str, text: str, token: Optional[str] = "twilio-auth-token", message_sid: str = ""
) -> int:
    params = twilio_form(sender, text, message_sid)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token is not None:
        url = f"http://127.0.0.1:{stack.rasa_port}/webhooks/twilio/webhook"
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, params)
    return post(stack, "/webhooks/twilio/webhook", urllib.parse.urlencode(params).encode(), headers)[0]


@pytest.mark.parametrize("sender", ["+15551230001", "whatsapp:+15551230002"])
def test_sms_and_whatsapp_answer_with_numbered_options_and_a_number_chooses(stack, standin, sender):
    before = len(standin.calls)
    assert twilio(stack, sender, "what exercise is safe with ALS") == 200
    sent = sent_since(standin, "/2010-04-01/Accounts/ACtest/Messages.json", before)
    assert sent[0]["data"]["To"] == sender and sent[0]["data"]["From"] == "+15550000000"
    numbered = "\n".join(
        f"{n}. {title}" for n, title in enumerate(button_titles("utter_faq/activity_types"), 1)
    )
    assert f"Reply with a number:\n{numbered}" in sent[0]["data"]["Body"]
    assert all(len(call["data"]["Body"]) <= 1600 for call in sent)

    before = len(standin.calls)
    assert twilio(stack, sender, "1") == 200  # chooses the first option, "Stretching"
    assert mentions(sent_since(standin, "Messages.json", before)[0]["data"]["Body"], "utter_faq/stretching")


def test_sms_symptom_report_escalates(stack, standin):
    before = len(standin.calls)
    assert twilio(stack, "+15551230003", "i'm so tired since the class yesterday") == 200
    assert STOP in sent_since(standin, "Messages.json", before)[0]["data"]["Body"]


def test_an_identical_twilio_request_is_answered_once(stack, standin):
    sender, sid = "+15551230009", f"SM{uuid.uuid4().hex}"
    before = len(standin.calls)
    assert twilio(stack, sender, "what is myostatin", message_sid=sid) == 200
    first = len(sent_since(standin, "Messages.json", before))
    assert twilio(stack, sender, "what is myostatin", message_sid=sid) == 200
    assert first >= 1 and len(sent_since(standin, "Messages.json", before)) == first


def test_an_sms_conversation_cannot_be_reached_from_rest(stack, standin):
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    assert twilio(stack, number, "I'm 70 kg") == 200
    assert stack.tracker(f"twilio:{number}")["slots"]["body_weight_kg"] == 70
    reply = " ".join(r.get("text", "") for r in stack.say(number, "how much protein do I need?"))
    assert "56" not in reply and "105" not in reply  # not the SMS user's weight
    assert stack.tracker(number)["slots"]["body_weight_kg"] is None


@pytest.mark.parametrize("token", [None, "a-forged-token"])
def test_twilio_forged_request_is_refused(stack, standin, token):
    sender = f"+1555{int(time.time() * 1000) % 10**7:07d}"
    before = len(standin.calls)
    assert twilio(stack, sender, "my knee hurts", token=token) == 403
    assert standin.calls[before:] == []
    assert conversation_events(stack, f"twilio:{sender}") == 0


# ---- Facebook Messenger ----------------------------------------------------------------------
def messenger_event(psid: str, text: str) -> bytes:
    event = {
        "sender": {"id": psid},
        "recipient": {"id": "PAGE"},
        "timestamp": 0,
        "message": {"mid": f"m.{uuid.uuid4().hex}", "text": text},
    }
    return json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": 0, "messaging": [event]}]}).encode()


def messenger(stack, body: bytes, secret: Optional[str] = "fb-app-secret") -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = (
            "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        )
    return post(stack, "/webhooks/facebook/webhook", body, headers)[0]


def test_messenger_answer_with_quick_replies(stack, standin):
    psid = uuid.uuid4().hex[:12]
    before = len(standin.calls)
    assert messenger(stack, messenger_event(psid, "what is cachexia")) == 200
    sent = sent_since(standin, "/me/messages", before)
    assert sent[0]["query"]["access_token"] == ["fb-page-token"]
    message = sent[0]["data"]["message"]
    assert sent[0]["data"]["recipient"] == {"id": psid} and mentions(message["text"], "utter_faq/cachexia")
    assert message["quick_replies"][0] == {
        "content_type": "text",
        "title": "Tell me more",
        "payload": "tell me more",
    }
    assert len(message["quick_replies"]) <= 13 and all(
        len(q["title"]) <= 20 for q in message["quick_replies"]
    )


def test_messenger_symptom_report_escalates(stack, standin):
    before = len(standin.calls)
    assert messenger(stack, messenger_event("psid-symptom", "my hands keep twitching since physio")) == 200
    assert STOP in sent_since(standin, "/me/messages", before)[0]["data"]["message"]["text"]


@pytest.mark.parametrize("secret", [None, "not-the-app-secret"])
def test_messenger_forged_request_is_refused(stack, standin, secret):
    psid = uuid.uuid4().hex[:12]
    before = len(standin.calls)
    assert messenger(stack, messenger_event(psid, "my arm hurts"), secret=secret) == 403
    assert standin.calls[before:] == []
    assert conversation_events(stack, f"facebook:{psid}") == 0


def test_messenger_subscription_handshake(stack):
    query = "hub.mode=subscribe&hub.verify_token=fb-verify&hub.challenge=42"
    with urllib.request.urlopen(
        f"http://127.0.0.1:{stack.rasa_port}/webhooks/facebook/webhook?{query}"
    ) as reply:
        assert reply.read() == b"42"


# ---- every app ---------------------------------------------------------------------------------
def test_nothing_is_sent_to_any_platform_at_start_up(stack, standin):
    """Pace never calls a platform when it starts, so an unreachable one cannot stop it."""
    assert not any(call["path"].endswith(("setWebhook", "getMe")) for call in standin.calls)


def test_an_unreachable_platform_loses_no_turn(stack, standin):
    chat = 770000 + uuid.uuid4().int % 10000
    standin.hang_up = True  # every call to the platform's API fails without an answer
    try:
        assert telegram(stack, chat, "my calves are cramping after the walk") == 200
    finally:
        standin.hang_up = False
    tracker = stack.tracker(f"telegram:{chat}")
    assert tracker["slots"]["safety_flag"] is True  # the escalation is saved
    assert any(e.get("name") == "action_escalate_symptom" for e in tracker["events"])


def test_a_failing_platform_does_not_break_the_others(stack, standin):
    standin.status = 503
    try:
        assert telegram(stack, 6161, "what is myostatin") == 200
    finally:
        standin.status = 200
    reply = stack.say(f"rest-{uuid.uuid4().hex}", "what is myostatin")
    assert mentions(reply[0]["text"], "utter_faq/myostatin")
