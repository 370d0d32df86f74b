"""scripts/rasa_server.py: Rasa's event look-up kept per type name, as Rasa itself answers it."""

import pytest
import rasa.shared.utils.common as common
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from scripts import rasa_server


def test_event_types_are_looked_up_once_and_answered_as_rasa_does(monkeypatch):
    rasa_server.cache_event_types()
    walks = []
    original = common.all_subclasses
    monkeypatch.setattr(
        common, "all_subclasses", lambda cls: (cls is Event and walks.append(cls)) or original(cls)
    )
    assert Event.resolve_by_type("slot") is SlotSet
    walked = len(walks)
    for _ in range(3):
        assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("user") is UserUttered
    assert len(walks) - walked <= 1  # "slot" never again, "user" at most once
    assert Event.resolve_by_type("no such event", default=ActionExecuted) is ActionExecuted
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no such event")
    restored = Event.from_parameters({"event": "slot", "name": "safety_flag", "value": True})
    assert restored == SlotSet("safety_flag", True)


def test_installing_twice_keeps_one_cache():
    rasa_server.cache_event_types()
    first = Event.resolve_by_type
    rasa_server.cache_event_types()
    assert Event.resolve_by_type is first
