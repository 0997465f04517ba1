"""Property-based tests: invariants of ``plan_route`` on small random networks.

Every example writes a fresh network folder with the helpers of ``netbuilder`` (2–3
countries, 4–9 places, 5–15 road links, 1–4 border crossings, optional calendars that close
random months, weekdays or hours, and some links and crossings that are not open), loads it
with :func:`corridor.load_network` and routes on it. The properties:

* a leg of a link or crossing with a calendar is only entered while the calendar is open, and
  nothing that is not ``open`` is ever used;
* removing a link or crossing never makes the fastest route faster, and adding a link never
  makes it slower;
* arrival is monotone in departure time (FIFO);
* without calendars the fastest route (and the shortest one) equals networkx's Dijkstra on
  the same graph;
* the summary agrees with the legs, and the legs form a contiguous timeline;
* ``avoid=[country]`` keeps every leg out of that country.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from corridor import NoRouteError, load_network, plan_route
from corridor.model.calendar import WEEKDAYS

from netbuilder import country, crossing, place, road, write_network

# CORRIDOR_HYPOTHESIS_EXAMPLES=500 pytest tests/test_invariants.py for a deeper search
SETTINGS = settings(
    max_examples=int(os.environ.get("CORRIDOR_HYPOTHESIS_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

COUNTRIES = ("AAA", "BBB", "CCC")
ROAD_SPEEDS = (40, 50, 60, 75, 80, 100)
EPS = 1e-6


# --------------------------------------------------------------------------- generator


@dataclass
class Spec:
    """A random network, kept as table rows so that variants can be written from it."""

    countries: list[dict[str, Any]]
    places: list[dict[str, Any]]
    links: list[dict[str, Any]]
    crossings: list[dict[str, Any]]
    calendars: list[dict[str, Any]] = field(default_factory=list)

    @property
    def speed(self) -> dict[str, float]:
        return {c["iso3"]: float(c["road_speed_kmh"]) for c in self.countries}

    @property
    def country_of(self) -> dict[str, str]:
        return {p["place_id"]: p["country"] for p in self.places}

    def write(
        self,
        folder: Path,
        *,
        drop_link: int | None = None,
        drop_crossing: int | None = None,
        extra_links: tuple[dict[str, Any], ...] = (),
    ) -> Path:
        links = [r for i, r in enumerate(self.links) if i != drop_link] + list(extra_links)
        crossings = [r for i, r in enumerate(self.crossings) if i != drop_crossing]
        return write_network(folder, name="random", countries=self.countries,
                             places=self.places, links=links, crossings=crossings,
                             calendars=self.calendars)


def _calendar_rows(draw, cid: str) -> list[dict[str, Any]]:
    """1–3 rules: mostly closures of months, weekdays or hours; sometimes a re-opening."""
    rows = []
    for seq in range(1, draw(st.integers(1, 3)) + 1):
        action = draw(st.sampled_from(("close", "close", "close", "open")))
        selector = draw(st.sampled_from(("months", "weekdays", "hours")))
        row: dict[str, Any] = dict(calendar_id=cid, seq=seq, action=action, sources="s1")
        if selector == "months":
            months = draw(st.sets(st.integers(1, 12), min_size=1, max_size=8))
            row["months"] = ";".join(map(str, sorted(months)))
        elif selector == "weekdays":
            days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=5))
            row["weekdays"] = ";".join(WEEKDAYS[d] for d in sorted(days))
        else:
            a = draw(st.integers(0, 23))
            b = (a + draw(st.integers(1, 23))) % 24  # a window that may wrap midnight
            row["hours"] = f"{a:02d}:00-{b:02d}:00"
        rows.append(row)
    return rows


@st.composite
def networks(draw, calendars: bool = True, n_countries: int | None = None) -> Spec:
    n_countries = n_countries or draw(st.integers(2, 3))
    codes = COUNTRIES[:n_countries]
    countries = [
        country(c, draw(st.sampled_from(ROAD_SPEEDS)), 500, 10 + 40 * i)
        for i, c in enumerate(codes)
    ]
    n_places = draw(st.integers(4, 9))
    # every country gets at least one place; with >= 4 places in <= 3 countries some
    # country has two, so there is always a pair a road link can join
    assigned = list(codes) + [draw(st.sampled_from(codes)) for _ in range(n_places - len(codes))]
    assigned = draw(st.permutations(assigned))
    ids = [f"p{i}" for i in range(n_places)]

    calendar_ids: list[str] = []
    calendar_rows: list[dict[str, Any]] = []
    if calendars:
        for k in range(draw(st.integers(1, 2))):
            cid = f"cal{k}"
            calendar_ids.append(cid)
            calendar_rows.extend(_calendar_rows(draw, cid))
    maybe_calendar = (st.sampled_from([None, *calendar_ids]) if calendar_ids
                      else st.just(None))
    status = st.sampled_from(("open", "open", "open", "open", "open", "planned", "closed"))

    # Crossings: the first ones join neighbouring countries (AAA-BBB, BBB-CCC) so that most
    # networks are connected; later ones join any two places of different countries.
    crossing_rows = []
    posts: set[int] = set()
    for k in range(draw(st.integers(n_countries - 1, 4))):
        if k < n_countries - 1:
            pairs = [(i, j) for i in range(n_places) for j in range(n_places)
                     if assigned[i] == codes[k] and assigned[j] == codes[k + 1]]
        else:
            pairs = [(i, j) for i in range(n_places) for j in range(n_places)
                     if assigned[i] != assigned[j]]
        i, j = draw(st.sampled_from(pairs))
        posts.update((i, j))
        crossing_rows.append(crossing(
            f"x{k}", ids[i], ids[j], draw(st.integers(0, 36)), draw(st.integers(0, 36)),
            status=draw(status), calendar_id=draw(maybe_calendar),
        ))

    # Road links: a random two-way chain through the places of each country, then random
    # extras, some one-way.
    chain: list[tuple[int, int]] = []
    for c in codes:
        members = draw(st.permutations([i for i in range(n_places) if assigned[i] == c]))
        chain.extend(zip(members, members[1:], strict=False))
    road_pairs = [(i, j) for i in range(n_places) for j in range(n_places)
                  if i != j and assigned[i] == assigned[j]]
    n_links = draw(st.integers(max(5, len(chain)), 15))
    link_rows = []
    for k in range(n_links):
        i, j = chain[k] if k < len(chain) else draw(st.sampled_from(road_pairs))
        if draw(st.booleans()):
            i, j = j, i
        link_rows.append(road(
            f"l{k}", ids[i], ids[j], draw(st.integers(1, 600)),
            two_way="true" if k < len(chain) else draw(st.sampled_from(("true", "false"))),
            status=draw(status), calendar_id=draw(maybe_calendar),
        ))

    places = [
        place(ids[i], assigned[i], 40.0 + 0.1 * i, 70.0 + 0.1 * i,
              "border_post" if i in posts else "city")
        for i in range(n_places)
    ]
    return Spec(countries, places, link_rows, crossing_rows, calendar_rows)


@st.composite
def scenarios(draw, calendars: bool = True, minutes: bool = False, across: bool = False):
    """A network, an origin and destination (distinct place ids) and a departure time.

    With ``across``, the network has three countries and the trip goes from the first to
    the last, so that it usually passes through the middle one.
    """
    spec = draw(networks(calendars=calendars, n_countries=3 if across else None))
    n = len(spec.places)
    if across:
        country_of = [p["country"] for p in spec.places]
        o = draw(st.sampled_from([i for i in range(n) if country_of[i] == COUNTRIES[0]]))
        d = draw(st.sampled_from([i for i in range(n) if country_of[i] == COUNTRIES[2]]))
    else:
        o = draw(st.integers(0, n - 1))
        d = draw(st.integers(0, n - 2))
        d += d >= o
    day = draw(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
    depart = dt.datetime.combine(day, dt.time(draw(st.integers(0, 23)),
                                              draw(st.integers(0, 59)) if minutes else 0))
    return spec, f"p{o}", f"p{d}", depart


# --------------------------------------------------------------------------- helpers


def fastest(net, origin: str, destination: str, depart: dt.datetime, **kw):
    """The time-optimal route, or None when there is none."""
    try:
        route = plan_route(origin, destination, depart=depart, optimize="time", network=net,
                           **kw)
    except NoRouteError:
        event("no route")
        return None
    event(f"route of {len(route.legs)} legs")
    if route.summary.wait_time_h > 0:
        event("route waits for an opening")
    return route


def load(spec: Spec, tmp: str, name: str = "net", **variant):
    return load_network(spec.write(Path(tmp) / name, **variant))


def hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600.0


def open_when_entered(calendar, when: dt.datetime) -> bool:
    """Whether ``calendar`` is open at ``when`` (hour resolution).

    A leg's time is a float number of hours turned into a datetime, which rounds to the
    microsecond; a leg entered at 2.9999999999 h (hour 2) can thus print as 03:00. Such a
    leg counts as entered in the hour before.
    """
    if calendar.is_open(when):
        return True
    on_the_hour = when.replace(minute=0, second=0, microsecond=0)
    return when - on_the_hour < dt.timedelta(milliseconds=1) and calendar.is_open(
        on_the_hour - dt.timedelta(hours=1)
    )


def reference_graph(spec: Spec, weight: str) -> nx.DiGraph:
    """The static graph of open links and crossings; ``weight`` is ``time`` or ``distance``."""
    graph = nx.DiGraph()
    graph.add_nodes_from(p["place_id"] for p in spec.places)
    speed, country_of = spec.speed, spec.country_of

    def add(a: str, b: str, w: float) -> None:
        if not graph.has_edge(a, b) or graph[a][b]["w"] > w:
            graph.add_edge(a, b, w=w)

    for link in spec.links:
        if link["status"] != "open":
            continue
        a, b, km = link["from_place"], link["to_place"], float(link["distance_km"])
        w = km / speed[country_of[a]] if weight == "time" else km
        add(a, b, w)
        if link["two_way"] == "true":
            add(b, a, w)
    for x in spec.crossings:
        if x["status"] != "open":
            continue
        a, b = x["place_a"], x["place_b"]
        add(a, b, float(x["ab_dwell_h"]) if weight == "time" else 0.0)
        add(b, a, float(x["ba_dwell_h"]) if weight == "time" else 0.0)
    return graph


def reference_length(graph: nx.DiGraph, origin: str, destination: str) -> float | None:
    try:
        return nx.dijkstra_path_length(graph, origin, destination, weight="w")
    except nx.NetworkXNoPath:
        return None


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(scenarios(minutes=True))
def test_no_leg_is_entered_while_closed_or_not_open(case):
    spec, origin, destination, depart = case
    with tempfile.TemporaryDirectory() as tmp:
        net = load(spec, tmp)
        route = fastest(net, origin, destination, depart)
        if route is None:
            return
        links = {link.link_id: link for link in net.links}
        for leg in route.legs:
            if leg.kind == "link":
                element = links[leg.details["link_id"]]
            elif leg.kind == "border":
                element = net.crossings_by_id[leg.details["crossing_id"]]
            else:
                continue
            assert element.status == "open", f"{leg.name} is {element.status}"
            if element.calendar_id:
                calendar = net.calendars[element.calendar_id]
                assert open_when_entered(calendar, leg.depart), (
                    f"{leg.name} entered at {leg.depart} but {calendar.describe()}"
                )


@SETTINGS
@given(scenarios(minutes=True), st.data())
def test_removing_an_element_never_helps(case, data):
    spec, origin, destination, depart = case
    drop_link = drop_crossing = None
    if data.draw(st.booleans(), label="drop a crossing"):
        drop_crossing = data.draw(st.integers(0, len(spec.crossings) - 1), label="crossing")
    else:
        drop_link = data.draw(st.integers(0, len(spec.links) - 1), label="link")
    with tempfile.TemporaryDirectory() as tmp:
        full = fastest(load(spec, tmp, "full"), origin, destination, depart)
        less = fastest(load(spec, tmp, "less", drop_link=drop_link, drop_crossing=drop_crossing),
                       origin, destination, depart)
    if full is None:
        assert less is None, "removing an element created a route"
    elif less is not None:
        assert less.summary.duration_h >= full.summary.duration_h - EPS
        assert less.arrive >= full.arrive - dt.timedelta(milliseconds=1)


@SETTINGS
@given(scenarios(minutes=True), st.data())
def test_adding_a_link_never_hurts(case, data):
    spec, origin, destination, depart = case
    country_of = spec.country_of
    pairs = [(a, b) for a in country_of for b in country_of
             if a != b and country_of[a] == country_of[b]]
    a, b = data.draw(st.sampled_from(pairs), label="new link")
    calendar_ids = sorted({r["calendar_id"] for r in spec.calendars})
    extra = road("l_new", a, b, data.draw(st.integers(1, 600), label="km"),
                 two_way=data.draw(st.sampled_from(("true", "false")), label="two_way"),
                 calendar_id=data.draw(st.sampled_from([None, *calendar_ids]), label="cal"))
    with tempfile.TemporaryDirectory() as tmp:
        base = fastest(load(spec, tmp, "base"), origin, destination, depart)
        more = fastest(load(spec, tmp, "more", extra_links=(extra,)), origin, destination, depart)
    if base is not None:
        assert more is not None, "adding a link removed the route"
        assert more.summary.duration_h <= base.summary.duration_h + EPS
        assert more.arrive <= base.arrive + dt.timedelta(milliseconds=1)


@SETTINGS
@given(scenarios(minutes=True), st.integers(1, 60 * 24 * 40))
def test_arrival_is_monotone_in_departure(case, later_min):
    spec, origin, destination, depart = case
    later = depart + dt.timedelta(minutes=later_min)
    with tempfile.TemporaryDirectory() as tmp:
        net = load(spec, tmp)
        first = fastest(net, origin, destination, depart)
        second = fastest(net, origin, destination, later)
    if first is not None and second is not None:
        assert first.arrive <= second.arrive + dt.timedelta(milliseconds=1), (
            f"leaving {depart} arrives {first.arrive}; leaving later, {later}, "
            f"arrives earlier, {second.arrive}"
        )


@SETTINGS
@given(scenarios(calendars=False))
def test_fastest_route_matches_networkx(case):
    spec, origin, destination, depart = case
    expected = reference_length(reference_graph(spec, "time"), origin, destination)
    with tempfile.TemporaryDirectory() as tmp:
        route = fastest(load(spec, tmp), origin, destination, depart)
    if expected is None:
        assert route is None, f"corridor found a route networkx did not: {route.legs}"
    else:
        assert route is not None, f"networkx found a {expected:.3f} h route, corridor none"
        assert route.summary.duration_h == pytest.approx(expected, abs=EPS, rel=1e-9)
        assert route.summary.wait_time_h == 0.0


@SETTINGS
@given(scenarios(calendars=False))
def test_shortest_route_matches_networkx(case):
    spec, origin, destination, depart = case
    expected = reference_length(reference_graph(spec, "distance"), origin, destination)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            route = plan_route(origin, destination, depart=depart, optimize="distance",
                               network=load(spec, tmp))
        except NoRouteError:
            route = None
    if expected is None:
        assert route is None
    else:
        assert route is not None
        assert route.summary.distance_km == pytest.approx(expected, abs=EPS, rel=1e-9)


@SETTINGS
@given(scenarios(minutes=True))
def test_summary_agrees_with_the_legs(case):
    spec, origin, destination, depart = case
    with tempfile.TemporaryDirectory() as tmp:
        route = fastest(load(spec, tmp), origin, destination, depart)
    assume(route is not None)
    legs, summary = route.legs, route.summary
    assert legs
    assert summary.duration_h == pytest.approx(sum(leg.duration_h for leg in legs), abs=EPS)
    assert summary.distance_km == pytest.approx(sum(leg.distance_km for leg in legs), abs=EPS)
    assert summary.objective_value == pytest.approx(summary.duration_h, abs=EPS)
    assert summary.duration_h == pytest.approx(hours(route.arrive - route.depart), abs=EPS)
    assert legs[0].from_.id == origin and legs[-1].to.id == destination
    assert legs[0].depart == route.depart, (
        f"asked to leave at {route.depart}, the first leg leaves at {legs[0].depart}"
    )
    assert legs[-1].arrive == route.arrive
    for leg in legs:
        assert leg.arrive >= leg.depart
        assert hours(leg.arrive - leg.depart) == pytest.approx(leg.duration_h, abs=1e-3)
        assert math.isfinite(leg.duration_h) and leg.duration_h >= 0
    for a, b in zip(legs, legs[1:], strict=False):
        assert a.to.id == b.from_.id, f"{a.name} ends at {a.to.id}, {b.name} starts at {b.from_.id}"
        assert b.depart >= a.arrive - dt.timedelta(milliseconds=1)
        assert b.depart - a.arrive <= dt.timedelta(milliseconds=1), "a gap between legs"
    assert summary.border_crossings == sum(1 for leg in legs if leg.kind == "border")
    assert summary.wait_time_h == pytest.approx(
        sum(leg.duration_h for leg in legs if leg.kind == "wait"), abs=EPS)


@SETTINGS
@given(scenarios(minutes=True, across=True), st.data())
def test_avoided_country_is_never_touched(case, data):
    spec, origin, destination, depart = case
    country_of = spec.country_of
    candidates = sorted({c["iso3"] for c in spec.countries}
                        - {country_of[origin], country_of[destination]})
    with tempfile.TemporaryDirectory() as tmp:
        net = load(spec, tmp)
        free = fastest(net, origin, destination, depart)
        # prefer a country the unconstrained route passes through
        used = [c for c in candidates if free is not None and c in free.countries]
        avoided = data.draw(st.sampled_from(used or candidates), label="avoid")
        route = fastest(net, origin, destination, depart, avoid=[avoided])
    if used:
        event("avoids a country the free route used")
    if route is None:
        return
    assert free is not None, "a route exists with --avoid but not without"
    assert route.summary.duration_h >= free.summary.duration_h - EPS
    assert avoided not in route.countries
    for leg in route.legs:
        assert avoided not in (leg.from_.country, leg.to.country), leg.name
