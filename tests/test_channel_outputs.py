"""Reply shapes and message limits per platform, and which channels the environment switches on."""

import pytest

from channels.messaging import split_text
from channels.messenger import MessengerOutput
from channels.slack import SlackOutput
from channels.telegram import TelegramOutput
from channels.twilio import TwilioOutput
from scripts.credentials import enabled_channels

LONG = " ".join(f"Sentence number {i} explains one more point about gentle exercise." for i in range(120))
BUTTONS = [{"title": f"Option {i}", "payload": f"question {i}"} for i in range(1, 16)]


def capture(output, monkeypatch):
    sent = []

    async def fake_post(url, **kwargs):
        sent.append({"url": url, **kwargs})

    monkeypatch.setattr(output, "post", fake_post)
    return sent


@pytest.mark.parametrize("limit", [160, 1600, 2000, 4096])
def test_split_text_keeps_every_word_within_the_limit(limit):
    parts = split_text(LONG, limit)
    assert all(len(part) <= limit for part in parts)
    assert " ".join(parts).split() == LONG.split()


def test_split_text_prefers_sentence_ends():
    parts = split_text("First sentence here. Second sentence is here too.", 30)
    assert parts == ["First sentence here.", "Second sentence is here too."]


@pytest.mark.parametrize(
    "output, limit, text_of",
    [
        (TelegramOutput("http://t", "tok", {"chat_id": 1}), 4096, lambda c: c["json"]["text"]),
        (SlackOutput("http://s", "tok", {"channel": "C"}), 3000, lambda c: c["json"]["text"]),
        (MessengerOutput("http://f", "tok", {"psid": "9"}), 2000, lambda c: c["json"]["message"]["text"]),
        (TwilioOutput("http://w", "AC", "tok", "+1", {"to": "+2"}), 1600, lambda c: c["data"]["Body"]),
    ],
)
async def test_long_answers_are_split_within_the_platform_limit(output, limit, text_of, monkeypatch):
    sent = capture(output, monkeypatch)
    await output.send_text_with_buttons("someone", LONG, BUTTONS[:2])
    assert len(sent) > 1
    assert all(len(text_of(call)) <= limit for call in sent)


async def test_messenger_quick_replies_respect_the_platform_limits(monkeypatch):
    output = MessengerOutput("http://f", "tok", {"psid": "9"})
    sent = capture(output, monkeypatch)
    long_titles = [{"title": "A very long button title indeed", "payload": "p"}] + BUTTONS
    await output.send_text_with_buttons("9", "Pick one", long_titles)
    quick = sent[0]["json"]["message"]["quick_replies"]
    assert len(quick) == 13 and all(len(q["title"]) <= 20 for q in quick)


async def test_telegram_buttons_are_a_reply_keyboard(monkeypatch):
    output = TelegramOutput("http://t", "tok", {"chat_id": 1})
    sent = capture(output, monkeypatch)
    await output.send_text_with_buttons("1", "Pick one", BUTTONS[:2])
    assert sent[0]["url"] == "http://t/bottok/sendMessage"
    assert sent[0]["json"]["reply_markup"]["keyboard"] == [[{"text": "Option 1"}], [{"text": "Option 2"}]]


async def test_sms_buttons_are_numbered_options(monkeypatch):
    output = TwilioOutput("http://w", "AC", "tok", "+1", {"to": "+2"})
    sent = capture(output, monkeypatch)
    await output.send_text_with_buttons("+2", "Pick one", BUTTONS[:2])
    assert sent[0]["data"]["Body"] == "Pick one\n\nReply with a number:\n1. Option 1\n2. Option 2"


def test_with_no_secrets_only_rest_and_socketio_are_on():
    assert list(enabled_channels(environ={})) == [
        "channels.rest.PaceRestInput",
        "channels.socketio.PaceSocketIOInput",
    ]


def test_an_app_is_on_only_when_all_its_secrets_are_set():
    half = {
        "TWILIO_ACCOUNT_SID": "AC",
        "TWILIO_AUTH_TOKEN": "t",
        "TELEGRAM_ACCESS_TOKEN": "a",
        "TELEGRAM_SECRET_TOKEN": "b",
    }
    channels = enabled_channels(environ=half)
    assert "channels.telegram.TelegramInput" in channels
    assert "channels.twilio.TwilioInput" not in channels  # number and webhook URL missing
    assert channels["channels.telegram.TelegramInput"]["access_token"] == "${TELEGRAM_ACCESS_TOKEN}"


def test_an_app_with_incomplete_credentials_names_what_is_missing():
    from channels.twilio import TwilioInput

    with pytest.raises(ValueError, match="credentials for twilio lack twilio_number, webhook_url"):
        TwilioInput.from_credentials({"account_sid": "AC", "auth_token": "t"})


def test_each_app_reads_its_credentials_and_api_url(monkeypatch):
    from channels.slack import SlackInput

    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9")
    slack = SlackInput.from_credentials({"slack_token": "xoxb", "slack_signing_secret": "s"})
    assert (slack.token, slack.signing_secret, slack.api_url) == ("xoxb", "s", "http://127.0.0.1:9")
