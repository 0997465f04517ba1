"""Availability calendars: when a link or crossing may be entered.

A calendar is an ordered list of rules. The state starts *open*; every rule that matches a
moment sets the state to its action, so later rules win. Calendars are evaluated at hour
resolution, vectorised over a horizon with numpy (see :meth:`Calendar.open_mask`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES: tuple[str, ...] = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def parse_int_set(text: str, *, low: int, high: int, cyclic: bool = False) -> frozenset[int]:
    """Parse ``"12;1-3"`` into a set of integers; ranges wrap around when ``cyclic``.

    Examples
    --------
    >>> sorted(parse_int_set("12-2", low=1, high=12, cyclic=True))
    [1, 2, 12]
    >>> sorted(parse_int_set("1-3;7", low=1, high=31))
    [1, 2, 3, 7]
    """
    values: set[int] = set()
    for part in text.replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a_text, b_text = part.split("-", 1)
            a, b = int(a_text), int(b_text)
            if not (low <= a <= high and low <= b <= high):
                raise ValueError(f"{part!r} is outside {low}..{high}")
            if a <= b:
                values.update(range(a, b + 1))
            elif cyclic:
                values.update(range(a, high + 1))
                values.update(range(low, b + 1))
            else:
                raise ValueError(f"range {part!r} runs backwards")
        else:
            v = int(part)
            if not low <= v <= high:
                raise ValueError(f"{v} is outside {low}..{high}")
            values.add(v)
    if not values:
        raise ValueError("empty selector")
    return frozenset(values)


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse ``"Sat;Sun"`` or ``"Mon-Fri"`` into weekday numbers (Monday = 0).

    Examples
    --------
    >>> sorted(parse_weekdays("Mon-Fri"))
    [0, 1, 2, 3, 4]
    """
    index = {name.lower(): i for i, name in enumerate(WEEKDAYS)}
    values: set[int] = set()
    for part in text.replace(",", ";").split(";"):
        part = part.strip().lower()
        if not part:
            continue
        if "-" in part:
            a_text, b_text = (p.strip()[:3] for p in part.split("-", 1))
            if a_text not in index or b_text not in index:
                raise ValueError(f"unknown weekday in {part!r}; use {', '.join(WEEKDAYS)}")
            a, b = index[a_text], index[b_text]
            values.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            if part[:3] not in index:
                raise ValueError(f"unknown weekday {part!r}; use {', '.join(WEEKDAYS)}")
            values.add(index[part[:3]])
    if not values:
        raise ValueError("empty weekday selector")
    return frozenset(values)


def parse_hours(text: str) -> tuple[int, int]:
    """Parse ``"09:00-19:00"`` into whole hours ``(9, 19)``: open from 09 up to (not incl.) 19.

    Examples
    --------
    >>> parse_hours("12:00-13:00")
    (12, 13)
    """
    a_text, b_text = text.split("-", 1)

    def hour(part: str) -> int:
        hh, _, mm = part.strip().partition(":")
        h = int(hh)
        if mm and int(mm) != 0:
            raise ValueError(f"{part!r}: corridor calendars work in whole hours")
        if not 0 <= h <= 24:
            raise ValueError(f"{part!r} is not an hour of the day")
        return h

    a, b = hour(a_text), hour(b_text)
    if a == b:
        raise ValueError(f"{text!r} is an empty window")
    return a, b


def check_holiday_country(value: str) -> str:
    """``value`` if it is a country the ``holidays`` package has public holidays for (an
    ISO 3166 alpha-2 code such as ``CN``), else a ValueError saying what to write.

    Examples
    --------
    >>> check_holiday_country("CN")
    'CN'
    """
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError(f"holidays {value!r}: use an ISO 3166 alpha-2 country code in "
                         "capitals, such as CN or PK")
    import holidays

    if value not in holidays.list_supported_countries():
        raise ValueError(f"holidays {value!r}: the holidays package knows no such country")
    return value


@lru_cache(maxsize=64)
def _holiday_dates(country: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    import holidays  # a dependency, imported here to keep `import corridor` light

    return frozenset(holidays.country_holidays(country, years=range(first_year, last_year + 1)))


@dataclass(frozen=True)
class CalendarRule:
    """One rule of a calendar; empty selectors match everything."""

    action: str  # "open" or "close"
    months: frozenset[int] | None = None
    days: frozenset[int] | None = None
    weekdays: frozenset[int] | None = None
    hours: tuple[int, int] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    holidays: str | None = None
    sources: tuple[str, ...] = ()
    notes: str = ""

    def matches(self, hours: np.ndarray) -> np.ndarray:
        """Boolean mask of the hour stamps (``datetime64[h]``) this rule matches."""
        days = hours.astype("datetime64[D]")
        mask = self.day_mask(days)
        if self.hours is not None:
            mask &= self.hour_mask((hours - days.astype("datetime64[h]")).astype(np.int64))
        return mask

    def day_mask(self, days: np.ndarray) -> np.ndarray:
        """Boolean mask of the days (``datetime64[D]``) whose date this rule matches (its
        hours of the day aside)."""
        mask = np.ones(days.shape, dtype=bool)
        if self.months is not None:
            month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
            mask &= np.isin(month, sorted(self.months))
        if self.days is not None:
            dom = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
            mask &= np.isin(dom, sorted(self.days))
        if self.weekdays is not None:
            weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
            mask &= np.isin(weekday, sorted(self.weekdays))
        if self.date_from is not None:
            mask &= days >= np.datetime64(self.date_from, "D")
        if self.date_to is not None:
            mask &= days <= np.datetime64(self.date_to, "D")
        if self.holidays is not None and days.size:
            first = int(str(days.min())[:4])
            last = int(str(days.max())[:4])
            dates = _holiday_dates(self.holidays, first, last)
            stamps = np.array(sorted(dates), dtype="datetime64[D]")
            mask &= np.isin(days, stamps)
        return mask

    def hour_mask(self, hour_of_day: np.ndarray) -> np.ndarray:
        """Boolean mask of the hours of the day (0–23) this rule matches."""
        if self.hours is None:
            return np.ones(hour_of_day.shape, dtype=bool)
        a, b = self.hours
        if a < b:
            return (hour_of_day >= a) & (hour_of_day < b)
        return (hour_of_day >= a) | (hour_of_day < b)

    @property
    def matches_always(self) -> bool:
        """True when no selector narrows the rule (all twelve months count as none)."""
        return (
            (self.months is None or len(self.months) == 12)
            and self.days is None
            and self.weekdays is None
            and self.hours is None
            and self.date_from is None
            and self.date_to is None
            and self.holidays is None
        )

    def describe(self) -> str:
        """A short human description, e.g. ``'closed Dec–Mar'``."""
        parts: list[str] = []
        if self.months is not None:
            parts.append(_describe_months(self.months))
        if self.days is not None:
            parts.append("days " + _describe_runs(sorted(self.days), str))
        if self.weekdays is not None:
            parts.append(_describe_runs(sorted(self.weekdays), lambda i: WEEKDAYS[i]))
        if self.hours is not None:
            parts.append(f"{self.hours[0]:02d}:00–{self.hours[1]:02d}:00")
        if self.date_from is not None or self.date_to is not None:
            a = self.date_from.isoformat() if self.date_from else "…"
            b = self.date_to.isoformat() if self.date_to else "…"
            parts.append(f"{a} to {b}")
        if self.holidays is not None:
            parts.append(f"public holidays ({self.holidays})")
        word = "open" if self.action == "open" else "closed"
        return f"{word} " + (" ".join(parts) if parts else "always")


def _describe_runs(values: list[int], name) -> str:
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return ", ".join(name(a) if a == b else f"{name(a)}–{name(b)}" for a, b in runs)


def _describe_months(months: frozenset[int]) -> str:
    ordered = sorted(months)
    # Present a run that wraps the year end (Dec–Mar) as one run.
    if 1 in months and 12 in months and len(months) < 12:
        start = max(m for m in ordered if (m - 1 if m > 1 else 12) not in months)
        ordered = [m for m in range(start, 13) if m in months] + [
            m for m in range(1, start) if m in months
        ]
        runs: list[list[int]] = []
        for m in ordered:
            if runs and (runs[-1][-1] % 12) + 1 == m:
                runs[-1].append(m)
            else:
                runs.append([m])
        names = [MONTH_NAMES[r[0] - 1] if len(r) == 1
                 else f"{MONTH_NAMES[r[0] - 1]}–{MONTH_NAMES[r[-1] - 1]}" for r in runs]
        return ", ".join(names)
    return _describe_runs(ordered, lambda m: MONTH_NAMES[m - 1])


@dataclass(frozen=True)
class Calendar:
    """An ordered list of open/close rules; see the module docstring.

    Examples
    --------
    >>> import datetime as dt
    >>> winter = CalendarRule("close", months=frozenset({12, 1, 2, 3}))
    >>> cal = Calendar("pass", (winter,))
    >>> cal.is_open(dt.datetime(2026, 1, 15)), cal.is_open(dt.datetime(2026, 7, 15))
    (False, True)
    >>> cal.describe()
    'closed Dec–Mar'
    """

    calendar_id: str
    rules: tuple[CalendarRule, ...]

    def open_mask(self, start: dt.datetime, n_hours: int) -> np.ndarray:
        """Whether the calendar is open in each of ``n_hours`` hours from ``start`` (floored)."""
        # each rule's dates are read once a day, its hours once: not once an hour each
        clock = start.hour + np.arange(n_hours)
        days = np.datetime64(start.date(), "D") + np.arange(int(clock[-1]) // 24 + 1
                                                             if n_hours else 0)
        day, hour = clock // 24, clock % 24
        state = np.ones(n_hours, dtype=bool)
        for rule in self.rules:
            hit = rule.day_mask(days)[day]
            if rule.hours is not None:
                hit &= rule.hour_mask(hour)
            state[hit] = rule.action == "open"
        return state

    def is_open(self, when: dt.datetime) -> bool:
        """Whether the calendar is open at ``when`` (hour resolution)."""
        return bool(self.open_mask(when, 1)[0])

    def describe(self, *, around: dt.date | None = None) -> str:
        """The rules in words, e.g. ``'closed Dec–Mar; closed Sat–Sun'``.

        A calendar that starts by closing everything (a timetable) reads as ``open only …``.
        With ``around``, dated exceptions that ended before that date are left out.

        Examples
        --------
        >>> shut = CalendarRule("close", months=frozenset(range(1, 13)))
        >>> slot = CalendarRule("open", weekdays=frozenset({2, 5}), hours=(12, 13))
        >>> Calendar("flight", (shut, slot)).describe()
        'open only Wed, Sat 12:00–13:00'
        """
        rules = [r for r in self.rules
                 if around is None or r.date_to is None or r.date_to >= around]
        if rules and rules[0].action == "close" and rules[0].matches_always:
            opens = [r.describe().removeprefix("open ") for r in rules[1:] if r.action == "open"]
            closes = [r.describe() for r in rules[1:] if r.action != "open"]
            return "; ".join(["open only " + " or ".join(opens) if opens else "closed", *closes])
        return "; ".join(rule.describe() for rule in rules) or "always open"


def next_open_index(mask: np.ndarray) -> np.ndarray:
    """For each hour, the index of the first open hour at or after it (``len(mask)`` if none).

    Examples
    --------
    >>> next_open_index(np.array([False, True, False, False])).tolist()
    [1, 1, 4, 4]
    """
    n = mask.size
    idx = np.where(mask, np.arange(n), n)
    return np.minimum.accumulate(idx[::-1])[::-1]
