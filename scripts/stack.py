"""Runs Pace for tests: Rasa, the action server and the demo page on free loopback ports."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "pace.tar.gz"
PYTHON = ROOT / ".venv" / "bin" / "python"


def tracker_store_type() -> str:
    """The conversation store endpoints.yml names (a stack runs it on a database of its own)."""
    return yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))["tracker_store"]["type"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up within {timeout}s")


# the clinic's settings for the widget (scripts/web.py)
WIDGET_SETTINGS = (
    "PACE_CLINIC_CONTACT",
    "PACE_CLINIC_PHONE",
    "PACE_EMERGENCY_NUMBER",
    "PACE_ANSWER_TIMEOUT_SECONDS",
)


class Stack:
    def __init__(
        self, workdir: Path, env: Optional[Dict[str, str]] = None, rasa_port: Optional[int] = None
    ) -> None:
        from scripts.credentials import enabled_channels

        self.env = {**os.environ, **(env or {})}
        self.credentials = workdir / "credentials.yml"
        self.credentials.write_text(yaml.safe_dump(enabled_channels(environ=self.env)))
        self.rasa_port = rasa_port or free_port()
        self.web_port = free_port()
        self.web: Optional[subprocess.Popen] = None
        self.action_port = free_port()
        self.db = workdir / "conversations.db"
        self.endpoints = workdir / "endpoints.yml"
        self.env.setdefault("PACE_ACTION_TOKEN", secrets.token_hex(24))
        self.env.setdefault("SANIC_REQUEST_MAX_SIZE", "65536")  # as scripts/serve.sh sets it
        # answer texts from a copy of the content files, which tests may reword while Pace runs
        self.content_root = workdir / "content_root"
        shutil.copytree(ROOT / "data", self.content_root / "data")
        shutil.copy(ROOT / "domain.yml", self.content_root / "domain.yml")
        self.env.setdefault("PACE_CONTENT_ROOT", str(self.content_root))
        self.endpoints.write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{self.action_port}/webhook\n"
            f"  token: {self.env['PACE_ACTION_TOKEN']}\n"
            f"tracker_store:\n  type: {tracker_store_type()}\n  dialect: sqlite\n  db: {self.db}\n"
            "nlg:\n  type: components.content_nlg.ContentNLG\n"
        )
        self.log_dir = workdir
        self.actions: Optional[subprocess.Popen] = None
        self.rasa: Optional[subprocess.Popen] = None

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")
        return subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=self.env)

    def start_actions(self) -> None:
        self.actions = self._spawn(
            "actions", [str(PYTHON), "scripts/action_server.py", "--port", str(self.action_port)]
        )
        wait_for(f"http://127.0.0.1:{self.action_port}/health", self.actions)

    def stop_actions(self) -> None:
        if self.actions and self.actions.poll() is None:
            self.actions.terminate()
            self.actions.wait(timeout=30)

    def start_rasa(self) -> None:
        self.rasa = self._spawn(
            "rasa",
            [
                str(PYTHON), "scripts/rasa_server.py", "run", "--model", str(MODEL),
                "--port", str(self.rasa_port),
                "--endpoints", str(self.endpoints), "--credentials", str(self.credentials),
                "--enable-api", "--cors", "*",
            ],
        )  # fmt: skip
        wait_for(f"http://127.0.0.1:{self.rasa_port}/", self.rasa)

    def start_web(self) -> None:
        env = {"WEB_PORT": str(self.web_port), "RASA_PORT": str(self.rasa_port), "PATH": "/usr/bin:/bin"}
        env.update({k: v for k, v in self.env.items() if k in WIDGET_SETTINGS})
        self.web = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "web.py")],
            cwd=ROOT,
            env=env,
            stdout=open(self.log_dir / "web.log", "w"),
            stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.web_port}/", self.web, timeout=30)

    def stop_rasa(self) -> None:
        if self.rasa and self.rasa.poll() is None:
            self.rasa.terminate()
            self.rasa.wait(timeout=30)

    def stop(self) -> None:
        if self.web and self.web.poll() is None:
            self.web.terminate()
            self.web.wait(timeout=10)
        self.stop_actions()
        if self.rasa and self.rasa.poll() is None:
            self.rasa.terminate()
            self.rasa.wait(timeout=30)

    def post(self, path: str, payload: Dict) -> object:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rasa_port}{path}",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def say(self, sender: str, text: str) -> List[Dict]:
        return self.post("/webhooks/rest/webhook", {"sender": sender, "message": text})

    def tracker(self, sender: str) -> Dict:
        url = f"http://127.0.0.1:{self.rasa_port}/conversations/{sender}/tracker"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())
