"""With PACE_API_TOKEN set, REST and socket.io answer only callers that present it."""

import asyncio
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import socketio

from scripts.stack import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "a-test-api-token-0123456789"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("token") / "server.log", "w")
    env = {**os.environ, "PACE_API_TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "servers" / "channels_only.py"), str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/webhooks/rest/", process, timeout=120)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def rest(url: str, authorization: str | None) -> int:
    headers = {
        "Content-Type": "application/json",
        **({"Authorization": authorization} if authorization else {}),
    }
    body = json.dumps({"sender": "me", "message": "hello"}).encode()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(f"{url}/webhooks/rest/webhook", body, headers), timeout=30
        ):
            return 200
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(
    "authorization, status",
    [(None, 401), ("Bearer wrong-token", 401), (f"Basic {TOKEN}", 401), (f"Bearer {TOKEN}", 200)],
)
def test_rest_asks_for_the_bearer_token(server, authorization, status):
    assert rest(server, authorization) == status


@pytest.mark.parametrize(
    "auth, connects", [(None, False), ({"token": "wrong"}, False), ({"token": TOKEN}, True)]
)
def test_socketio_asks_for_the_token(server, auth, connects):
    async def connect() -> bool:
        client = socketio.AsyncClient()
        try:
            await client.connect(server, socketio_path="/socket.io", transports=["websocket"], auth=auth)
        except socketio.exceptions.ConnectionError:
            return False
        await client.disconnect()
        return True

    assert asyncio.run(connect()) == connects
