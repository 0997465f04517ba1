"""Month-by-month (or weekly) answers for one origin–destination pair."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.deadline import check as check_deadline
from corridor.limits import check_year

if TYPE_CHECKING:
    from corridor.model.network import Network

__all__ = ["CalendarEntry", "CalendarResult", "calendar", "departures"]


@dataclass(frozen=True)
class CalendarEntry:
    """The best itinerary for one departure date, with its reliability."""

    depart: dt.datetime
    corridor: str  # plain name of the corridor used, e.g. "via China (Khunjerab)"
    crossings: tuple[str, ...]
    duration_h: float  # deterministic (median dwell) duration
    p50_h: float
    p90_h: float
    cost_usd: float
    wait_h: float
    co2e_kg: float
    risk: float
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "depart": self.depart.isoformat(timespec="minutes"),
            "corridor": self.corridor,
            "crossings": list(self.crossings),
            "duration_h": round(self.duration_h, 2),
            "p50_h": round(self.p50_h, 2),
            "p90_h": round(self.p90_h, 2),
            "cost_usd": round(self.cost_usd, 2),
            "wait_h": round(self.wait_h, 2),
            "co2e_kg": round(self.co2e_kg, 1),
            "risk": round(self.risk, 3),
        }


@dataclass(frozen=True)
class CalendarResult:
    """Departures through a year for one pair: one :class:`CalendarEntry` per departure."""

    origin: str
    destination: str
    cargo: str
    objective: str
    entries: tuple[CalendarEntry, ...]

    def to_rows(self) -> list[dict[str, Any]]:
        """Long-format rows (one per departure) for CSV or a DataFrame."""
        return [{"origin": self.origin, "destination": self.destination, "cargo": self.cargo,
                 **e.to_dict()} for e in self.entries]


def departures(year: int | None, step: str = "month", *, hour: int = 8,
               today: dt.date | None = None) -> list[dt.datetime]:
    """Departure datetimes through ``year`` (2000-2097, :mod:`corridor.limits`), or with
    ``year`` None through the twelve months from ``today`` (default: today): the 1st and
    15th of each month (``month``), or every Monday (``week``).

    Examples
    --------
    >>> [d.strftime("%d %b") for d in departures(2026)][:3]
    ['01 Jan', '15 Jan', '01 Feb']
    >>> len(departures(2026, "week"))
    52
    >>> [d.strftime("%d %b %Y") for d in departures(None, today=dt.date(2026, 12, 3))][:3]
    ['15 Dec 2026', '01 Jan 2027', '15 Jan 2027']
    >>> len(departures(None, today=dt.date(2026, 12, 3)))
    24
    """
    from corridor.exceptions import InvalidOptionError

    if step not in ("month", "week"):
        raise InvalidOptionError(f"unknown step {step!r}; use one of: month, week")
    if year is None:
        start = today or dt.date.today()
        end = start.replace(year=start.year + 1) if not (start.month == 2 and start.day == 29) \
            else start.replace(year=start.year + 1, day=28)
        check_year(start.year)
        if step == "month":
            days = [dt.date(y, m, d) for y in (start.year, start.year + 1)
                    for m in range(1, 13) for d in (1, 15)]
        else:
            first = start + dt.timedelta(days=(7 - start.weekday()) % 7)  # the next Monday
            days = [first + dt.timedelta(weeks=w) for w in range(53)]
        return [dt.datetime.combine(d, dt.time(hour)) for d in days if start <= d < end]
    check_year(year)
    if step == "month":
        return [dt.datetime(year, m, d, hour) for m in range(1, 13) for d in (1, 15)]
    first = dt.date(year, 1, 1)
    first += dt.timedelta(days=(7 - first.weekday()) % 7)  # the first Monday
    days = [first + dt.timedelta(weeks=w) for w in range(53)]
    return [dt.datetime.combine(d, dt.time(hour)) for d in days if d.year == year]


def calendar(
    origin: str,
    destination: str,
    *,
    year: int | None = None,
    step: str = "month",
    cargo: str | None = None,
    optimize: str = "generalized",
    via: Sequence[str] = (),
    avoid: Sequence[str] = (),
    modes: Sequence[str] | None = None,
    network: Network | None = None,
    draws: int = 2000,
    seed: int | None = 0,
) -> CalendarResult:
    """The best itinerary for departures through a year, with P50/P90 time and cost.

    Seasonal closures show up as changes of corridor or long waits (Khunjerab in winter),
    weekly ones as spread (Torugart at weekends), ferries as wide P90s.

    Parameters
    ----------
    year, step
        Departures on the 1st and 15th of each month (``month``) or every Monday (``week``)
        of ``year``, or with ``year`` None (the default) of the twelve months from today.
    cargo, optimize, via, avoid, modes, network, draws, seed
        As for :func:`corridor.plan_route` (``cargo``: a truck unless ``modes`` asks for
        modes a truck cannot use).

    Examples
    --------
    >>> result = calendar("Islamabad", "Kashgar", optimize="time", draws=200)
    >>> {e.depart.month: "khunjerab" in e.crossings for e in result.entries}[7]
    True
    """
    from corridor.io.folder import load_network
    from corridor.routing.plan import plan_route
    from corridor.routing.request import cargo_for_modes

    network = network if network is not None else load_network()
    cargo = cargo or cargo_for_modes(network, modes)[0]
    entries = []
    for when in departures(year, step):
        check_deadline()  # stop between departures when the caller's time is up
        route = plan_route(origin, destination, depart=when, cargo=cargo, optimize=optimize,
                           via=via, avoid=avoid, modes=modes, network=network, draws=draws,
                           seed=seed)
        rel = route.reliability
        s = route.summary
        entries.append(CalendarEntry(
            depart=when, corridor=route.corridor, crossings=route.crossings,
            duration_h=s.duration_h, p50_h=rel.p50_h if rel else s.duration_h,
            p90_h=rel.p90_h if rel else s.duration_h, cost_usd=s.cost_usd,
            wait_h=s.wait_time_h, co2e_kg=s.co2e_kg, risk=s.risk, warnings=route.warnings,
        ))
    return CalendarResult(origin, destination, cargo, optimize, tuple(entries))
