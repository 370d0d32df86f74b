"""Several Pace instances behind one address, on real PostgreSQL and Redis (issue 14).

Starts, on free loopback ports: a throwaway PostgreSQL (scripts/throwaway.py), a throwaway Redis
(pytest-redis), one action server, two Rasa instances whose endpoints come from
scripts/endpoints.py with PACE_DATABASE_URL and PACE_REDIS_URL set, and HAProxy in front of them.
Marked `scale`: `make scale` (part of `make test`) installs Debian's postgresql, redis-server and
haproxy when they are missing and runs these. All traffic is bounded and goes to 127.0.0.1.
"""

import json
import os
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

import pytest
from pytest_redis import factories

from scripts.stack import MODEL
from scripts.throwaway import PaceCluster
from tests.content import mentions

pytestmark = pytest.mark.scale
redis_server = factories.redis_proc(
    executable=shutil.which("redis-server") or "/usr/bin/redis-server", port=None
)


def post(port: int, sender: str, text: str, timeout: float = 60) -> Tuple[int, list]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, []
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, []  # no answer: not acknowledged


def say(port: int, sender: str, text: str, timeout: float = 60) -> str:
    status, replies = post(port, sender, text, timeout)
    assert status == 200, (status, text)
    return " ".join(r.get("text", "") for r in replies)


def tracker(port: int, sender: str) -> dict:
    with urllib.request.urlopen(
        f"http://127.0.0.1:{port}/conversations/{sender}/tracker", timeout=30
    ) as reply:
        return json.loads(reply.read())


def user_texts(events: list) -> List[str]:
    return [e["text"] for e in events if e["event"] == "user"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, redis_server):
    if not MODEL.exists():
        pytest.fail("models/pace.tar.gz is missing: run `make train` (make test does)")
    redis_url = f"redis://{redis_server.host}:{redis_server.port}/0"
    with PaceCluster(tmp_path_factory.mktemp("scale"), redis_url, size=2, enable_api=True) as running:
        yield running


def test_one_conversation_alternating_between_instances_keeps_order_slots_and_safety_memory(cluster):
    first, second = (i.port for i in cluster.instances)
    sender = f"scale-{uuid.uuid4().hex}"
    turns = [
        "my calves cramped on the bike",
        "how much protein do i need, i weigh 70 kg",
        "what is myostatin",
    ]
    for port, text in zip([first, second, first], turns, strict=True):
        say(port, sender, text)
    reply = say(second, sender, "can i exercise again tomorrow?")
    assert mentions(reply, "utter_safety_reminder") or mentions(reply, "utter_resume_exercise")
    for port in (first, second):
        state = tracker(port, sender)
        assert user_texts(state["events"]) == [*turns, "can i exercise again tomorrow?"]
        assert state["slots"]["safety_flag"] is True and state["slots"]["body_weight_kg"] == 70


def test_twenty_concurrent_messages_to_one_conversation_are_taken_one_at_a_time(cluster):
    sender = f"scale-{uuid.uuid4().hex}"
    texts = [f"question {n}: what is myostatin" for n in range(20)]
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda text: post(cluster.balancer.port, sender, text), texts))
    assert [status for status, _ in results] == [200] * 20 and all(replies for _, replies in results)
    events = tracker(cluster.instances[0].port, sender)["events"]
    assert sorted(user_texts(events)) == sorted(texts)  # none lost, none twice
    # one at a time: every user message is answered, and its turn ends, before the next one starts
    starts = [n for n, e in enumerate(events) if e["event"] == "user"]
    for start, end in zip(starts, [*starts[1:], len(events)], strict=True):
        turn = events[start + 1 : end]
        assert any(e["event"] == "bot" for e in turn), events[start]["text"]
        assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen"


def test_postgres_restarted_under_load_is_used_again_without_a_restart_of_pace(cluster):
    sender = f"scale-{uuid.uuid4().hex}"
    say(cluster.balancer.port, sender, "how much protein do i need, i weigh 70 kg")
    pids = [i.process.pid for i in cluster.instances]
    answered: List[float] = []
    stop = threading.Event()

    def load() -> None:
        for n in range(600):  # at most a minute
            if stop.is_set():
                return
            status, _ = post(cluster.balancer.port, sender, f"what is cachexia {n}", timeout=10)
            if status == 200:
                answered.append(time.monotonic())
            time.sleep(0.1)

    worker = threading.Thread(target=load)
    worker.start()
    try:
        time.sleep(1)
        cluster.postgres.stop()
        time.sleep(2)
        cluster.postgres.start()
        back = time.monotonic()
        deadline = back + 30
        while time.monotonic() < deadline and not any(t > back for t in answered):
            time.sleep(0.2)
    finally:
        stop.set()
        worker.join(timeout=30)
    first_answer = min(t for t in answered if t > back) - back
    assert first_answer < 10, f"answered again {first_answer:.1f} s after PostgreSQL came back"
    assert [i.process.pid for i in cluster.instances] == pids and all(
        i.process.poll() is None for i in cluster.instances
    )
    assert tracker(cluster.instances[0].port, sender)["slots"]["body_weight_kg"] == 70


def test_an_instance_killed_under_load_loses_no_acknowledged_turn(cluster):
    survivor, victim = cluster.instances
    senders = [f"scale-{uuid.uuid4().hex}" for _ in range(4)]
    for sender in senders:
        say(cluster.balancer.port, sender, "my calves cramped on the bike")
    acknowledged: List[Tuple[str, str, float]] = []
    killed_at = []

    def load(sender: str) -> None:
        # bounded by count and by time after the kill, never by count alone: on a fast machine
        # 60 turns ended before the kill and nothing was sent after it
        for n in range(500):
            text = f"what is myostatin {n}"
            status, _ = post(cluster.balancer.port, sender, text, timeout=30)
            if status == 200:
                acknowledged.append((sender, text, time.monotonic()))
            if killed_at and time.monotonic() - killed_at[0] > 5:
                return

    with ThreadPoolExecutor(len(senders)) as pool:
        running = [pool.submit(load, sender) for sender in senders]
        time.sleep(2)
        os.kill(victim.process.pid, signal.SIGKILL)
        killed_at.append(time.monotonic())
        for future in running:
            future.result(timeout=120)
    assert any(t > killed_at[0] + 1 for _, _, t in acknowledged), "nothing was answered after the kill"
    for sender in senders:
        stored = user_texts(tracker(survivor.port, sender)["events"])
        lost = [text for who, text, _ in acknowledged if who == sender and text not in stored]
        assert lost == []
        # the conversation goes on on the survivor, safety memory included
        # (a conversation whose lock the killed instance held waits for the lock to lapse: Rasa's
        # TICKET_LOCK_LIFETIME, 60 s by default)
        reply = say(cluster.balancer.port, sender, "can i exercise again tomorrow?", timeout=120)
        assert mentions(reply, "utter_safety_reminder") or mentions(reply, "utter_resume_exercise")


def issue_tickets_at_once(store_class, redis_server, processes: int = 8, each: int = 25) -> List[int]:
    """Tickets for one conversation, issued by `processes` stores (one per thread) at the same time."""
    conversation = f"race-{uuid.uuid4().hex}"
    stores = [store_class(host=redis_server.host, port=redis_server.port, db=3) for _ in range(processes)]
    start = threading.Barrier(processes)

    def issue(store) -> List[int]:
        start.wait()
        return [store.issue_ticket(conversation, 60) for _ in range(each)]

    with ThreadPoolExecutor(processes) as pool:
        return [ticket for tickets in pool.map(issue, stores) for ticket in tickets]


def test_rasas_redis_lock_store_can_hand_out_one_ticket_twice(redis_server):
    """Why Pace has its own lock store: Rasa 3.6's reads, changes and writes the queue unguarded."""
    from rasa.core.lock_store import RedisLockStore

    tickets = issue_tickets_at_once(RedisLockStore, redis_server)
    assert len(set(tickets)) < len(tickets)


def test_paces_redis_lock_store_hands_out_every_ticket_once(redis_server):
    from components.lock_store import PaceRedisLockStore

    tickets = issue_tickets_at_once(PaceRedisLockStore, redis_server)
    assert sorted(tickets) == list(range(len(tickets)))
