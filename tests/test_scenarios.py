"""Scenarios: each modification type on the tiny network, composition, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from corridor import NoRouteError, ScenarioError, plan_route
from corridor.analysis.compare import compare
from corridor.io.scenarios import list_scenarios, load_scenario
from corridor.model.patch import apply_scenarios
from corridor.model.scenario import parse_scenario

JULY = "2026-07-15"


def scenario(*modifications, name="test"):
    return parse_scenario({"name": name, "title": name.title(),
                           "modifications": list(modifications)})


def trip(net, **kw):
    kw.setdefault("optimize", "time")
    kw.setdefault("draws", 0)
    kw.setdefault("depart", JULY)
    return plan_route("Alpha", "Gamma", network=net, **kw)


def test_crossing_time_scales_and_sets(tiny_network):
    slow = apply_scenarios(tiny_network, [scenario(
        {"type": "crossing_time", "crossings": ["Pass"], "dwell_factor": 20,
         "cost_factor": 3})])
    # pass: 2 + 20 + 1 = 23 h > BBB 13 h
    assert trip(slow).crossings == ("west", "east")
    assert slow.crossings_by_id["pass"].ab_cost_usd == pytest.approx(30)
    set_ab = apply_scenarios(tiny_network, [scenario(
        {"type": "crossing_time", "country_pair": ["BBB", "AAA"], "dwell_h": 0,
         "direction": "ab"})])
    west = set_ab.crossings_by_id["west"]
    assert (west.ab_dwell_h, west.ba_dwell_h) == (0, 5)
    by_country = apply_scenarios(tiny_network, [scenario(
        {"type": "crossing_time", "countries": ["BBB"], "dwell_factor": 0})])
    assert by_country.crossings_by_id["east"].ab_dwell_h == 0
    assert by_country.crossings_by_id["pass"].ab_dwell_h == 1


def test_baseline_is_never_changed(tiny_network):
    before = trip(tiny_network).summary
    apply_scenarios(tiny_network, [scenario({"type": "close", "countries": ["CCC"]})])
    assert trip(tiny_network).summary == before
    assert tiny_network.crossings_by_id["pass"].status == "open"


def test_close_for_dates_and_for_good(tiny_network):
    dated = apply_scenarios(tiny_network, [scenario(
        {"type": "close", "crossings": ["Pass"], "date_from": "2026-07-10",
         "date_to": "2026-07-20"})])
    assert trip(dated).crossings == ("west", "east")
    assert trip(dated, depart="2026-07-25").crossings == ("pass",)
    for_good = apply_scenarios(tiny_network, [scenario({"type": "close", "places": ["beta"]})])
    assert trip(for_good, depart="2026-01-15", optimize="time").crossings == ("pass",)
    no_c = apply_scenarios(tiny_network, [scenario({"type": "close", "countries": ["CCC"]})])
    with pytest.raises(NoRouteError):
        trip(no_c)


def test_calendar_always_open_and_rules(tiny_network):
    winter = "2026-01-15"
    assert trip(tiny_network, depart=winter).crossings == ("west", "east")
    always = apply_scenarios(tiny_network, [scenario(
        {"type": "calendar", "crossings": ["pass"], "always_open": True})])
    assert trip(always, depart=winter).crossings == ("pass",)
    weekends = apply_scenarios(tiny_network, [scenario(
        {"type": "calendar", "crossings": ["pass"], "rules": [
            {"action": "close", "weekdays": "Sat;Sun"}]})])
    assert trip(weekends, depart=winter).crossings == ("pass",)  # a Thursday
    assert trip(weekends, depart="2026-01-17").crossings == ("west", "east")  # Saturday


def test_open_a_planned_link(tmp_path):
    from corridor import load_network

    from netbuilder import road, tiny

    net = load_network(tiny(tmp_path / "t", links=[
        road("alpha_pass", "alpha", "a_pass", 100),
        road("pass_gamma", "c_pass", "gamma", 100, status="planned"),
        road("alpha_west", "alpha", "a_west", 50), road("west_beta", "b_west", "beta", 100),
        road("beta_east", "beta", "b_east", 50), road("east_gamma", "c_east", "gamma", 100),
    ]))
    assert trip(net).crossings == ("west", "east")
    opened = apply_scenarios(net, [scenario({"type": "open", "links": ["pass_gamma"]})])
    assert trip(opened).crossings == ("pass",)


def test_add_link_and_service(tiny_network, tmp_path):
    from corridor import load_network

    from netbuilder import tiny

    tunnel = apply_scenarios(tiny_network, [scenario(
        {"type": "add_link", "link_id": "tunnel", "from_place": "alpha",
         "to_place": "a_pass", "mode": "road", "distance_km": 10})])
    assert trip(tunnel).summary.duration_h == pytest.approx(0.2 + 1 + 1)
    airports = [dict(place_id=p, from_layer="road", to_layer="air", time_h=0, two_way="true",
                     kind="airport", sources="s1") for p in ("alpha", "gamma")]
    with_airports = load_network(tiny(tmp_path / "air", transfers=airports))
    flight = apply_scenarios(with_airports, [scenario(
        {"type": "add_service", "service_id": "hop", "from_place": "alpha",
         "to_place": "gamma", "weekdays": "Wed", "depart_hour": 10, "duration_h": 0.5})])
    r = trip(flight, cargo="passenger")
    assert [leg.mode for leg in r.legs if leg.kind == "link"] == ["air"]
    assert r.summary.duration_h == pytest.approx(2.5)  # wait 08-10 on Wed 15 Jul, fly 0.5 h


def test_country_value_of_time_and_disruption(tiny_network):
    fast = apply_scenarios(tiny_network, [scenario(
        {"type": "country", "countries": ["AAA"], "road_speed_factor": 2,
         "road_cost_factor": 0.5, "gpi_rank": 1},
        {"type": "value_of_time", "pct_per_day": 1.0})])
    assert trip(fast).summary.duration_h == pytest.approx(1 + 1 + 1)
    assert fast.countries["AAA"].gpi_rank == 1
    assert fast.parameter("value_of_time_pct_per_day") == 1.0


def test_composition_is_ordered(tiny_network):
    a = scenario({"type": "crossing_time", "crossings": ["pass"], "dwell_h": 10}, name="a")
    b = scenario({"type": "crossing_time", "crossings": ["pass"], "dwell_factor": 2}, name="b")
    assert apply_scenarios(tiny_network, [a, b]).crossings_by_id["pass"].ab_dwell_h == 20
    assert apply_scenarios(tiny_network, [b, a]).crossings_by_id["pass"].ab_dwell_h == 10


def test_bad_scenarios_list_every_problem(tiny_network, tmp_path):
    with pytest.raises(ScenarioError) as info:
        parse_scenario({"name": "Bad Name", "title": "x", "modifications": [
            {"type": "crossing_time", "crossings": ["pass"]},
            {"type": "teleport"},
            {"type": "add_link", "link_id": "r", "from_place": "a", "to_place": "b",
             "mode": "rail", "distance_km": 5},
        ]})
    text = str(info.value)
    assert len(info.value.problems) >= 4
    assert "name" in text and "dwell_factor" in text and "teleport" in text
    assert "gauge_mm" in text
    with pytest.raises(ScenarioError) as info:
        apply_scenarios(tiny_network, [scenario(
            {"type": "close", "crossings": ["Nowhere"], "countries": ["ZZZ"]},
            {"type": "disruption", "disruptions": ["meteor"]})])
    messages = [p.message for p in info.value.problems]
    assert any("unknown crossing 'Nowhere'" in m for m in messages)
    assert any("unknown country 'ZZZ'" in m for m in messages)
    assert any("unknown disruption 'meteor'" in m for m in messages)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed")
    with pytest.raises(ScenarioError, match="cannot be parsed"):
        load_scenario(broken)


def test_library_scenarios_apply_to_the_region(region):
    names = [s.name for s in list_scenarios()]
    for required in ("customs-cooperation", "khunjerab-year-round", "afghanistan-closed",
                     "afghanistan-stable", "direct-flights-almaty", "trans-afghan-railway",
                     "cku-railway", "torkham-closure-two-weeks"):
        assert required in names
    for name in names:
        s = load_scenario(name)
        assert s.sources, name
        assert set(s.sources) <= set(region.sources), name
        apply_scenarios(region, [s])


def test_compare_on_the_region(region):
    result = compare("Islamabad", "Kashgar", ["khunjerab-year-round", "afghanistan-closed"],
                     depart="2024-02-15", optimize="time", draws=200, network=region)
    base, year_round, closed = result.cases
    assert "khunjerab" not in base.route.crossings
    assert "khunjerab" in year_round.route.crossings
    assert year_round.route.summary.duration_h < base.route.summary.duration_h
    assert "AFG" not in closed.route.countries
    assert any(c.startswith("corridor:") for c in year_round.changes)
    data = result.to_dict()
    assert [c["name"] for c in data["cases"]] == ["baseline", "khunjerab-year-round",
                                                  "afghanistan-closed"]


def test_scenario_file_and_cli(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({
        "name": "slow-pass", "title": "Slow pass",
        "modifications": [{"type": "crossing_time", "crossings": ["pass"],
                           "dwell_factor": 20}]}))
    from netbuilder import tiny

    net = tiny(tmp_path / "t")
    cli = str(Path(sys.executable).parent / "corridor")
    out = subprocess.run([cli, "compare", "Alpha", "Gamma", "--scenario", str(path),
                          "--depart", JULY, "--optimize", "time", "--draws", "0", "--json",
                          "--network", str(net)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    cases = json.loads(out.stdout)["cases"]
    assert cases[0]["duration_h"] == 4.0 and cases[1]["duration_h"] == 13.0
    out = subprocess.run([cli, "scenarios"], capture_output=True, text=True, timeout=60)
    assert "khunjerab-year-round" in out.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"name": "bad", "title": "Bad", "modifications": [
        {"type": "close", "crossings": ["nowhere"]}]}))
    out = subprocess.run([cli, "compare", "Alpha", "Gamma", "--scenario", str(bad),
                          "--network", str(net)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 4 and "unknown crossing 'nowhere'" in out.stderr
    assert "Traceback" not in out.stderr



def test_cargo_rules_and_lifting_them(tmp_path):
    from corridor import load_network

    from netbuilder import tiny

    rules = [dict(rule_id="ban", name="Export ban", cargo="truck", kind="no_export",
                  country="AAA", modes="road", date_from="2026-01-01", sources="s1")]
    net = load_network(tiny(tmp_path / "r", cargo_rules=rules))
    with pytest.raises(NoRouteError, match="breaks a cargo rule.*Export ban"):
        trip(net)
    assert trip(net, depart="2025-12-15").crossings == ("west", "east")  # before the ban
    assert trip(net, cargo="teu").crossings == ("pass",)  # another cargo
    lifted = apply_scenarios(net, [scenario({"type": "cargo_rule", "lift": ["ban"]})])
    assert trip(lifted).crossings == ("pass",)
    with pytest.raises(ScenarioError, match="unknown cargo rule 'nope'"):
        apply_scenarios(net, [scenario({"type": "cargo_rule", "lift": ["nope"]})])


def test_kazakh_lpg_scenario(region):
    result = compare("Shymkent", "Karachi", ["kazakh-lpg-to-pakistan"], cargo="lpg",
                     depart=JULY, draws=0, network=region)
    base, lifted = result.cases
    assert base.route is None and "kz_lpg_export_ban" in base.no_route
    assert lifted.route is not None
    assert lifted.route.countries[0] == "KAZ" and lifted.route.countries[-1] == "PAK"
    # dangerous goods do not enter Pakistan by rail: the last border is crossed by road
    borders = [leg for leg in lifted.route.legs if leg.kind == "border"]
    assert borders[-1].mode == "road"


def test_compare_for_one_mode_shows_what_a_railway_changes(region):
    """By road the Trans-Afghan railway changes nothing for Karachi → Tashkent (the road is
    faster than rail with CAREC-average rail borders); restricted to rail, the comparison
    shows the box leaving the Iran-Turkmenistan detour, and says the trade figures assume
    the pair's trade goes by rail. The command line gives the same."""
    by_road = compare("Karachi", "Tashkent", ["trans-afghan-railway"], depart=JULY, draws=0,
                      network=region)
    assert by_road.cases[1].changes == ("no change",) and "modes" not in by_road.extras
    by_rail = compare("Karachi", "Tashkent", ["trans-afghan-railway"], depart=JULY, draws=0,
                      network=region, modes=["rail"])
    assert by_rail.cargo == "teu" and by_rail.extras["modes"] == ["rail"]
    base, opened = (case.route for case in by_rail.cases)
    assert "taftan_rail" in base.crossings and "kharlachi_rail" in opened.crossings
    assert {leg.mode for leg in opened.legs if leg.kind == "link"} == {"rail"}
    assert opened.summary.duration_h < base.summary.duration_h - 48
    assert by_rail.cases[1].trade.pct_change_central > 0
    from corridor._format import format_comparison

    assert "modes: rail only" in format_comparison(by_rail)
    cli = str(Path(sys.executable).parent / "corridor")
    out = subprocess.run([cli, "compare", "Karachi", "Tashkent", "--scenario",
                          "trans-afghan-railway", "--modes", "rail", "--depart", JULY,
                          "--draws", "0", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["cargo"] == "teu" and answer["modes"] == ["rail"]
    assert "kharlachi_rail" in answer["cases"][1]["route"]["crossings"]
    truck = subprocess.run([cli, "compare", "Karachi", "Tashkent", "--scenario",
                            "trans-afghan-railway", "--modes", "rail", "--cargo", "truck",
                            "--draws", "0"], capture_output=True, text=True, timeout=120)
    assert truck.returncode != 0 and "for rail use cargo 'teu'" in truck.stderr
    assert "Traceback" not in truck.stderr


def test_compare_reports_trade_impact(region):
    from corridor.analysis.trade import trade_impact

    result = compare("Lahore", "Almaty", ["customs-cooperation"], depart="2026-01-15",
                     draws=2000, network=region)
    base, case = result.cases
    assert base.trade is None and case.trade is not None
    days = (case.route.reliability.p50_h - base.route.reliability.p50_h) / 24
    cost = case.route.summary.cost_usd - base.route.summary.cost_usd
    expected = trade_impact(days, cost, shipment_value_usd=40_000,
                            transport_cost_usd=base.route.summary.cost_usd)
    assert case.trade.pct_change_central == pytest.approx(expected.pct_change_central)
    assert case.trade.pct_change_central > 0  # faster and cheaper: more trade
    assert case.trade.pct_change_low <= case.trade.pct_change_central <= \
        case.trade.pct_change_high
    baseline = result.extras["trade_baseline"]
    assert baseline["reporter"] and baseline["usd"] > 0
    assert case.trade.delta_trade_usd_central == pytest.approx(
        baseline["usd"] * case.trade.pct_change_central / 100)


def test_compare_pairs_weighted(tiny_network, tmp_path):
    from corridor.analysis.compare import compare_pairs, read_pairs

    path = tmp_path / "pairs.csv"
    path.write_text("origin,destination,weight\nAlpha,Gamma,3\nGamma,Alpha,1\n")
    slow = scenario({"type": "crossing_time", "crossings": ["pass"], "dwell_h": 5})
    results, summary = compare_pairs(read_pairs(path), [slow], depart=JULY,
                                     optimize="time", draws=0, network=tiny_network)
    assert [w for w, _ in results] == [3.0, 1.0]
    # 4 h -> 8 h over the pass both ways: +4 h = +1/6 day for every pair
    assert summary["test"]["delta_days"] == pytest.approx(4 / 24)
    bad = tmp_path / "bad.csv"
    bad.write_text("origin,destination,weight\nAlpha,,1\nAlpha,Gamma,lots\n")
    with pytest.raises(Exception, match="2 problem"):
        read_pairs(bad)


def test_trade_impact_uses_only_the_overland_share_with_china(region):
    result = compare("Islamabad", "Kashgar", ["khunjerab-year-round"], depart="2024-02-15",
                     draws=0, network=region)
    baseline = result.extras["trade_baseline"]
    assert "overland share" in baseline["notes"]
    case = result.cases[1]
    # 2 % of the bilateral total can respond to the KKH, not the sea-borne rest
    assert case.trade.baseline_usd == pytest.approx(baseline["usd"])
    assert baseline["usd"] < 1e9


def test_crossing_time_by_corridor(tiny_network):
    # the corridor Alpha -> Gamma in winter is the BBB route: both its crossings change
    slow = apply_scenarios(tiny_network, [scenario(
        {"type": "crossing_time", "corridor": {"origin": "Alpha", "destination": "Gamma",
                                               "depart": "2026-01-15"},
         "dwell_factor": 2})])
    assert slow.crossings_by_id["west"].ab_dwell_h == 10
    assert slow.crossings_by_id["east"].ab_dwell_h == 6
    assert slow.crossings_by_id["pass"].ab_dwell_h == 1


def test_open_for_dates_and_add_crossing(tmp_path, tiny_network):
    from corridor import load_network

    from netbuilder import crossing, tiny

    net = load_network(tiny(tmp_path / "p", crossings=[
        crossing("pass", "a_pass", "c_pass", 1, 1, status="planned"),
        crossing("west", "a_west", "b_west", 5, 5),
        crossing("east", "b_east", "c_east", 3, 3)]))
    dated = apply_scenarios(net, [scenario(
        {"type": "open", "crossings": ["pass"], "date_from": "2026-07-01",
         "date_to": "2026-07-31"})])
    assert trip(dated).crossings == ("pass",)  # 15 July
    assert trip(dated, depart="2026-09-01").crossings == ("west", "east")
    # a new crossing straight from Alpha's west post to Gamma's side
    bridge = apply_scenarios(tiny_network, [scenario(
        {"type": "add_crossing", "crossing_id": "bridge", "name": "New bridge",
         "place_a": "a_west", "place_b": "c_east", "ab_dwell_h": 0.5, "ba_dwell_h": 0.5})])
    assert trip(bridge).crossings == ("bridge",)  # 1 + 0.5 + 1 = 2.5 h < 4 h
    with pytest.raises(ScenarioError, match="two countries"):
        apply_scenarios(tiny_network, [scenario(
            {"type": "add_crossing", "crossing_id": "x", "name": "X", "place_a": "alpha",
             "place_b": "a_pass", "ab_dwell_h": 1, "ba_dwell_h": 1})])
