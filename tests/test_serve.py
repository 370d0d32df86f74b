"""scripts/serve.sh runs the action server, Rasa and the web page under supervisord: a server that
dies is restarted while the others keep serving; Ctrl-C stops all."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAKE = """#!/usr/bin/env bash
# stands in for python: runs the little scripts serve.sh needs, notes servers' pids and arguments
case "$1" in
  -c) exec python3 "$@";;
  scripts/credentials.py|scripts/endpoints.py|scripts/forget.py) exit 0;;
esac
echo "$$ $*" >> "{log}"
# like any job started with & by a script, it does not react to Ctrl-C itself: serve.sh must stop it
trap '' INT
trap 'exit 0' TERM
while true; do sleep 0.1; done
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def start_serve(tmp_path):
    log = tmp_path / "started.log"
    fake = tmp_path / "fake"
    fake.write_text(FAKE.format(log=log))
    fake.chmod(0o755)
    env = {**os.environ, "PACE_PYTHON": str(fake), "RASA_PORT": "5999", "PACE_VAR": str(tmp_path / "var")}
    env.pop("PACE_SESSION_SECRET", None)
    serve = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "serve.sh")],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return serve, log


def started(log, at_least, timeout=20.0):
    """[(pid, arguments)] of the fake servers started so far, once there are `at_least`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        servers = [line.split(" ", 1) for line in lines if "scripts/credentials.py" not in line]
        if len(servers) >= at_least:
            return [(int(pid), args) for pid, args in servers]
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} servers started: {log.read_text() if log.exists() else ''}")


def the(servers, script):
    return [pid for pid, args in servers if args.startswith(script)]


@pytest.mark.parametrize("how", ["ctrl-c", "terminate"])
def test_stopping_serve_stops_every_server(tmp_path, how):
    serve, log = start_serve(tmp_path)
    try:
        servers = started(log, 3)
        args = [a for _, a in servers]
        assert any(a.startswith("scripts/action_server.py --port") for a in args)
        assert any(
            a.startswith("scripts/rasa_server.py run --model models/pace.tar.gz --port 5999") for a in args
        )
        assert any(a.startswith("scripts/web.py") for a in args)

        if how == "ctrl-c":
            os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends to the group
        else:
            serve.terminate()  # a supervisor stopping serve.sh alone
        serve.wait(timeout=30)
        time.sleep(0.5)
        assert [pid for pid, _ in servers if alive(pid)] == []
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)


def test_a_dead_action_server_is_restarted_while_rasa_keeps_serving(tmp_path):
    serve, log = start_serve(tmp_path)
    try:
        servers = started(log, 3)
        [actions] = the(servers, "scripts/action_server.py")
        [rasa] = the(servers, "scripts/rasa_server.py")
        os.kill(actions, signal.SIGKILL)
        servers = started(log, 4)
        [_, restarted] = the(servers, "scripts/action_server.py")
        assert alive(restarted) and alive(rasa)
        assert not alive(actions)
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        serve.wait(timeout=30)


@pytest.mark.parametrize("name", ["session_secret", "audit_key"])
def test_the_secrets_are_made_once_and_kept_private(tmp_path, name):
    secret = tmp_path / "var" / name
    seen = []
    for _ in range(2):  # two starts, as after a restart
        serve, log = start_serve(tmp_path)
        started(log, 3 * (len(seen) + 1))
        os.killpg(serve.pid, signal.SIGINT)
        serve.wait(timeout=30)
        assert secret.stat().st_mode & 0o777 == 0o600
        seen.append(secret.read_text().strip())
    assert seen[0] == seen[1] and len(seen[0]) == 64
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700


@pytest.mark.stack
def test_a_second_make_run_neither_installs_nor_trains():
    planned = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "pip install" not in planned and "rasa train" not in planned
    assert "scripts/serve.sh" in planned
