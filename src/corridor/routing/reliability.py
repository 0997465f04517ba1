"""Monte Carlo reliability of an itinerary: P10/P50/P90 arrival and on-time probability."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LegSpread", "Reliability"]


@dataclass(frozen=True)
class LegSpread:
    """How much one leg contributes to the spread of the arrival time."""

    leg: int  # index into Route.legs
    name: str
    kind: str
    p50_h: float  # median time spent on the leg (waits included)
    p90_h: float
    variance_share: float  # share of the sum of leg variances, 0..1

    def to_dict(self) -> dict[str, Any]:
        return {"leg": self.leg, "name": self.name, "kind": self.kind,
                "p50_h": round(self.p50_h, 2), "p90_h": round(self.p90_h, 2),
                "variance_share": round(self.variance_share, 3)}


@dataclass(frozen=True)
class Reliability:
    """Distribution of door-to-door time over ``draws`` Monte Carlo draws."""

    draws: int
    seed: int | None
    depart: dt.datetime
    p10_h: float
    p50_h: float
    p90_h: float
    mean_h: float
    deadline: dt.datetime | None = None
    on_time_probability: float | None = None
    closure_probability: float = 0.0  # share of draws in which a closure hit the route
    spread: tuple[LegSpread, ...] = field(default_factory=tuple)

    @property
    def arrive_p10(self) -> dt.datetime:
        return self.depart + dt.timedelta(hours=self.p10_h)

    @property
    def arrive_p50(self) -> dt.datetime:
        return self.depart + dt.timedelta(hours=self.p50_h)

    @property
    def arrive_p90(self) -> dt.datetime:
        return self.depart + dt.timedelta(hours=self.p90_h)

    def to_dict(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "seed": self.seed,
            "p10_h": round(self.p10_h, 2),
            "p50_h": round(self.p50_h, 2),
            "p90_h": round(self.p90_h, 2),
            "mean_h": round(self.mean_h, 2),
            "arrive_p10": self.arrive_p10.isoformat(timespec="minutes"),
            "arrive_p50": self.arrive_p50.isoformat(timespec="minutes"),
            "arrive_p90": self.arrive_p90.isoformat(timespec="minutes"),
            "deadline": None if self.deadline is None else self.deadline.isoformat(
                timespec="minutes"),
            "on_time_probability": None if self.on_time_probability is None
            else round(self.on_time_probability, 4),
            "closure_probability": round(self.closure_probability, 4),
            "spread": [s.to_dict() for s in self.spread],
        }
