"""Routes without loops, and a dominance rule that is safe when wait rates differ by node
(issue 12).

The label search keeps a label only if no other label at the same state arrives no later
and costs no more even after paying, at the highest wait rate of the network, for the hours
between them. That is safe with rates that differ by node: the earlier label can follow the
later one's continuation; arriving earlier it meets each calendar no later (waiting only
delays to the same openings, so FIFO holds), and the extra waiting that absorbs the head
start adds up to at most that head start, at no more than the highest rate. Routes may not
come back to a node at the same via stage. Both claims are checked here against brute force:
every simple path of small random graphs with calendars and node-dependent wait rates.

A wait a calendar forces is spent where it is cheapest since the last timetabled edge
(earlier waiting delays everything after it by as much, and no calendar in between can be
missed); hours held at a post that shut during clearance stay at the post.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor import plan_route
from corridor.routing import kernel
from test_kernel import SETTINGS, column, csr, next_open_from, timetabled


def brute_force(n, timed, mask, wait, key_per_h, source, t0, target):
    """The least key over every simple path from ``source`` to ``target``, walking each
    path with the kernel's documented rules: enter at the first open hour, release when
    the exit calendar is open, pay each node's wait rate for the hours spent waiting there,
    nothing at or beyond the horizon."""
    horizon = mask.shape[1]
    out = {u: [e for e in timed if e[0] == u] for u in range(n)}

    def first_open(calendar, hour):
        return next((h for h in range(hour, horizon) if mask[calendar, h]), None)

    best = math.inf

    def walk(u, t, key, seen, cheap):
        """``cheap``: the least wait rate since the last timetabled edge, where a wait the
        next calendar forces is spent (held hours at a shut post stay at the post)."""
        nonlocal best
        if u == target:
            best = min(best, key)
            return
        for _, v, hours, calendar, exit_calendar in out[u]:
            if v in seen:
                continue
            enter = t
            if calendar >= 0:
                if int(t) >= horizon:
                    continue
                opening = first_open(calendar, int(t))
                if opening is None:
                    continue
                enter = max(t, float(opening))
            leave = enter + hours
            if not leave < horizon:
                continue
            if exit_calendar >= 0:
                opening = first_open(exit_calendar, int(leave))
                if opening is None:
                    continue
                leave = max(leave, float(opening))
                if not leave < horizon:
                    continue
            cost = (enter - t) * cheap + (leave - enter - hours) * wait[u]
            timetabled = calendar >= 0 or exit_calendar >= 0
            walk(v, leave, key + cost + hours * key_per_h, seen | {v},
                 wait[v] if timetabled else min(cheap, wait[v]))

    walk(source, t0, 0.0, {source}, wait[source])
    return best


@SETTINGS
@given(timetabled(), st.data())
def test_the_label_search_finds_the_best_simple_path(case, data):
    n, timed, mask, source, t0 = case
    m = len(timed)
    target = data.draw(st.integers(0, n - 1), label="target")
    wait = np.array(data.draw(st.lists(st.sampled_from((0.0, 0.5, 1.0, 4.0)), min_size=n,
                                       max_size=n), label="wait rates by node"))
    key_per_h = data.draw(st.sampled_from((0.0, 0.25, 1.0)), label="key per hour moving")
    indptr, dst, ordered = csr(n, timed)
    time_h = column(ordered, 2, np.float64)
    none = np.zeros(m, dtype=np.int64)
    is_target = np.zeros(n, dtype=np.bool_)
    is_target[target] = True
    found = kernel.label_search(
        indptr, dst, time_h, column(ordered, 3, np.int64), column(ordered, 4, np.int64),
        none, none.copy(), np.zeros(8, dtype=np.bool_), np.ones(m, dtype=np.bool_),
        time_h * key_per_h, wait, next_open_from(mask), np.zeros((0, n), dtype=np.bool_),
        np.zeros((0, m), dtype=np.bool_), np.array([source]), np.array([t0]),
        np.array([0.0]), is_target, np.zeros(n), max_labels=10_000)
    key, _time, state, pred, best = found[0], found[1], found[2], found[3], found[-1]
    expected = brute_force(n, timed, mask, wait, key_per_h, source, t0, target)
    if best < 0:
        assert expected == math.inf
        return
    assert key[best] == pytest.approx(expected, abs=1e-9)
    nodes, j = [], best
    while j >= 0:
        nodes.append(int(state[j]) >> 3)
        j = int(pred[j])
    assert len(nodes) == len(set(nodes))  # a simple path


def test_a_free_loop_does_not_replace_a_wait():
    """Node 0 waits at 4 an hour for its only way out, open from hour 5; a free one-hour
    loop back to node 0 used to pass those hours at no cost (key 0). Waiting is the route:
    5 h × 4 = 20."""
    mask = np.zeros((1, 10), dtype=bool)
    mask[0, 5:] = True
    timed = [(0, 0, 1.0, -1, -1), (0, 1, 1.0, 0, -1)]
    indptr, dst, ordered = csr(2, timed)
    time_h = column(ordered, 2, np.float64)
    none = np.zeros(2, dtype=np.int64)
    wait = np.array([4.0, 0.0])
    found = kernel.label_search(
        indptr, dst, time_h, column(ordered, 3, np.int64), column(ordered, 4, np.int64),
        none, none.copy(), np.zeros(8, dtype=np.bool_), np.ones(2, dtype=np.bool_),
        time_h * 0.0, wait, next_open_from(mask), np.zeros((0, 2), dtype=np.bool_),
        np.zeros((0, 2), dtype=np.bool_), np.array([0]), np.array([0.0]), np.array([0.0]),
        np.array([False, True]), np.zeros(2), max_labels=100)
    assert found[0][found[-1]] == 20.0
    assert brute_force(2, timed, mask, wait, 0.0, 0, 0.0, 1) == 20.0


def test_the_weekend_is_waited_out_not_looped_away(tmp_path):
    """netbuilder.tiny with a weekday-only East post: by cost, a Friday-evening truck used to
    shuttle back and forth over the West post until Monday (each pass cheaper than the
    demurrage of waiting); now it waits at the post."""
    from corridor import load_network

    from netbuilder import weekday_post

    net = load_network(weekday_post(tmp_path / "t"))
    for objective in ("cost", "risk", "generalized"):
        route = plan_route("Alpha", "Gamma", depart="2026-07-17T20:00", optimize=objective,
                           avoid=["Pass"], network=net, draws=0)
        assert route.crossings == ("west", "east"), objective
        assert route.summary.wait_time_h == 43.0, objective


def places_visited(route) -> list[str]:
    """The places a route passes, in order, a transfer at a place counted once."""
    seen: list[str] = [route.legs[0].from_.id]
    for leg in route.legs:
        if leg.to.id != seen[-1]:
            seen.append(leg.to.id)
    return seen


@pytest.mark.parametrize("objective", ["risk", "generalized", "cost"])
def test_no_shuttles_over_the_caspian(region, objective):
    """Baku → Karachi by risk shuttled Baku ↔ Aktau 11 times (2,300 h) rather than wait."""
    route = plan_route("Baku", "Karachi", cargo="teu", optimize=objective,
                       depart="2026-07-15", network=region, draws=0)
    visited = places_visited(route)
    assert len(visited) == len(set(visited)), visited
    assert route.summary.duration_h < 30 * 24


def test_routes_of_the_bundled_network_never_come_back_to_a_place(region):
    pairs = [("Karachi", "Almaty"), ("Gilgit", "Tashkent"), ("Kabul", "Bishkek"),
             ("Quetta", "Ashgabat"), ("Lahore", "Kashgar"), ("Tashkent", "Islamabad")]
    for origin, destination in pairs:
        for objective in ("time", "cost", "distance", "risk", "generalized"):
            for depart in ("2026-01-16T20:00", "2026-07-17T13:00"):  # Fridays
                route = plan_route(origin, destination, optimize=objective, depart=depart,
                                   network=region, draws=0)
                visited = places_visited(route)
                assert len(visited) == len(set(visited)), (origin, destination, objective,
                                                           depart, visited)


def test_alternatives_never_come_back_to_a_place(region):
    from corridor.routing.pareto import alternatives

    for origin, destination in [("Gilgit", "Tashkent"), ("Baku", "Karachi")]:
        for route in alternatives(origin, destination, cargo="teu", depart="2026-07-17T13:00",
                                  network=region, draws=0):
            visited = places_visited(route)
            assert len(visited) == len(set(visited)), (origin, destination, visited)


def _ten_ways_to_a_wait():
    """Ten parallel edges 0 → 1 taking j hours at key 20 + j/2 (j = 1..10), then 1 → 2, open
    from hour 10 only, with waiting at 1 an hour. Every label at node 1 is non-dominated;
    the best total (20 + 5 + 0 wait) comes by the slowest, dearest edge, the one a cap of
    8 labels drops."""
    mask = np.zeros((1, 40), dtype=bool)
    mask[0, 10:] = True
    timed = [(0, 1, float(j), -1, -1) for j in range(1, 11)] + [(1, 2, 1.0, 0, -1)]
    indptr, dst, ordered = csr(3, timed)
    time_h = column(ordered, 2, np.float64)
    key = np.array([20 + e[2] / 2 if e[0] == 0 else 0.0 for e in ordered])
    none = np.zeros(len(timed), dtype=np.int64)
    return (indptr, dst, time_h, column(ordered, 3, np.int64), column(ordered, 4, np.int64),
            none, none.copy(), np.zeros(8, dtype=np.bool_), np.ones(len(timed), dtype=np.bool_),
            key, np.ones(3), next_open_from(mask), np.zeros((0, 3), dtype=np.bool_),
            np.zeros((0, len(timed)), dtype=np.bool_), np.array([0]), np.array([0.0]),
            np.array([0.0]), np.array([False, False, True]), np.zeros(3))


def test_a_full_state_is_reported_and_a_larger_cap_finds_the_optimum():
    args = _ten_ways_to_a_wait()
    stats = np.zeros(1, dtype=np.int64)
    small = kernel.label_search(*args, max_labels=8, stats=stats)
    assert stats[0] > 0 and small[0][small[-1]] == 26.0  # j = 8: 24 + 2 h waiting
    stats[:] = 0
    large = kernel.label_search(*args, max_labels=32, stats=stats)
    assert stats[0] == 0 and large[0][large[-1]] == 25.0  # j = 10: no wait


def test_the_search_raises_its_cap_and_says_when_even_the_last_overflowed():
    from corridor.routing.search import MAX_LABELS, Found, _with_cap

    calls = []

    def run(cap):
        calls.append(cap)
        return Found(0, 1, (), 1.0, 1.0), cap < 32

    assert not _with_cap(run, None).capped and calls == [8, 32]
    calls.clear()
    assert _with_cap(lambda cap: (calls.append(cap) or Found(0, 1, (), 1.0, 1.0), True),
                     None).capped
    assert calls == list(MAX_LABELS)


def test_the_reference_searches_look_as_far_back_as_the_kernel():
    from corridor.routing import search

    assert search.LOOP_WALK == kernel.LOOP_WALK


def test_a_wait_is_spent_where_it_is_cheapest(tmp_path):
    """tiny with a weekday-only East post, leaving Friday 20:00: the truck would reach the
    post (BBB, the riskiest country) on Saturday and wait 43 h there. By risk it waits in
    AAA (the safest) instead, crosses into BBB on Sunday and meets the post as it opens:
    the same arrival, less risk."""
    from corridor import load_network

    from netbuilder import weekday_post

    net = load_network(weekday_post(tmp_path / "t"))
    options = dict(depart="2026-07-17T20:00", avoid=["Pass"], network=net, draws=0)
    fast = plan_route("Alpha", "Gamma", optimize="time", **options)
    safe = plan_route("Alpha", "Gamma", optimize="risk", **options)
    assert fast.arrive == safe.arrive
    wait = [leg for leg in safe.legs if leg.kind == "wait"]
    # the last place in AAA before the riskier BBB: its West post
    assert len(wait) == 1 and wait[0].from_.id == "a_west" and wait[0].duration_h == 43.0
    assert "where waiting is cheaper" in " ".join(safe.warnings)
    slow = [leg for leg in fast.legs if leg.kind == "wait"]
    assert slow[0].from_.id == "b_east"  # by time, any place is as good: at the post
    assert safe.summary.risk_exposure < fast.summary.risk_exposure
