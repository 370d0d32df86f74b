"""What REST and socket.io accept from a caller (channels/limits.py)."""

import pytest

from channels import limits
from channels.rest import validate


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"sender": "a", "message": "\ud83d"}, "'message' is not valid Unicode"),
        ({"sender": "\ud83d", "message": "hi"}, "'sender' is not valid Unicode"),
        ({"sender": "a" * 129, "message": "hi"}, "'sender' is longer than 128"),
        ({"sender": "a\nb", "message": "hi"}, "'sender' must not contain control characters"),
        ({"sender": "twilio:+15551234567", "message": "hi"}, "another channel's name"),
        ({"sender": " Telegram:42", "message": "hi"}, "another channel's name"),
        ({"sender": "socketio:abc", "message": "hi"}, "another channel's name"),
        ({"sender": "a", "message": "x" * 2001}, "longer than 2000"),
        ({"sender": "a", "message": "hi", "metadata": nested(990)}, "nested deeper than 5"),
        ({"sender": "a", "message": "hi", "metadata": {"x": "y" * 5000}}, "larger than 4096 bytes"),
        ({"sender": "a", "message": "hi", "metadata": [1]}, "'metadata' must be a JSON object"),
    ],
)
def test_a_request_beyond_the_limits_is_refused_with_the_reason(body, reason):
    assert reason in (validate(body) or "")


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "me", "message": "my calves ache"},
        {"sender": "+15551234567", "message": "hi"},
        {"sender": "a", "message": "hi", "metadata": nested(5)},
        {"sender": "a", "message": "héllo 👋", "metadata": {"page": "/faq"}},
    ],
)
def test_an_ordinary_request_passes(body):
    assert validate(body) is None


def test_without_pace_api_token_no_token_is_asked(monkeypatch):
    monkeypatch.delenv("PACE_API_TOKEN", raising=False)
    assert limits.token_problem(None) is None


@pytest.mark.parametrize(
    "header, refused",
    [(None, True), ("Bearer wrong", True), ("Basic s3cret-token", True), ("Bearer s3cret-token", False)],
)
def test_with_pace_api_token_the_bearer_token_is_required(monkeypatch, header, refused):
    monkeypatch.setenv("PACE_API_TOKEN", "s3cret-token")
    assert (limits.token_problem(limits.bearer(header)) is not None) == refused
