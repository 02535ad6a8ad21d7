"""Shared fixtures: the replica server and one full crawl of it (end-to-end tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The tests crawl the replica's portals (govcrawl/replica/portals.toml), never the shipped registry of real ones:
# every crawl they start (in process or as a subprocess) reads the registry files this names.
os.environ.setdefault("GOVCRAWL_PORTALS", str(REPO / "govcrawl" / "replica" / "portals.toml"))


def run_govcrawl(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "govcrawl", *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_python(script: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """``script`` run by a fresh interpreter that imports this checkout (``python -c``), its output captured."""
    return subprocess.run([sys.executable, "-c", script], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                          capture_output=True, text=True, timeout=timeout)


def wait_for_port(port: int, seconds: float = 5.0) -> None:
    """Until a server listens on 127.0.0.1:port (a subprocess just started)."""
    import socket
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server for the storage tests: required in CI, skipped elsewhere if absent."""
    from tests.pgserver import PostgresServer

    try:
        server = PostgresServer()
        url = server.start()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server here: {exc}")
    yield url
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Each storage test runs on SQLite and on PostgreSQL (in a database of its own)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'govcrawl.sqlite3'}"
    import uuid

    import sqlalchemy

    base = request.getfixturevalue("postgres_url")
    name = "t_" + uuid.uuid4().hex[:10]
    engine = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def replica():
    """The portal replica on 127.0.0.1 (a random port), for the tests' crawls."""
    from govcrawl.replica.server import ReplicaServer

    with ReplicaServer(port=0) as server:
        yield server


@pytest.fixture(scope="session")
def ground_truth():
    from govcrawl.replica import load_ground_truth

    return load_ground_truth()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`govcrawl demo` once, into a scratch folder: the crawl every end-to-end test reads."""
    work = tmp_path_factory.mktemp("demo")
    db = f"sqlite:///{work / 'govcrawl.sqlite3'}"
    result = run_govcrawl("demo", "--db", db, "--warc-dir", str(work / "warc"), cwd=work)
    exported = run_govcrawl("export", "--db", db, "--format", "jsonl", cwd=work)
    rows = [json.loads(line) for line in exported.stdout.splitlines() if line.strip()]
    return {"work": work, "db": db, "warc_dir": work / "warc", "result": result, "rows": rows, "export": exported}
