"""Monte Carlo reliability checked against hand-computable cases, and its CLI."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from corridor import InvalidOptionError, load_network, plan_route
from corridor.routing.reliability import Z90, lognormal_sigma, simulate

from netbuilder import crossing, tiny

JULY = dt.datetime(2026, 7, 15, 8, 0)


def _net(tmp_path, **tables):
    crossings = [
        crossing("pass", "a_pass", "c_pass", 10, 10, ab_dwell_p90_h=20, ba_dwell_p90_h=20,
                 ab_cost_usd=10, ba_cost_usd=10),
        crossing("west", "a_west", "b_west", 50, 50),
        crossing("east", "b_east", "c_east", 50, 50),
    ]
    return load_network(tiny(tmp_path / "t", crossings=crossings, calendars=[], **tables))


def test_lognormal_sigma():
    assert lognormal_sigma(10, 20) == pytest.approx(math.log(2) / Z90)
    assert lognormal_sigma(10, None) == 0.0
    assert lognormal_sigma(10, 10) == 0.0


def test_percentiles_of_one_crossing(tmp_path):
    """Links take 2 h + 1 h; the pass has median 10 h and P90 20 h (lognormal), so the trip
    takes 3 + 10·exp(σZ): P10 = 3 + 10/2 = 8 h, P50 = 13 h, P90 = 23 h."""
    net = _net(tmp_path)
    route = plan_route("Alpha", "Gamma", depart=JULY, optimize="time", network=net, draws=0)
    assert route.summary.duration_h == pytest.approx(13.0)
    rel = simulate(route, network=net, draws=40_000, seed=7,
                   deadline=JULY + dt.timedelta(hours=23))
    assert rel.p50_h == pytest.approx(13.0, rel=0.02)
    assert rel.p90_h == pytest.approx(23.0, rel=0.02)
    assert rel.p10_h == pytest.approx(8.0, rel=0.02)
    assert rel.on_time_probability == pytest.approx(0.90, abs=0.01)
    assert rel.spread[0].name == "Pass" and rel.spread[0].variance_share == pytest.approx(1.0)
    assert rel.closure_probability == 0.0


def test_seeded_and_reproducible(tmp_path):
    net = _net(tmp_path)
    route = plan_route("Alpha", "Gamma", depart=JULY, optimize="time", network=net, draws=0)
    a = simulate(route, network=net, draws=5000, seed=3)
    b = simulate(route, network=net, draws=5000, seed=3)
    c = simulate(route, network=net, draws=5000, seed=4)
    assert a == b
    assert a.p90_h != c.p90_h


def test_disruptions(tmp_path):
    disruptions = [
        # a ferry-like wait on half the trips: exactly 10 h
        dict(disruption_id="wait", name="Wait", target_kind="link", target_id="pass_gamma",
             kind="wait", probability=0.5, duration_h_min=10, duration_h_max=10, sources="s1"),
        # closures 8.766 a year lasting 100 h: a traveller finds one 10 % of the time
        dict(disruption_id="shut", name="Shut", target_kind="crossing", target_id="pass",
             kind="closure", events_per_year=8.766, duration_h_min=100, duration_h_max=100,
             sources="s1"),
    ]
    crossings = [crossing("pass", "a_pass", "c_pass", 10, 10, ab_cost_usd=10, ba_cost_usd=10),
                 crossing("west", "a_west", "b_west", 50, 50),
                 crossing("east", "b_east", "c_east", 50, 50)]
    net = load_network(tiny(tmp_path / "d", crossings=crossings, calendars=[],
                            disruptions=disruptions))
    assert net.disruptions[1].hit_probability() == pytest.approx(0.1)
    route = plan_route("Alpha", "Gamma", depart=JULY, optimize="time", network=net, draws=0)
    assert route.summary.duration_h == pytest.approx(13.0)  # no certain wait: p = 0.5
    rel = simulate(route, network=net, draws=40_000, seed=11,
                   deadline=JULY + dt.timedelta(hours=13.5))
    assert rel.closure_probability == pytest.approx(0.1, abs=0.01)
    # no dwell spread: 13 h, +10 h on half the trips, + U(0, 100) h on a tenth. On time
    # within 13.5 h: no wait and no closure (or a closure with under 0.5 h left):
    # 0.5 x (0.9 + 0.1 x 0.005)
    assert rel.on_time_probability == pytest.approx(0.5 * (0.9 + 0.1 * 0.005), abs=0.01)
    assert rel.p10_h == pytest.approx(13.0)


def test_calendar_re_evaluated_per_draw(tmp_path):
    """The pass is shut at weekends and releases cargo only while open. Leaving Friday 18:00,
    the truck reaches it at 20:00; a dwell under 4 h (median 10 h, P90 40 h) clears before
    midnight, any longer one is held until Monday 00:00 (54 h after departure, + 1 h)."""
    crossings = [crossing("pass", "a_pass", "c_pass", 10, 10, ab_dwell_p90_h=40,
                          ba_dwell_p90_h=40, calendar_id="weekdays"),
                 crossing("west", "a_west", "b_west", 500, 500),
                 crossing("east", "b_east", "c_east", 500, 500)]
    calendars = [dict(calendar_id="weekdays", seq=1, action="close", weekdays="Sat;Sun",
                      sources="s1")]
    net = load_network(tiny(tmp_path / "w", crossings=crossings, calendars=calendars))
    friday = dt.datetime(2026, 7, 17, 18, 0)
    route = plan_route("Alpha", "Gamma", depart=friday, optimize="time", network=net, draws=0)
    border = route.legs[1]
    assert border.details["held_h"] == pytest.approx(54 - 2 - 10)
    assert route.summary.duration_h == pytest.approx(55.0)
    assert any("held" in w for w in route.warnings)
    rel = simulate(route, network=net, draws=40_000, seed=1,
                   deadline=friday + dt.timedelta(hours=7))
    sigma = math.log(4) / Z90
    share_before_midnight = 0.5 * (1 + math.erf(math.log(0.4) / sigma / math.sqrt(2)))
    assert rel.on_time_probability == pytest.approx(share_before_midnight, abs=0.01)
    assert rel.p50_h == pytest.approx(55.0)


def test_route_carries_reliability_by_default(tmp_path):
    net = _net(tmp_path)
    route = plan_route("Alpha", "Gamma", depart=JULY, optimize="time", network=net,
                       deadline="2026-07-15")
    assert route.reliability is not None and route.reliability.draws == 10_000
    assert route.reliability.deadline == dt.datetime(2026, 7, 15, 23, 59)
    data = route.to_dict()["reliability"]
    assert data["p50_h"] <= data["p90_h"]
    assert 0 <= data["on_time_probability"] <= 1


def test_draws_must_be_positive(tmp_path):
    net = _net(tmp_path)
    route = plan_route("Alpha", "Gamma", depart=JULY, network=net, draws=0)
    assert route.reliability is None
    with pytest.raises(InvalidOptionError):
        simulate(route, network=net, draws=0)


def test_p90_objective_picks_the_most_reliable(tmp_path):
    """A short pass with a wild dwell (median 5 h, P90 200 h) against a steady detour."""
    crossings = [
        crossing("pass", "a_pass", "c_pass", 5, 5, ab_dwell_p90_h=200, ba_dwell_p90_h=200),
        crossing("west", "a_west", "b_west", 5, 5, ab_dwell_p90_h=5, ba_dwell_p90_h=5),
        crossing("east", "b_east", "c_east", 3, 3, ab_dwell_p90_h=3, ba_dwell_p90_h=3),
    ]
    net = load_network(tiny(tmp_path / "p", crossings=crossings, calendars=[]))
    fastest = plan_route("Alpha", "Gamma", depart=JULY, optimize="time", network=net)
    assert fastest.crossings == ("pass",)
    reliable = plan_route("Alpha", "Gamma", depart=JULY, optimize="p90", network=net)
    assert reliable.crossings == ("west", "east")
    assert reliable.objective == "p90"
    assert reliable.reliability.p90_h < fastest.reliability.p90_h
