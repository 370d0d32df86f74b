"""`make reliability`: the failure battery against a Pace that it starts itself, under supervision.

It runs scripts/serve.sh (supervisord, the action server, Rasa) on free loopback ports with its own
var/ folder and test secrets for every messaging app, whose APIs are a loopback stand-in, then:
  1. bad inputs: invalid Unicode, deep and large metadata, huge bodies, other channels' ids;
  2. shortcut variants ("/ /greet@1 ...") cannot skip an escalation or wipe the safety memory;
  3. stall: five 2,000-character messages of gibberish at once, while others keep talking;
  4. the action server killed: every turn answered meanwhile, the server restarted;
  5. the action server hung (SIGSTOP): escalations still answered, within the action timeout;
  6. Rasa killed with SIGKILL under 20 concurrent senders: restarted, no acknowledged turn lost;
  7. forged and replayed platform requests: refused, or answered once.
Every request goes to 127.0.0.1 only; every loop is bounded in count and time. The figures are
written to bench/RELIABILITY.md; the exit status is 1 when a check fails.

Usage: python scripts/reliability.py [--out bench/RELIABILITY.md]
"""

import argparse
import hashlib
import hmac
import json
import os
import platform
import random
import signal
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.stack import free_port  # noqa: E402
from tests.conftest import CHANNEL_SECRETS  # noqa: E402
from tests.content import mentions  # noqa: E402
from tests.standin import Standin  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
START_TIMEOUT = 240
REQUEST_TIMEOUT = 60


@dataclass
class Check:
    name: str
    expected: str
    found: str = ""
    passed: bool = False


@dataclass
class Battery:
    checks: List[Check] = field(default_factory=list)

    def record(self, name: str, expected: str, found: str, passed: bool) -> None:
        self.checks.append(Check(name, expected, found, passed))
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {found}", flush=True)


class Pace:
    """scripts/serve.sh on free ports, with its own var/ folder."""

    def __init__(self, workdir: Path, standin_url: str) -> None:
        self.rasa_port, self.action_port = free_port(), free_port()
        self.var = workdir / "var"
        self.env = {
            **os.environ,
            **CHANNEL_SECRETS,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_SERVER_PORT": str(self.action_port),
            "WEB_PORT": str(free_port()),
            "PACE_VAR": str(self.var),
            "TWILIO_WEBHOOK_URL": f"http://127.0.0.1:{self.rasa_port}/webhooks/twilio/webhook",
            **{f"{app}_API_URL": standin_url for app in ("TELEGRAM", "SLACK", "TWILIO", "FACEBOOK")},
        }
        for key in ("PACE_SESSION_SECRET", "PACE_ACTION_TOKEN", "PACE_API_TOKEN", "PACE_DB"):
            self.env.pop(key, None)
        self.log = open(workdir / "serve.log", "w")
        self.process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "serve.sh")],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def db(self) -> Path:
        return self.var / "conversations.db"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.rasa_port}{path}"

    def wait_until_answering(self, timeout: float = START_TIMEOUT) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if self.say(f"warmup-{uuid.uuid4().hex}", "hello", timeout=10):
                    return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"Pace did not answer within {timeout:.0f} s (see serve.log)")

    def pid(self, program: str) -> int:
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "supervisorctl"), "-c", "deploy/supervisord.conf", "pid", program],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return int(done.stdout.strip())

    def post(
        self, path: str, body: bytes, headers: Dict[str, str], timeout: float = REQUEST_TIMEOUT
    ) -> Tuple[int, bytes]:
        request = urllib.request.Request(self.url(path), body, headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def say(self, sender: str, text: str, timeout: float = REQUEST_TIMEOUT) -> List[str]:
        body = json.dumps({"sender": sender, "message": text}).encode()
        status, reply = self.post(
            "/webhooks/rest/webhook", body, {"Content-Type": "application/json"}, timeout
        )
        if status != 200:
            raise ConnectionError(f"status {status}")
        return [m.get("text", "") for m in json.loads(reply)]

    def user_turns(self, sender: str) -> int:
        with sqlite3.connect(self.db) as db:
            query = "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'"
            return db.execute(query, (sender,)).fetchone()[0]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def escalates(replies: List[str]) -> bool:
    joined = " ".join(replies)
    return mentions(joined, "utter_stop_and_call_physician") or mentions(joined, "utter_emergency")


# ---- 1. bad inputs ------------------------------------------------------------------------------
def body_of(value: dict) -> bytes:
    return json.dumps(value).encode()


def bad_inputs(pace: Pace, battery: Battery) -> None:
    nested = b'{"sender": "a", "message": "hi", "metadata": ' + b'{"a": ' * 990 + b"1" + b"}" * 991
    cases = [
        ("lone surrogate in the message", b'{"sender": "a", "message": "\\ud83d"}', 400),
        ("metadata nested 990 deep", nested, 400),
        ("1 MB of metadata", body_of({"sender": "a", "message": "hi", "metadata": {"x": "y" * 2**20}}), 413),
        ("another channel's conversation id", b'{"sender": "twilio:+15551234567", "message": "hi"}', 400),
        ("a sender id of 10,000 characters", body_of({"sender": "s" * 10_000, "message": "hi"}), 400),
        ("a message of 100,000 characters", body_of({"sender": "a", "message": "m" * 100_000}), 413),
        ("not JSON", b"{not json", 400),
    ]
    for name, body, expected in cases:
        status, _ = pace.post("/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
        battery.record(f"bad input: {name}", f"HTTP {expected}", f"HTTP {status}", status == expected)
    status = raw_status(pace.rasa_port, 100_000_000)
    battery.record("bad input: Content-Length 100,000,000", "HTTP 413", f"HTTP {status}", status == 413)


def raw_status(port: int, length: int) -> int:
    """Sends only the headers of a request that claims a huge body; returns the status answered."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            f"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        answer = sock.recv(200).decode(errors="replace")
    parts = answer.split(" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


# ---- 2. shortcuts ---------------------------------------------------------------------------------
def shortcuts(pace: Pace, battery: Battery) -> None:
    variants = [
        "/ /greet@1 my chest hurts",
        "/\t/greet@1 my legs ache",
        " / / /faq my calves cramp",
        "/greet my knee hurts",
    ]
    escalated = sum(escalates(pace.say(f"short-{uuid.uuid4().hex}", v)) for v in variants)
    battery.record(
        "shortcut variants escalate",
        f"{len(variants)}/{len(variants)}",
        f"{escalated}/{len(variants)}",
        escalated == len(variants),
    )
    resets = ["/ /restart", "/ /session_start", "/ /back", "/\t/restart"]
    kept = 0
    for reset in resets:
        sender = f"reset-{uuid.uuid4().hex}"
        pace.say(sender, "my calves cramped on the bike")
        pace.say(sender, reset)
        reply = " ".join(pace.say(sender, "can I exercise again tomorrow?"))
        kept += mentions(reply, "utter_safety_reminder") or mentions(reply, "utter_resume_exercise")
    battery.record(
        "shortcut resets keep the safety memory",
        f"{len(resets)}/{len(resets)}",
        f"{kept}/{len(resets)}",
        kept == len(resets),
    )


# ---- 3. stall -------------------------------------------------------------------------------------
def gibberish(length: int = 2000) -> str:
    words, size = [], 0
    while size < length:
        word = "".join(random.choice(string.ascii_lowercase) for _ in range(random.randint(3, 11)))
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:length]


def timed_say(pace: Pace, text: str) -> float:
    started = time.monotonic()
    pace.say(f"stall-{uuid.uuid4().hex}", text)
    return time.monotonic() - started


def stall(pace: Pace, battery: Battery) -> None:
    alone = [timed_say(pace, "what is myostatin") for _ in range(10)]
    with ThreadPoolExecutor(max_workers=15) as pool:
        long_ones = [pool.submit(timed_say, pace, gibberish()) for _ in range(5)]
        time.sleep(0.05)
        others = [pool.submit(timed_say, pace, "what is myostatin") for _ in range(10)]
        long_times = [f.result() for f in long_ones]
        other_times = [f.result() for f in others]
    single = timed_say(pace, gibberish())
    battery.record(
        "stall: one 2,000-character message of gibberish",
        "answered in under 1 s",
        f"{single * 1000:.0f} ms",
        single < 1.0,
    )
    p50_alone, worst_during = statistics.median(alone), max(other_times)
    battery.record(
        "stall: others while five arrive at once",
        "slowest other answer under 3 s",
        f"alone p50 {p50_alone * 1000:.0f} ms; during: slowest {worst_during * 1000:.0f} ms, "
        f"the five took {max(long_times) * 1000:.0f} ms at most",
        worst_during < 3.0,
    )


# ---- 4 and 5. the action server killed and hung ----------------------------------------------
def action_server_killed(pace: Pace, battery: Battery) -> None:
    old = pace.pid("actions")
    os.kill(old, signal.SIGKILL)
    answered = sum(
        bool(pace.say(f"dead-{uuid.uuid4().hex}", text))
        for text in ["what is myostatin", "I'm 70 kg, how much protein?", "hello"]
    )
    escalation = pace.say(f"dead-{uuid.uuid4().hex}", "my knee hurts after the bike")
    battery.record(
        "action server killed: turns answered meanwhile",
        "3/3 non-empty, escalation first",
        f"{answered}/3, escalation {'first' if escalates(escalation[:1]) else 'missing'}",
        answered == 3 and escalates(escalation[:1]),
    )
    started = time.monotonic()
    new = old
    while time.monotonic() - started < 60:
        try:
            new = pace.pid("actions")
            if new != old and "You mentioned" in " ".join(
                pace.say(f"back-{uuid.uuid4().hex}", "my calves are cramping")
            ):
                break
        except (ValueError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    took = time.monotonic() - started
    battery.record(
        "action server killed: restarted by supervisord",
        "a new process serving within 60 s",
        f"new pid after {took:.1f} s" if new != old else "not restarted",
        new != old and took < 60,
    )


def action_server_hung(pace: Pace, battery: Battery) -> None:
    pid = pace.pid("actions")
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        replies = pace.say(f"hung-{uuid.uuid4().hex}", "my knee hurts after the exercise bike")
        took = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)
    battery.record(
        "action server hung: escalation answered",
        "static reply first, within 15 s",
        f"{'static reply first' if escalates(replies[:1]) else 'no escalation'} in {took:.1f} s",
        escalates(replies[:1]) and took < 15,
    )


# ---- 6. Rasa killed under load ------------------------------------------------------------------
def rasa_killed(pace: Pace, battery: Battery, senders: int = 20, turns: int = 8) -> None:
    acknowledged: Dict[str, int] = {}
    deadline = time.monotonic() + 300

    def talk(sender: str) -> None:
        acknowledged[sender] = 0
        for turn in range(turns):
            while time.monotonic() < deadline:
                try:
                    pace.say(sender, f"what is myostatin {turn}", timeout=30)
                    acknowledged[sender] += 1
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    time.sleep(0.5)  # not acknowledged: send again once Pace is back

    names = [f"load-{i}-{uuid.uuid4().hex[:8]}" for i in range(senders)]
    rasa = pace.pid("rasa")
    with ThreadPoolExecutor(max_workers=senders) as pool:
        futures = [pool.submit(talk, name) for name in names]
        time.sleep(3)
        os.kill(rasa, signal.SIGKILL)
        back = pace.wait_until_answering(START_TIMEOUT)
        for future in futures:
            future.result()
    lost = sum(max(0, acknowledged[name] - pace.user_turns(name)) for name in names)
    sent = sum(acknowledged.values())
    battery.record(
        f"Rasa killed (SIGKILL) under {senders} concurrent senders",
        "restarted; no acknowledged turn lost",
        f"answering again {back:.0f} s after the kill; " f"{sent} acknowledged turns, {lost} lost",
        lost == 0 and sent == senders * turns,
    )


# ---- 7. forged and replayed platform requests --------------------------------------------------
def platforms(pace: Pace, standin: Standin, battery: Battery) -> None:
    from twilio.request_validator import RequestValidator

    before = len(standin.calls)
    update = json.dumps({"update_id": 1, "message": {"chat": {"id": 4242}, "text": "my arm hurts"}}).encode()
    status, _ = pace.post(
        "/webhooks/telegram/webhook",
        update,
        {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "forged"},
    )
    battery.record(
        "forged Telegram request",
        "403, nothing sent",
        f"{status}, {len(standin.calls) - before} sent",
        status == 403 and len(standin.calls) == before,
    )

    params = {
        "From": "+15557654321",
        "To": "+15550000000",
        "Body": "what is myostatin",
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": "ACtest",
    }
    url = pace.url("/webhooks/twilio/webhook")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": RequestValidator("twilio-auth-token").compute_signature(url, params),
    }
    body = urllib.parse.urlencode(params).encode()
    before = len(standin.calls)
    pace.post("/webhooks/twilio/webhook", body, headers)
    first = len(standin.calls) - before
    pace.post("/webhooks/twilio/webhook", body, headers)
    battery.record(
        "replayed Twilio request",
        "answered once",
        f"{first} then {len(standin.calls) - before - first} SMS",
        first >= 1 and len(standin.calls) - before == first,
    )

    event = json.dumps(
        {
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex}",
            "event": {"type": "message", "channel": "DREL", "user": "U1", "text": "what is myostatin"},
        }
    ).encode()
    stamp = str(int(time.time()))
    signature = (
        "v0="
        + hmac.new(
            b"slack-signing-secret", b"v0:" + stamp.encode() + b":" + event, hashlib.sha256
        ).hexdigest()
    )
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    before = len(standin.calls)
    pace.post("/webhooks/slack/webhook", event, headers)
    time.sleep(5)
    first = len(standin.calls) - before
    pace.post("/webhooks/slack/webhook", event, {**headers, "X-Slack-Retry-Num": "1"})
    time.sleep(5)
    battery.record(
        "replayed Slack event (X-Slack-Retry-Num)",
        "answered once",
        f"{first} then {len(standin.calls) - before - first} messages",
        first >= 1 and len(standin.calls) - before == first,
    )


# ---- report ---------------------------------------------------------------------------------------
def write(battery: Battery, out: Path, started: float) -> None:
    lines = [
        "# Reliability battery",
        "",
        f"Written by `make reliability` (scripts/reliability.py) on {time.strftime('%Y-%m-%d %H:%M')} UTC, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"the whole battery took {time.monotonic() - started:.0f} s. Pace ran under scripts/serve.sh "
        "(supervisord) on loopback ports, every messaging app on, their APIs a loopback stand-in.",
        "",
        "| check | expected | found | |",
        "| --- | --- | --- | --- |",
    ]
    for check in battery.checks:
        lines.append(
            f"| {check.name} | {check.expected} | {check.found} | {'pass' if check.passed else 'FAIL'} |"
        )
    passed = sum(c.passed for c in battery.checks)
    lines += ["", f"{passed} passed, {len(battery.checks) - passed} failed"]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RELIABILITY.md")
    args = parser.parse_args()
    random.seed(7)
    started = time.monotonic()
    battery = Battery()
    standin = Standin()
    with tempfile.TemporaryDirectory(prefix="pace-reliability-") as workdir:
        pace = Pace(Path(workdir), standin.url)
        try:
            took = pace.wait_until_answering()
            print(f"Pace answering after {took:.0f} s", flush=True)
            for step in (bad_inputs, shortcuts, stall, action_server_killed, action_server_hung, rasa_killed):
                step(pace, battery)
            platforms(pace, standin, battery)
        except Exception as error:  # noqa: BLE001 - a battery that cannot finish is a failure to report
            battery.record("the battery ran to the end", "no error", repr(error), False)
            print((Path(workdir) / "serve.log").read_text()[-3000:])
        finally:
            pace.stop()
            standin.stop()
    write(battery, args.out, started)
    passed = sum(c.passed for c in battery.checks)
    print(f"reliability: {passed} passed, {len(battery.checks) - passed} failed (written to {args.out})")
    return 0 if passed == len(battery.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
