"""Pace's action server: rasa_sdk's app, on loopback, answering only Rasa.

`rasa run actions` listens on every interface, runs any action for anyone who posts a made-up
tracker (forging escalations and audit lines), and answers an error with the whole request echoed
back, message text included. This launcher serves the same rasa_sdk app with:
  - PACE_ACTION_HOST (default 127.0.0.1) as the only interface;
  - a shared secret: every call to /webhook must carry PACE_ACTION_TOKEN, which Rasa sends as the
    `token` query parameter (endpoints.yml); without it the server refuses to start;
  - errors answered with a generic 500 that echoes nothing.

Usage: python scripts/action_server.py --port 5055
"""

import argparse
import hmac
import logging
import os
import sys
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger("pace.action_server")
# what a request may carry without the secret
OPEN_PATHS = {"/health"}


def create_app(token: str) -> Sanic:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app("actions", cors_origins=None)

    @app.middleware("request")
    async def only_rasa(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.exception(Exception)
    async def no_echo(request: Request, exception: Exception) -> HTTPResponse:
        logger.error("action server error on %s", request.path, exc_info=exception)
        return response.json({"error": "internal error"}, status=500)

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", "5055")))
    parser.add_argument("--host", default=os.environ.get("PACE_ACTION_HOST", "127.0.0.1"))
    args = parser.parse_args()
    token = os.environ.get("PACE_ACTION_TOKEN", "")
    if len(token) < 16:
        print("action server: set PACE_ACTION_TOKEN (16 characters or more), the secret Rasa sends")
        return 2
    os.umask(0o077)  # logs are readable by their owner only
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    create_app(token).run(args.host, args.port, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
