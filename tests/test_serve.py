"""scripts/serve.sh runs the action server, Rasa and the web page together; Ctrl-C stops all."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAKE = """#!/usr/bin/env bash
# stands in for rasa or python: notes its pid and arguments, then waits like a server
echo "$$ $*" >> "{log}"
[ "$1" = scripts/credentials.py ] && exit 0
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


@pytest.mark.parametrize("how", ["ctrl-c", "terminate"])
def test_stopping_serve_stops_every_server(tmp_path, how):
    log = tmp_path / "started.log"
    fake = tmp_path / "fake"
    fake.write_text(FAKE.format(log=log))
    fake.chmod(0o755)
    env = {**os.environ, "PACE_RASA": str(fake), "PACE_PYTHON": str(fake), "RASA_PORT": "5999"}
    serve = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "serve.sh")],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            if log.exists() and len(log.read_text().splitlines()) >= 4:
                break
            time.sleep(0.1)
        started = [line.split(" ", 1) for line in log.read_text().splitlines()]
        args = [a for _, a in started]
        assert any(a.startswith("run actions --port") for a in args)
        assert any(a.startswith("run --model models/pace.tar.gz --port 5999") for a in args)
        assert any(a.endswith("scripts/web.py") for a in args)

        if how == "ctrl-c":
            os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends to the group
        else:
            serve.terminate()  # a supervisor stopping serve.sh alone
        serve.wait(timeout=15)
        time.sleep(0.5)
        servers = [int(pid) for pid, a in started if not a.startswith("scripts/credentials.py")]
        assert [pid for pid in servers if alive(pid)] == []
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)


@pytest.mark.stack
def test_a_second_make_run_neither_installs_nor_trains():
    planned = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "pip install" not in planned and "rasa train" not in planned
    assert "scripts/serve.sh" in planned
