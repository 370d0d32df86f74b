"""scripts/endpoints.py: the conversation and lock stores chosen by environment, no file edits."""

import stat

import pytest
import yaml

from scripts import endpoints


def test_by_default_sqlite_and_locks_in_memory():
    config = endpoints.endpoints({})
    assert config["tracker_store"] == {
        "type": "components.tracker_store.PaceTrackerStore",
        "dialect": "sqlite",
        "db": "${PACE_DB}",
    }
    assert "lock_store" not in config
    assert config["nlg"]["type"] == "components.content_nlg.ContentNLG"


def test_postgresql_and_redis_from_their_urls():
    config = endpoints.endpoints(
        {"PACE_DATABASE_URL": "postgresql://pace:s%40cret@db.internal:6543/conversations",
         "PACE_REDIS_URL": "redis://:pw@cache.internal:6380/2"}
    )  # fmt: skip
    assert config["tracker_store"] == {
        "type": "components.tracker_store.PaceTrackerStore",
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 6543,
        "db": "conversations",
        "username": "pace",
        "password": "s@cret",
    }
    assert config["lock_store"] == {
        "type": "components.lock_store.PaceRedisLockStore",
        "url": "cache.internal",
        "port": 6380,
        "db": 2,
        "password": "pw",
    }
    assert config["action_endpoint"]["token"] == "${PACE_ACTION_TOKEN}"  # the rest as it is


@pytest.mark.parametrize(
    "name, value, problem",
    [
        ("PACE_DATABASE_URL", "mysql://u:topsecret@h/db", "PACE_DATABASE_URL must look like postgresql://"),
        (
            "PACE_DATABASE_URL",
            "postgresql://u:topsecret@host",
            "PACE_DATABASE_URL must look like postgresql://",
        ),
        ("PACE_REDIS_URL", "redis://host:6379/cache", "PACE_REDIS_URL must look like redis://host:6379/0"),
    ],
)
def test_a_malformed_url_is_a_clear_error_without_its_password(name, value, problem):
    with pytest.raises(endpoints.SettingError, match=problem) as error:
        endpoints.endpoints({name: value})
    assert "topsecret" not in str(error.value)


def test_the_written_file_is_private_and_rasa_still_fills_in_its_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("PACE_DATABASE_URL", "postgresql://pace:pw@127.0.0.1:5432/pace")
    out = tmp_path / "endpoints.yml"
    assert endpoints.main(["endpoints.py", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text()
    assert "token: ${PACE_ACTION_TOKEN}" in text  # unquoted, so Rasa expands it
    assert yaml.safe_load(text)["tracker_store"]["dialect"] == "postgresql"


def test_a_bad_setting_stops_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PACE_REDIS_URL", "http://nope")
    assert endpoints.main(["endpoints.py", str(tmp_path / "e.yml")]) == 1
    assert "PACE_REDIS_URL must look like" in capsys.readouterr().err
