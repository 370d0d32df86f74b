"""Erases conversations from Pace's tracker store (the SQL store of endpoints.yml).

  python scripts/forget.py --sender ID        one person's conversation, every event of it
                                              (`make forget SENDER=twilio:+15551234567`)
  python scripts/forget.py --older-than DAYS  every conversation whose last message is older
  python scripts/forget.py --retention        with PACE_RETENTION_DAYS set: --older-than that many
                                              days now and every day after (run by make run);
                                              without it, exits at once

Conversation ids carry their channel: "telegram:<chat id>", "twilio:+<number>", "slack:<channel>:
<user>", "facebook:<page-scoped id>", "socketio:<session>"; REST ids are what the caller sent.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Dict

import yaml

ROOT = Path(__file__).resolve().parent.parent
SECONDS_PER_DAY = 86_400
PACE_STORE = "components.tracker_store.PaceTrackerStore"  # Rasa's SQL store, same tables


def tracker_store_url(endpoints: Path) -> str:
    """The SQLAlchemy URL of the SQL tracker store configured in `endpoints`.

    Only the tracker_store section is read (its ${VARIABLES} filled in from the environment), so
    the action server's token need not be set to erase a conversation.
    """
    section = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    environ = {"PACE_DB": str(ROOT / "var" / "conversations.db"), **os.environ}  # serve.sh's default
    config: Dict[str, Any] = {k: _expand(str(v), environ) for k, v in section.items() if v is not None}
    if config.get("type", "").upper() != "SQL" and config.get("type") != PACE_STORE:
        raise SystemExit(f"forget: {endpoints} configures no SQL tracker store")
    dialect = config.get("dialect", "sqlite")
    db = config.get("db", "rasa.db")
    if dialect == "sqlite":
        path = Path(db) if Path(db).is_absolute() else ROOT / db
        return f"sqlite:///{path}"
    from sqlalchemy.engine.url import URL

    return str(
        URL.create(
            dialect,
            username=config.get("username"),
            password=config.get("password"),
            host=config.get("url"),
            port=int(config["port"]) if config.get("port") else None,
            database=db,
        )
    )


def _expand(value: str, environ: Dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: environ.get(m.group(1), m.group(0)), value)


def forget_sender(url: str, sender: str) -> int:
    from sqlalchemy import create_engine, text

    with create_engine(url).begin() as connection:
        return connection.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender}).rowcount


def forget_older_than(url: str, days: float) -> int:
    from sqlalchemy import create_engine, text

    cutoff = time.time() - days * SECONDS_PER_DAY
    statement = text(
        "DELETE FROM events WHERE sender_id IN "
        "(SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"
    )
    with create_engine(url).begin() as connection:
        return connection.execute(statement, {"cutoff": cutoff}).rowcount


def retention_days() -> float | None:
    value = os.environ.get("PACE_RETENTION_DAYS", "").strip()
    if not value:
        return None
    try:
        days = float(value)
    except ValueError:
        raise SystemExit(f"forget: PACE_RETENTION_DAYS must be a number of days, not {value!r}") from None
    if days <= 0:
        raise SystemExit(f"forget: PACE_RETENTION_DAYS must be more than 0, not {value!r}")
    return days


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--sender", help="the conversation id to erase")
    what.add_argument("--older-than", type=float, metavar="DAYS")
    what.add_argument("--retention", action="store_true")
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    args = parser.parse_args()

    if args.sender is not None:
        if not args.sender.strip():
            print("forget: give the conversation id, e.g. make forget SENDER=twilio:+15551234567")
            return 2
        erased = forget_sender(tracker_store_url(args.endpoints), args.sender)
        print(f"forget: erased {erased} events of conversation {args.sender!r}")
        return 0
    if args.older_than is not None:
        erased = forget_older_than(tracker_store_url(args.endpoints), args.older_than)
        print(f"forget: erased {erased} events of conversations older than {args.older_than:g} days")
        return 0
    days = retention_days()
    if days is None:
        return 0  # no retention period set: nothing to do
    url = tracker_store_url(args.endpoints)
    while True:
        erased = forget_older_than(url, days)
        print(f"forget: retention {days:g} days: erased {erased} events", flush=True)
        time.sleep(SECONDS_PER_DAY)


if __name__ == "__main__":
    sys.exit(main())
