"""Criticality: hand-made networks with known answers, the bundled pairs, speed."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
import pytest

from corridor import InvalidOptionError, UnknownPlaceError, load_network
from corridor.analysis.compare import OVERLAND_SHARE, SEA_DOMINATED
from corridor.analysis.criticality import (
    Pair,
    _candidates_of,
    _close,
    bundled_pairs_path,
    criticality,
    load_pairs,
)
from corridor.analysis.trade import trade_baseline
from corridor.io.gazetteer import resolve_name
from corridor.model.patch import apply_scenarios
from corridor.model.scenario import parse_scenario
from corridor.routing.compile import CompiledNetwork, _compile, compile_network
from corridor.routing.plan import plan_route

from netbuilder import place, road, tiny

JULY, JANUARY = "2026-07-15", "2026-01-15"


def add_rows(folder: Path, file: str, rows: list[dict]) -> None:
    """Append rows to a table of a network folder written by netbuilder."""
    path = folder / file
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


@pytest.fixture
def bridged(tmp_path):
    """tiny() plus Delta (CCC), reached only over a 50 km road from Gamma: a bridge."""
    folder = tiny(tmp_path / "bridged")
    add_rows(folder, "places.csv", [place("delta", "CCC", 41.3, 72.3)])
    add_rows(folder, "links.csv", [road("gamma_delta", "gamma", "delta", 50)])
    return load_network(folder)


def by_id(result):
    return {item.id: item for item in result.items}


# ---------------------------------------------------------------- known answers


def test_closing_the_pass_costs_nine_hours(tiny_network):
    result = criticality([("Alpha", "Gamma", 1.0)], depart=JULY, optimize="time",
                         network=tiny_network)
    assert result.candidates == 3  # the pass and its two roads: all the route uses
    assert len(result.items) == 1  # one effect: the pass road, the pass, the road on
    item = result.items[0]
    assert (item.kind, item.id, item.name, item.countries) == ("crossing", "pass", "Pass",
                                                               ("AAA", "CCC"))
    assert set(item.same_effect) == {"link:alpha_pass", "link:pass_gamma"}
    assert item.score == pytest.approx(9.0)  # 13 h via BBB - 4 h via the pass
    assert item.extra_hours == pytest.approx(9.0)
    assert item.extra_usd == pytest.approx(500 - 210)
    assert item.disconnected == 0
    (detour,) = item.detours
    assert (detour.origin, detour.destination) == ("Alpha", "Gamma")
    assert detour.delta_hours == pytest.approx(9.0)
    assert detour.new_crossings == ("west", "east")
    assert "Pass" in detour.old_corridor and "West" in detour.new_corridor


def test_unmerged_every_item_of_the_route_is_listed(tiny_network):
    result = criticality([("Alpha", "Gamma", 1.0)], depart=JULY, optimize="time",
                         network=tiny_network, merge_same_effect=False)
    assert {(i.kind, i.id) for i in result.items} == {
        ("crossing", "pass"), ("link", "alpha_pass"), ("link", "pass_gamma")}
    assert result.items[0].kind == "crossing"  # ties: the crossing first
    for item in result.items:
        assert item.score == pytest.approx(9.0)
        assert item.same_effect == ()
    links_only = criticality([("Alpha", "Gamma", 1.0)], depart=JULY, optimize="time",
                             network=tiny_network, kinds=["link"])
    assert {i.kind for i in links_only.items} == {"link"}


def test_links_off_the_route_are_not_candidates_and_change_nothing(tiny_network):
    result = criticality([("Alpha", "Gamma", 1.0)], depart=JULY, optimize="time",
                         network=tiny_network, merge_same_effect=False)
    listed = {i.id for i in result.items}
    base = plan_route("Alpha", "Gamma", depart=JULY, optimize="time", draws=0,
                      network=tiny_network)
    for link in ("alpha_west", "west_beta", "beta_east", "east_gamma"):
        assert link not in listed
        closed = apply_scenarios(tiny_network, [parse_scenario({
            "name": "t", "title": "t", "modifications": [{"type": "close", "links": [link]}]})])
        again = plan_route("Alpha", "Gamma", depart=JULY, optimize="time", draws=0,
                           network=closed)
        assert again.summary.duration_h == pytest.approx(base.summary.duration_h)


def test_in_winter_the_bbb_route_is_critical_and_the_pass_is_not(tiny_network):
    # Dec–Mar the pass is shut: the baseline goes through BBB (13 h), and closing the West
    # crossing means waiting for the pass to open on 1 April, a finite (long) increase.
    result = criticality([("Alpha", "Gamma", 1.0)], depart=JANUARY, optimize="time",
                         network=tiny_network)
    ids = {i.id for i in result.items} | {s.split(":")[1] for i in result.items
                                          for s in i.same_effect}
    assert "pass" not in ids
    assert {"west", "east"} <= ids
    assert all(i.disconnected == 0 and i.score > 24 * 30 for i in result.items)


def test_a_disconnection_ranks_above_any_finite_increase(bridged):
    pairs = [("Alpha", "Gamma", 100.0), ("Alpha", "Delta", 1.0)]
    result = criticality(pairs, depart=JULY, optimize="time", network=bridged)
    first, second = result.items[:2]
    assert (first.kind, first.id) == ("link", "gamma_delta")
    assert first.disconnected == 1 and first.disconnected_share == pytest.approx(1 / 101)
    assert first.score == 0.0  # the disconnected pair is counted apart, not as infinity
    (detour,) = first.detours
    assert detour.disconnected and detour.new_corridor is None and detour.delta_hours is None
    assert second.id == "pass" and second.pairs_affected == 2
    assert second.score == pytest.approx(9.0)  # both pairs +9 h, shares 100/101 and 1/101
    assert second.score > first.score


def test_weights_change_the_ranking(tiny_network):
    # Alpha→Gamma loses 9 h without the pass; Beta→Gamma loses 7 h without the East
    # crossing (back through West and over the pass: 12 h instead of 5 h).
    def ranking(w_alpha, w_beta):
        result = criticality([("Alpha", "Gamma", w_alpha), ("Beta", "Gamma", w_beta)],
                             depart=JULY, optimize="time", network=tiny_network)
        return [i.id for i in result.items], result

    order, result = ranking(1.0, 1.0)
    assert order == ["pass", "east"]
    assert by_id(result)["pass"].score == pytest.approx(9 / 2)
    assert by_id(result)["east"].score == pytest.approx(7 / 2)
    order, result = ranking(1.0, 10.0)
    assert order == ["east", "pass"]
    assert by_id(result)["east"].score == pytest.approx(70 / 11)
    assert by_id(result)["east"].detours[0].delta_hours == pytest.approx(7.0)


def test_the_baseline_is_never_mutated(tiny_network):
    before = [(c.crossing_id, c.status) for c in tiny_network.crossings]
    links = [(link.link_id, link.status) for link in tiny_network.links]
    digest = tiny_network.content_hash
    cn = compile_network(tiny_network)
    open_edges = cn.edge_open.copy()
    criticality([("Alpha", "Gamma", 1.0)], depart=JULY, network=tiny_network)
    assert [(c.crossing_id, c.status) for c in tiny_network.crossings] == before
    assert [(link.link_id, link.status) for link in tiny_network.links] == links
    assert tiny_network.content_hash == digest
    assert compile_network(tiny_network) is cn
    assert np.array_equal(cn.edge_open, open_edges)


def test_a_derived_closed_network_equals_a_fresh_compile(region):
    # The shortcut behind the speed: a closed variant only differs in edge_open.
    cn = compile_network(region)
    route = plan_route("Karachi", "Almaty", depart=JULY, draws=0, network=region)
    candidates = _candidates_of(route, region, ("crossing", "link"))
    assert len(candidates) > 10
    arrays = [name for name, value in vars(cn).items() if isinstance(value, np.ndarray)]
    for candidate in candidates:
        closed, derived = _close(region, cn, candidate)
        fresh = _compile(closed)
        assert isinstance(derived, CompiledNetwork) and derived.network is closed
        for name in arrays:
            assert np.array_equal(getattr(derived, name), getattr(fresh, name),
                                  equal_nan=True), (candidate.id, name)
        assert (~derived.edge_open).sum() > (~cn.edge_open).sum()
    assert all(c.status == "open" for c in region.crossings if c.name == "Torkham")


# ---------------------------------------------------------------- the bundled network


def test_bundled_pairs_in_july_put_a_major_crossing_on_top_fast(region, capsys):
    start = time.perf_counter()
    result = criticality(depart=JULY, network=region)
    elapsed = time.perf_counter() - start
    assert elapsed < 30, f"criticality took {elapsed:.1f} s"
    assert capsys.readouterr() == ("", "")  # prints nothing
    assert len(result.items) == 10 and not result.unrouted
    assert len(result.pairs) == len(load_pairs())
    names = [i.name for i in result.items]
    # Both Xinjiang pairs (PAK–CHN trade, the heaviest weights) cross at Khunjerab in July.
    assert "Khunjerab" in names
    khunjerab = result.items[names.index("Khunjerab")]
    # (Islamabad → Bishkek may also go by Khunjerab and Torugart, a detour that is faster)
    xinjiang = [d for d in khunjerab.detours if {d.origin, d.destination} & {"Urumqi", "Kashgar"}]
    assert len(xinjiang) == 2 and khunjerab.pairs_affected >= 2
    assert all(d.delta_hours > 24 for d in xinjiang)
    assert all("Khunjerab" not in d.new_corridor for d in khunjerab.detours)
    # ranks follow disconnections, then score
    keys = [(-i.disconnected_share, -i.score) for i in result.items]
    assert keys == sorted(keys)
    assert [i.rank for i in result.items] == list(range(1, 11))


def test_bundled_pairs_in_january_do_without_khunjerab(region):
    """Winter 2023-24, the last one Khunjerab shut for."""
    result = criticality(depart="2024-01-25", network=region, top=None)
    names = {i.name for i in result.items}
    assert "Khunjerab" not in names  # shut Dec–Mar: no baseline route uses it
    assert not any("Khunjerab" in c for c in result.baseline_corridors)
    assert names & {"Torkham", "Sher Khan Bandar-Panji Poyon", "Irkeshtam"}


def test_to_dict_and_rows(tiny_network):
    result = criticality([("Alpha", "Gamma", 2.0), ("Beta", "Gamma", 1.0)], depart=JULY,
                         network=tiny_network)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["objective"] == "generalized" and data["objective_unit"] == "USD"
    assert [p["origin"] for p in data["pairs"]] == ["Alpha", "Beta"]
    assert [i["rank"] for i in data["items"]] == [1, 2]
    rows = result.to_rows()
    assert len(rows) == sum(len(i.detours) for i in result.items) == 2
    assert {r["kind"] for r in rows} == {"crossing"}
    assert rows[0]["rank"] == 1 and rows[0]["new_corridor"]


# ---------------------------------------------------------------- pairs and inputs


def test_bundled_pairs_follow_the_trade_baselines(region):
    # Weight: the two countries' trade as trade_baseline() picks it (for a partner whose
    # trade with Pakistan moves mainly by sea, its overland share, as compare() does), split
    # equally over the file's pairs of the same two countries.
    from collections import Counter

    pairs = load_pairs()
    assert 10 <= len(pairs) <= 16

    def countries(pair):
        return (resolve_name(pair.origin, region, allow=("place",)).country,
                resolve_name(pair.destination, region, allow=("place",)).country)

    count = Counter(frozenset(countries(p)) for p in pairs)
    for pair in pairs:
        a, b = countries(pair)
        assert pair.notes, pair
        base = trade_baseline(a, b)
        total, sources = base.value_usd, [base.source_id]
        partner = {a, b} & SEA_DOMINATED
        if partner:
            fraction, source = OVERLAND_SHARE[partner.pop()]
            total, sources = total * fraction, [base.source_id, source]
        assert pair.weight == pytest.approx(total / count[frozenset((a, b))], abs=1), pair
        assert pair.source_id.split(";") == sources, pair


def test_a_pairs_csv_with_problems_lists_them_all(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("origin,destination,wieght\nKarachi,Almaty,3\n", encoding="utf-8")
    with pytest.raises(InvalidOptionError, match="wieght"):
        load_pairs(path)  # a misspelt weight column is not read as weight 1
    path.write_text("origin,destination,weight\nKarachi,,x\n,Almaty,-1\nLahore,Almaty,2\n",
                    encoding="utf-8")
    with pytest.raises(InvalidOptionError) as info:
        load_pairs(path)
    message = str(info.value)
    assert message.startswith("4 problem(s)")
    for where in ("row 2, column 'destination'", "row 2, column 'weight'",
                  "row 3, column 'origin'", "row 3, column 'weight'"):
        assert where in message
    with pytest.raises(InvalidOptionError, match="missing"):
        load_pairs(tmp_path / "missing.csv")
    path.write_text("origin,destination\nKarachi,Almaty\n", encoding="utf-8")
    assert load_pairs(path) == (Pair("Karachi", "Almaty", 1.0),)


def test_pairs_from_a_file_and_from_tuples_agree(tiny_network, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("origin,destination,weight\nAlpha,Gamma,3\n", encoding="utf-8")
    from_file = criticality(path, depart=JULY, network=tiny_network)
    from_tuples = criticality([Pair("Alpha", "Gamma", 3.0)], depart=JULY,
                              network=tiny_network)
    assert from_file.to_dict() == from_tuples.to_dict()
    assert bundled_pairs_path().is_file()


def test_bad_options_and_unknown_places(tiny_network):
    pairs = [("Alpha", "Gamma", 1.0)]
    with pytest.raises(InvalidOptionError, match="generalized"):
        criticality(pairs, optimize="p90", network=tiny_network)
    with pytest.raises(InvalidOptionError, match="crossing, link"):
        criticality(pairs, kinds=["bridge"], network=tiny_network)
    with pytest.raises(InvalidOptionError, match="top"):
        criticality(pairs, top=0, network=tiny_network)
    with pytest.raises(InvalidOptionError, match="weight"):
        criticality([("Alpha", "Gamma", -1)], network=tiny_network)
    with pytest.raises(InvalidOptionError, match="add up to 0"):
        criticality([("Alpha", "Gamma", 0)], network=tiny_network)
    with pytest.raises(UnknownPlaceError):
        criticality([("Alpha", "Gamma", 1), ("Alpha", "Omega", 1)], network=tiny_network)
    with pytest.raises(InvalidOptionError, match="Omega.*Zeta"):
        criticality([("Alpha", "Omega", 1), ("Zeta", "Gamma", 1)], network=tiny_network)
