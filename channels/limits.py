"""What REST and socket.io accept from a caller: sizes, shapes, text that is valid Unicode, the
caller's right to a conversation id, and (when PACE_API_TOKEN is set) the caller's token.

Each check returns why a request cannot be handled, or None when it can.
"""

import hmac
import json
import os
from typing import Any, Optional

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
MAX_METADATA_BYTES = 4096
MAX_METADATA_DEPTH = 5
# conversation ids of the other channels start with their name: a REST caller may not use them
CHANNEL_PREFIXES = ("telegram:", "slack:", "twilio:", "facebook:", "socketio:")
API_TOKEN_VARIABLE = "PACE_API_TOKEN"


def text_problem(name: str, value: Any, limit: int) -> Optional[str]:
    if not isinstance(value, str):
        return f"'{name}' must be a string"
    if len(value) > limit:
        return f"'{name}' is longer than {limit} characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"'{name}' is not valid Unicode text (a lone surrogate such as \\ud83d)"
    return None


def sender_problem(sender: Any) -> Optional[str]:
    if not isinstance(sender, str) or not sender.strip():
        return "'sender' must be a non-empty string that identifies the conversation"
    problem = text_problem("sender", sender, MAX_SENDER_CHARS)
    if problem:
        return problem
    if not sender.isprintable():
        return "'sender' must not contain control characters"
    if sender.strip().lower().startswith(CHANNEL_PREFIXES):
        return "'sender' must not start with another channel's name (telegram:, slack:, twilio:, ...)"
    return None


def metadata_problem(metadata: Any) -> Optional[str]:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return "'metadata' must be a JSON object"
    if _depth(metadata) > MAX_METADATA_DEPTH:
        return f"'metadata' is nested deeper than {MAX_METADATA_DEPTH} levels"
    try:
        size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError, UnicodeEncodeError):
        return "'metadata' is not valid JSON text"
    if size > MAX_METADATA_BYTES:
        return f"'metadata' is larger than {MAX_METADATA_BYTES} bytes"
    return None


def _depth(value: Any, level: int = 1) -> int:
    """How deeply `value` nests; stops counting past the limit (so deep input costs little)."""
    if level > MAX_METADATA_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max(
        (_depth(child, level + 1) for child in children if isinstance(child, dict | list)), default=level
    )


def token_problem(given: Optional[str]) -> Optional[str]:
    """With PACE_API_TOKEN set, the caller must present it (REST: `Authorization: Bearer ...`)."""
    expected = os.environ.get(API_TOKEN_VARIABLE, "")
    if not expected:
        return None
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return "a valid API token is required"
    return None


def bearer(authorization: Optional[str]) -> Optional[str]:
    """The token of an `Authorization: Bearer <token>` header."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
