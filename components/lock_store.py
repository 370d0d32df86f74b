"""Rasa's Redis lock store, with its read-modify-write steps made atomic across processes.

Rasa 3.6's RedisLockStore keeps a conversation's ticket queue as one JSON value and changes it by
reading it, changing it in Python and writing it back (`issue_ticket`, `update_lock`, `cleanup`).
Two Pace processes that take a message of the same conversation at the same moment can both read
the queue before either writes it: they get the same ticket and run two turns at once, and the
SQL tracker store then keeps the events of only one of them. With two instances behind HAProxy,
20 messages sent at once to one conversation lost 3 turns this way (tests/test_scale.py). (Rasa
fixed this in its commercial edition, PR 11256; Rasa Open Source 3.6 has the race.)

Here each of those steps runs under a short Redis lock of its own (redis-py's `Lock`: SET NX with a
token and an expiry, released only by its owner), so the queue changes one process at a time.
Used as `lock_store: type: components.lock_store.PaceRedisLockStore` (scripts/endpoints.py).
"""

from typing import Any, Optional

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# how long one queue change may hold the guard, and how long another waits for it (seconds)
GUARD_SECONDS = 5.0
GUARD_POLL_SECONDS = 0.005


class PaceRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)
        else:
            super().__init__(**kwargs)

    def _guard(self, conversation_id: str) -> Any:
        return self.red.lock(
            f"{self.key_prefix}{conversation_id}:queue",
            timeout=GUARD_SECONDS,
            blocking_timeout=GUARD_SECONDS,
            sleep=GUARD_POLL_SECONDS,
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._guard(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._guard(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._guard(conversation_id):
            super().cleanup(conversation_id, ticket_number)
