"""The scenario store on a real PostgreSQL server.

A private cluster is made for the session with Debian's ``initdb`` and ``pg_ctl``
(``apt-get install postgresql``): trust authentication, a unix socket in a temporary
directory and no TCP listener. As root, the cluster runs as the ``postgres`` user (initdb
refuses root). Without the binaries these tests fail, saying how to install them.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from fastapi.testclient import TestClient

from corridor.server import Limits, create_app
from corridor.server.store import (
    PostgresStore,
    StoreConnectionError,
    StoreFullError,
    open_store,
)
from systemdeps import missing

from netbuilder import tiny

PASS_OPEN = {
    "name": "pass-open",
    "title": "The Pass open all year",
    "modifications": [{"type": "calendar", "crossings": ["pass"], "always_open": True}],
}
USER = "corridor"


def _bindir() -> Path:
    """The newest Debian PostgreSQL bin directory holding initdb and pg_ctl."""
    def major(path: str) -> int:
        try:
            return int(Path(path).parent.parent.name)
        except ValueError:
            return -1

    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major,
                         reverse=True):
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").exists():
            return bindir
    missing("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb and "
            "pg_ctl): install Debian's package with `sudo apt-get install -y postgresql` "
            "(the store tests start their own private server; no service needs to run)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="corridor-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log = self.root / "server.log"
        self.sock.mkdir()
        self.port = _free_port()
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as `postgres`
            try:
                pg = pwd.getpwnam("postgres")
            except KeyError:
                missing("running as root, and there is no `postgres` user to run the "
                        "test server as: install Debian's package (apt-get install -y "
                        "postgresql creates it) or run the tests as another user")
            for path in (self.root, self.sock):
                os.chown(path, pg.pw_uid, pg.pw_gid)
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.as_postgres, str(self.bindir / tool), *args],
                              capture_output=True, text=True, timeout=60)
        if done.returncode:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}"
                               f"{done.stderr}\n{log[-2000:]}")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                  "-o", f"-k {self.sock} -p {self.port} -c listen_addresses=''", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def crash(self) -> None:
        """SIGKILL the postmaster and every server process, as a crash would."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        children = [int(p) for p in os.listdir("/proc") if p.isdigit()
                    and _ppid(int(p)) == pid]
        for p in [pid, *children]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in [pid, *children]) and time.monotonic() < deadline:
            time.sleep(0.05)

    def url(self, dbname: str = "postgres", scheme: str = "postgresql") -> str:
        return (f"{scheme}://{USER}@/{dbname}?host={quote(str(self.sock), safe='/')}"
                f"&port={self.port}")

    def createdb(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name: from our counter only
        return self.url(name)


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


_names = (f"t{i}" for i in itertools.count())


@pytest.fixture(scope="session")
def cluster():
    server = Cluster()
    yield server
    server.stop()


@pytest.fixture
def pg_url(cluster):
    """A fresh, empty database on the session's server."""
    return cluster.createdb(next(_names))


@pytest.fixture
def tiny_dir(tmp_path):
    return tiny(tmp_path / "tiny")


def _writer(url: str) -> subprocess.Popen:
    """A process saving scenarios s0, s1, … and printing each index once acknowledged."""
    code = (
        "import sys\n"
        "from corridor.server.store import open_store\n"
        f"store = open_store({url!r})\n"
        "for i in range(100_000):\n"
        "    try:\n"
        "        store.put(f's{i}', {'i': i}, title='t', description='', digest='d')\n"
        "    except Exception as error:\n"
        "        print('error', error, file=sys.stderr)\n"
        "        break\n"
        "    print(i, flush=True)\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _acknowledged(writer: subprocess.Popen, then, after: int = 50) -> list[int]:
    """Indexes the writer acknowledged; ``then()`` runs once ``after`` of them are."""
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) >= after:
            break
    else:
        pytest.fail(f"the writer stopped early: {writer.stderr.read()}")
    then()
    acknowledged += [int(line) for line in writer.stdout if line.strip()]
    writer.wait(timeout=30)
    return acknowledged


# --------------------------------------------------------------------------- the API


def test_round_trip_through_the_api(pg_url, tiny_dir):
    client = TestClient(create_app(network_dir=tiny_dir, db=pg_url))
    assert client.get("/health").json()["store"].startswith("postgresql ")
    created = client.put("/scenarios/pass-open", json={k: v for k, v in PASS_OPEN.items()
                                                       if k != "name"})
    assert created.status_code == 201
    first = created.json()
    assert first["source"] == "saved" and first["scenario"]["name"] == "pass-open"
    assert client.get("/scenarios/pass-open").json()["scenario"] == first["scenario"]
    replaced = client.put("/scenarios/pass-open", json={**PASS_OPEN, "title": "Open"})
    assert replaced.status_code == 200
    assert replaced.json()["title"] == "Open"
    assert replaced.json()["created_at"] == first["created_at"]
    assert replaced.json()["digest"] != first["digest"]
    assert client.put("/scenarios/a-1", json=PASS_OPEN | {"name": "a-1"}).status_code == 201
    saved = [s["name"] for s in client.get("/scenarios").json()["scenarios"]
             if s["source"] == "saved"]
    assert saved == ["a-1", "pass-open"]
    assert client.post("/compare", json={"origin": "alpha", "destination": "gamma",
                                         "depart": "2026-07-15", "draws": 0,
                                         "scenarios": ["pass-open"]}).status_code == 200
    assert client.delete("/scenarios/pass-open").status_code == 204
    assert client.get("/scenarios/pass-open").status_code == 404
    assert client.delete("/scenarios/pass-open").status_code == 404


def test_store_limit_is_409(pg_url, tiny_dir):
    small = TestClient(create_app(network_dir=tiny_dir, db=pg_url,
                                  limits=Limits(max_saved_scenarios=1)))
    assert small.put("/scenarios/a1", json=PASS_OPEN | {"name": "a1"}).status_code == 201
    assert small.put("/scenarios/a1", json=PASS_OPEN | {"name": "a1"}).status_code == 200
    full = small.put("/scenarios/a2", json=PASS_OPEN | {"name": "a2"})
    assert full.status_code == 409 and full.json()["error"] == "store_full"


def test_store_persists_across_apps(cluster, pg_url, tiny_dir):
    with TestClient(create_app(network_dir=tiny_dir, db=pg_url)) as first:
        assert first.put("/scenarios/pass-open", json=PASS_OPEN).status_code == 201
    # the same database under the postgres:// spelling, from a new app and connection
    url = cluster.url(pg_url.split("/")[3].split("?")[0], scheme="postgres")
    second = TestClient(create_app(network_dir=tiny_dir, db=url))
    saved = second.get("/scenarios/pass-open")
    assert saved.status_code == 200
    assert saved.json()["scenario"]["modifications"] == PASS_OPEN["modifications"]


# --------------------------------------------------------------------------- the store


def test_values_are_parameters_not_sql(pg_url):
    store = open_store(pg_url)
    assert isinstance(store, PostgresStore)
    name = "x'); DROP TABLE corridor_scenarios; --"
    body = {"note": "O'Brien \"quoted\" ; -- %s %(x)s", "ü": [1, 2.5, None]}
    assert store.put(name, body, title="it's", description="%s", digest="d") is True
    got = store.get(name)
    assert got.body == body and got.title == "it's" and got.description == "%s"
    assert store.count() == 1
    assert store.delete(name) is True and store.delete(name) is False
    assert store.get(name) is None
    # PostgreSQL text cannot hold NUL; the store keeps it anyway, as SQLite does
    assert store.put("nul", {"k": "a\x00b"}, title="a\x00b", description="\x00",
                     digest="d")
    got = store.get("nul")
    assert (got.title, got.description, got.body) == ("a\x00b", "\x00", {"k": "a\x00b"})
    store.close()


def test_concurrent_writers(pg_url):
    """Writers on separate connections: none lost, and the count limit holds exactly."""
    stores = [open_store(pg_url) for _ in range(4)]
    errors: list[BaseException] = []
    full = []

    def write(i):
        try:
            stores[i % 4].put(f"s{i}", {"i": i}, title=str(i), description="", digest="d",
                              max_count=20)
        except StoreFullError:
            full.append(i)
        except BaseException as error:  # noqa: B036 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert stores[0].count() == 20 and len(full) == 12
    names = {s.name for s in stores[1].list()}
    assert names == {f"s{i}" for i in range(32)} - {f"s{i}" for i in full}
    for store in stores:
        store.close()


def test_acknowledged_writes_survive_killing_the_writer(pg_url):
    writer = _writer(pg_url)
    acknowledged = _acknowledged(writer, writer.kill)  # SIGKILL mid-write
    assert writer.returncode == -signal.SIGKILL
    store = open_store(pg_url)
    names = {s.name for s in store.list()}
    assert {f"s{i}" for i in acknowledged} <= names
    # the killed writer's transaction (and its table lock) is gone: writes go on
    assert store.put("after", {}, title="t", description="", digest="d") is True
    store.close()


def test_acknowledged_writes_survive_killing_the_server():
    server = Cluster()
    try:
        url = server.createdb("crash")
        writer = _writer(url)
        acknowledged = _acknowledged(writer, server.crash)  # SIGKILL postgres mid-write
        assert writer.returncode == 0  # it saw the error and stopped
        for attempt in range(50):  # a crashed server may take a moment to release memory
            try:
                server.start()
                break
            except RuntimeError:
                if attempt == 49:
                    raise
                time.sleep(0.2)
        store = open_store(url)
        names = {s.name for s in store.list()}
        assert {f"s{i}" for i in acknowledged} <= names
        assert len(names) - len(acknowledged) <= 1  # at most the one in flight
        store.close()
    finally:
        server.stop()


def test_unreachable_server_is_a_clear_error(cluster, tmp_path):
    url = f"postgresql://{USER}@/corridor?host={tmp_path}&port={cluster.port}"
    with pytest.raises(StoreConnectionError, match="cannot open the scenario store"):
        open_store(url)
    with pytest.raises(ValueError, match="cannot open the scenario store"):
        create_app(db=url)
    with pytest.raises(StoreConnectionError, match=r"u:\*\*\*@") as caught:
        open_store(f"postgresql://u:hunter2@/x?host={tmp_path}&port={cluster.port}")
    assert "hunter2" not in str(caught.value)


def test_a_dropped_connection_is_reopened(cluster, pg_url):
    store = open_store(pg_url)
    store.put("a", {}, title="t", description="", digest="d")
    pid = store._conn.info.backend_pid
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.OperationalError):
        store.count()  # the call that meets the dead connection fails …
    assert store.count() == 1  # … and the next one reconnects
    assert store.check().startswith("postgresql ")
    store.close()


# --------------------------------------------------------------------------- named analyses

ROUTE = {"origin": "alpha", "destination": "gamma", "depart": "2026-07-15", "draws": 0}


def test_analyses_round_trip_through_the_api(pg_url, tiny_dir):
    client = TestClient(create_app(network_dir=tiny_dir, db=pg_url,
                                   limits=Limits(max_saved_analyses=2)))
    created = client.put("/analyses/alpha-gamma", json={"kind": "route", "title": "A–G\x00",
                                                        "request": ROUTE})
    assert created.status_code == 201
    first = created.json()
    assert first["request"] == ROUTE and first["title"] == "A–G\x00"
    assert client.get("/analyses/alpha-gamma").json() == first
    assert client.post("/analyses/alpha-gamma/run").json() == client.post(
        "/route", json=ROUTE).json()
    replaced = client.put("/analyses/alpha-gamma", json={"kind": "route", "title": "AG",
                                                         "request": {**ROUTE, "draws": 5}})
    assert replaced.status_code == 200 and replaced.json()["request"]["draws"] == 5
    assert replaced.json()["created_at"] == first["created_at"]
    assert client.put("/analyses/a-1", json={"kind": "route", "request": ROUTE}
                      ).status_code == 201
    full = client.put("/analyses/a-2", json={"kind": "route", "request": ROUTE})
    assert full.status_code == 409 and full.json()["error"] == "store_full"
    bad = client.put("/analyses/a-3", json={"kind": "route", "request": {"origin": "x"}})
    assert bad.status_code == 422
    assert [a["name"] for a in client.get("/analyses").json()["analyses"]] == [
        "a-1", "alpha-gamma"]
    assert client.delete("/analyses/alpha-gamma").status_code == 204
    assert client.get("/analyses/alpha-gamma").status_code == 404
    assert client.delete("/analyses/alpha-gamma").status_code == 404
    # a separate table: the scenarios are untouched
    store = PostgresStore(pg_url)
    assert store.count() == 0 and store.count_analyses() == 1
    store.close()


def test_analyses_persist_across_apps(pg_url, tiny_dir):
    with TestClient(create_app(network_dir=tiny_dir, db=pg_url)) as first:
        assert first.put("/analyses/a1", json={"kind": "route", "request": ROUTE}
                         ).status_code == 201
    second = TestClient(create_app(network_dir=tiny_dir, db=pg_url))
    saved = second.get("/analyses/a1")
    assert saved.status_code == 200 and saved.json()["request"] == ROUTE
    assert second.post("/analyses/a1/run").json()["crossings"] == ["pass"]
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT name, kind FROM corridor_analyses").fetchall() == [
            ("a1", "route")]


def test_a_database_gone_while_serving_is_503_not_500(tiny_dir):
    server = Cluster()
    running = True
    try:
        url = server.createdb("gone")
        client = TestClient(create_app(network_dir=tiny_dir, db=url),
                            raise_server_exceptions=False)
        assert client.get("/scenarios").status_code == 200
        server.stop()
        running = False
        answer = client.get("/scenarios")
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "store_unavailable"
        assert answer.headers["retry-after"] == "5"
        assert client.post("/route", json={"origin": "Alpha", "destination": "Gamma",
                                           "depart": "2026-07-15", "draws": 0}
                           ).status_code == 200  # routing does not need the store
    finally:
        if running:
            server.stop()
