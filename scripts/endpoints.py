"""Writes the endpoints file Rasa runs with, choosing the conversation and lock stores by environment.

  (nothing set)          conversations in SQLite (PACE_DB), locks in memory: one Pace process
  PACE_DATABASE_URL      postgresql://user:password@host:5432/pace: conversations in PostgreSQL
  PACE_REDIS_URL         redis://[:password@]host:6379/0: conversation locks in Redis, so several
                         Pace processes (SANIC_WORKERS, or instances behind a load balancer) take
                         the turns of one conversation one at a time

Everything else (action server, answer texts) comes from endpoints.yml as it is.
Usage: python scripts/endpoints.py OUT.yml   (scripts/serve.sh writes var/endpoints.yml)
"""

import os
import sys
from pathlib import Path
from typing import Any, Dict, Mapping
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "endpoints.yml"


class SettingError(ValueError):
    pass


def tracker_store(url: str) -> Dict[str, Any]:
    """Pace's tracker store (Rasa's SQL store, components/tracker_store.py) for a postgresql:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname or not parts.path.strip("/"):
        raise SettingError(
            "PACE_DATABASE_URL must look like postgresql://user:password@host:5432/database, "
            f"not {redacted(url)!r}"
        )
    store: Dict[str, Any] = {
        "type": "components.tracker_store.PaceTrackerStore",
        "dialect": "postgresql",
        "url": parts.hostname,
        "port": parts.port or 5432,
        "db": parts.path.strip("/"),
    }
    if parts.username:
        store["username"] = unquote(parts.username)
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def lock_store(url: str) -> Dict[str, Any]:
    """Rasa's Redis lock store for a redis:// URL."""
    parts = urlsplit(url)
    database = parts.path.strip("/") or "0"
    if parts.scheme != "redis" or not parts.hostname or not database.isdigit():
        raise SettingError(f"PACE_REDIS_URL must look like redis://host:6379/0, not {redacted(url)!r}")
    # Rasa's Redis lock store with its ticket queue changed atomically (components/lock_store.py)
    store: Dict[str, Any] = {
        "type": "components.lock_store.PaceRedisLockStore",
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int(database),
    }
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def endpoints(environ: Mapping[str, str], base: Path = BASE) -> Dict[str, Any]:
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    if environ.get("PACE_DATABASE_URL"):
        config["tracker_store"] = tracker_store(environ["PACE_DATABASE_URL"])
    if environ.get("PACE_REDIS_URL"):
        config["lock_store"] = lock_store(environ["PACE_REDIS_URL"])
    return config


def main(argv: list) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        config = endpoints(os.environ)
    except SettingError as error:
        print(f"endpoints: {error}", file=sys.stderr)
        return 1
    out = Path(argv[1])
    # unquoted ${VARIABLES} stay for Rasa to fill in (PACE_ACTION_TOKEN, ACTION_SERVER_PORT, PACE_DB)
    out.write_text(yaml.safe_dump(config, sort_keys=False, default_style=None), encoding="utf-8")
    out.chmod(0o600)  # may hold the database password
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
