"""Rasa's SQL tracker store, with a turn's cost that does not grow with the conversation.

Rasa 3.6 rebuilds a conversation from the database on every message: it reads every event of the
session, decodes and replays it, and its policies then walk the whole history again for each
action they predict; every custom action call sends the whole history to the action server. At
turn 300 of one session a turn took about five times as long as at turn 10 (`make bench`).

`PaceTrackerStore` changes two things and keeps the database exactly as Rasa writes it:

  - **the last tracker of each conversation stays in memory** (up to `cache_size` conversations,
    least recently used first out). It is handed out again only while the database holds no event
    it lacks (the conversation's newest event id is checked, one indexed query) and while nothing
    was added to it without being saved (a turn that failed half-way); otherwise the conversation
    is read from the database, as Rasa does. So another Pace instance writing to the same
    conversation (scale-out) is seen, and nothing half-done is reused.
  - **the tracker the policies and actions see keeps the last `keep_turns` to twice that many
    turns.** When it grows past that, the older turns are replaced by what Rasa itself writes at
    the start of a new session that carries slots over: `action_session_start`, `session_started`
    and a `slot` event for each slot that was set. Slots (the safety memory, the body weight) and
    the recent turns the rules and follow-ups look at are therefore unchanged. Only events the
    turn added are written, so the stored history stays complete (`make report`, the tracker API
    and `retrieve_full_tracker` read all of it).

Usage, in the endpoints file: `tracker_store: {type: components.tracker_store.PaceTrackerStore,
dialect: sqlite, db: ...}` with any argument of Rasa's SQL tracker store, plus optionally
`keep_turns` (default 10) and `cache_size` (default 256).
"""

import itertools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_KEEP_TURNS = 10
DEFAULT_CACHE_SIZE = 256
# set on each tracker this store hands out: how many of its events are in the database
STORED = "pace_stored_events"


@dataclass
class Cached:
    tracker: DialogueStateTracker
    last_event_id: int


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
        self.keep_turns = int(keep_turns)
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[str, Cached] = OrderedDict()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's current session, from memory when the database has nothing newer."""
        cached = self._cache.get(sender_id)
        last_event_id = self._last_event_id(sender_id)
        if last_event_id is None:
            self._cache.pop(sender_id, None)
            return None
        if cached is not None and cached.last_event_id == last_event_id and _unchanged(cached.tracker):
            self._cache.move_to_end(sender_id)
            tracker = self._bounded(cached.tracker)
        else:
            loaded = self._load(sender_id)
            if loaded is None:
                return None
            tracker, last_event_id = loaded
            tracker = self._bounded(tracker)
        self._remember(tracker, last_event_id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the events the tracker gained since it was read, and keeps it for the next turn."""
        await super().save(tracker)
        if getattr(tracker, STORED, None) is None or any(
            isinstance(e, SessionStarted) for e in _new(tracker)
        ):
            # not one of ours (a new conversation, a full history), or a new session began:
            # the next turn reads the session from the database
            self._cache.pop(tracker.sender_id, None)
            return
        last_event_id = self._last_event_id(tracker.sender_id)
        if last_event_id is not None:
            self._remember(tracker, last_event_id)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is None or getattr(tracker, STORED, None) is None:
            await super().stream_events(tracker)
            return
        await self._stream_new_events(self.event_broker, list(_new(tracker)), tracker.sender_id)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        if getattr(tracker, STORED, None) is None:
            return super()._additional_events(session, tracker)
        return _new(tracker)

    def _last_event_id(self, sender_id: str) -> Optional[int]:
        with self.session_scope() as session:
            return (
                session.query(sa.func.max(self.SQLEvent.id))
                .filter(self.SQLEvent.sender_id == sender_id)
                .scalar()
            )

    def _load(self, sender_id: str) -> Optional[Tuple[DialogueStateTracker, int]]:
        """The latest session from the database, as Rasa's SQL store reads it, and its newest event id."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            if not rows:
                return None
            events = [json.loads(row.data) for row in rows]
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots), rows[-1].id

    def _remember(self, tracker: DialogueStateTracker, last_event_id: int) -> None:
        setattr(tracker, STORED, len(tracker.events))
        self._cache[tracker.sender_id] = Cached(tracker, last_event_id)
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


def _new(tracker: DialogueStateTracker) -> Iterator[Event]:
    return itertools.islice(tracker.events, getattr(tracker, STORED), None)


def _unchanged(tracker: DialogueStateTracker) -> bool:
    """Nothing was added to the tracker since it was read or saved (no turn is half-way)."""
    return len(tracker.events) == getattr(tracker, STORED, -1)


def _is_listen(event: Event) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME
