"""Pareto alternatives: a hand-worked case and invariants on the bundled network."""

from __future__ import annotations

import pytest

from corridor import load_network, plan_route
from corridor.routing.pareto import alternatives, dominates

from netbuilder import crossing, tiny

JULY = "2026-07-15"


def test_hand_worked_pareto_set(tmp_path):
    """The pass costs $1,000 to cross: fast and safe but dear. Through BBB: slow, cheap.

    pass: 4 h, $100 + $1,000 + $100 = $1,200;   BBB: 13 h, $500 (see netbuilder.tiny).
    Neither dominates the other, so both are alternatives; a third route through BBB that
    also crosses the pass cannot exist (no link), and the pass route is the safest.
    """
    crossings = [
        crossing("pass", "a_pass", "c_pass", 1, 1, ab_cost_usd=1000, ba_cost_usd=1000),
        crossing("west", "a_west", "b_west", 5, 5, ab_cost_usd=20, ba_cost_usd=20),
        crossing("east", "b_east", "c_east", 3, 3, ab_cost_usd=30, ba_cost_usd=30),
    ]
    net = load_network(tiny(tmp_path / "t", crossings=crossings, calendars=[]))
    options = alternatives("Alpha", "Gamma", depart=JULY, network=net)
    assert [r.crossings for r in options] == [("pass",), ("west", "east")]
    fast, cheap = options
    assert fast.summary.duration_h == pytest.approx(4.0)
    assert fast.summary.cost_usd == pytest.approx(1200.0)
    assert cheap.summary.duration_h == pytest.approx(13.0)
    assert cheap.summary.cost_usd == pytest.approx(500.0)
    assert fast.best_for == ("time", "risk") and cheap.best_for == ("cost",)
    assert fast.corridor == "direct: Pass (road)"
    assert cheap.corridor == "via Bbb: West, East (road)"


def test_dominated_route_is_dropped(tiny_network):
    # with a cheap pass, the pass route is better on everything: one alternative only
    options = alternatives("Alpha", "Gamma", depart=JULY, network=tiny_network)
    assert [r.crossings for r in options] == [("pass",)]
    assert set(options[0].best_for) == {"time", "cost", "risk"}


def test_winter_alternatives_follow_the_calendar(tiny_network):
    options = alternatives("Alpha", "Gamma", depart="2026-01-15", network=tiny_network)
    # the pass opens 1 April: it is an option only as a very long wait, and cheaper in
    # nothing, so the route through BBB dominates it
    assert all("pass" not in r.crossings or r.summary.wait_time_h > 24 * 70 for r in options)
    assert any(r.crossings == ("west", "east") for r in options)


@pytest.mark.parametrize(
    ("origin", "destination", "depart", "cargo"),
    [("Islamabad", "Almaty", JULY, "truck"), ("Karachi", "Almaty", "2026-01-15", "teu"),
     ("Lahore", "Tashkent", JULY, "truck"), ("Quetta", "Ashgabat", JULY, "teu")],
)
def test_invariants_on_the_region(region, origin, destination, depart, cargo):
    options = alternatives(origin, destination, depart=depart, cargo=cargo, network=region)
    assert options
    for a in options:
        for b in options:
            assert not dominates(a, b) or a is b, (a.corridor, b.corridor)
    criteria = [(r.summary.duration_h, r.summary.cost_usd, r.summary.risk_exposure)
                for r in options]
    for index, objective in enumerate(("time", "cost", "risk")):
        best = plan_route(origin, destination, depart=depart, cargo=cargo, optimize=objective,
                          network=region, draws=0)
        value = (best.summary.duration_h, best.summary.cost_usd,
                 best.summary.risk_exposure)[index]
        assert min(c[index] for c in criteria) == pytest.approx(value, rel=1e-6), objective
    flags = [f for r in options for f in r.best_for]
    assert sorted(flags) == ["cost", "risk", "time"]


def test_alternatives_span_corridors(region):
    """From Gilgit, on the KKH, both the Afghan and the Chinese corridors to Tashkent are
    Pareto-optimal in July (from Islamabad the Chinese one is dominated since Khunjerab's
    Pakistani side takes the country's CPMM time, not the COVID-year 2.3 h)."""
    options = alternatives("Gilgit", "Tashkent", depart=JULY, network=region)
    countries = {c for r in options for c in r.countries}
    assert {"AFG", "CHN"} <= countries
    assert len({r.corridor for r in options}) == len(options)
