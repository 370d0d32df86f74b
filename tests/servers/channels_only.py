"""Serves Pace's REST and socket.io channels alone, with a stand-in for Rasa that echoes, for tests
of what the channels accept (PACE_API_TOKEN). Usage: python tests/servers/channels_only.py PORT"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sanic import Sanic  # noqa: E402

from channels.rest import PaceRestInput  # noqa: E402
from channels.socketio import PaceSocketIOInput  # noqa: E402


async def echo(message) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")


def main() -> None:
    app = Sanic("channels_only")
    for channel in (
        PaceRestInput(),
        PaceSocketIOInput(user_message_evt="user_uttered", bot_message_evt="bot_uttered"),
    ):
        app.blueprint(channel.blueprint(echo), url_prefix=f"/webhooks/{channel.url_prefix()}")
    app.run("127.0.0.1", int(sys.argv[1]), access_log=False)


if __name__ == "__main__":
    main()
