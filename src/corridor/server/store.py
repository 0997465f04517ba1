"""The scenario store: saved scenarios, in SQLite.

The store keeps plain data (a name, a title, a JSON body); validating a scenario is the
caller's job (:func:`corridor.model.scenario.parse_scenario` and
:func:`corridor.apply_scenarios`). SQLite runs in WAL mode with ``synchronous=FULL``, and
every write is one ``BEGIN IMMEDIATE … COMMIT`` transaction: when a write method returns,
the change is on disk, and a crash or kill during a write leaves the previous state.

>>> store = open_store(":memory:")
>>> store.put("torkham-12h", {"name": "torkham-12h"}, title="Torkham in 12 h",
...           description="", digest="abc")
True
>>> [s.name for s in store.list()]
['torkham-12h']
>>> store.delete("torkham-12h"), store.get("torkham-12h")
(True, None)
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SQLiteStore", "StoreFullError", "StoredScenario", "open_store"]

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


def open_store(db: str | Path) -> SQLiteStore:
    """The store for ``db``: ``":memory:"`` (gone when the process ends) or a file path.

    Raises
    ------
    ValueError
        For a database URL this version cannot open (PostgreSQL is not supported yet).
    """
    text = str(db)
    if "://" in text:
        raise ValueError(f"cannot open the scenario store {text.split('://')[0]}://…: only "
                         "SQLite (a file path or ':memory:') is supported")
    return SQLiteStore(text)


class SQLiteStore:
    """Saved scenarios in one SQLite database (a file, or ``":memory:"``).

    One connection serves every thread, behind a lock; SQLite serialises writers anyway,
    and a scenario write is a single small row. Other processes may share the file (WAL
    lets readers run beside a writer; a busy writer is waited for up to ``timeout_s``).
    """

    def __init__(self, path: str, *, timeout_s: float = 10.0) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; each write opens its own.
        self._conn = sqlite3.connect(path, timeout=timeout_s, isolation_level=None,
                                     check_same_thread=False)
        self._lock = threading.Lock()
        self.journal_mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        self._conn.execute("PRAGMA synchronous=FULL")  # fsync on every commit
        self._conn.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
        with self._transaction() as conn:
            conn.execute(_SCHEMA)
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def __repr__(self) -> str:
        return f"<SQLiteStore {self.path!r} ({self.journal_mode})>"

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; committed (durably) on exit, rolled back on error."""
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
        self._read("SELECT count(*) FROM scenarios")
        return f"sqlite ({self.journal_mode})"

    def count(self) -> int:
        """How many scenarios are saved."""
        return self._read("SELECT count(*) FROM scenarios")[0][0]

    def list(self) -> list[StoredScenario]:
        """Every saved scenario, by name."""
        return [_row(r) for r in self._read(
            "SELECT name, title, description, digest, body, created_at, updated_at "
            "FROM scenarios ORDER BY name")]

    def get(self, name: str) -> StoredScenario | None:
        """The scenario saved under ``name``, or ``None``."""
        rows = self._read("SELECT name, title, description, digest, body, created_at, "
                          "updated_at FROM scenarios WHERE name = ?", (name,))
        return _row(rows[0]) if rows else None

    def put(self, name: str, body: dict[str, Any], *, title: str, description: str,
            digest: str, max_count: int | None = None) -> bool:
        """Save (or replace) a scenario; True when it is new.

        Raises
        ------
        StoreFullError
            When ``max_count`` scenarios are saved already and ``name`` is a new one.
        """
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        with self._transaction() as conn:
            exists = conn.execute("SELECT 1 FROM scenarios WHERE name = ?",
                                  (name,)).fetchone() is not None
            if not exists and max_count is not None:
                count = conn.execute("SELECT count(*) FROM scenarios").fetchone()[0]
                if count >= max_count:
                    raise StoreFullError(f"the store holds {count:,} scenarios, its limit; "
                                         "delete one before saving another")
            conn.execute(
                "INSERT INTO scenarios (name, title, description, digest, body, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "title = excluded.title, description = excluded.description, "
                "digest = excluded.digest, body = excluded.body, "
                "updated_at = excluded.updated_at",
                (name, title, description, digest, text, now, now))
        return not exists

    def delete(self, name: str) -> bool:
        """Delete a saved scenario; False when there was none."""
        with self._transaction() as conn:
            return conn.execute("DELETE FROM scenarios WHERE name = ?", (name,)).rowcount > 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class StoreFullError(Exception):
    """The store holds as many scenarios as it may."""


def _row(row: tuple) -> StoredScenario:
    name, title, description, digest, body, created, updated = row
    return StoredScenario(name, title, description, digest, json.loads(body), created, updated)
