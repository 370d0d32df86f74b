"""Throwaway PostgreSQL and HAProxy on free loopback ports, and Pace in its production shape on them
(PaceCluster), for the scale-out tests and `make bench`.

PostgreSQL refuses to run as root. pytest-postgresql starts it as the current user, so as root (CI
here) it cannot; this starts Debian's own initdb and pg_ctl as the `postgres` user instead (the
account Debian's package creates), in a temporary directory that is removed afterwards. Redis
comes from pytest-redis, which has no such problem.
"""

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from scripts import endpoints
from scripts.stack import MODEL, PYTHON, ROOT, free_port, wait_for


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `make scale-deps` installs Debian's postgresql")
    return Path(found[-1]).parent


class ThrowawayPostgres:
    """One PostgreSQL server with a database `pace` owned by user `pace` (trust auth, loopback)."""

    def __init__(self, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="pace-postgres-"))
        self.data = self.dir / "data"
        self.as_postgres: List[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://pace@127.0.0.1:{self.port}/pace"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> "ThrowawayPostgres":
        """Starts the server; the first time, makes its data directory and the database `pace`."""
        fresh = not self.data.exists()
        if fresh:
            self._run(
                str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "pace", "--no-sync"
            )
        self._ctl("start")
        if fresh:
            psql = [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "pace"]
            subprocess.run(
                [*psql, "-d", "postgres", "-c", "CREATE DATABASE pace"], check=True, capture_output=True
            )
        return self

    def _ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options,
                  "-m", "fast", "-w", action)  # fmt: skip

    def stop(self) -> None:
        self._ctl("stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayHaproxy:
    """HAProxy in front of several Pace instances: round robin, health checks, loopback only."""

    def __init__(self, backends: List[int], port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pace-haproxy-"))
        servers = "\n".join(
            f"    server pace{n} 127.0.0.1:{backend} check inter 1s fall 3 rise 2"
            for n, backend in enumerate(backends)
        )
        (self.dir / "haproxy.cfg").write_text(
            "global\n    maxconn 512\n"
            "defaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n"
            "    timeout server 60s\n    timeout check 5s\n    retries 2\n    option redispatch\n"
            "    retry-on conn-failure\n"
            f"frontend pace\n    bind 127.0.0.1:{self.port}\n    default_backend instances\n"
            "backend instances\n    balance roundrobin\n    option httpchk GET /\n"
            f"{servers}\n"
        )
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "ThrowawayHaproxy":
        executable = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.process = subprocess.Popen(
            [executable, "-db", "-f", str(self.dir / "haproxy.cfg")],
            stdout=open(self.dir / "log", "w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        time.sleep(0.5)
        if self.process.poll() is not None:
            raise RuntimeError(f"haproxy did not start: {(self.dir / 'log').read_text()}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Instance:
    port: int
    process: subprocess.Popen


class PaceCluster:
    """Pace in its production shape on this machine: a throwaway PostgreSQL, the given Redis, one
    action server and `size` Rasa instances (endpoints from scripts/endpoints.py), behind HAProxy."""

    def __init__(self, work: Path, redis_url: str, size: int = 2, enable_api: bool = False) -> None:
        self.work = work
        self.redis_url = redis_url
        self.size = size
        self.enable_api = enable_api
        self.postgres: Optional[ThrowawayPostgres] = None
        self.balancer: Optional[ThrowawayHaproxy] = None
        self.instances: List[Instance] = []
        self._processes: List[subprocess.Popen] = []

    def _spawn(self, name: str, args: List[str], env: Dict[str, str]) -> subprocess.Popen:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=open(self.work / f"{name}.log", "w"),
                                   stderr=subprocess.STDOUT)  # fmt: skip
        self._processes.append(process)
        return process

    def __enter__(self) -> "PaceCluster":
        try:
            return self._start()
        except BaseException:
            self.__exit__()
            raise

    def _start(self) -> "PaceCluster":
        self.postgres = ThrowawayPostgres().start()
        action_port = free_port()
        env = {
            **os.environ,
            "PACE_DATABASE_URL": self.postgres.url,
            "PACE_REDIS_URL": self.redis_url,
            "ACTION_SERVER_PORT": str(action_port),
            "PACE_ACTION_TOKEN": secrets.token_hex(24),
        }
        (self.work / "endpoints.yml").write_text(yaml.safe_dump(endpoints.endpoints(env)))
        (self.work / "credentials.yml").write_text("rest:\n")
        action_server = [str(PYTHON), "scripts/action_server.py", "--port", str(action_port)]
        actions = self._spawn("actions", action_server, env)
        for n in range(self.size):
            port = free_port()
            args = [str(PYTHON), "scripts/rasa_server.py", "run", "--model", str(MODEL), "--port", str(port),
                    "--endpoints", str(self.work / "endpoints.yml"),
                    "--credentials", str(self.work / "credentials.yml")]  # fmt: skip
            args += ["--enable-api"] if self.enable_api else []
            self.instances.append(Instance(port, self._spawn(f"rasa{n}", args, env)))
        wait_for(f"http://127.0.0.1:{action_port}/health", actions)
        for instance in self.instances:
            wait_for(f"http://127.0.0.1:{instance.port}/", instance.process, timeout=300)
        self.balancer = ThrowawayHaproxy([i.port for i in self.instances]).start()
        return self

    def __exit__(self, *_: object) -> None:
        if self.balancer:
            self.balancer.stop()
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        if self.postgres:
            self.postgres.remove()
