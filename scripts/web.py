"""Serves the demo page (web/) on WEB_PORT, with the rasa-webchat build from web/node_modules.

Usage: python scripts/web.py   (WEB_PORT default 8080, RASA_PORT default 5005)
"""

import json
import os
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "web"
WEBCHAT = WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js"


class PageHandler(SimpleHTTPRequestHandler):
    rasa_port = 5005

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path == "/config.js":
            # the widget talks to Rasa on the same host name the page was opened with
            host = (self.headers.get("Host") or "localhost").rsplit(":", 1)[0]
            config = {"socketUrl": f"http://{host}:{self.rasa_port}"}
            return self._send(f"window.PACE_CONFIG = {json.dumps(config)};".encode(), "text/javascript")
        if path == "/vendor/webchat.js":
            return self._send(WEBCHAT.read_bytes(), "text/javascript")
        if path.startswith("/node_modules"):
            self.send_error(404)
            return None
        return super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> int:
    if not WEBCHAT.exists():
        print("web: rasa-webchat is not installed; run `make web-deps`", file=sys.stderr)
        return 1
    port = int(os.environ.get("WEB_PORT", "8080"))
    PageHandler.rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    server = ThreadingHTTPServer(("0.0.0.0", port), partial(PageHandler, directory=str(WEB)))
    print(f"Pace web page: http://localhost:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
