"""Month-by-month (or weekly) answers for one origin–destination pair."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = ["CalendarEntry", "CalendarResult"]


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
