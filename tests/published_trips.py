"""corridor's answers against published real trips of the region (tests/data/published_trips.csv).

Each row is a trip someone made or published (a TIR run, a bus timetable, a flight, a road
distance) with the range it gives and its source. For each, corridor plans the same trip on
the bundled network and the figure is compared with the range:

* the cargo is the row's (``truck``, ``teu`` or ``passenger``); ``mode`` restricts the modes
  (a passenger ``road`` trip goes by bus or car, ``air`` by plane);
* it departs on the 15th of the row's month, 2026, at 08:00, and passes the row's ``via``
  places when corridor knows them (the published trip went that way);
* ``duration_h`` rows are optimised for time; ``distance_km`` rows take corridor's default
  (generalized) route, the one a forwarder would drive, not the shortest line on the map;
* a road trip's figure is door to door; a rail or air trip's is the time (or km) on the
  train or plane, borders and gauge changes included, without getting to the station or
  airport (what a timetable or a freight-train report gives).

Run ``python tests/published_trips.py`` for the Markdown table in docs/network.md.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import corridor
from corridor.exceptions import CorridorError
from corridor.io.gazetteer import resolve_name

TRIPS = Path(__file__).parent / "data" / "published_trips.csv"


@dataclass(frozen=True)
class Outcome:
    """One published trip and corridor's answer to it."""

    trip_id: str
    label: str
    metric: str
    low: float
    high: float
    value: float | None  # None: corridor found no route
    note: str
    source: str

    @property
    def hit(self) -> bool:
        return self.value is not None and self.low <= self.value <= self.high

    @property
    def miss(self) -> float:
        """How far outside the published range, as a share of the nearer bound (0 inside;
        ``inf`` without a route)."""
        if self.value is None:
            return math.inf
        nearest = min(max(self.value, self.low), self.high)
        return abs(self.value - nearest) / nearest


def _vias(text: str, network: corridor.Network) -> list[str]:
    """The row's ``via`` places that the network knows (``;``-separated)."""
    vias = []
    for part in text.split(";"):
        name = part.split("/")[0].strip()
        try:
            if name:
                resolve_name(name, network, allow=("crossing", "place"))
                vias.append(name)
        except CorridorError:
            continue
    return vias


def _figure(route: corridor.Route, mode: str, metric: str) -> float:
    if mode == "road":
        s = route.summary
        return s.duration_h if metric == "duration_h" else s.distance_km
    legs = [leg for leg in route.legs
            if leg.mode == mode and leg.kind in ("link", "border", "transfer", "wait")
            and not (leg.kind == "transfer" and "road" in (leg.name or ""))]
    if metric == "distance_km":
        return sum(leg.distance_km for leg in legs)
    return sum(leg.duration_h for leg in legs)


def evaluate(path: Path = TRIPS) -> list[Outcome]:
    """corridor's figure for every published trip in ``path``."""
    network = corridor.load_network()
    out = []
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        mode, metric = row["mode"], row["metric"]
        month = int(row["depart_month"] or 7)
        modes = None if (mode == "road" and row["cargo"] != "passenger") else [mode]
        options = dict(depart=f"2026-{month:02d}-15", cargo=row["cargo"], modes=modes,
                       optimize="time" if metric == "duration_h" else "generalized",
                       network=network, draws=0)
        vias = _vias(row["via"], network)
        note = ""
        try:
            route = corridor.plan_route(row["origin"], row["destination"], via=vias, **options)
        except CorridorError as error:
            try:  # the via may not be on the network's way: try without it
                route = corridor.plan_route(row["origin"], row["destination"], **options)
                note = "without via"
            except CorridorError:
                route, note = None, str(error).split(";")[0]
        value = None if route is None else _figure(route, mode, metric)
        if route is not None:
            note = note or " → ".join(route.crossings) or "domestic"
        label = (f"{row['origin']} → {row['destination']} ({mode}, {row['cargo']}, "
                 f"{'month ' + str(month)})")
        out.append(Outcome(row["trip_id"], label, metric, float(row["published_low"]),
                           float(row["published_high"]), value, note, row["source_url"]))
    return out


def hit_rate(outcomes: list[Outcome]) -> float:
    return sum(o.hit for o in outcomes) / len(outcomes) if outcomes else math.nan


def near_rate(outcomes: list[Outcome], tolerance: float = 0.25) -> float:
    """The share of trips within ``tolerance`` (25 %) of their published range."""
    return (sum(o.miss <= tolerance for o in outcomes) / len(outcomes) if outcomes
            else math.nan)


def markdown(outcomes: list[Outcome]) -> str:
    unit = {"duration_h": "h", "distance_km": "km"}
    lines = ["| trip | published | corridor | within |", "|---|---|---|---|"]
    for o in outcomes:
        value = "no route" if o.value is None else f"{o.value:,.1f} {unit[o.metric]}"
        lines.append(f"| {o.label} | {o.low:,.1f}–{o.high:,.1f} {unit[o.metric]} | {value} "
                     f"({o.note}) | {'yes' if o.hit else '**no**'} |")
    lines.append(f"\n{sum(o.hit for o in outcomes)} of {len(outcomes)} within the published "
                 f"range ({hit_rate(outcomes):.0%}); "
                 f"{sum(o.miss <= 0.25 for o in outcomes)} within 25 % of it "
                 f"({near_rate(outcomes):.0%}).")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(evaluate()))
