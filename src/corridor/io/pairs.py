"""Weighted origin–destination pairs (``data/pairs.csv`` or a user's CSV): the trips a
criticality ranking or a pairs comparison weighs, each with its weight and source."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from corridor.exceptions import InvalidOptionError, Problem

__all__ = ["PAIR_COLUMNS", "Pair", "bundled_pairs_path", "coerce_pairs", "load_pairs"]

PAIR_COLUMNS: tuple[str, ...] = ("origin", "destination", "weight", "notes", "source_id")
"""Columns of a pairs CSV; ``weight`` (default 1), ``notes`` and ``source_id`` may be left
out. ``source_id`` may list several ids separated by ``;``."""


@dataclass(frozen=True)
class Pair:
    """An origin–destination pair and its weight (e.g. the two countries' trade in USD)."""

    origin: str
    destination: str
    weight: float = 1.0
    notes: str = ""
    source_id: str = ""


def bundled_pairs_path() -> Path:
    """The default pairs CSV: 14 Pakistan–Central Asia (and Xinjiang) city pairs weighted by
    the two countries' trade in USD from ``trade_baselines.csv`` (China: the overland share
    only); each row's ``notes`` say which figure and ``source_id`` cites it."""
    return Path(str(resources.files("corridor") / "data" / "pairs.csv"))


def load_pairs(path: str | PathLike[str] | None = None) -> tuple[Pair, ...]:
    """Read a pairs CSV (``origin,destination[,weight,notes,source_id]``), checking every row.

    Parameters
    ----------
    path : str or path-like, optional
        Default: :func:`bundled_pairs_path`. ``weight`` is a number >= 0 (e.g. trade in USD);
        without a ``weight`` column every pair weighs 1. Other columns are refused, so that a
        misspelt ``weight`` is not silently read as 1.

    Raises
    ------
    corridor.exceptions.InvalidOptionError
        The file is missing or unreadable, or has problems; the message lists all of them
        with row and column.

    Examples
    --------
    >>> pairs = load_pairs()
    >>> pairs[0].origin, pairs[0].destination, pairs[0].source_id
    ('Karachi', 'Almaty', 'trend_kz_2025')
    """
    file_path = Path(path) if path is not None else bundled_pairs_path()
    file = file_path.name

    def fail(problems: list[Problem]) -> InvalidOptionError:
        return InvalidOptionError(f"{len(problems)} problem(s) in pairs file {file_path}:\n"
                                  + "\n".join(f"  - {p}" for p in problems))

    if not file_path.is_file():
        raise fail([Problem(file, None, None, "file is missing")])
    try:
        with file_path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [(h or "").strip() for h in reader.fieldnames or []]
            raw_rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise fail([Problem(file, None, None, f"cannot be read as CSV: {error}")]) from None
    problems: list[Problem] = []
    for name in PAIR_COLUMNS[:2]:
        if name not in header:
            problems.append(Problem(file, 1, name, "column is missing from the header"))
    for name in header:
        if name not in PAIR_COLUMNS:
            problems.append(Problem(file, 1, name, "unknown column; expected: "
                                    + ", ".join(PAIR_COLUMNS)))
    if problems:
        raise fail(problems)
    weighted = "weight" in header
    pairs: list[Pair] = []
    for number, raw in enumerate(raw_rows, start=2):  # row 1 is the header
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()
               if isinstance(v, str)}
        if not any(row.values()):
            continue
        start = len(problems)
        if None in raw:
            problems.append(Problem(file, number, None, "more cells than columns"))
        for column in ("origin", "destination"):
            if not row.get(column):
                problems.append(Problem(file, number, column, "value required"))
        weight = 1.0
        if weighted:
            try:
                weight = float(row.get("weight", ""))
            except ValueError:
                weight = math.nan
            if not (math.isfinite(weight) and weight >= 0):
                problems.append(Problem(file, number, "weight",
                                        f"{row.get('weight', '')!r}: must be a number >= 0"))
        if len(problems) == start:
            pairs.append(Pair(row["origin"], row["destination"], weight,
                              row.get("notes", ""), row.get("source_id", "")))
    if not pairs and not problems:
        problems.append(Problem(file, None, None, "has no rows"))
    if problems:
        raise fail(problems)
    return tuple(pairs)


def coerce_pairs(pairs: Sequence[Any] | str | PathLike[str] | None) -> tuple[Pair, ...]:
    if pairs is None or isinstance(pairs, str | PathLike):
        return load_pairs(pairs)
    out = []
    for i, item in enumerate(pairs):
        if isinstance(item, Pair):
            out.append(item)
            continue
        try:
            values = tuple(item)
        except TypeError:
            values = ()
        if len(values) not in (2, 3):
            raise InvalidOptionError(f"pair {i}: {item!r} is not (origin, destination, weight)")
        weight = float(values[2]) if len(values) == 3 else 1.0
        if not (math.isfinite(weight) and weight >= 0):
            raise InvalidOptionError(f"pair {i}: weight {values[2]!r} must be a number >= 0")
        out.append(Pair(str(values[0]), str(values[1]), weight))
    if not out:
        raise InvalidOptionError("no pairs given")
    return tuple(out)
