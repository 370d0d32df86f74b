"""Starts Rasa (same arguments as `rasa`) with two changes for when the action server is away.

Rasa 3.6 waits up to five minutes for the action server (DEFAULT_REQUEST_TIMEOUT in
rasa/core/constants.py, not configurable) and, when a custom action fails, ends the turn with no
answer of its own. For Pace a hung or dead action server must not leave anyone without an answer:

  - calls to the action server time out after PACE_ACTION_TIMEOUT seconds (default 5);
  - a custom action that fails (refused, timed out, 5xx) is answered with a static response from
    the domain instead: `utter_symptom_unnamed` for the escalation (the urgent words were already
    sent by the rule before it), `utter_temporarily_unavailable` for every other action.

And one change for long conversations: Rasa looks up the class of every stored event, on every turn,
by walking all Event subclasses with `inspect` (Event.resolve_by_type); at turn 300 that walk was
a quarter of the turn's time (py-spy). The class of each event type name is now kept after the
first look-up.

Usage: python scripts/rasa_server.py run --model ... (anything `rasa` accepts)
"""

import logging
import os
import sys
from typing import Any, Dict, List

logger = logging.getLogger("pace.rasa_server")
DEFAULT_ACTION_TIMEOUT_SECONDS = 5
# the static answer for a custom action that could not run; the rest get the general one
STAND_INS: Dict[str, str] = {"action_escalate_symptom": "utter_symptom_unnamed"}
GENERAL_STAND_IN = "utter_temporarily_unavailable"


def action_timeout() -> float:
    value = os.environ.get("PACE_ACTION_TIMEOUT", str(DEFAULT_ACTION_TIMEOUT_SECONDS))
    try:
        seconds = float(value)
    except ValueError:
        raise SystemExit(f"PACE_ACTION_TIMEOUT must be a number of seconds, not {value!r}") from None
    if seconds <= 0:
        raise SystemExit(f"PACE_ACTION_TIMEOUT must be more than 0 seconds, not {value!r}")
    return seconds


def cache_event_types() -> None:
    """Keeps the Event class of each type name after Rasa's first look-up of it."""
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    if getattr(original, "pace_cached", False):
        return
    known: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = known.get(type_name)
        if found is None:
            found = original(type_name, default)
            if found is not None and found is not default:
                known[type_name] = found
        return found

    resolve_by_type.pace_cached = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def install() -> None:
    """Applies the changes to the Rasa modules of this process."""
    cache_event_types()
    import rasa.core.actions.action as action_module
    import rasa.utils.endpoints as endpoints_module

    timeout = action_timeout()
    action_module.DEFAULT_REQUEST_TIMEOUT = timeout
    endpoints_module.DEFAULT_REQUEST_TIMEOUT = timeout

    remote = action_module.RemoteAction
    if getattr(remote.run, "pace_stand_in", False):
        return
    original_run = remote.run

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except action_module.ActionExecutionRejection:
            raise  # a form's "not this slot": Rasa handles it
        except Exception:  # noqa: BLE001 - whatever went wrong, the person gets an answer
            stand_in = STAND_INS.get(self.name(), GENERAL_STAND_IN)
            logger.exception("action %s failed; answering with %s", self.name(), stand_in)
            return await self._utter_responses([{"response": stand_in}], output_channel, nlg, tracker)

    run.pace_stand_in = True  # type: ignore[attr-defined]
    remote.run = run


def main() -> None:
    os.umask(0o077)  # the conversation database and logs are readable by their owner only
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
