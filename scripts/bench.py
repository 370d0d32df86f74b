"""Speed and memory of Pace as people meet it: start-up, reply latency over REST, resident memory.

Starts its own Rasa and action server on free loopback ports (the trained model must exist), sends
a fixed list of messages one at a time, and writes the figures to bench/RESULTS.md.

Usage: python scripts/bench.py [--rounds N]
"""

import argparse
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.stack import Stack  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
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


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(Path(workdir))
        started = time.monotonic()
        stack.start_actions()
        stack.start_rasa()
        startup = time.monotonic() - started
        try:
            stack.say("warm-up", "hello")
            latencies = []
            for _ in range(args.rounds):
                sender = f"bench-{uuid.uuid4().hex}"
                for text in MESSAGES:
                    t0 = time.perf_counter()
                    stack.say(sender, text)
                    latencies.append((time.perf_counter() - t0) * 1000)
            rasa_rss, actions_rss = rss_mb(stack.rasa.pid), rss_mb(stack.actions.pid)
        finally:
            stack.stop()
    lines = [
        "# Pace benchmark",
        "",
        f"Written by `make bench` (scripts/bench.py) on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC,",
        f"{platform.machine()}, Python {platform.python_version()},",
        "one client sending one message at a time.",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| start-up, action server + Rasa until both answer | {startup:.1f} s |",
        f"| replies measured | {len(latencies)} ({args.rounds} conversations of {len(MESSAGES)} messages) |",
        f"| reply latency p50 | {statistics.median(latencies):.0f} ms |",
        f"| reply latency p95 | {percentile(latencies, 0.95):.0f} ms |",
        f"| reply latency max | {max(latencies):.0f} ms |",
        f"| Rasa server resident memory after the run | {rasa_rss:.0f} MB |",
        f"| action server resident memory after the run | {actions_rss:.0f} MB |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
