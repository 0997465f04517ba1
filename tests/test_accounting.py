"""Costs that add up (issue 12): the totals a route reports recompute the objective the
search minimised, leg by leg, for every objective."""

from __future__ import annotations

import pytest

from corridor import plan_route
from corridor.routing.weights import TIE_BREAK as _TIE_BREAK

OBJECTIVES = ("time", "cost", "distance", "risk", "generalized")

TRIPS = [
    # held at Khunjerab over the weekend (the search charged demurrage for it)
    dict(origin="Islamabad", destination="Kashgar", via=["Khunjerab"],
         depart="2026-07-16T08:00"),
    # the Caspian ferry's certain wait (folded into the link in the search)
    dict(origin="Almaty", destination="Baku", cargo="teu", depart="2026-07-15"),
    dict(origin="Karachi", destination="Almaty", depart="2026-07-15T08:30"),
    dict(origin="Kabul", destination="Tashkent", cargo="passenger", depart="2026-07-15"),
    # gazetteer cities off the network: access legs at both ends
    dict(origin="Sialkot", destination="Fergana", depart="2026-01-15"),
]


def recompute(route, region) -> float:
    """The objective from the reported legs: their costs (an unknown cost at the price the
    search gave it), hours, risks and distances."""
    s = route.summary
    legs = route.legs
    money = sum(leg.cost_usd if leg.cost_usd is not None
                else leg.details.get("cost_imputed_usd", 0.0) for leg in legs)
    tie = _TIE_BREAK * s.duration_h
    if route.objective == "time":
        return s.duration_h
    if route.objective == "distance":
        return s.distance_km + tie
    if route.objective == "cost":
        return money + tie
    if route.objective == "risk":
        return sum(leg.risk * leg.duration_h for leg in legs) + tie
    cargo = region.cargo[route.cargo]
    vot = cargo.value_of_time_usd_per_h
    if vot is None:
        pct = region.parameter("value_of_time_pct_per_day", 0.0)
        vot = (cargo.value_usd or 0.0) * pct / 100.0 / 24.0
    return money + vot * sum(leg.duration_h * (1.0 + leg.risk) for leg in legs) + tie


@pytest.mark.parametrize("trip", TRIPS, ids=lambda t: f"{t['origin']}-{t['destination']}")
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_reported_totals_recompute_the_objective(region, trip, objective):
    route = plan_route(**trip, optimize=objective, network=region, draws=0)
    assert recompute(route, region) == pytest.approx(route.summary.objective_value,
                                                     rel=1e-9, abs=1e-6)


def test_demurrage_for_hours_held_at_a_shut_post_is_in_the_cost(region):
    route = plan_route("Islamabad", "Kashgar", via=["Khunjerab"], optimize="cost",
                       depart="2026-07-16T08:00", network=region, draws=0)
    held = [leg for leg in route.legs if leg.kind == "wait" and leg.details.get("held")]
    assert held and held[0].duration_h > 1  # clearance ends while the post is shut
    demurrage = region.cargo["truck"].wait_cost_usd_per_day / 24.0 * held[0].duration_h
    assert held[0].cost_usd == pytest.approx(demurrage)
    known = sum(leg.cost_usd or 0.0 for leg in route.legs)
    assert route.summary.cost_usd == pytest.approx(known)
    assert route.summary.cost_usd + _TIE_BREAK * route.summary.duration_h == pytest.approx(
        route.summary.objective_value)


def test_the_road_between_torugarts_posts_is_chinese_both_ways(region):
    from corridor.model.speeds import road_speeds

    china = road_speeds(region).truck_kmh("CHN", "highway", None)
    for origin, destination in (("Kashgar", "Bishkek"), ("Bishkek", "Kashgar")):
        route = plan_route(origin, destination, via=["Torugart"], optimize="time",
                           depart="2026-07-15", network=region, draws=0)
        border = next(leg for leg in route.legs if leg.kind == "border")
        drive = border.duration_h - border.details["dwell_h"]
        assert drive == pytest.approx(110 / china), (origin, drive)


def test_an_unknown_crossing_payment_is_priced_from_payments_then_the_drive(tmp_path):
    """tiny: West 20 and 20, East 30 and 30, the pass 10 and 10; the East post's payment
    into CCC is unknown and its posts 100 km apart. The search prices the payment at the
    median of the five known payments (20) and adds the drive at CCC's rate (USD 500 per
    500 km: 100); the answer's cost leaves the unknown payment out."""
    from corridor import load_network
    from corridor.routing.compile import KIND_CROSSING, compile_network

    from netbuilder import crossing, tiny

    net = load_network(tiny(tmp_path / "t", crossings=[
        crossing("pass", "a_pass", "c_pass", 1, 1, ab_cost_usd=10, ba_cost_usd=10,
                 calendar_id="winter"),
        crossing("west", "a_west", "b_west", 5, 5, ab_cost_usd=20, ba_cost_usd=20),
        crossing("east", "b_east", "c_east", 3, 3, ba_cost_usd=30, distance_km=100),
    ]))
    cn = compile_network(net)
    east = [e for e in range(cn.n_edges) if cn.edge_kind[e] == KIND_CROSSING
            and net.crossings[cn.edge_ref[e]].crossing_id == "east"]
    into_c = next(e for e in east if not cn.edge_reverse[e])
    assert cn.edge_cost_imputed_usd[into_c] == pytest.approx(20 + 100)
    route = plan_route("Alpha", "Gamma", avoid=["Pass"], depart="2026-07-15", network=net,
                       draws=0, optimize="cost")
    leg = next(leg for leg in route.legs if leg.kind == "border" and leg.name == "East")
    assert leg.cost_usd is None and leg.details["cost_imputed_usd"] == pytest.approx(120)
