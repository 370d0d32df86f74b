"""Serves the demo page (web/) on WEB_PORT, with the rasa-webchat build from web/node_modules.

Usage: python scripts/web.py   (WEB_PORT default 8080, RASA_PORT default 5005)

What the clinic sets (environment), shown with the escalation and emergency alerts:
  PACE_CLINIC_CONTACT   who to call about a symptom, e.g. "the ALS clinic nurse line"
  PACE_CLINIC_PHONE     their number, e.g. "+44 20 7946 0000" (a tel: link on phones)
  PACE_EMERGENCY_NUMBER the local emergency number, e.g. "999" (without it: "your local
                        emergency number", no link)
  PACE_ANSWER_TIMEOUT_SECONDS  after how long without an answer a message is marked with a
                        retry control (default 20)
The widget's own stylesheet imports a Google font; it is removed as the widget is served, so the
page makes no request to a third party and works offline.
"""

import json
import os
import re
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict

WEB = Path(__file__).resolve().parent.parent / "web"
WEBCHAT = WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js"
THIRD_PARTY_FONT = re.compile(rb"@import url\(https://fonts\.googleapis\.com/[^)]*\);")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,24}$")


def widget_config(environ: Dict[str, str]) -> Dict[str, object]:
    """What pace.js needs from the clinic's settings; a malformed setting stops the server."""
    phone = environ.get("PACE_CLINIC_PHONE", "").strip()
    emergency = environ.get("PACE_EMERGENCY_NUMBER", "").strip()
    for name, value in (("PACE_CLINIC_PHONE", phone), ("PACE_EMERGENCY_NUMBER", emergency)):
        if value and not PHONE.match(value):
            raise SystemExit(f"{name} must be a phone number (digits, spaces, +, -), not {value!r}")
    raw = environ.get("PACE_ANSWER_TIMEOUT_SECONDS", "20")
    try:
        timeout = float(raw)
    except ValueError:
        timeout = 0
    if not 1 <= timeout <= 600:
        raise SystemExit(f"PACE_ANSWER_TIMEOUT_SECONDS must be 1 to 600 seconds, not {raw!r}")
    return {
        "contact": environ.get("PACE_CLINIC_CONTACT", "").strip() or "your physician or care team",
        "contactPhone": phone,
        "emergencyNumber": emergency,
        "answerTimeoutMs": int(timeout * 1000),
    }


class PageHandler(SimpleHTTPRequestHandler):
    rasa_port = 5005
    settings: Dict[str, object] = widget_config({})

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path == "/config.js":
            # the widget talks to Rasa on the same host name the page was opened with
            host = (self.headers.get("Host") or "localhost").rsplit(":", 1)[0]
            config = {"socketUrl": f"http://{host}:{self.rasa_port}", **self.settings}
            return self._send(f"window.PACE_CONFIG = {json.dumps(config)};".encode(), "text/javascript")
        if path == "/vendor/webchat.js":
            return self._send(THIRD_PARTY_FONT.sub(b"", WEBCHAT.read_bytes()), "text/javascript")
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
    PageHandler.settings = widget_config(dict(os.environ))
    server = ThreadingHTTPServer(("0.0.0.0", port), partial(PageHandler, directory=str(WEB)))
    print(f"Pace web page: http://localhost:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
