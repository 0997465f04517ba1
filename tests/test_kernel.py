"""The compiled search core (``corridor.routing.kernel``) against independent references.

* :func:`~corridor.routing.kernel.dijkstra` against networkx on random multigraphs, and its
  predecessor edges form a shortest-path tree;
* :func:`~corridor.routing.kernel.td_earliest_arrival` against a plain-Python heap search
  written here from the kernel's documented rules (wait at a calendar until it opens, hold
  at an exit calendar, nothing at or beyond the horizon), on random hourly open/closed masks;
* :func:`~corridor.routing.kernel.label_search` with no target labels every reachable node
  at its shortest time;
* ``plan_route`` and ``alternatives`` give exactly the same routes with the kernel searches
  as with the pure-Python ones they replaced (``search_python``, ``pareto_search_python``, in
  tests/reference_searches.py),
  on the bundled network and on a hand-worked network with a weekday-only border post.

Weights are multiples of 1/4 h, so every sum is exact in floating point and the kernel and
the references can be compared with ``==``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import os
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridor.routing.pareto as pareto_module
import corridor.routing.plan as plan_module
from corridor import InvalidOptionError, NoRouteError, load_network, plan_route
from corridor.routing import kernel
from corridor.routing.pareto import alternatives
from corridor.routing.search import search
from reference_searches import pareto_search_python, search_python

import netbuilder
from netbuilder import crossing, place, road, tiny

SETTINGS = settings(
    max_examples=int(os.environ.get("CORRIDOR_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# --------------------------------------------------------------------------- random graphs

QUARTERS = st.integers(0, 40).map(lambda q: q / 4.0)  # 0 to 10 h in quarter hours
WEIGHTS = st.one_of(st.just(0.0), QUARTERS)  # zero-weight edges are common


@st.composite
def graphs(draw, max_nodes: int = 12, max_edges: int = 30):
    """``(n, edges)``: edges ``(u, v, w)`` with self-loops, parallel edges and isolated
    nodes (few edges over up to 12 nodes leave many nodes unreachable)."""
    n = draw(st.integers(1, max_nodes))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node, WEIGHTS), max_size=max_edges))
    if edges:  # parallel copies of some edges, with other weights
        for i in draw(st.lists(st.integers(0, len(edges) - 1), max_size=5)):
            edges.append((edges[i][0], edges[i][1], draw(WEIGHTS)))
    return n, edges


def csr(n: int, edges: list[tuple]) -> tuple[np.ndarray, np.ndarray, list[tuple]]:
    """``(indptr, dst, edges in CSR order)``; edges are sorted (stably) by source node."""
    ordered = sorted(edges, key=lambda e: e[0])
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, np.array([e[0] for e in ordered], dtype=np.int64) + 1, 1)
    dst = np.array([e[1] for e in ordered], dtype=np.int64)
    return np.cumsum(indptr), dst, ordered


def column(edges: list[tuple], i: int, dtype) -> np.ndarray:
    return np.array([e[i] for e in edges], dtype=dtype)


# --------------------------------------------------------------------------- dijkstra


@SETTINGS
@given(graphs(), st.data())
def test_dijkstra_matches_networkx(graph, data):
    n, edges = graph
    source = data.draw(st.integers(0, n - 1), label="source")
    indptr, dst, ordered = csr(n, edges)
    weight = column(ordered, 2, np.float64)
    dist, pred = kernel.dijkstra(indptr, dst, weight, source, return_predecessors=True)

    reference = nx.MultiDiGraph()
    reference.add_nodes_from(range(n))
    reference.add_weighted_edges_from(edges)
    expected = nx.single_source_dijkstra_path_length(reference, source)
    assert dist.tolist() == [expected.get(v, math.inf) for v in range(n)]

    # the predecessor edges form a shortest-path tree rooted at the source
    src = np.repeat(np.arange(n), np.diff(indptr))
    assert pred[source] == -1
    for v in range(n):
        if v == source or math.isinf(dist[v]):
            assert pred[v] == -1, f"node {v} has a predecessor but no path"
            continue
        e = pred[v]
        assert dst[e] == v
        assert dist[v] == dist[src[e]] + weight[e]
        hops, u = 0, v
        while u != source:  # the tree leads back to the source
            u = src[pred[u]]
            hops += 1
            assert hops < n, f"predecessors of {v} form a cycle"


def test_dijkstra_without_predecessors_and_unreachable():
    # 0 -> 1 (2 h) twice, 1 -> 2 (0 h); node 3 has only an edge out of it
    indptr, dst, ordered = csr(4, [(0, 1, 2.0), (0, 1, 3.0), (1, 2, 0.0), (3, 0, 1.0)])
    dist = kernel.dijkstra(indptr, dst, column(ordered, 2, np.float64), 0)
    assert dist.tolist() == [0.0, 2.0, 2.0, math.inf]


# --------------------------------------------------------------------------- earliest arrival


def next_open_from(mask: np.ndarray) -> np.ndarray:
    """Per calendar and hour, the first open hour at or after it (the horizon if none)."""
    calendars, horizon = mask.shape
    table = np.empty((calendars, horizon), dtype=np.int64)
    for c in range(calendars):
        following = horizon
        for h in range(horizon - 1, -1, -1):
            if mask[c, h]:
                following = h
            table[c, h] = following
    return table


def earliest_arrival(n: int, edges: list[tuple], mask: np.ndarray, source: int,
                     t0: float) -> list[float]:
    """Plain-Python earliest arrival: edges ``(u, v, hours, calendar, exit calendar)``.

    An edge is entered when it is reached if the hour then is open, else at the first open
    hour after; it releases when its time is up if the exit calendar is open in that hour,
    else at its next open hour. Nothing happens at or beyond the horizon.
    """
    horizon = mask.shape[1]

    def first_open(calendar: int, hour: int) -> int | None:
        return next((h for h in range(hour, horizon) if mask[calendar, h]), None)

    arrive = [math.inf] * n
    arrive[source] = t0
    heap = [(t0, source)]
    settled: set[int] = set()
    while heap:
        t, u = heapq.heappop(heap)
        if u in settled:
            continue
        settled.add(u)
        for a, v, hours, calendar, exit_calendar in edges:
            if a != u:
                continue
            enter = t
            if calendar >= 0:
                opening = first_open(calendar, int(t))
                if opening is None:
                    continue
                enter = max(t, opening)
            leave = enter + hours
            if leave >= horizon:
                continue
            if exit_calendar >= 0:
                opening = first_open(exit_calendar, int(leave))
                if opening is None:
                    continue
                leave = max(leave, opening)
            if leave < arrive[v]:
                arrive[v] = leave
                heapq.heappush(heap, (leave, v))
    return arrive


@st.composite
def timetabled(draw, all_open: bool = False):
    """A random graph whose edges may carry a calendar and an exit calendar, the calendars'
    hourly open masks over a short horizon, a source and a start time."""
    n, edges = draw(graphs())
    n_calendars = draw(st.integers(1, 3))
    horizon = draw(st.integers(1, 60)) if not all_open else 10_000
    if all_open:
        mask = np.ones((n_calendars, horizon), dtype=bool)
    else:
        p_open = draw(st.sampled_from((0.1, 0.5, 0.9)))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        mask = rng.random((n_calendars, horizon)) < p_open
    calendar = st.one_of(st.just(-1), st.integers(0, n_calendars - 1))
    timed = [(u, v, w, draw(calendar), draw(calendar)) for u, v, w in edges]
    source = draw(st.integers(0, n - 1))
    t0 = draw(st.integers(0, 4 * min(horizon, 30) - 1)) / 4.0
    return n, timed, mask, source, t0


def run_td(n, timed, mask, source, t0):
    indptr, dst, ordered = csr(n, timed)
    return kernel.td_earliest_arrival(
        indptr, dst, column(ordered, 2, np.float64), column(ordered, 3, np.int64),
        next_open_from(mask), source, t0, exit_calendar=column(ordered, 4, np.int64),
        return_predecessors=True)


@SETTINGS
@given(timetabled())
def test_earliest_arrival_matches_the_reference(case):
    n, timed, mask, source, t0 = case
    arrive, pred = run_td(n, timed, mask, source, t0)
    assert arrive.tolist() == earliest_arrival(n, timed, mask, source, t0)
    assert all(t < mask.shape[1] for v, t in enumerate(arrive) if v != source and t < math.inf)
    assert all((pred[v] >= 0) == (v != source and arrive[v] < math.inf) for v in range(n))


@SETTINGS
@given(timetabled(all_open=True))
def test_earliest_arrival_with_calendars_always_open_is_dijkstra(case):
    n, timed, _mask, source, t0 = case
    arrive, _ = run_td(n, timed, _mask, source, t0)
    indptr, dst, ordered = csr(n, timed)
    dist = kernel.dijkstra(indptr, dst, column(ordered, 2, np.float64), source)
    assert arrive.tolist() == (dist + t0).tolist()


def test_earliest_arrival_by_hand():
    # 0 -> 1 takes 1 h and opens at hours 2 and 4 only; 1 -> 2 takes 1.5 h and releases
    # only in hour 5; 0 -> 2 directly takes 10 h, past the horizon of 6 h
    mask = np.zeros((2, 6), dtype=bool)
    mask[0, [2, 4]] = True
    mask[1, 5] = True
    timed = [(0, 1, 1.0, 0, -1), (1, 2, 1.5, -1, 1), (0, 2, 10.0, -1, -1)]
    # leave at 0.5, wait for hour 2, arrive 3.0; reach hour 4.5, released at 5.0
    arrive, _ = run_td(3, timed, mask, 0, 0.5)
    assert arrive.tolist() == [0.5, 3.0, 5.0]
    # leave at 2.75: hour 2 is open, enter at once, arrive 3.75; 5.25 is in hour 5: open
    assert run_td(3, timed, mask, 0, 2.75)[0].tolist() == [2.75, 3.75, 5.25]
    # leave at 4.5: hour 4 is open, arrive 5.5; 5.5 + 1.5 = 7.0 is beyond the horizon
    assert run_td(3, timed, mask, 0, 4.5)[0].tolist() == [4.5, 5.5, math.inf]
    # leave at 5.0: hour 5 is shut for 0 -> 1 and stays shut until the horizon
    assert run_td(3, timed, mask, 0, 5.0)[0].tolist() == [5.0, math.inf, math.inf]


# --------------------------------------------------------------------------- label search


@SETTINGS
@given(graphs(), st.data())
def test_label_search_without_targets_labels_every_node_at_its_shortest_time(graph, data):
    n, edges = graph
    m = len(edges)
    ok = data.draw(st.lists(st.booleans(), min_size=m, max_size=m), label="ok")
    source = data.draw(st.integers(0, n - 1), label="source")
    t0 = data.draw(st.integers(0, 40), label="t0 (quarters)") / 4.0
    marked = [(*e, flag) for e, flag in zip(edges, ok, strict=True)]
    indptr, dst, ordered = csr(n, marked)
    time_h = column(ordered, 2, np.float64)
    no_transfer = np.zeros(m, dtype=np.int64)
    found = kernel.label_search(
        indptr, dst, time_h, np.full(m, -1, np.int64), np.full(m, -1, np.int64), no_transfer,
        no_transfer.copy(), np.zeros(8, dtype=np.bool_), column(ordered, 3, np.bool_),
        time_h.copy(), np.ones(n), np.zeros((0, 10_000), dtype=np.int64),  # no calendar;
        # a horizon beyond any arrival here
        np.zeros((0, n), dtype=np.bool_), np.zeros((0, m), dtype=np.bool_),
        np.array([source], dtype=np.int64), np.array([t0]), np.array([0.0]),
        np.zeros(n, dtype=np.bool_), np.zeros(n))
    key, time, state, best = found[0], found[1], found[2], found[-1]
    assert best == -1  # no target
    best_key = [math.inf] * n
    for k, s in zip(key.tolist(), state.tolist(), strict=True):
        assert s & 7 == 0  # no transfer was taken
        best_key[s >> 3] = min(best_key[s >> 3], k)
    usable = [(u, v, w) for u, v, w, flag in marked if flag]
    u_indptr, u_dst, u_ordered = csr(n, usable)
    assert best_key == kernel.dijkstra(u_indptr, u_dst, column(u_ordered, 2, np.float64),
                                       source).tolist()
    # with objective time and no calendars, a label's key is its travel time
    assert (time == key + t0).all()


@SETTINGS
@given(timetabled(), st.data())
def test_a_star_finds_the_same_least_key_as_the_plain_search(case, data):
    """With the reverse graph, label_search orders labels by key + lower_bound (A*): same
    best total and arrival as without it, on random graphs with calendars, waiting costs
    and several targets; and the bound at the origin never exceeds the answer."""
    n, timed, mask, source, t0 = case
    m = len(timed)
    indptr, dst, ordered = csr(n, timed)
    time_h = column(ordered, 2, np.float64)
    key = time_h * data.draw(st.sampled_from((1.0, 0.5, 3.0)), label="key per hour")
    wait = np.array(data.draw(st.lists(st.sampled_from((0.0, 1.0, 2.5)), min_size=n,
                                       max_size=n), label="wait rates"))
    targets = data.draw(st.sets(st.integers(0, n - 1), min_size=1), label="targets")
    is_target = np.zeros(n, dtype=np.bool_)
    is_target[list(targets)] = True
    target_key = np.array([data.draw(st.sampled_from((0.0, 0.25, 2.0))) if is_target[v]
                           else 0.0 for v in range(n)])
    src = np.repeat(np.arange(n), np.diff(indptr))
    reverse = (np.concatenate([[0], np.cumsum(np.bincount(dst, minlength=n))]),
               np.argsort(dst, kind="stable"), src)
    none = np.zeros(m, dtype=np.int64)
    args = (indptr, dst, time_h, column(ordered, 3, np.int64), column(ordered, 4, np.int64),
            none, none.copy(), np.zeros(8, dtype=np.bool_), np.ones(m, dtype=np.bool_), key,
            wait, next_open_from(mask), np.zeros((0, n), dtype=np.bool_),
            np.zeros((0, m), dtype=np.bool_), np.array([source]), np.array([t0]),
            np.array([0.0]), is_target, target_key)
    plain = kernel.label_search(*args, max_labels=64)
    astar = kernel.label_search(*args, max_labels=64, reverse=reverse)
    assert (plain[-1] < 0) == (astar[-1] < 0)
    if plain[-1] >= 0:
        total = [r[0][r[-1]] + target_key[r[2][r[-1]] >> 3] for r in (plain, astar)]
        assert total[1] == pytest.approx(total[0], abs=1e-9)
        # the bound at the origin is a lower bound of the answer
        bound = kernel.lower_bound(*reverse, key, np.ones(m, dtype=np.bool_), is_target,
                                   target_key)
        assert bound[source] <= total[0] + 1e-9


# --------------------------------------------------------------------------- kernel vs Python


def route_difference(kernel_route, python_route) -> str:
    """Where two routes first differ (for assertion messages)."""
    if kernel_route.summary != python_route.summary:
        return f"summaries differ:\n{kernel_route.summary}\n{python_route.summary}"
    for i, (a, b) in enumerate(zip(kernel_route.legs, python_route.legs, strict=False)):
        if a != b:
            return f"leg {i} differs:\n{a}\n{b}"
    return (f"{len(kernel_route.legs)} legs vs {len(python_route.legs)}; "
            f"crossings {kernel_route.crossings} vs {python_route.crossings}")


def plan_both(monkeypatch, *args, **kwargs):
    """``plan_route`` with the kernel search, then with ``search_python``: each result is a
    route or the message of the ``NoRouteError``."""
    results = []
    for implementation in (search, search_python):
        monkeypatch.setattr(plan_module, "search", implementation)
        try:
            results.append(plan_route(*args, draws=0, **kwargs))
        except NoRouteError as error:
            results.append(f"NoRouteError: {error}")
    monkeypatch.setattr(plan_module, "search", search)
    return results


def _same_legs_reordered(a, b) -> bool:
    """Equal totals and the same legs (kind, ends, km, hours), in another order."""
    def key(leg):
        return (leg.kind, leg.from_.id, leg.to.id, round(leg.distance_km, 6),
                round(leg.duration_h, 6))
    return (a.summary == b.summary and a.crossings != () and
            sorted(map(key, a.legs)) == sorted(map(key, b.legs)))


def assert_same(kernel_result, python_result, label: str) -> None:
    if isinstance(kernel_result, str) or isinstance(python_result, str):
        assert kernel_result == python_result, label
        return
    if kernel_result != python_result and _same_legs_reordered(kernel_result, python_result):
        return  # a tie: the same legs and totals, a loop walked in another order (issue 12)
    assert kernel_result == python_result, \
        f"{label}: {route_difference(kernel_result, python_result)}"
    # spelled out, so that a failure names the figure that differs
    assert kernel_result.crossings == python_result.crossings, label
    assert kernel_result.summary.duration_h == python_result.summary.duration_h, label
    assert kernel_result.summary.cost_usd == python_result.summary.cost_usd, label


COUNTRY = {"Karachi": "PAK", "Almaty": "KAZ", "Tashkent": "UZB", "Kabul": "AFG",
           "Lahore": "PAK", "Bishkek": "KGZ", "Dushanbe": "TJK", "Kashgar": "CHN",
           "Ashgabat": "TKM", "Osh": "KGZ", "Peshawar": "PAK", "Gwadar": "PAK",
           "Termez": "UZB", "Urumqi": "CHN", "Mashhad": "IRN"}
# winter (passes shut) and summer departures; some off the hour (the search starts at t0 > 0)
DEPARTURES = ("2026-01-15T08:00", "2026-07-15T08:00", "2026-01-31T22:30", "2026-07-04T13:15")
OBJECTIVES_TESTED = ("time", "cost", "generalized", "risk", "time_p90")
VIAS = ("Torkham", "Khunjerab", "Termez", "Kabul", "Osh")
AVOIDS = ("AFG", "TJK", "IRN", "Khunjerab", "Torugart", "Irkeshtam", "Hairatan-Termez")
AVOID_COUNTRY = {"AFG": "AFG", "TJK": "TJK", "IRN": "IRN", "Termez": "UZB", "Kabul": "AFG",
                 "Osh": "KGZ"}


def region_cases(count: int = 40, seed: int = 20260715) -> list:
    """A seeded sample of city pairs; every third has a via, every other an avoidance (when
    it does not exclude the origin, destination or via)."""
    rng = random.Random(seed)
    names = list(COUNTRY)
    pairs = rng.sample([(a, b) for a in names for b in names if a != b], count)
    cases = []
    for i, (origin, destination) in enumerate(pairs):
        via = (VIAS[i // 3 % len(VIAS)],) if i % 3 == 0 else ()  # each via in turn
        if via and via[0] in (origin, destination):
            via = ()
        used = {COUNTRY[origin], COUNTRY[destination], *(AVOID_COUNTRY.get(v) for v in via)}
        used.discard(None)
        avoid = tuple(a for a in [rng.choice(AVOIDS)]
                      if i % 2 == 0 and AVOID_COUNTRY.get(a) not in used and a not in via)
        cargo = "teu" if i % 4 == 1 else "truck"  # teu: rail, gauge changes, transfers
        name = "".join([f"{origin}-{destination}", *(f" via {v}" for v in via),
                        *(f" no {a}" for a in avoid)])
        cases.append(pytest.param(origin, destination, DEPARTURES[i % 4], via, avoid, cargo,
                                  id=name))
    return cases


@pytest.mark.parametrize(("origin", "destination", "depart", "via", "avoid", "cargo"),
                         region_cases())
def test_plan_route_kernel_matches_python_on_the_region(region, monkeypatch, origin, destination,
                                                        depart, via, avoid, cargo):
    for objective in OBJECTIVES_TESTED:
        label = f"{origin} -> {destination} {depart} {objective} via={via} avoid={avoid}"
        try:
            kernel_result, python_result = plan_both(
                monkeypatch, origin, destination, depart=depart, cargo=cargo,
                optimize=objective, via=via, avoid=avoid, network=region)
        except InvalidOptionError:
            pytest.fail(f"{label}: the test asks for an invalid combination")
        assert_same(kernel_result, python_result, label)


def test_region_sample_is_not_vacuous(region):
    """The sample above mostly finds routes (a NoRouteError on both sides would agree
    trivially), and the seasons differ: Khunjerab is used in July, not in January."""
    found = 0
    for param in region_cases():
        origin, destination, depart, via, avoid, cargo = param.values
        try:
            plan_route(origin, destination, depart=depart, cargo=cargo, optimize="time",
                       via=via, avoid=avoid, network=region, draws=0)
            found += 1
        except NoRouteError:
            pass
    assert found >= 30
    summer = plan_route("Lahore", "Kashgar", depart="2026-07-15", optimize="time",
                        network=region, draws=0)
    winter = plan_route("Lahore", "Kashgar", depart="2024-02-15", optimize="time",
                        network=region, draws=0)  # the last winter Khunjerab shut
    assert "khunjerab" in summer.crossings and "khunjerab" not in winter.crossings


ALTERNATIVE_CASES = [
    ("Islamabad", "Almaty", "2026-07-15", "truck", (), ()),
    ("Karachi", "Tashkent", "2026-01-15", "teu", (), ()),
    ("Kabul", "Kashgar", "2026-07-04T13:15", "truck", (), ("TJK",)),
    ("Bishkek", "Kashgar", "2026-01-31T22:30", "truck", ("Torugart",), ()),
    ("Peshawar", "Termez", "2026-01-15", "truck", ("Torkham",), ("Hairatan-Termez",)),
]


def alternatives_both(monkeypatch, *args, **kwargs):
    """``alternatives`` with the kernel Pareto search (without the lower bounds, so that it
    searches as the Python one does), then with the Python one; each result is (routes, the
    raw labels the search returned)."""
    results = []
    for implementation in (pareto_module._pareto_search, pareto_search_python):
        monkeypatch.setattr(pareto_module, "BOUNDED", False)
        labels: list = []

        def recording(*a, implementation=implementation, labels=labels, **kw):
            out = implementation(*a, **kw)
            labels.extend(out)
            return out

        monkeypatch.setattr(pareto_module, "_pareto_search", recording)
        results.append((alternatives(*args, **kwargs), labels))
        monkeypatch.undo()
    return results


@pytest.mark.parametrize(("origin", "destination", "depart", "cargo", "via", "avoid"),
                         ALTERNATIVE_CASES)
def test_alternatives_kernel_matches_python_on_the_region(region, monkeypatch, origin,
                                                          destination, depart, cargo, via,
                                                          avoid):
    (k_routes, k_labels), (p_routes, p_labels) = alternatives_both(
        monkeypatch, origin, destination, depart=depart, cargo=cargo, via=via, avoid=avoid,
        network=region)
    assert k_labels, "the Pareto search reached no target"
    assert k_labels == p_labels  # the same labels, in the same order, to the last bit
    assert [r.crossings for r in k_routes] == [r.crossings for r in p_routes]
    for a, b in zip(k_routes, p_routes, strict=True):
        assert a == b, route_difference(a, b)
    # With the lower bounds (the default) the search drops labels that cannot lead to a new
    # non-dominated itinerary, so the label caps bind later: the same single-objective
    # optima, and every alternative found without the bounds is matched or beaten.
    bounded = alternatives(origin, destination, depart=depart, cargo=cargo, via=via,
                           avoid=avoid, network=region)

    def criteria(r):
        return (r.summary.duration_h, r.summary.cost_usd, r.summary.risk_exposure)

    for name in ("time", "cost", "risk"):
        best = [criteria(r) for r in bounded if name in r.best_for]
        assert best == [criteria(r) for r in k_routes if name in r.best_for], name
    # each corridor's representative may differ (one per corridor is kept, and the bounded
    # search may find a faster member of the same corridor): matched, beaten, or its
    # corridor represented
    for r in k_routes:
        assert any(b.corridor == r.corridor
                   or all(x <= y + 1e-6 for x, y in zip(criteria(b), criteria(r), strict=True))
                   for b in bounded), r.corridor


# --------------------------------------------------------------------------- hand-worked


@pytest.fixture
def weekday_post(tmp_path):
    """netbuilder.tiny, with the East post (BBB -> CCC) shut on Saturdays and Sundays."""
    return load_network(netbuilder.weekday_post(tmp_path / "t"))


@pytest.mark.parametrize(
    ("depart", "hours", "wait_h", "arrive"),
    [
        # Wednesday: 1 + 5 + 2 + 1 + 3 + 1 = 13 h through BBB, no wait
        (dt.datetime(2026, 7, 15, 8), 13.0, 0.0, dt.datetime(2026, 7, 15, 21)),
        # Friday 13:00: at the East post Fri 22:00, clearance ends Sat 01:00 with the post
        # shut, so the cargo is held 47 h (a wait) to Mon 00:00 and reaches Gamma Mon 01:00
        (dt.datetime(2026, 7, 17, 13), 60.0, 47.0, dt.datetime(2026, 7, 20, 1)),
        # Friday 20:00: at the East post Sat 05:00, wait 43 h to Mon 00:00, 3 h + 1 h on
        (dt.datetime(2026, 7, 17, 20), 56.0, 43.0, dt.datetime(2026, 7, 20, 4)),
    ],
)
def test_weekday_post_by_hand_and_both_implementations(weekday_post, monkeypatch, depart,
                                                       hours, wait_h, arrive):
    assert depart.weekday() in (2, 4)  # a Wednesday and Fridays
    kernel_route, python_route = plan_both(monkeypatch, "Alpha", "Gamma", depart=depart,
                                           optimize="time", avoid=["Pass"],
                                           network=weekday_post)
    assert_same(kernel_route, python_route, str(depart))
    assert kernel_route.crossings == ("west", "east")
    assert kernel_route.summary.duration_h == hours
    assert kernel_route.summary.wait_time_h == wait_h
    assert kernel_route.arrive == arrive
    for objective in ("cost", "generalized", "risk", "time_p90"):
        k, p = plan_both(monkeypatch, "Alpha", "Gamma", depart=depart, optimize=objective,
                         avoid=["Pass"], network=weekday_post)
        # Routes have no loops (issue 12): the cost and risk objectives wait at the post
        # over the weekend rather than shuttle over the West post (both implementations).
        label = f"{depart} {objective}"
        assert k.summary.objective_value == pytest.approx(p.summary.objective_value), label
        assert (k.summary.duration_h, k.arrive) == (p.summary.duration_h, p.arrive), label
    # with the pass allowed, July: 4 h over it, whatever the weekday
    free, reference = plan_both(monkeypatch, "Alpha", "Gamma", depart=depart,
                                optimize="time", network=weekday_post)
    assert free == reference and free.crossings == ("pass",) and free.summary.duration_h == 4


def test_weekday_post_alternatives_match(weekday_post, monkeypatch):
    (k_routes, k_labels), (p_routes, p_labels) = alternatives_both(
        monkeypatch, "Alpha", "Gamma", depart="2026-01-16T20:00", network=weekday_post)
    assert k_labels == p_labels
    assert k_routes == p_routes
    # January: the pass is shut until April; through BBB, Friday 20:00 to Monday 04:00
    # (see test_weekday_post_by_hand_and_both_implementations) is the fastest
    assert min(r.summary.duration_h for r in k_routes) == 56.0
    assert all("east" in r.crossings and "pass" not in r.crossings for r in k_routes)


# ------------------------------------------------------------------------------- the horizon
# With no calendar rows (``next_open`` of shape ``(0, HORIZON_HOURS)``, as ``search`` and
# ``CompiledNetwork.next_open_table`` pass for a network without calendars or with calendars
# ignored), the kernels still stop at the horizon, as the Python searches do.


@pytest.fixture
def two_year_road(tmp_path):
    """One road of 1,000,000 km at 50 km/h: 20,000 h, beyond the 17,568 h horizon."""
    return load_network(tiny(tmp_path / "t", places=[place("alpha", "AAA", 40, 70),
                                                     place("omega", "AAA", 41, 71)],
                             links=[road("far", "alpha", "omega", 1_000_000)], crossings=[],
                             calendars=[]))


def test_earliest_arrival_without_calendars_stops_at_the_horizon():
    indptr, dst, ordered = csr(2, [(0, 1, 10.0, -1, -1)])
    arrive = kernel.td_earliest_arrival(indptr, dst, column(ordered, 2, np.float64),
                                        column(ordered, 3, np.int64),
                                        np.zeros((0, 6), dtype=np.int64), 0)
    assert arrive.tolist() == [0.0, math.inf]  # "times at or beyond the horizon: unreachable"


def test_plan_route_beyond_the_horizon_without_calendars(two_year_road, monkeypatch):
    kernel_result, python_result = plan_both(monkeypatch, "Alpha", "Omega",
                                             depart="2026-07-15", optimize="time",
                                             network=two_year_road)
    assert python_result.startswith("NoRouteError")
    assert kernel_result == python_result  # the kernel finds a 20,000 h route


def test_pareto_labels_beyond_the_horizon_without_calendars(two_year_road, monkeypatch):
    from corridor.exceptions import NoRouteError

    with pytest.raises(NoRouteError, match="not connected"):
        alternatives_both(monkeypatch, "Alpha", "Omega", depart="2026-07-15",
                          network=two_year_road)


def test_a_shut_post_holds_cargo_from_the_end_of_clearance_not_after_the_drive(
        tmp_path, monkeypatch):
    """East post: 3 h of clearance, then 100 km (1 h at CCC's 100 km/h) to the far post;
    an office open on weekdays 09:00-18:00. Entering at 14:00, clearance ends at 17:00 while
    the office is open, so the cargo drives on and reaches the far post at 18:00. (Judged at
    the far post, 18:00, the office had shut: held to 09:00 the next day, 15 h.)"""
    net = load_network(tiny(tmp_path / "t", crossings=[
        crossing("pass", "a_pass", "c_pass", 1, 1, calendar_id="winter"),
        crossing("west", "a_west", "b_west", 5, 5),
        crossing("east", "b_east", "c_east", 3, 3, distance_km=100, calendar_id="office"),
    ], calendars=[
        dict(calendar_id="winter", seq=1, action="close", months="12-3", sources="s1"),
        dict(calendar_id="office", seq=1, action="close", months="1-12", sources="s1"),
        dict(calendar_id="office", seq=2, action="open", weekdays="Mon-Fri",
             hours="09:00-18:00", sources="s1"),
    ]))
    depart = dt.datetime(2026, 7, 15, 5)  # Wednesday: at the East post at 14:00
    kernel_route, python_route = plan_both(monkeypatch, "Alpha", "Gamma", depart=depart,
                                           optimize="time", avoid=["Pass"], network=net)
    assert_same(kernel_route, python_route, "office")
    assert kernel_route.summary.wait_time_h == 0
    assert kernel_route.arrive == dt.datetime(2026, 7, 15, 19)  # 18:00 + 1 h to Gamma
    # entering at 16:00, clearance ends at 19:00 with the office shut: held to 09:00
    late = plan_route("Alpha", "Gamma", depart=depart + dt.timedelta(hours=2),
                      optimize="time", avoid=["Pass"], network=net, draws=0)
    held = [leg for leg in late.legs if leg.kind == "wait"]
    assert [leg.duration_h for leg in held] == [14.0] and held[0].name == "held at East"
    assert late.arrive == dt.datetime(2026, 7, 16, 11)  # 09:00 + 1 h drive + 1 h to Gamma
