"""Shared fixtures: a fresh database per test, real loopback portals, the CLI in a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import PortalServer
from crawler.store import open_db

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "duwang.db"


@pytest.fixture
def fresh_db(db_path: Path):
    db = open_db(db_path)
    yield db
    db.close()


def closed_port() -> int:
    """A loopback port with nothing listening (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve():
    """Start PortalServers on loopback; all are stopped at the end of the test."""
    servers: list[PortalServer] = []

    def start(routes=None, root=None) -> PortalServer:
        server = PortalServer(root=root, routes=routes).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def run_cli(*args: str, timeout: float = 180, check_exit: int | None = None,
            stdin_file: Path | None = None) -> subprocess.CompletedProcess:
    """Run `duwang ARGS` in a subprocess (one crawl per process: the reactor cannot restart)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with open(stdin_file or os.devnull, "rb") as stdin:
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", *args],
            stdin=stdin, capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO,
        )
    if check_exit is not None:
        assert proc.returncode == check_exit, proc.stderr[-3000:] + proc.stdout[-2000:]
    return proc


def findings_jsonl(db: Path, *extra: str) -> list[dict]:
    proc = run_cli("findings", "--db", str(db), "--format", "jsonl", *extra, check_exit=0)
    return [json.loads(line) for line in proc.stdout.splitlines()]
