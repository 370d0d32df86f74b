"""Rasa's SQL tracker store, with a turn's cost that does not grow with the conversation.

Rasa 3.6 rebuilds a conversation from the database on every message: it reads every event of the
session, decodes and replays it, and its policies then walk the whole history again for each
action they predict; every custom action call sends the whole history to the action server. At
turn 300 of one session a turn took about five times as long as at turn 10 (`make bench`).

`PaceTrackerStore` changes two things and keeps the database exactly as Rasa writes it:

  - **the last tracker of each conversation stays in memory** (up to `cache_size` conversations,
    least recently used first out). It is handed out again only while the database holds no event
    it lacks (the conversation's events are counted and its newest id read, one indexed query, so
    rows erased and as many written since still show: PostgreSQL never reuses an id, SQLite only
    ids above every other conversation's) and while nothing was added to it without being saved
    (a turn that failed half-way); otherwise the conversation is read from the database, as Rasa
    does. So another Pace instance writing to the same conversation (scale-out) is seen, an erased
    conversation is gone, and nothing half-done is reused.
  - **the tracker the policies and actions see keeps the last `keep_turns` to twice that many
    turns.** When it grows past that, the older turns are replaced by what Rasa itself writes at
    the start of a new session that carries slots over: `action_session_start`, `session_started`
    and a `slot` event for each slot that was set. Slots (the safety memory, the body weight) and
    the recent turns the rules and follow-ups look at are therefore unchanged. Only events the
    turn added are written, in Rasa's own rows and in one statement, so the stored history stays
    complete (`make report`, the tracker API and `retrieve_full_tracker` read all of it).

And SQLite is opened once per thread rather than for every query (Rasa's engine uses SQLAlchemy's
NullPool for a file).

Usage, in the endpoints file: `tracker_store: {type: components.tracker_store.PaceTrackerStore,
dialect: sqlite, db: ...}` with any argument of Rasa's SQL tracker store, plus optionally
`keep_turns` (default 6) and `cache_size` (default 256).
"""

import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, TrackerEventDiffEngine
from rasa.shared.nlu.constants import INTENT_NAME_KEY

DEFAULT_KEEP_TURNS = 6
DEFAULT_CACHE_SIZE = 256
# set on each tracker this store hands out: how many of its events are in the database
STORED = "pace_stored_events"


@dataclass
class Cached:
    tracker: DialogueStateTracker
    # the conversation's rows in the database (how many, the newest id) when it was read or saved
    mark: Tuple[int, Optional[int]]


class PaceTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        *args: Any,
        keep_turns: int = DEFAULT_KEEP_TURNS,
        cache_size: int = DEFAULT_CACHE_SIZE,
        **kwargs: Any,
    ) -> None:
        if int(keep_turns) < 1 or int(cache_size) < 1:
            raise ValueError(f"keep_turns and cache_size must be 1 or more, not {keep_turns}, {cache_size}")
        super().__init__(*args, **kwargs)
        if self.engine.url.get_backend_name() == "sqlite":
            # Rasa's engine opens the SQLite file anew for every query (SQLAlchemy's NullPool); one
            # connection per thread is kept instead
            self.engine.dispose()
            self.engine = sa.create_engine(self.engine.url, poolclass=sa.pool.SingletonThreadPool)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.keep_turns = int(keep_turns)
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[str, Cached] = OrderedDict()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's current session, from memory when the database has nothing newer."""
        with self.engine.connect() as connection:
            mark = self._mark(connection, sender_id)
        cached = self._cache.get(sender_id)
        if mark[0] == 0:
            self._cache.pop(sender_id, None)
            return None
        if cached is not None and cached.mark == mark and _unchanged(cached.tracker):
            tracker = cached.tracker
        else:
            tracker = await super().retrieve(sender_id)  # the session from the database, Rasa's way
            if tracker is None:
                return None
        tracker = self._bounded(tracker)
        self._remember(tracker, mark)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the events the tracker gained since it was read, and keeps it for the next turn."""
        if getattr(tracker, STORED, None) is None:
            # not one this store handed out (a new conversation, a full history): Rasa's own way
            await super().save(tracker)
            self._cache.pop(tracker.sender_id, None)
            return
        new = list(itertools.islice(tracker.events, getattr(tracker, STORED), None))
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new, tracker.sender_id)
        cached = self._cache.get(tracker.sender_id)
        mark = cached.mark if cached is not None else (0, None)
        if new:
            with self.engine.begin() as connection:
                connection.execute(
                    self.SQLEvent.__table__.insert(), [_row(tracker.sender_id, e) for e in new]
                )
                mark = self._mark(connection, tracker.sender_id)
        if cached is None or cached.tracker is not tracker or any(isinstance(e, SessionStarted) for e in new):
            # read again meanwhile, or a new session began: the next turn reads the database
            self._cache.pop(tracker.sender_id, None)
            return
        self._remember(tracker, mark)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """For Rasa's own save path: the new events against what the database holds (Rasa compares
        with `retrieve`, which here may hand out a shortened tracker)."""
        if self.event_broker is None:
            return
        new = TrackerEventDiffEngine.event_difference(await super().retrieve(tracker.sender_id), tracker)
        await self._stream_new_events(self.event_broker, new, tracker.sender_id)

    def _mark(self, connection: Any, sender_id: str) -> Tuple[int, Optional[int]]:
        table = self.SQLEvent.__table__
        query = sa.select(sa.func.count(table.c.id), sa.func.max(table.c.id)).where(
            table.c.sender_id == sender_id
        )
        count, newest = connection.execute(query).one()
        return int(count), newest

    def _remember(self, tracker: DialogueStateTracker, mark: Tuple[int, Optional[int]]) -> None:
        setattr(tracker, STORED, len(tracker.events))
        self._cache[tracker.sender_id] = Cached(tracker, mark)
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _bounded(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The tracker itself, or, past twice `keep_turns` turns, one that starts `keep_turns` back."""
        events = list(tracker.events)
        turns = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
        if len(turns) <= 2 * self.keep_turns:
            return tracker
        cut = turns[-self.keep_turns]
        if _is_listen(events[cut - 1]):
            cut -= 1
        before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], self.domain.slots)
        stamp = events[cut].timestamp
        head: List[Event] = [
            ActionExecuted(ACTION_SESSION_START_NAME, timestamp=stamp),
            SessionStarted(timestamp=stamp),
        ]
        head += [
            SlotSet(name, slot.value, timestamp=stamp)
            for name, slot in before.slots.items()
            if slot.value != slot.initial_value
        ]
        if before.active_loop_name:
            head.append(ActiveLoop(before.active_loop_name, timestamp=stamp))
        return DialogueStateTracker.from_events(tracker.sender_id, head + events[cut:], self.domain.slots)


def _row(sender_id: str, event: Event) -> Dict[str, Any]:
    """The event as Rasa's SQL store writes it (SQLTrackerStore.save)."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _unchanged(tracker: DialogueStateTracker) -> bool:
    """Nothing was added to the tracker since it was read or saved (no turn is half-way)."""
    return len(tracker.events) == getattr(tracker, STORED, -1)


def _is_listen(event: Event) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME
