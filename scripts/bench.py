"""Speed and memory of Pace beside a stock Rasa bot, measured in one run: bench/RESULTS.md.

The reference ("anchor") is the bot `rasa init` makes, built with Pace's own virtual environment in
a scratch folder, trained and served by this script. Both bots run on free loopback ports and get
the same messages, interleaved request by request (or phase by phase where requests overlap):

  - full training from a cold cache, and start-up until the first answer;
  - one user: reply latency over fresh conversations (p50, p95);
  - 10 concurrent users: throughput and p95 (median of two runs each);
  - one 300-turn conversation, a turn of each bot every 0.8 s: p50 of turns 1-20 against 281-300;
  - a 2,000-character message of gibberish;
  - resident memory of the servers afterwards.

Times are medians of many requests; the benchmark asserts nothing. Usage:
python scripts/bench.py [--rounds N] [--skip-training]
"""

import argparse
import os
import platform
import random
import re
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.stack import ROOT, Stack, free_port  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
RASA = ROOT / ".venv" / "bin" / "rasa"
MESSAGES = [
    "hi",
    "can i build muscle with als",
    "how long should i hold a stretch",
    "is the exercise bike ok",
    "when should i stop exercising",
    "how much protein do i need",
    "i'm 70 kg",
    "tell me more",
    "my calves are cramping after my walk",
    "can i walk again tomorrow",
    "what is cachexia",
    "whats the weather",
    "how much riluzole should i take",
    "thanks bye",
]
Say = Callable[[str, str], object]
# seconds from one turn of the long conversation to the next, for both bots: a person's pace, and
# the same pause before every turn (a server answers more slowly after a longer idle pause, so
# without it a bot would be timed after its neighbour's ever longer turns)
CADENCE = 0.8


def ratios(anchor: str, pace: str) -> str:
    """Pace's figures over the anchor's, number by number: "44 / 56 ms", "21 / 27 ms" -> "0.48x / 0.48x"."""
    numbers = [
        [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text.replace(",", ""))] for text in (anchor, pace)
    ]
    return " / ".join(f"{p / a:.2f}x" for a, p in zip(*numbers, strict=False) if a)


def log(text: str) -> None:
    print(f"bench: {text}", flush=True)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rest_say(port: int) -> Say:
    import json

    def say(sender: str, text: str) -> object:
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    return say


def first_answer(say: Say, started: float, process: subprocess.Popen, timeout: float = 300) -> float:
    """Seconds from `started` until the bot answers a message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            say(f"start-{uuid.uuid4().hex}", "hello")
            return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("no answer")


def timed(command: List[str], cwd: Path, env: Dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(
        command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.monotonic() - started


def ms(say: Say, sender: str, text: str) -> float:
    started = time.perf_counter()
    say(sender, text)
    return (time.perf_counter() - started) * 1000


def concurrent_users(say: Say, users: int = 10, messages: int = 20) -> Tuple[float, float]:
    """Throughput (messages per second) and p95 latency (ms) of `users` people chatting at once."""

    def person(_: int) -> List[float]:
        sender = f"load-{uuid.uuid4().hex}"
        return [ms(say, sender, MESSAGES[i % len(MESSAGES)]) for i in range(messages)]

    started = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        latencies = [x for person_latencies in pool.map(person, range(users)) for x in person_latencies]
    return len(latencies) / (time.perf_counter() - started), percentile(latencies, 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--skip-training", action="store_true", help="no training-time figures")
    args = parser.parse_args()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    figures: Dict[str, Tuple[str, str, str]] = {}  # figure -> (anchor, pace, goal)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        anchor_dir = scratch / "anchor"
        anchor_dir.mkdir()
        log("building the `rasa init` bot (it trains itself) ...")
        anchor_train = timed(
            [str(RASA), "init", "--no-prompt", "--init-dir", str(anchor_dir)],
            scratch,
            {**env, "RASA_CACHE_DIRECTORY": str(scratch / "cache-anchor")},
        )
        if not args.skip_training:
            log("training Pace from a cold cache ...")
            pace_train = timed(
                [str(RASA), "train", "--out", str(scratch / "pace-model"), "--quiet"],
                ROOT,
                {**env, "RASA_CACHE_DIRECTORY": str(scratch / "cache-pace")},
            )
            figures["full training, cold cache"] = (f"{anchor_train:.0f} s", f"{pace_train:.0f} s", "<= 90 s")

        log("starting both bots ...")
        anchor_port = free_port()
        started = time.monotonic()
        anchor = subprocess.Popen(
            [
                str(RASA),
                "run",
                "--model",
                str(anchor_dir / "models"),
                "--port",
                str(anchor_port),
                "--enable-api",
            ],
            cwd=anchor_dir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        anchor_say = rest_say(anchor_port)
        stack = Stack(scratch)
        try:
            anchor_start = first_answer(anchor_say, started, anchor)
            started = time.monotonic()
            stack.start_actions()
            stack.start_rasa()
            pace_say: Say = stack.say
            pace_start = first_answer(pace_say, started, stack.rasa)
            figures["start to first answer"] = (f"{anchor_start:.1f} s", f"{pace_start:.1f} s", "<= 15 s")
            bots = {"anchor": anchor_say, "pace": pace_say}

            log("one user, fresh conversations, interleaved ...")
            single: Dict[str, List[float]] = {"anchor": [], "pace": []}
            for _ in range(args.rounds):
                senders = {name: f"bench-{uuid.uuid4().hex}" for name in bots}
                for text in MESSAGES:
                    for name, say in bots.items():
                        single[name].append(ms(say, senders[name], text))
            figures["1 user, p50 / p95"] = tuple(  # type: ignore[assignment]
                [f"{statistics.median(single[n]):.0f} / {percentile(single[n], 0.95):.0f} ms" for n in bots]
                + ["p50 <= 0.5x the anchor's, p95 <= 60 ms"]
            )

            log("10 concurrent users, two runs each ...")
            load: Dict[str, List[Tuple[float, float]]] = {"anchor": [], "pace": []}
            for _ in range(2):
                for name, say in bots.items():
                    load[name].append(concurrent_users(say))
            figures["10 concurrent users, throughput / p95"] = tuple(  # type: ignore[assignment]
                [
                    f"{statistics.median(t for t, _ in load[n]):.1f} msg/s / "
                    f"{statistics.median(p for _, p in load[n]):.0f} ms"
                    for n in bots
                ]
                + [">= 2x the anchor's throughput"]
            )

            log(f"one 300-turn conversation each, interleaved turn by turn, a turn every {CADENCE} s ...")
            long: Dict[str, List[float]] = {"anchor": [], "pace": []}
            senders = {name: f"long-{uuid.uuid4().hex}" for name in bots}
            for turn in range(300):
                started = time.monotonic()
                order = list(bots.items())  # which bot goes first alternates, so neither always
                for name, say in order if turn % 2 else reversed(order):  # follows the other's turn
                    long[name].append(ms(say, senders[name], MESSAGES[turn % len(MESSAGES)]))
                time.sleep(max(0.0, started + CADENCE - time.monotonic()))
            figures["300-turn conversation, p50 of turns 1-20 -> 281-300"] = tuple(  # type: ignore[assignment]
                [
                    f"{statistics.median(long[n][:20]):.0f} -> {statistics.median(long[n][-20:]):.0f} ms"
                    for n in bots
                ]
                + ["turn 300 <= 1.3x turn 1"]
            )

            log("a 2,000-character message ...")
            noise = random.Random(7)
            gibberish = "".join(noise.choice(string.ascii_lowercase + " ") for _ in range(2000))
            big = {
                n: statistics.median(ms(say, f"big-{uuid.uuid4().hex}", gibberish) for _ in range(5))
                for n, say in bots.items()
            }
            figures["a message of 2,000 characters"] = (
                f"{big['anchor']:.0f} ms",
                f"{big['pace']:.0f} ms",
                "< 200 ms",
            )

            anchor_rss = rss_mb(anchor.pid)
            pace_rss, actions_rss = rss_mb(stack.rasa.pid), rss_mb(stack.actions.pid)
            figures["Rasa server resident memory"] = (
                f"{anchor_rss:.0f} MB",
                f"{pace_rss:.0f} MB (+{actions_rss:.0f} MB action server)",
                "<= 800 MB",
            )
        finally:
            stack.stop()
            anchor.terminate()
            anchor.wait(timeout=30)

    lines = [
        "# Pace benchmark",
        "",
        f"Written by `make bench` (scripts/bench.py) on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC,",
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. The anchor is",
        "the bot `rasa init` makes, with Pace's Rasa, trained and served by the benchmark in the same",
        "run; the two got the same messages, interleaved. Latencies are medians (p50) or 95th",
        f"percentiles of many requests ({args.rounds} rounds of {len(MESSAGES)} messages for one user).",
        f"In the 300-turn conversation each bot gets a turn every {CADENCE} s, the two in alternating",
        "order: a server answers more slowly after a longer idle pause, so without a steady pace one",
        "bot's later turns would be timed after the other's ever longer ones.",
        "",
        "| figure | `rasa init` bot | Pace | Pace / anchor | goal for Pace |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {figure} | {a} | {p} | {ratios(a, p)} | {goal} |" for figure, (a, p, goal) in figures.items()
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
