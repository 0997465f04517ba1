"""Route results: plain frozen dataclasses that convert to dicts and JSON (the model layer:
the searches make them, io writes them, the shells print them)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Endpoint", "Leg", "LegSpread", "Reliability", "Route", "RouteSummary"]


@dataclass(frozen=True)
class Endpoint:
    """A place on a route: a network place, or a gazetteer city joined by an access leg."""

    id: str
    name: str
    country: str
    lat: float
    lon: float
    kind: str = "city"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "country": self.country,
                "lat": round(self.lat, 5), "lon": round(self.lon, 5), "kind": self.kind}


@dataclass(frozen=True)
class Leg:
    """One leg of an itinerary.

    ``kind`` is ``link`` (driving, sailing, flying), ``border`` (clearing a crossing),
    ``transfer`` (changing mode or gauge), ``wait`` (waiting for an opening) or ``access``
    (an estimated road leg joining a gazetteer city to the network).
    """

    kind: str
    from_: Endpoint
    to: Endpoint
    mode: str
    name: str
    depart: dt.datetime
    arrive: dt.datetime
    distance_km: float
    duration_h: float
    cost_usd: float | None
    co2e_kg: float
    risk: float
    sources: tuple[str, ...] = ()
    estimate: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "from": self.from_.to_dict(),
            "to": self.to.to_dict(),
            "mode": self.mode,
            "name": self.name,
            "depart": self.depart.isoformat(timespec="minutes"),
            "arrive": self.arrive.isoformat(timespec="minutes"),
            "distance_km": round(self.distance_km, 1),
            "duration_h": round(self.duration_h, 2),
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 2),
            "co2e_kg": round(self.co2e_kg, 1),
            "risk": round(self.risk, 3),
            "sources": list(self.sources),
            "estimate": self.estimate or None,
            **self.details,
        }


@dataclass(frozen=True)
class RouteSummary:
    """Totals of an itinerary."""

    distance_km: float
    duration_h: float
    cost_usd: float
    co2e_kg: float
    risk: float
    border_crossings: int
    border_time_h: float
    wait_time_h: float
    moving_time_h: float
    transfers: int
    objective: str
    objective_value: float
    cost_unknown_legs: int
    risk_exposure: float = 0.0  # sum over legs of hours × country risk ("risk-hours")

    def to_dict(self) -> dict[str, Any]:
        return {
            "distance_km": round(self.distance_km, 1),
            "duration_h": round(self.duration_h, 2),
            "duration_days": round(self.duration_h / 24.0, 2),
            "cost_usd": round(self.cost_usd, 2),
            "co2e_kg": round(self.co2e_kg, 1),
            "risk": round(self.risk, 3),
            "risk_exposure": round(self.risk_exposure, 2),
            "border_crossings": self.border_crossings,
            "border_time_h": round(self.border_time_h, 2),
            "wait_time_h": round(self.wait_time_h, 2),
            "moving_time_h": round(self.moving_time_h, 2),
            "transfers": self.transfers,
            "objective": self.objective,
            "objective_value": round(self.objective_value, 2),
            "cost_unknown_legs": self.cost_unknown_legs,
        }


@dataclass(frozen=True)
class Route:
    """The best itinerary for one request: legs, totals, warnings and sources.

    ``to_dict()`` gives the JSON contract documented in the README.
    """

    origin: Endpoint
    destination: Endpoint
    depart: dt.datetime
    arrive: dt.datetime
    cargo: str
    objective: str
    legs: tuple[Leg, ...]
    summary: RouteSummary
    countries: tuple[str, ...]
    crossings: tuple[str, ...]
    warnings: tuple[str, ...]
    sources: tuple[dict[str, str], ...]
    network: str
    corridor: str = ""
    best_for: tuple[str, ...] = ()
    reliability: Reliability | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin.to_dict(),
            "destination": self.destination.to_dict(),
            "depart": self.depart.isoformat(timespec="minutes"),
            "arrive": self.arrive.isoformat(timespec="minutes"),
            "cargo": self.cargo,
            "objective": self.objective,
            "summary": self.summary.to_dict(),
            "corridor": self.corridor,
            "best_for": list(self.best_for),
            "countries": list(self.countries),
            "crossings": list(self.crossings),
            "reliability": None if self.reliability is None else self.reliability.to_dict(),
            "legs": [leg.to_dict() for leg in self.legs],
            "warnings": list(self.warnings),
            "sources": list(self.sources),
            "network": self.network,
        }

    def to_json(self, **kwargs: Any) -> str:
        """The route as a JSON string (``kwargs`` go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


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
