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
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import endpoints  # noqa: E402
from scripts.bench import MESSAGES, log, percentile, rest_say  # noqa: E402
from scripts.stack import ROOT, free_port  # noqa: E402
from scripts.throwaway import PaceCluster  # noqa: E402

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
    """Median ms to read a `turns`-turn conversation and save one more turn, with Pace's store."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from components.tracker_store import PaceTrackerStore

    domain = Domain.load(str(ROOT / "domain.yml"))
    # endpoints.yml names the host `url`; the store's own argument is `host`
    arguments = {("host" if k == "url" else k): v for k, v in config.items() if k != "type"}
    store = PaceTrackerStore(domain=domain, **arguments)
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


def measure(cluster: PaceCluster, work: Path) -> Tuple[List[str], float, float]:
    """The table's rows, and the store's cost per turn on SQLite and on the cluster's PostgreSQL."""
    ports = [i.port for i in cluster.instances]
    rows = []
    load(ports[0], 5)  # warm-up
    for users in (10, 50):
        for label, port in (("1 instance", ports[0]), ("2 instances behind HAProxy", cluster.balancer.port)):
            log(f"scaling: {users} users, {label} ...")
            runs = [load(port, users) for _ in range(2)]
            throughput = statistics.median(r[0] for r in runs)
            p95 = statistics.median(r[1] for r in runs)
            rows.append(f"| {users} | {label} | {throughput:.1f} msg/s | {p95:.0f} ms |")
    log("scaling: tracker store cost per turn ...")
    sqlite_cost = store_cost({"dialect": "sqlite", "db": str(work / "cost.db")})
    postgres_cost = store_cost(endpoints.tracker_store(cluster.postgres.url))
    return rows, sqlite_cost, postgres_cost


def main() -> int:
    from pytest_redis.executor import RedisExecutor

    work = Path(tempfile.mkdtemp(prefix="pace-bench-scale-"))
    redis_port = free_port()
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    redis = RedisExecutor(server, databases=4, redis_timeout=30, loglevel="warning", host="127.0.0.1",
                          port=redis_port, datadir=work)  # fmt: skip
    redis.start()
    log("scaling: PostgreSQL, Redis, the action server and two Pace instances ...")
    try:
        with PaceCluster(work, f"redis://127.0.0.1:{redis_port}/0", size=2) as cluster:
            rows, sqlite_cost, postgres_cost = measure(cluster, work)
    finally:
        redis.stop()
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
