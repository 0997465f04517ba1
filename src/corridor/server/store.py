"""The scenario store: saved scenarios and named analyses, in SQLite or PostgreSQL.

The store keeps plain data (a name, a title, a JSON body); validating a scenario is the
caller's job (:func:`corridor.model.scenario.parse_scenario` and
:func:`corridor.apply_scenarios`). SQLite runs in WAL mode with ``synchronous=FULL``, and
every write is one ``BEGIN IMMEDIATE … COMMIT`` transaction: when a write method returns,
the change is on disk, and a crash or kill during a write leaves the previous state.

Named analyses (a saved request to a query endpoint: a kind, a title and the request's
JSON) live in a second table, ``analyses``, with the same rules (``put_analysis``,
``get_analysis``, ``list_analyses``, ``delete_analysis``); validating the request is the
caller's job too.

:class:`PostgresStore` has the same methods, semantics and errors over two PostgreSQL tables
(``corridor_scenarios`` and ``corridor_analyses``; ``open_store("postgresql://…")``); every
write is one transaction, committed with ``synchronous_commit=on`` before the method returns.

>>> store = open_store(":memory:")
>>> store.put("torkham-12h", {"name": "torkham-12h"}, title="Torkham in 12 h",
...           description="", digest="abc")
True
>>> [s.name for s in store.list()]
['torkham-12h']
>>> store.delete("torkham-12h"), store.get("torkham-12h")
(True, None)
>>> store.put_analysis("lahore-almaty", "route", {"origin": "Lahore"}, title="")
True
>>> [(a.name, a.kind) for a in store.list_analyses()]
[('lahore-almaty', 'route')]
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from corridor.exceptions import StoreConnectionError, StoreFullError

__all__ = ["PostgresStore", "SQLiteStore", "Store", "StoreConnectionError", "StoreFullError",
           "StoredAnalysis", "StoredScenario", "open_store"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    name TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    digest TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""

_ANALYSES_SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""
_ANALYSIS_COLUMNS = "name, kind, request, title, created_at, updated_at"


@dataclass(frozen=True)
class StoredAnalysis:
    """A named analysis: its name, kind (``route``, ``calendar``, ``compare`` or
    ``critical``), the request's JSON, title and timestamps (ISO 8601, UTC)."""

    name: str
    kind: str
    request: dict[str, Any]
    title: str
    created_at: str
    updated_at: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _full(count: int, what: str) -> StoreFullError:
    return StoreFullError(f"the store holds {count:,} {what}, its limit; delete one before "
                          "saving another")


@dataclass(frozen=True)
class StoredScenario:
    """A saved scenario: its name, title, description, content hash, body and timestamps
    (ISO 8601, UTC)."""

    name: str
    title: str
    description: str
    digest: str
    body: dict[str, Any]
    created_at: str
    updated_at: str


def open_store(db: str | Path) -> Store:
    """The store for ``db``: ``":memory:"`` (gone when the process ends), a file path
    (SQLite), or a ``postgresql://`` / ``postgres://`` URL (PostgreSQL; the table is created
    when missing).

    Raises
    ------
    ValueError
        For a database URL of another kind.
    StoreConnectionError
        (a ValueError) When the PostgreSQL server cannot be reached or refuses the login.
    """
    text = str(db)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme in ("postgresql", "postgres"):
            return PostgresStore(text)
        raise ValueError(f"cannot open the scenario store {scheme}://…: only SQLite (a file "
                         "path or ':memory:') and PostgreSQL (a postgresql:// URL) are "
                         "supported")
    return SQLiteStore(text)


def _check_sqlite_path(path: Path) -> None:
    """A clear error for an SQLite store that cannot be one: a folder, a file in a folder
    that does not exist, a file that cannot be read or written."""
    if path.is_dir():
        raise StoreConnectionError(f"the scenario store {path} is a folder; give a file in "
                                   f"it, such as {path / 'corridor.sqlite3'}")
    if not path.parent.is_dir():
        raise StoreConnectionError(f"the folder of the scenario store, {path.parent}, does "
                                   "not exist; create it first or give another path")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreConnectionError(f"the scenario store {path} cannot be read and written "
                                   "by this user; change its permissions or give another file")
    if not path.exists() and not os.access(path.parent, os.W_OK):
        raise StoreConnectionError(f"cannot create the scenario store {path}: its folder "
                                   "is not writable")


_SCENARIO_COLUMNS = "name, title, description, digest, body, created_at, updated_at"


class _SqlStore:
    """The scenario and analysis methods both stores share, written once.

    A subclass supplies the real differences: the parameter placeholder (``_P``), the two
    table names (``_SCENARIOS``, ``_ANALYSES``; module constants, never a caller's value),
    the ``ORDER BY`` collation (``_COLLATE``), how titles and descriptions are stored
    (``_encode_text`` / ``_decode_text``), and the primitives ``_transaction(table=…)``
    (one write transaction, committed before it exits, yielding an object whose
    ``execute(sql, params)`` returns a cursor) and ``_read(sql, params)``.
    """

    _P = "?"
    _SCENARIOS = "scenarios"
    _ANALYSES = "analyses"
    _COLLATE = ""

    def _transaction(self, *, table: str) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        raise NotImplementedError

    @staticmethod
    def _encode_text(value: str) -> str:
        return value

    @staticmethod
    def _decode_text(value: str) -> str:
        return value

    def _values(self, n: int) -> str:
        return ", ".join([self._P] * n)

    def _scenario_row(self, row: tuple) -> StoredScenario:
        name, title, description, digest, body, created, updated = row
        return StoredScenario(name, self._decode_text(title), self._decode_text(description),
                              digest, json.loads(body), created, updated)

    def _analysis_row(self, row: tuple) -> StoredAnalysis:
        name, kind, request, title, created, updated = row
        return StoredAnalysis(name, kind, json.loads(request), self._decode_text(title),
                              created, updated)

    def _put_row(self, table: str, columns: str, name: str, values: tuple, updates: str,
                 max_count: int | None, what: str) -> bool:
        """Insert or replace the row ``name`` of ``table`` in one write transaction; True
        when it is new. Raises StoreFullError when ``max_count`` rows exist and it is new."""
        p = self._P
        with self._transaction(table=table) as conn:
            exists = conn.execute(f"SELECT 1 FROM {table} WHERE name = {p}",
                                  (name,)).fetchone() is not None
            if not exists and max_count is not None:
                count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                if count >= max_count:
                    raise _full(count, what)
            conn.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({self._values(len(values) + 1)}) "
                f"ON CONFLICT (name) DO UPDATE SET {updates}", (name, *values))
        return not exists

    def _delete_row(self, table: str, name: str) -> bool:
        with self._transaction(table=table) as conn:
            return conn.execute(f"DELETE FROM {table} WHERE name = {self._P}",
                                (name,)).rowcount > 0

    def count(self) -> int:
        """How many scenarios are saved."""
        return self._read(f"SELECT count(*) FROM {self._SCENARIOS}")[0][0]

    def list(self) -> list[StoredScenario]:
        """Every saved scenario, by name."""
        return [self._scenario_row(r) for r in self._read(
            f"SELECT {_SCENARIO_COLUMNS} FROM {self._SCENARIOS} ORDER BY name{self._COLLATE}")]

    def get(self, name: str) -> StoredScenario | None:
        """The scenario saved under ``name``, or ``None``."""
        rows = self._read(f"SELECT {_SCENARIO_COLUMNS} FROM {self._SCENARIOS} "
                          f"WHERE name = {self._P}", (name,))
        return self._scenario_row(rows[0]) if rows else None

    def put(self, name: str, body: dict[str, Any], *, title: str, description: str,
            digest: str, max_count: int | None = None) -> bool:
        """Save (or replace) a scenario; True when it is new.

        Raises
        ------
        StoreFullError
            When ``max_count`` scenarios are saved already and ``name`` is a new one.
        """
        now = _now()
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        return self._put_row(
            self._SCENARIOS, _SCENARIO_COLUMNS, name,
            (self._encode_text(title), self._encode_text(description), digest, text, now,
             now),
            "title = excluded.title, description = excluded.description, "
            "digest = excluded.digest, body = excluded.body, "
            "updated_at = excluded.updated_at", max_count, "scenarios")

    def delete(self, name: str) -> bool:
        """Delete a saved scenario; False when there was none."""
        return self._delete_row(self._SCENARIOS, name)

    # ----------------------------------------------------------------- named analyses

    def count_analyses(self) -> int:
        """How many analyses are saved."""
        return self._read(f"SELECT count(*) FROM {self._ANALYSES}")[0][0]

    def list_analyses(self) -> list[StoredAnalysis]:
        """Every saved analysis, by name."""
        return [self._analysis_row(r) for r in self._read(
            f"SELECT {_ANALYSIS_COLUMNS} FROM {self._ANALYSES} ORDER BY name{self._COLLATE}")]

    def get_analysis(self, name: str) -> StoredAnalysis | None:
        """The analysis saved under ``name``, or ``None``."""
        rows = self._read(f"SELECT {_ANALYSIS_COLUMNS} FROM {self._ANALYSES} "
                          f"WHERE name = {self._P}", (name,))
        return self._analysis_row(rows[0]) if rows else None

    def put_analysis(self, name: str, kind: str, request: dict[str, Any], *, title: str,
                     max_count: int | None = None) -> bool:
        """Save (or replace) an analysis; True when it is new.

        Raises
        ------
        StoreFullError
            When ``max_count`` analyses are saved already and ``name`` is a new one.
        """
        now = _now()
        text = json.dumps(request, ensure_ascii=False, sort_keys=True)
        return self._put_row(
            self._ANALYSES, _ANALYSIS_COLUMNS, name,
            (kind, text, self._encode_text(title), now, now),
            "kind = excluded.kind, request = excluded.request, title = excluded.title, "
            "updated_at = excluded.updated_at", max_count, "analyses")

    def delete_analysis(self, name: str) -> bool:
        """Delete a saved analysis; False when there was none."""
        return self._delete_row(self._ANALYSES, name)


class SQLiteStore(_SqlStore):
    """Saved scenarios in one SQLite database (a file, or ``":memory:"``).

    One connection serves every thread, behind a lock; SQLite serialises writers anyway,
    and a scenario write is a single small row. Other processes may share the file (WAL
    lets readers run beside a writer; a busy writer is waited for up to ``timeout_s``).
    """

    def __init__(self, path: str, *, timeout_s: float = 10.0) -> None:
        self.path = path
        if path != ":memory:":
            _check_sqlite_path(Path(path))
        # isolation_level=None: no implicit transactions; each write opens its own.
        try:
            self._conn = sqlite3.connect(path, timeout=timeout_s, isolation_level=None,
                                         check_same_thread=False)
            problems = [row[0] for row in self._conn.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as error:
            raise StoreConnectionError(
                f"the scenario store {path} cannot be opened as an SQLite database "
                f"({error}); give another file, or move this one away") from None
        if problems != ["ok"]:
            raise StoreConnectionError(
                f"the scenario store {path} is damaged ({'; '.join(problems[:3])}); restore "
                "it from a backup or give another file")
        self._lock = threading.Lock()
        self.journal_mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        self._conn.execute("PRAGMA synchronous=FULL")  # fsync on every commit
        self._conn.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
        with self._transaction() as conn:
            conn.execute(_SCHEMA)
            conn.execute(_ANALYSES_SCHEMA)
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def __repr__(self) -> str:
        return f"<SQLiteStore {self.path!r} ({self.journal_mode})>"

    @contextmanager
    def _transaction(self, *, table: str | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction; committed (durably) on exit, rolled back on error.
        (``BEGIN IMMEDIATE`` locks the whole database, so ``table`` is not needed.)"""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def check(self) -> str:
        """Raise if the database cannot be read; else a short description for /health."""
        self._read(f"SELECT count(*) FROM {self._SCENARIOS}")
        return f"sqlite ({self.journal_mode})"

    def close(self) -> None:
        with self._lock:
            self._conn.close()





# title and description are stored as JSON strings (PostgreSQL text cannot hold NUL, which
# SQLite's can); body is JSON text as in SQLite.
_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS corridor_scenarios (
    name TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    digest TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""
# title as a JSON string, request as JSON text, as for scenarios
_PG_ANALYSES_SCHEMA = """
CREATE TABLE IF NOT EXISTS corridor_analyses (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""
# Serialises schema creation across processes (CREATE TABLE IF NOT EXISTS races otherwise).
_PG_SCHEMA_LOCK = 0x636F7272  # "corr"


def _redact(url: str) -> str:
    """``url`` without its password (for messages and repr)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)
        return urlunsplit(parts._replace(netloc=netloc[0].split(":", 1)[0] + ":***@"
                                         + netloc[1]))
    except ValueError:
        return url.split("://", 1)[0] + "://…"


class PostgresStore(_SqlStore):
    """Saved scenarios in one PostgreSQL table, ``corridor_scenarios`` (created when missing).

    One connection serves every thread, behind a lock, and is reopened when the server
    drops it (a write interrupted that way raises; it is not retried, since it may or may
    not have committed). Writes take ``SHARE ROW EXCLUSIVE`` on the table, so writers in
    other processes queue (for up to ``timeout_s``) and the ``max_count`` check is exact;
    readers never wait. Values are always passed as query parameters.
    """

    _P = "%s"
    _SCENARIOS = "corridor_scenarios"
    _ANALYSES = "corridor_analyses"
    _COLLATE = ' COLLATE "C"'

    @staticmethod
    def _encode_text(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # text cannot hold NUL; JSON can

    @staticmethod
    def _decode_text(value: str) -> str:
        return json.loads(value)

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        try:
            import psycopg
        except ImportError:
            raise StoreConnectionError(
                "a PostgreSQL scenario store needs psycopg: pip install 'corridor[server]'"
            ) from None
        self._psycopg = psycopg
        self.url = url
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._conn: Any = None
        with self._transaction(write=False) as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_SCHEMA_LOCK,))
            cur.execute(_PG_SCHEMA)
            cur.execute(_PG_ANALYSES_SCHEMA)

    def __repr__(self) -> str:
        return f"<PostgresStore {_redact(self.url)!r}>"

    def _connect(self) -> Any:
        psycopg = self._psycopg
        if self.url.lower().startswith("postgres://"):  # libpq knows both; be explicit
            url = "postgresql://" + self.url.split("://", 1)[1]
        else:
            url = self.url
        try:
            conn = psycopg.connect(url, autocommit=False,
                                   connect_timeout=max(1, int(self.timeout_s)))
        except psycopg.Error as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise StoreConnectionError(
                f"cannot open the scenario store {_redact(self.url)}: "
                f"{message or type(error).__name__}") from None
        try:
            with conn.cursor() as cur:
                # Durable commits whatever the server's default, and bounded lock waits.
                cur.execute("SET synchronous_commit = on")
                cur.execute("SELECT set_config('lock_timeout', %s, false)",
                            (f"{int(self.timeout_s * 1000)}ms",))
            conn.commit()
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def _transaction(self, *, write: bool = True,
                     table: str = "corridor_scenarios") -> Iterator[Any]:
        """One transaction, committed on exit (before a write method returns), rolled back
        on error; a write first locks out other writers of ``table``."""
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                self._conn = self._connect()
            conn = self._conn
            try:
                with conn.transaction(), conn.cursor() as cur:
                    if write:
                        # a constant of this module, never a caller's value
                        cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                    yield cur
            except self._psycopg.OperationalError:
                if conn.broken:
                    conn.close()
                raise

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._transaction(write=False) as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def check(self) -> str:
        """Raise StoreConnectionError if the database cannot be read; else a short
        description for /health."""
        try:
            self._read(f"SELECT count(*) FROM {self._SCENARIOS}")
            version = self._conn.info.server_version
        except self._psycopg.Error as error:
            raise StoreConnectionError(f"the scenario store {_redact(self.url)} cannot be "
                                       f"read: {str(error).strip() or type(error).__name__}"
                                       ) from None
        return f"postgresql {version // 10000}.{version % 10000}"

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


Store = SQLiteStore | PostgresStore
"""Either store; they share every public method."""

