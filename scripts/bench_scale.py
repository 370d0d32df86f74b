"""The scaling part of `make bench`: Pace on PostgreSQL and Redis, one instance and two behind HAProxy.

On this machine, with throwaway servers on free loopback ports (scripts/throwaway.py, and Redis
through pytest-redis's executor):
  - throughput and p95 at 10 and 50 concurrent users (each in its own conversation, sending
    MESSAGES one after another), to one instance directly and to two instances behind HAProxy;
  - the tracker store's cost per turn (read the conversation, write the new events) for a
    20-turn conversation, SQLite against PostgreSQL, measured in-process with Rasa's own store.
Appends a section to bench/RESULTS.md. Asserts nothing. Usage: python scripts/bench_scale.py
"""

import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import endpoints  # noqa: E402
from scripts.bench import MESSAGES, log, percentile, rest_say  # noqa: E402
from scripts.stack import MODEL, PYTHON, ROOT, free_port, wait_for  # noqa: E402
from scripts.throwaway import ThrowawayHaproxy, ThrowawayPostgres  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
TURNS_PER_USER = 10


def load(port: int, users: int) -> Tuple[float, float]:
    """(messages per second, p95 ms) for `users` conversations at once, TURNS_PER_USER each."""
    say = rest_say(port)

    def person(_: int) -> List[float]:
        sender = f"scale-{uuid.uuid4().hex}"
        times = []
        for n in range(TURNS_PER_USER):
            started = time.perf_counter()
            say(sender, MESSAGES[n % len(MESSAGES)])
            times.append((time.perf_counter() - started) * 1000)
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        times = [t for person_times in pool.map(person, range(users)) for t in person_times]
    return len(times) / (time.perf_counter() - started), percentile(times, 95)


def store_cost(config: Dict, turns: int = 20, runs: int = 30) -> float:
    """Median ms to read a `turns`-turn conversation and save one more turn, with Rasa's SQL store."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "domain.yml"))
    # endpoints.yml names the host `url`; the store's own argument is `host`
    arguments = {("host" if k == "url" else k): v for k, v in config.items() if k != "type"}
    store = SQLTrackerStore(domain, **arguments)
    sender = f"cost-{uuid.uuid4().hex}"
    tracker = DialogueStateTracker(sender, domain.slots)
    for n in range(turns):
        tracker.update(UserUttered(f"question {n}", {"name": "faq", "confidence": 0.9}))
        tracker.update(ActionExecuted("utter_faq"))
        tracker.update(BotUttered("an answer"))
        tracker.update(ActionExecuted("action_listen"))

    async def measure() -> float:
        await store.save(tracker)
        times = []
        for n in range(runs):
            started = time.perf_counter()
            current = await store.retrieve(sender)
            current.update(UserUttered(f"more {n}", {"name": "faq", "confidence": 0.9}))
            current.update(ActionExecuted("action_listen"))
            await store.save(current)
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    return asyncio.run(measure())


def main() -> int:
    from pytest_redis.executor import RedisExecutor

    work = Path(tempfile.mkdtemp(prefix="pace-bench-scale-"))
    postgres = ThrowawayPostgres().start()
    redis_port = free_port()
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    redis = RedisExecutor(server, databases=4, redis_timeout=30, loglevel="warning", host="127.0.0.1",
                          port=redis_port, datadir=work)  # fmt: skip
    redis.start()
    action_port = free_port()
    env = {
        **os.environ,
        "PACE_DATABASE_URL": postgres.url,
        "PACE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ACTION_SERVER_PORT": str(action_port),
        "PACE_ACTION_TOKEN": secrets.token_hex(24),
        "TICKET_LOCK_LIFETIME": "30",
    }
    (work / "endpoints.yml").write_text(yaml.safe_dump(endpoints.endpoints(env)))
    (work / "credentials.yml").write_text("rest:\n")
    processes: List[subprocess.Popen] = []
    balancer = None

    def spawn(name: str, args: List[str]) -> subprocess.Popen:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=open(work / f"{name}.log", "w"),
                                   stderr=subprocess.STDOUT)  # fmt: skip
        processes.append(process)
        return process

    rows = []
    try:
        log("scaling: PostgreSQL, Redis, the action server and two Pace instances ...")
        actions = spawn("actions", [str(PYTHON), "scripts/action_server.py", "--port", str(action_port)])
        ports = [free_port(), free_port()]
        instances = [
            spawn(
                f"rasa{n}",
                [
                    str(PYTHON),
                    "scripts/rasa_server.py",
                    "run",
                    "--model",
                    str(MODEL),
                    "--port",
                    str(port),
                    "--endpoints",
                    str(work / "endpoints.yml"),
                    "--credentials",
                    str(work / "credentials.yml"),
                ],
            )  # fmt: skip
            for n, port in enumerate(ports)
        ]
        wait_for(f"http://127.0.0.1:{action_port}/health", actions)
        for port, process in zip(ports, instances, strict=True):
            wait_for(f"http://127.0.0.1:{port}/", process, timeout=300)
        balancer = ThrowawayHaproxy(ports).start()
        load(ports[0], 5)  # warm-up
        for users in (10, 50):
            for label, port in (("1 instance", ports[0]), ("2 instances behind HAProxy", balancer.port)):
                log(f"scaling: {users} users, {label} ...")
                runs = [load(port, users) for _ in range(2)]
                throughput = statistics.median(r[0] for r in runs)
                p95 = statistics.median(r[1] for r in runs)
                rows.append(f"| {users} | {label} | {throughput:.1f} msg/s | {p95:.0f} ms |")
        log("scaling: tracker store cost per turn ...")
        sqlite_cost = store_cost({"type": "SQL", "dialect": "sqlite", "db": str(work / "cost.db")})
        url = endpoints.tracker_store(postgres.url)
        postgres_cost = store_cost(url)
    finally:
        if balancer:
            balancer.stop()
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        redis.stop()
        postgres.remove()
        shutil.rmtree(work, ignore_errors=True)

    section = [
        "",
        "## Scaling out (PostgreSQL tracker store, Redis lock store)",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make bench` (scripts/bench_scale.py). "
        f"Each user has its own conversation and sends {TURNS_PER_USER} messages one after another; medians "
        "of two runs. Both instances share this machine's 2 cores with PostgreSQL, Redis, HAProxy and the "
        "load generator.",
        "",
        "| users | Pace | throughput | p95 |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        "Tracker store, one turn of a 20-turn conversation (read it, write the new events), median of 30: "
        f"SQLite {sqlite_cost:.1f} ms, PostgreSQL {postgres_cost:.1f} ms.",
    ]
    with RESULTS.open("a") as results:
        results.write("\n".join(section) + "\n")
    print("\n".join(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
