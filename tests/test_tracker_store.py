"""components/tracker_store.py: a turn reads a bounded tracker; the database keeps everything."""

import asyncio
import functools
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from components.tracker_store import PaceTrackerStore
from scripts.stack import ROOT

KEEP = 3


@functools.cache
def domain() -> Domain:
    """Pace's domain, read once, when a test first needs it."""
    return Domain.load(str(ROOT / "domain.yml"))


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "conversations.db")


def store(db: str, **kwargs) -> PaceTrackerStore:
    return PaceTrackerStore(domain=domain(), dialect="sqlite", db=db, keep_turns=KEEP, **kwargs)


def start(store, sender: str):
    """A new conversation as Rasa begins one: session start, then listening."""
    tracker = run(store.create_tracker(sender, append_action_listen=False))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))


def turn(store, sender: str, text: str, *extra) -> None:
    tracker = run(store.retrieve(sender))
    tracker.update(UserUttered(text, {"name": "faq", "confidence": 0.9}))
    for event in extra:
        tracker.update(event)
    tracker.update(ActionExecuted("utter_faq"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))


def user_texts(tracker):
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def stored_rows(db: str, sender: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_a_long_conversation_reads_a_bounded_tracker_and_stores_every_event(db):
    pace = store(db)
    start(pace, "a")
    for n in range(40):
        turn(pace, "a", f"question {n}")
    tracker = run(pace.retrieve("a"))
    assert KEEP <= len(user_texts(tracker)) <= 2 * KEEP
    assert user_texts(tracker)[-1] == "question 39"
    # every event once, in order, as Rasa's own store reads them
    full = run(SQLTrackerStore(domain(), dialect="sqlite", db=db).retrieve("a"))
    assert user_texts(full) == [f"question {n}" for n in range(40)]
    assert stored_rows(db, "a") == 3 + 40 * 4


def test_slots_set_long_ago_survive_and_the_recent_turns_look_the_same_to_the_policies(db):
    pace = store(db)
    start(pace, "a")
    turn(pace, "a", "my legs gave way", SlotSet("safety_flag", True), SlotSet("body_weight_kg", 70.0))
    for n in range(20):
        turn(pace, "a", f"question {n}")
    bounded = run(pace.retrieve("a"))
    full = run(SQLTrackerStore(domain(), dialect="sqlite", db=db).retrieve("a"))
    assert bounded.get_slot("safety_flag") is True and bounded.get_slot("body_weight_kg") == 70.0
    assert len(bounded.events) < len(full.events) / 3
    recent = 2 * KEEP  # the states of the last turns, which is what the rules match on
    assert bounded.past_states(domain())[-recent:] == full.past_states(domain())[-recent:]


def test_what_another_instance_wrote_is_seen(db):
    one, other = store(db), store(db)
    start(one, "a")
    turn(one, "a", "first")
    turn(other, "a", "from the other instance")
    turn(one, "a", "third")
    assert user_texts(run(other.retrieve("a"))) == ["first", "from the other instance", "third"]
    assert stored_rows(db, "a") == 3 + 3 * 4


def test_a_turn_that_failed_half_way_is_not_reused(db):
    pace = store(db)
    start(pace, "a")
    turn(pace, "a", "saved")
    half_done = run(pace.retrieve("a"))
    half_done.update(UserUttered("never saved", {"name": "faq", "confidence": 0.9}))
    assert user_texts(run(pace.retrieve("a"))) == ["saved"]


def test_a_new_session_starts_from_the_database(db):
    pace = store(db)
    start(pace, "a")
    turn(pace, "a", "yesterday")
    tracker = run(pace.retrieve("a"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(pace.save(tracker))
    turn(pace, "a", "today")
    assert user_texts(run(pace.retrieve("a"))) == ["today"]


def test_an_erased_conversation_is_gone_from_memory_too(db):
    pace = store(db)
    start(pace, "a")
    turn(pace, "a", "hello")
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'a'")
    assert run(pace.retrieve("a")) is None


def test_memory_holds_at_most_cache_size_conversations(db):
    pace = store(db, cache_size=2)
    for sender in "abc":
        start(pace, sender)
        turn(pace, sender, "hello")
    assert list(pace._cache) == ["b", "c"]
    assert user_texts(run(pace.retrieve("a"))) == ["hello"]  # read again from the database


@pytest.mark.parametrize("arguments", [{"keep_turns": 0}, {"cache_size": 0}])
def test_nonsense_settings_are_refused(db, arguments):
    with pytest.raises(ValueError, match="must be 1 or more"):
        PaceTrackerStore(domain=domain(), dialect="sqlite", db=db, **arguments)


def test_rows_are_rasas_own_and_an_event_broker_gets_each_new_event_once(db):
    published = []

    class Broker:
        def publish(self, body):
            published.append(body)

    pace = store(db, event_broker=Broker())
    start(pace, "a")  # Rasa's own save path (a tracker this store did not hand out)
    assert [b["event"] for b in published] == ["action", "session_started", "action"]
    published.clear()
    turn(pace, "a", "hello")
    assert [b["event"] for b in published] == ["user", "action", "bot", "action"]
    assert all(b["sender_id"] == "a" for b in published)
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type_name, intent_name, action_name FROM events WHERE sender_id = 'a' ORDER BY id"
        ).fetchall()
    assert rows[-4:] == [("user", "faq", None), ("action", None, "utter_faq"), ("bot", None, None),
                         ("action", None, "action_listen")]  # fmt: skip


def test_an_erased_conversation_begun_again_elsewhere_to_the_same_length_is_read_again(db):
    one, other = store(db), store(db)
    start(one, "a")
    turn(one, "a", "before the erasure")
    start(one, "someone else")  # other conversations go on meanwhile
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'a'")
    start(other, "a")
    turn(other, "a", "after it")  # as many rows as before
    assert user_texts(run(one.retrieve("a"))) == ["after it"]
