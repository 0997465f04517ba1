"""The canonical form every importer writes: CSV rows per table plus a manifest.

Importers (OSM extracts, GeoPackage, GeoJSON) and :func:`corridor.io.attach.attach` build
``Tables`` (a manifest mapping and rows of text cells per table file), then
:func:`write_folder` writes them to a temporary folder beside the target, validates them
with the same reader as ``corridor validate``, and moves the folder into place. A reader
never sees a half-written network, and a network with problems is never written.

:func:`network_tables` turns a loaded :class:`~corridor.model.network.Network` back into
that form, so a network can be merged, exported and re-imported without loss.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from corridor.exceptions import InvalidOptionError, NetworkValidationError
from corridor.io.folder import load_network, validate_network
from corridor.io.schema import TABLES
from corridor.model.calendar import WEEKDAYS
from corridor.model.network import Network

__all__ = ["Tables", "cell", "network_tables", "table_columns", "write_folder"]

# Model fields whose table column has another name.
_RENAMED = {"target_ids": "target_id"}


def table_columns(file: str) -> list[str]:
    """The columns of a table file, in the order of ``docs/network-format.md``."""
    return [column.name for column in TABLES[file]]


@dataclass
class Tables:
    """A network in its canonical form: ``manifest.yaml`` and rows of text per table."""

    manifest: dict[str, Any]
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def table(self, file: str) -> list[dict[str, str]]:
        """The rows of ``file`` (created empty on first use)."""
        return self.rows.setdefault(file, [])


def cell(value: Any) -> str:
    """One CSV cell: empty for ``None``, ``true``/``false``, ``;``-joined lists, ISO dates.

    Examples
    --------
    >>> cell(None), cell(True), cell(48.0), cell(24.8), cell(("a", "b"))
    ('', 'true', '48', '24.8', 'a;b')
    >>> cell(((60.1, 24.9), (60.2, 25.0)))
    '60.1 24.9;60.2 25.0'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return ";".join(str(v) for v in sorted(value))
    if isinstance(value, tuple):
        if value and isinstance(value[0], tuple):  # a link shape: (lat, lon) pairs
            return ";".join(f"{lat!r} {lon!r}" for lat, lon in value)
        return ";".join(cell(v) for v in value)
    return str(value)


def _record_row(record: Any, file: str) -> dict[str, str]:
    values = {_RENAMED.get(f.name, f.name): getattr(record, f.name)
              for f in dataclasses.fields(record)}
    return {name: cell(values.get(name)) for name in table_columns(file)}


def network_tables(network: Network) -> Tables:
    """A loaded network back in its canonical form (manifest and table rows).

    Examples
    --------
    >>> from corridor import load_network
    >>> tables = network_tables(load_network())
    >>> len(tables.rows["places.csv"]) == len(load_network().places)
    True
    """
    manifest: dict[str, Any] = {
        "name": network.name,
        "version": network.version,
        "description": network.description,
        "parameters": {
            p.name: {"value": p.value, "sources": list(p.sources),
                     **({"estimate": p.estimate} if p.estimate else {})}
            for p in network.parameters.values()
        },
    }
    tables = Tables(manifest)
    simple: tuple[tuple[str, Iterable[Any]], ...] = (
        ("sources.csv", network.sources.values()),
        ("countries.csv", network.countries.values()),
        ("places.csv", network.places.values()),
        ("links.csv", network.links),
        ("crossings.csv", network.crossings),
        ("transfers.csv", network.transfers),
        ("cargo.csv", network.cargo.values()),
        ("emission_factors.csv", network.emission_factors.values()),
        ("disruptions.csv", network.disruptions),
        ("cargo_rules.csv", network.cargo_rules),
        ("road_classes.csv", network.road_classes.values()),
    )
    for file, records in simple:
        tables.rows[file] = [_record_row(record, file) for record in records]
    calendars = tables.table("calendars.csv")
    for calendar in network.calendars.values():
        for seq, rule in enumerate(calendar.rules, start=1):
            row = _record_row(rule, "calendars.csv")
            row.update(calendar_id=calendar.calendar_id, seq=str(seq))
            if rule.weekdays is not None:
                row["weekdays"] = ";".join(WEEKDAYS[d] for d in sorted(rule.weekdays))
            if rule.hours is not None:
                row["hours"] = "{:02d}:00-{:02d}:00".format(*rule.hours)
            calendars.append(row)
    return tables


def _write_csv(path: Path, file: str, rows: list[dict[str, str]]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=table_columns(file), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise InvalidOptionError(f"{target} is a file; give a folder for the network")
    if target.is_dir() and any(target.iterdir()) and not (target / "manifest.yaml").is_file():
        raise InvalidOptionError(
            f"{target} is a folder that holds other files, not a network folder; give a new "
            "or empty folder (an existing network folder is replaced)"
        )
    if not target.parent.is_dir():
        raise InvalidOptionError(f"the folder {target.parent} does not exist; create it first")


def write_folder(tables: Tables, out: str | os.PathLike[str]) -> Network:
    """Write ``tables`` as a network folder at ``out``, atomically, and load it.

    The folder is written beside ``out`` under a temporary name and validated; only a valid
    network replaces ``out`` (an existing network folder there is replaced in one step).

    Raises
    ------
    NetworkValidationError
        The tables have problems; nothing is written.
    InvalidOptionError
        ``out`` is a file, a folder holding other files, or its parent does not exist.
    """
    target = Path(out).absolute()
    _check_target(target)
    temp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        (temp / "manifest.yaml").write_text(
            yaml.safe_dump(tables.manifest, sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )
        for file in TABLES:
            _write_csv(temp / file, file, tables.rows.get(file, []))
        problems = validate_network(temp)
        if problems:
            raise NetworkValidationError(problems, folder=str(target))
        os.chmod(temp, 0o777 & ~_umask())  # mkdtemp makes 0700; give the usual mode
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(temp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(temp)
        raise
    return load_network(target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def merge_sources(tables: Tables, rows: Iterable[Mapping[str, str]]) -> None:
    """Add source rows whose ``source_id`` the tables do not have yet."""
    known = {row["source_id"] for row in tables.table("sources.csv")}
    for row in rows:
        if row["source_id"] not in known:
            tables.table("sources.csv").append(dict(row))
            known.add(row["source_id"])
