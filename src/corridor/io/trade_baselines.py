"""Bilateral trade baselines: the cited table of what two countries trade a year
(``data/trade_baselines.csv``, policy-facts §2), its reader and the pick of one figure per
pair (:func:`trade_baseline`). Figures for the same pair differ 2–4× by reporting side, so
the pick comes with its reporter, source and the other reporters' figures.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from corridor.exceptions import InvalidOptionError, NetworkValidationError, Problem

__all__ = ["ANNUAL_PERIODS", "BASELINE_COLUMNS", "FLOWS", "PERIODS", "Baseline",
           "bundled_trade_baselines_path", "load_trade_baselines", "trade_baseline"]


# --------------------------------------------------------------------------------------------
# Baselines (policy-facts §2)
# --------------------------------------------------------------------------------------------

BASELINE_COLUMNS: tuple[str, ...] = (
    "country_a", "country_b", "year", "period", "value_usd", "reporter", "flow",
    "source_id", "title", "url", "confidence", "notes",
)
"""Columns of a trade-baselines CSV, in order."""

FLOWS: tuple[str, ...] = ("total", "exports", "imports")
"""``total`` is two-way trade; ``exports``/``imports`` are country_a's exports to or imports
from country_b."""

ANNUAL_PERIODS: tuple[str, ...] = ("year", "fiscal_year")
"""Periods covering a whole year; only these are picked by :func:`trade_baseline`."""

_PARTS = ("q1", "q2", "q3", "q4", "h1", "h2", "7m", "9m")
PERIODS: tuple[str, ...] = (
    *ANNUAL_PERIODS, *_PARTS, *(f"fiscal_{p}" for p in _PARTS), "unspecified",
)
"""Valid ``period`` values. ``year`` is a calendar year; ``fiscal_year`` is Pakistan's fiscal
year (July–June) *ending* in ``year`` (FY2023-24 has year 2024); ``q1``… ``9m`` are parts of
the calendar year and ``fiscal_…`` parts of the fiscal year; ``unspecified`` is a figure
stated without a clear reference period."""

_CONFIDENCE = ("H", "H/M", "M", "M/L", "L", "H/L")
_CONFIDENCE_RANK = {"H": 0, "H/M": 1, "M": 2, "H/L": 2, "M/L": 3, "L": 4}
_ISO3 = re.compile(r"^[A-Z]{3}$")
_SOURCE_ID = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Baseline:
    """One bilateral trade figure and who reported it.

    Attributes
    ----------
    country_a, country_b : str
        ISO alpha-3 codes; ``flow`` is relative to ``country_a``.
    year : int
        Calendar year, or for ``fiscal_year`` the year in which Pakistan's fiscal year ends.
    period : str
        One of :data:`PERIODS`.
    value_usd : float
        The figure, in USD (not millions).
    reporter : str
        Who reported it, side first (``KAZ statistics``, ``PAK SBP``, ``UZB ambassador``,
        ``CHN GACC``, ``unstated``…).
    flow : str
        One of :data:`FLOWS`.
    source_id, title, url, confidence, notes : str
        The citation, its confidence grade (H, M, L) and remarks.
    row : int or None
        Row number in the CSV (the header is row 1).
    others : tuple of Baseline
        From :func:`trade_baseline`: the latest total of each *other* reporter for the pair,
        so reports can show how far the figures differ.
    """

    country_a: str
    country_b: str
    year: int
    period: str
    value_usd: float
    reporter: str
    flow: str
    source_id: str
    title: str
    url: str = ""
    confidence: str = ""
    notes: str = ""
    row: int | None = None
    others: tuple[Baseline, ...] = ()

    @property
    def pair(self) -> tuple[str, str]:
        """The two countries, in file order."""
        return self.country_a, self.country_b

    @property
    def side(self) -> str:
        """The first word of ``reporter``: the reporting side (``KAZ``, ``PAK``…)."""
        return self.reporter.split()[0] if self.reporter.split() else ""

    def describe(self) -> str:
        """One line for reports: pair, year, flow, value, reporter and source id.

        >>> print(trade_baseline("KAZ", "PAK", reporter="KAZ statistics").describe())
        PAK–KAZ 2023 total USD 52.5 m, reported by KAZ statistics (informkz_2023)
        """
        if self.period == "fiscal_year":
            when = f"FY{self.year - 1}-{self.year % 100:02d}"
        elif self.period == "year":
            when = str(self.year)
        else:
            when = f"{self.year} ({self.period})"
        millions = self.value_usd / 1e6
        value = f"{millions:,.2f}" if millions < 10 else f"{millions:,.1f}"
        who = ("reporting side not stated" if self.reporter == "unstated"
               else f"reported by {self.reporter}")
        return (f"{self.country_a}–{self.country_b} {when} {self.flow} USD {value} m, {who} "
                f"({self.source_id})")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "country_a": self.country_a, "country_b": self.country_b, "year": self.year,
            "period": self.period, "value_usd": self.value_usd, "reporter": self.reporter,
            "flow": self.flow, "source_id": self.source_id, "title": self.title,
            "url": self.url, "confidence": self.confidence, "notes": self.notes,
        }
        if self.others:
            out["others"] = [other.to_dict() for other in self.others]
        return out


def bundled_trade_baselines_path() -> Path:
    """The trade-baselines CSV that ships with corridor."""
    return Path(str(resources.files("corridor") / "data" / "trade_baselines.csv"))


def _parse_row(file: str, number: int, raw: Mapping[str, str | None],
               problems: list[Problem]) -> Baseline | None:
    start = len(problems)

    def text(column: str) -> str:
        return (raw.get(column) or "").strip()

    def bad(column: str, message: str) -> None:
        problems.append(Problem(file, number, column, message))

    for column in ("country_a", "country_b"):
        if not _ISO3.match(text(column)):
            bad(column, f"{text(column)!r}: use an ISO 3166 alpha-3 code such as PAK")
    if text("country_a") and text("country_a") == text("country_b"):
        bad("country_b", "must differ from country_a")
    year: int = 0
    try:
        year = int(text("year"))
        if not 1900 <= year <= 2100:
            bad("year", f"{year}: not a plausible year")
    except ValueError:
        bad("year", f"{text('year')!r}: not a whole year such as 2024")
    value = math.nan
    try:
        value = float(text("value_usd"))
        if not math.isfinite(value) or value < 0:
            bad("value_usd", f"{text('value_usd')!r}: must be a finite number, not negative")
    except ValueError:
        bad("value_usd", f"{text('value_usd')!r}: not a number (USD, not millions)")
    for column, allowed in (("period", PERIODS), ("flow", FLOWS), ("confidence", _CONFIDENCE)):
        if text(column) not in allowed:
            bad(column, f"{text(column)!r}: must be one of {', '.join(allowed)}")
    for column in ("reporter", "title"):
        if not text(column):
            bad(column, "value required")
    if not _SOURCE_ID.match(text("source_id")):
        bad("source_id", f"{text('source_id')!r}: ids are lowercase letters, digits and "
                         "underscores")
    if len(problems) > start:
        return None
    return Baseline(
        country_a=text("country_a"), country_b=text("country_b"), year=year,
        period=text("period"), value_usd=value, reporter=text("reporter"), flow=text("flow"),
        source_id=text("source_id"), title=text("title"), url=text("url"),
        confidence=text("confidence"), notes=text("notes"), row=number,
    )


def _key(row: Baseline) -> tuple[Any, ...]:
    pair = tuple(sorted(row.pair)) if row.flow == "total" else row.pair
    return (*pair, row.year, row.period, row.flow, row.reporter.casefold())


def load_trade_baselines(path: str | PathLike[str] | None = None) -> tuple[Baseline, ...]:
    """Read a trade-baselines CSV (default: the bundled one) and validate every row.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV with the columns of :data:`BASELINE_COLUMNS` (values in USD, not millions).

    Returns
    -------
    tuple of Baseline
        Every row, in file order.

    Raises
    ------
    corridor.exceptions.NetworkValidationError
        The file is missing or unreadable, or has problems; ``problems`` lists all of them
        with row and column (missing or unknown columns, bad codes, years, values, periods,
        flows, confidence grades, missing reporter or title, duplicate figures).

    Examples
    --------
    >>> rows = load_trade_baselines()
    >>> sorted({r.reporter for r in rows if set(r.pair) == {"PAK", "KAZ"}})[:3]
    ['KAZ MFA', 'KAZ ambassador', 'KAZ statistics']
    """
    file_path = Path(path) if path is not None else bundled_trade_baselines_path()
    file = file_path.name
    problems: list[Problem] = []
    if not file_path.is_file():
        raise NetworkValidationError([Problem(file, None, None, "file is missing")],
                                     folder=str(file_path))
    try:
        with file_path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            raw_rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise NetworkValidationError(
            [Problem(file, None, None, f"cannot be read as CSV: {error}")],
            folder=str(file_path),
        ) from None
    missing = [name for name in BASELINE_COLUMNS if name not in header]
    for name in missing:
        problems.append(Problem(file, 1, name, "column is missing from the header"))
    for name in header:
        if name not in BASELINE_COLUMNS:
            problems.append(Problem(file, 1, name, "unknown column; expected: "
                                    + ", ".join(BASELINE_COLUMNS)))
    rows: list[Baseline] = []
    seen: dict[tuple[Any, ...], int] = {}
    if not missing:
        for number, raw in enumerate(raw_rows, start=2):  # row 1 is the header
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            if None in raw:
                problems.append(Problem(file, number, None, "more cells than columns"))
            row = _parse_row(file, number, raw, problems)
            if row is None:
                continue
            key = _key(row)
            if key in seen:
                problems.append(Problem(
                    file, number, None,
                    f"duplicate figure: same pair, year, period, flow and reporter as row "
                    f"{seen[key]}"))
                continue
            seen[key] = number
            rows.append(row)
    if not raw_rows and not missing:
        problems.append(Problem(file, None, None, "has no rows"))
    if problems:
        raise NetworkValidationError(problems, folder=str(file_path))
    return tuple(rows)


def _order(row: Baseline) -> tuple[int, int, int]:
    """Sort key: higher confidence first (official statistics before statements), then the
    latest year, then file order."""
    return (_CONFIDENCE_RANK.get(row.confidence, 9), -row.year, row.row or 0)


def _matches_reporter(row: Baseline, reporter: str) -> bool:
    wanted = reporter.strip().casefold()
    return wanted in (row.reporter.casefold(), row.side.casefold())


def _country(name: str, value: str) -> str:
    code = str(value).strip().upper()
    if not _ISO3.match(code):
        raise InvalidOptionError(f"{name}: {value!r} is not an ISO 3166 alpha-3 code such as PAK")
    return code


def _listing(items: Iterable[str]) -> str:
    return ", ".join(sorted(set(items)))


def trade_baseline(
    a: str,
    b: str,
    *,
    year: int | None = None,
    reporter: str | None = None,
    path: str | PathLike[str] | None = None,
) -> Baseline:
    """The baseline two-way trade figure for a pair of countries, and who reported it.

    Only full-year totals (periods in :data:`ANNUAL_PERIODS`, flow ``total``) are
    considered. Among them the highest confidence grade wins (official statistics before
    officials' statements, which often count on another basis), then the latest year, then
    the first row in the file.

    Parameters
    ----------
    a, b : str
        ISO alpha-3 codes, in either order.
    year : int, optional
        Only figures for this year (a fiscal year counts as the year it ends).
    reporter : str, optional
        Only figures from this reporter: its full label (``"KAZ statistics"``) or its side,
        the first word (``"PAK"``), case-insensitive.
    path : str or path-like, optional
        Another baselines CSV (see :func:`load_trade_baselines`).

    Returns
    -------
    Baseline
        The chosen row; ``others`` holds the latest total of every other reporter for the
        pair (for the same year when ``year`` is given).

    Raises
    ------
    corridor.exceptions.InvalidOptionError
        A code that is not ISO alpha-3, or no figure for the pair, year or reporter; the
        message lists what is available.

    Examples
    --------
    >>> base = trade_baseline("KAZ", "PAK")
    >>> base.year, base.reporter, base.value_usd
    (2024, 'KAZ MFA', 53700000.0)
    >>> for other in base.others:
    ...     print(other.describe())
    PAK–KAZ 2023 total USD 52.5 m, reported by KAZ statistics (informkz_2023)
    PAK–KAZ 2023 total USD 197.0 m, reported by PAK data via KAZ ambassador (agenzianova_2023)
    PAK–KAZ 2021 total USD 95.0 m, reported by KAZ ambassador (agenzianova_2023)

    Asking for one reporter (its label, or its side):

    >>> print(trade_baseline("PAK", "AFG", reporter="PAK").describe())
    PAK–AFG FY2023-24 total USD 555.9 m, reported by PAK SBP (sbp_af_press)
    >>> trade_baseline("PAK", "AFG", reporter="SBP")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    corridor.exceptions.InvalidOptionError: no PAK–AFG trade total reported by 'SBP'; ...
    """
    a, b = _country("a", a), _country("b", b)
    rows = load_trade_baselines(path)
    pair = {a, b}
    totals = [r for r in rows if set(r.pair) == pair and r.flow == "total"
              and r.period in ANNUAL_PERIODS]
    if not totals:
        pairs = {"–".join(sorted(r.pair)) for r in rows
                 if r.flow == "total" and r.period in ANNUAL_PERIODS}
        raise InvalidOptionError(f"no annual trade total for {a}–{b}; pairs with one: "
                                 f"{_listing(pairs)}")
    if year is not None:
        in_year = [r for r in totals if r.year == year]
        if not in_year:
            raise InvalidOptionError(f"no {a}–{b} trade total for {year}; years: "
                                     f"{_listing(str(r.year) for r in totals)}")
        totals = in_year
    candidates = totals
    if reporter is not None:
        candidates = [r for r in totals if _matches_reporter(r, reporter)]
        if not candidates:
            raise InvalidOptionError(f"no {a}–{b} trade total reported by {reporter!r}"
                                     + (f" for {year}" if year is not None else "")
                                     + f"; reporters: {_listing(r.reporter for r in totals)}")
    chosen = min(candidates, key=_order)
    others: dict[str, Baseline] = {}
    for row in sorted(totals, key=_order):
        label = row.reporter.casefold()
        if label != chosen.reporter.casefold() and label not in others:
            others[label] = row
    return replace(chosen, others=tuple(sorted(others.values(), key=_order)))
