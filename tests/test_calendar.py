"""Month-by-month calendars: the Khunjerab winter and Torugart weekends must show."""

from __future__ import annotations

import datetime as dt

import pytest

from corridor import InvalidOptionError
from corridor.analysis.seasons import calendar, departures


def test_departures():
    months = departures(2026)
    assert len(months) == 24 and months[0] == dt.datetime(2026, 1, 1, 8)
    weeks = departures(2026, "week")
    assert all(d.weekday() == 0 for d in weeks) and len(weeks) == 52
    with pytest.raises(InvalidOptionError, match="month, week"):
        departures(2026, "day")


def test_khunjerab_winter_is_visible(region):
    """2023, when Khunjerab still shut for the winter (year-round since December 2024)."""
    result = calendar("Islamabad", "Kashgar", year=2023, optimize="time", draws=300,
                      network=region)
    by_month = {}
    for e in result.entries:
        by_month.setdefault(e.depart.month, []).append(e)
    for month in (1, 2, 3):
        assert all("khunjerab" not in e.crossings for e in by_month[month]), month
    for month in (6, 7, 8, 9):
        assert all(e.crossings == ("khunjerab",) for e in by_month[month]), month
    winter = min(e.duration_h for m in (1, 2) for e in by_month[m])
    summer = max(e.duration_h for m in (6, 7, 9) for e in by_month[m])
    assert winter > summer  # every winter detour is slower than any summer trip
    rows = result.to_rows()
    assert rows[0]["origin"] == "Islamabad" and "p90_h" in rows[0]


def test_torugart_weekends_and_holidays_show(region):
    """Bishkek → Kashgar over Torugart: 550 km (about 14 h by truck) to the pass, which is shut at
    weekends and on Chinese public holidays."""
    result = calendar("Bishkek", "Kashgar", year=2026, optimize="time", via=["Torugart"],
                      draws=200, network=region)
    wait = {e.depart.date(): e.wait_h for e in result.entries}
    assert wait[dt.date(2026, 6, 15)] == 0  # a Monday: cleared by Thursday
    # a Wednesday: Torugart's 71 h of clearance end on Saturday; held until Monday
    assert 24 < wait[dt.date(2026, 4, 1)] < 72
    assert wait[dt.date(2026, 2, 1)] > 0  # Sunday: reach the pass Sunday evening, wait
    assert wait[dt.date(2026, 2, 15)] > 24 * 5  # Spring Festival week
    assert wait[dt.date(2026, 10, 1)] > 24 * 3  # National Day holidays


def test_caspian_ferry_wait_is_visible(region):
    """Caspian ferries sail when full (1 day to 2 weeks): the median wait is in the answer,
    the spread in P90."""
    result = calendar("Almaty", "Baku", cargo="teu", optimize="time", draws=2000,
                      network=region)
    for e in result.entries:
        assert "ferry" in e.corridor
        assert e.wait_h == pytest.approx((24 + 336) / 2)
        assert e.p90_h - e.p50_h > 3 * 24
