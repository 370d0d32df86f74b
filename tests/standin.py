"""A loopback stand-in for the messaging platforms' APIs: records every call Pace makes."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List
from urllib.parse import parse_qs, urlparse


class Standin:
    def __init__(self) -> None:
        self.calls: List[Dict] = []
        self.status = 200
        self.hang_up = False  # close the connection without an answer, as an unreachable API would
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                content_type = self.headers.get("Content-Type", "")
                parsed = urlparse(self.path)
                if "json" in content_type:
                    data = json.loads(body or b"{}")
                else:
                    data = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                standin.calls.append(
                    {
                        "path": parsed.path,
                        "query": parse_qs(parsed.query),
                        "headers": dict(self.headers),
                        "data": data,
                    }
                )
                if standin.hang_up:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                reply = json.dumps({"ok": True}).encode()
                self.send_response(standin.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def calls_to(self, fragment: str) -> List[Dict]:
        return [call for call in self.calls if fragment in call["path"]]

    def stop(self) -> None:
        self.server.shutdown()
