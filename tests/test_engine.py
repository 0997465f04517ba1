"""Routing on tiny hand-made networks whose answers are worked out by hand (see netbuilder)."""

from __future__ import annotations

import datetime as dt

import pytest

from corridor import (
    InvalidOptionError,
    NoRouteError,
    UnknownPlaceError,
    load_network,
    plan_route,
)

from netbuilder import crossing, place, road, tiny


def route(net, **kw):
    kw.setdefault("optimize", "time")
    return plan_route("Alpha", "Gamma", network=net, **kw)


def test_summer_goes_over_the_pass(tiny_network):
    r = route(tiny_network, depart="2026-07-15")
    assert r.crossings == ("pass",)
    assert r.summary.duration_h == pytest.approx(4.0)
    assert r.summary.cost_usd == pytest.approx(210.0)
    assert r.summary.distance_km == pytest.approx(200.0)
    assert r.countries == ("AAA", "CCC")
    assert r.arrive == dt.datetime(2026, 7, 15, 12, 0)
    assert [leg.kind for leg in r.legs] == ["link", "border", "link"]


def test_winter_goes_around_and_says_why(tiny_network):
    r = route(tiny_network, depart="2026-01-15")
    assert r.crossings == ("west", "east")
    assert r.summary.duration_h == pytest.approx(13.0)
    assert r.summary.cost_usd == pytest.approx(500.0)
    assert r.countries == ("AAA", "BBB", "CCC")
    assert any("Pass" in w and "closed Dec–Mar" in w and "West" in w for w in r.warnings)


def test_winter_wait_when_the_detour_is_avoided(tiny_network):
    r = route(tiny_network, depart="2026-01-15", avoid=["BBB"])
    # reach the pass 15 Jan 10:00; it opens 1 Apr 00:00
    wait = dt.datetime(2026, 4, 1) - dt.datetime(2026, 1, 15, 10)
    wait_h = wait.total_seconds() / 3600
    assert [leg.kind for leg in r.legs] == ["link", "wait", "border", "link"]
    assert r.legs[1].duration_h == pytest.approx(wait_h)
    assert r.legs[1].cost_usd == pytest.approx(wait_h * 240 / 24)
    assert r.summary.wait_time_h == pytest.approx(wait_h)
    assert r.arrive == dt.datetime(2026, 4, 1, 2, 0)
    assert any("waits 76 days" in w for w in r.warnings)


def test_weekend_closure_waits_until_monday(tmp_path):
    net = load_network(tiny(tmp_path / "t", calendars=[
        dict(calendar_id="winter", seq=1, action="close", weekdays="Sat;Sun", sources="s1"),
    ]))
    saturday = dt.datetime(2026, 7, 18, 8, 0)
    assert saturday.weekday() == 5
    r = plan_route("Alpha", "Gamma", depart=saturday, optimize="time", avoid=["BBB"],
                   network=net)
    assert r.legs[1].kind == "wait"
    assert r.legs[1].duration_h == pytest.approx(38.0)  # Sat 10:00 -> Mon 00:00
    assert r.summary.duration_h == pytest.approx(42.0)
    # without the avoidance, 13 h through BBB beats 42 h of waiting
    assert route(net, depart=saturday).summary.duration_h == pytest.approx(13.0)
    # on a Friday evening the pass is reached before the weekend starts
    friday = dt.datetime(2026, 7, 17, 20, 0)
    assert route(net, depart=friday).summary.duration_h == pytest.approx(4.0)


def test_objectives_disagree_where_they_should(tmp_path):
    expensive_pass = crossing("pass", "a_pass", "c_pass", 1, 1, ab_cost_usd=1000,
                              ba_cost_usd=1000, calendar_id="winter")
    net = load_network(tiny(tmp_path / "t", crossings=[
        expensive_pass,
        crossing("west", "a_west", "b_west", 5, 5, ab_cost_usd=20, ba_cost_usd=20),
        crossing("east", "b_east", "c_east", 3, 3, ab_cost_usd=30, ba_cost_usd=30),
    ]))
    assert route(net, depart="2026-07-15", optimize="time").crossings == ("pass",)
    cheap = route(net, depart="2026-07-15", optimize="cost")
    assert cheap.crossings == ("west", "east")
    assert cheap.summary.cost_usd == pytest.approx(500.0)
    assert route(net, depart="2026-07-15", optimize="distance").summary.distance_km == 200


def test_generalized_cost_by_hand(tiny_network):
    r = route(tiny_network, depart="2026-07-15", optimize="generalized")
    vot = 40000 * 0.2 / 100 / 24  # USD per hour for the 20 t truck
    risk_a, risk_c = 10 / 163, 50 / 163
    expected = (
        100 + vot * 2 * (1 + risk_a)  # Alpha -> pass, in AAA
        + 10 + vot * 1 * (1 + max(risk_a, risk_c))  # the pass
        + 100 + vot * 1 * (1 + risk_c)  # pass -> Gamma, in CCC
    )
    assert r.summary.objective_value == pytest.approx(expected, rel=1e-6)
    more_averse = route(tiny_network, depart="2026-07-15", optimize="generalized",
                        risk_aversion=5.0)
    assert more_averse.summary.objective_value > r.summary.objective_value


def test_risk_is_time_weighted(tiny_network):
    r = route(tiny_network, depart="2026-07-15")
    expected = (2 * 10 / 163 + 1 * 50 / 163 + 1 * 50 / 163) / 4
    assert r.summary.risk == pytest.approx(expected)


def test_gauge_break_needs_a_transfer(tmp_path):
    places = [
        place("alpha", "AAA", 40.0, 70.0),
        place("delta", "AAA", 40.0, 74.0, "rail_terminal"),
        place("epsilon", "AAA", 40.0, 75.0),
    ]
    links = [
        dict(link_id="r1", from_place="alpha", to_place="delta", mode="rail", gauge_mm=1435,
             distance_km=400, status="open", two_way="true", sources="s1"),
        dict(link_id="r2", from_place="delta", to_place="epsilon", mode="rail", gauge_mm=1520,
             distance_km=100, status="open", two_way="true", sources="s1"),
        road("slow", "alpha", "epsilon", 1000),
    ]
    transfer = dict(place_id="delta", from_layer="rail:1435", to_layer="rail:1520", time_h=2,
                    cost_usd=50, two_way="true", kind="gauge_change", sources="s1")
    # cargo starts and ends on the road: loading onto and off the train is free here
    loading = [
        dict(place_id="alpha", from_layer="road", to_layer="rail:1435", time_h=0,
             cost_usd=0, two_way="true", kind="transship", sources="s1"),
        dict(place_id="epsilon", from_layer="road", to_layer="rail:1520", time_h=0,
             cost_usd=0, two_way="true", kind="transship", sources="s1"),
    ]
    with_transfer = load_network(tiny(tmp_path / "a", places=places, links=links,
                                      crossings=[], calendars=[], transfers=[transfer, *loading]))
    r = plan_route("Alpha", "Epsilon", depart="2026-07-15", cargo="teu", optimize="time",
                   network=with_transfer)
    kinds = [leg.kind for leg in r.legs]
    assert kinds == ["transfer", "link", "transfer", "link", "transfer"]
    assert r.legs[2].details["from_layer"] == "rail:1435"
    assert r.legs[2].details["to_layer"] == "rail:1520"
    assert r.summary.duration_h == pytest.approx(4 + 2 + 1)
    assert r.summary.cost_usd == pytest.approx(200 + 50 + 50)
    assert r.summary.transfers == 3
    # a truck may not use rail: the long road
    truck = plan_route("Alpha", "Epsilon", depart="2026-07-15", cargo="truck",
                       optimize="time", network=with_transfer)
    assert truck.summary.duration_h == pytest.approx(20.0)
    # without the gauge-change facility the two rail lines do not connect
    without = load_network(tiny(tmp_path / "b", places=places, links=links, crossings=[],
                                calendars=[], transfers=loading))
    r = plan_route("Alpha", "Epsilon", depart="2026-07-15", cargo="teu", optimize="time",
                   network=without)
    assert r.summary.duration_h == pytest.approx(20.0)
    assert [leg.mode for leg in r.legs] == ["road"]


def test_avoid_countries_places_and_crossings(tiny_network):
    assert route(tiny_network, depart="2026-07-15", avoid=["Pass"]).crossings == (
        "west", "east")
    r = route(tiny_network, depart="2026-01-15", avoid=["beta"])
    assert "beta" not in {leg.to.id for leg in r.legs}
    assert r.crossings == ("pass",)


def test_via_place_and_crossing(tiny_network):
    r = route(tiny_network, depart="2026-07-15", via=["Beta"])
    assert r.crossings == ("west", "east")
    assert "beta" in [leg.to.id for leg in r.legs]
    r = route(tiny_network, depart="2026-07-15", via=["East"])
    assert "east" in r.crossings


def test_unknown_place_suggests(tiny_network):
    with pytest.raises(UnknownPlaceError) as info:
        plan_route("Alpah", "Gamma", network=tiny_network)
    assert "Alpha" in info.value.suggestions
    assert "did you mean" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_aliases_resolve(tiny_network):
    assert route(tiny_network, depart="2026-07-15").origin.id == "alpha"
    r = plan_route("old alpha", "Gamma", depart="2026-07-15", network=tiny_network)
    assert r.origin.id == "alpha"


def test_no_route_says_which_avoidance(tiny_network):
    with pytest.raises(NoRouteError, match="avoid"):
        route(tiny_network, depart="2026-07-15", avoid=["BBB", "Pass"])


def test_no_route_names_planned_links(tmp_path):
    net = load_network(tiny(tmp_path / "t", crossings=[
        crossing("pass", "a_pass", "c_pass", 1, 1, status="planned", name="New Pass"),
    ]))
    with pytest.raises(NoRouteError, match="not open yet.*New Pass"):
        route(net, depart="2026-07-15")


def test_no_route_names_cargo_modes(tmp_path):
    places = [place("alpha", "AAA", 40.0, 70.0), place("omega", "AAA", 41.0, 71.0)]
    links = [dict(link_id="r", from_place="alpha", to_place="omega", mode="rail",
                  gauge_mm=1520, distance_km=100, status="open", two_way="true",
                  sources="s1")]
    net = load_network(tiny(tmp_path / "t", places=places, links=links, crossings=[],
                            calendars=[]))
    with pytest.raises(NoRouteError, match="need rail"):
        plan_route("Alpha", "Omega", cargo="truck", network=net)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(optimize="fastest"), "time, cost, distance, generalized"),
        (dict(cargo="pallet"), "truck"),
        (dict(modes=["rail"], cargo="truck"), "may use road, ferry; .*for rail use cargo 'teu'"),
        (dict(modes=["hovercraft"]), "unknown mode"),
        (dict(depart="15/07/2026"), "YYYY-MM-DD"),
        (dict(avoid=["AAA"]), "origin"),
        (dict(risk_aversion=-1), "risk_aversion"),
    ],
)
def test_bad_options_are_explained(tiny_network, kwargs, message):
    with pytest.raises(InvalidOptionError, match=message):
        plan_route("Alpha", "Gamma", network=tiny_network, **kwargs)


def test_same_origin_and_destination(tiny_network):
    with pytest.raises(InvalidOptionError, match="same place"):
        plan_route("Alpha", "alfa", network=tiny_network)


def test_json_contract(tiny_network):
    data = route(tiny_network, depart="2026-07-15").to_dict()
    for key in ("distance_km", "duration_h", "cost_usd", "co2e_kg", "risk", "border_crossings"):
        assert isinstance(data["summary"][key], (int, float))
    assert data["depart"] == "2026-07-15T08:00"
    assert data["arrive"] == "2026-07-15T12:00"
    assert data["countries"] == ["AAA", "CCC"]
    leg = data["legs"][1]
    assert leg["kind"] == "border"
    assert leg["from"]["id"] == "a_pass" and leg["to"]["id"] == "c_pass"
    assert leg["from"]["name"] == "Pass (AAA)"
    for key in ("mode", "distance_km", "duration_h", "cost_usd", "sources"):
        assert key in leg
    assert leg["sources"] == ["s1"]


def test_no_route_names_closures(tmp_path):
    net = load_network(tiny(tmp_path / "t", calendars=[
        dict(calendar_id="winter", seq=1, action="close", months="1-12", sources="s1"),
    ], crossings=[crossing("pass", "a_pass", "c_pass", 1, 1, calendar_id="winter")]))
    with pytest.raises(NoRouteError, match="closed within two years.*Pass"):
        route(net, depart="2026-07-15")


def test_avoid_typo_suggests_countries(tiny_network):
    with pytest.raises(UnknownPlaceError) as info:
        route(tiny_network, avoid=["BBBB"])
    assert info.value.suggestions[0] == "BBB (Bbb)"
    assert "unknown country, place or crossing to avoid" in str(info.value)


def test_no_transfer_loops_instead_of_waiting(tmp_path):
    """A truck facing a closed pass must wait, not shuttle between layers to pass time."""
    places_loop = dict(place_id="alpha", from_layer="road", to_layer="rail:1520", time_h=1,
                       two_way="true", kind="transship", sources="s1")
    net = load_network(tiny(tmp_path / "t", transfers=[places_loop]))
    r = route(net, depart="2026-01-15", avoid=["BBB"], cargo="teu", optimize="generalized")
    assert [leg.kind for leg in r.legs] == ["link", "wait", "border", "link"]
