"""Trade impact against the hand calculations of policy-facts §7.3, and the trade baselines."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from corridor.analysis.trade import (
    BASELINE_COLUMNS,
    CASES,
    PARAMETER_SETS,
    SOURCES,
    Baseline,
    load_trade_baselines,
    trade_baseline,
    trade_impact,
)
from corridor.exceptions import InvalidOptionError, NetworkValidationError

TRUCK_USD = 40_000  # policy-facts §7.3: a 20 t truck worth USD 40,000, f0 = 0.25


def _impact(delta_days: float, delta_cost_usd: float, **options):
    return trade_impact(delta_days, delta_cost_usd, shipment_value_usd=TRUCK_USD, f0=0.25,
                        **options)


# --------------------------------------------------------------------------------------------
# The worked results of policy-facts §7.3, to the rounding printed there
# --------------------------------------------------------------------------------------------

# (Δdays, Δcost USD, (low, central, high) as printed, decimals printed for each)
WORKED = {
    "1 day faster": (-1, 0, (0.5, 1.0, 3.0), (1, 1, 1)),
    "10 days faster": (-10, 0, (5.1, 10.5, 35.0), (1, 1, 0)),
    "USD 500 cheaper per truck": (0, -500, (3.1, 5.2, 7.3), (1, 1, 1)),
    "5-day closure": (5, 0, (-2.5, -4.9, -13.9), (1, 1, 1)),
}


@pytest.mark.parametrize("name", list(WORKED))
def test_worked_results_of_policy_facts(name):
    delta_days, delta_cost, printed, decimals = WORKED[name]
    impact = _impact(delta_days, delta_cost)
    got = (impact.pct_change_low, impact.pct_change_central, impact.pct_change_high)
    for value, expected, places in zip(got, printed, decimals, strict=True):
        assert round(value, places) == expected, (name, got)
    assert impact.pct_change == impact.pct_change_central  # the default case is central


def test_worked_result_both():
    # policy-facts §7.3 prints +8.4 / +16.2 / +45. Central and high match; the exact low
    # value is +8.345 %, which rounds to +8.3 (the printed +8.4 rounds 8.35 a second time).
    impact = _impact(-10, -500)
    assert round(impact.pct_change_central, 1) == 16.2
    assert round(impact.pct_change_high) == 45
    assert impact.pct_change_low == pytest.approx(8.345, abs=1e-3)
    # both channels multiply: (1 + time effect)(1 + money effect)
    time_only, cost_only = _impact(-10, 0), _impact(0, -500)
    for case in ("low", "central", "high"):
        both = getattr(impact, f"pct_change_{case}")
        parts = [getattr(i, f"pct_change_{case}") / 100 for i in (time_only, cost_only)]
        assert both == pytest.approx(100 * ((1 + parts[0]) * (1 + parts[1]) - 1))


def test_worked_result_new_fee_of_300():
    # policy-facts §7.3 prints -1.8 / -3.0 / -4.1. The exact formula gives -1.78 / -2.95 /
    # -4.10: low and high match, the central -3.0 is the linear approximation
    # (-5 × 300 / 50,000 = -3.0 %); the model itself gives -2.947 %, which rounds to -2.9.
    impact = _impact(0, 300)
    assert round(impact.pct_change_low, 1) == -1.8
    assert round(impact.pct_change_high, 1) == -4.1
    assert impact.pct_change_central == pytest.approx(-2.9467, abs=1e-4)
    linear = -PARAMETER_SETS["central"].theta * 300 / (TRUCK_USD * 1.25) * 100
    assert round(linear, 1) == -3.0


def test_formula_by_hand():
    # Δln τ = β/θ·Δd + ln(1 + Δc/(V(1+f0))); %ΔX = exp(-θ·Δln τ) - 1
    impact = _impact(-3, -700, case="high")
    beta, theta = 0.030, 7.0
    time_term = beta / theta * -3
    cost_term = math.log(1 + -700 / (40_000 * 1.25))
    assert impact.delta_ln_tau_time == pytest.approx(time_term)
    assert impact.delta_ln_tau_cost == pytest.approx(cost_term)
    assert impact.delta_ln_tau == pytest.approx(time_term + cost_term)
    assert impact.pct_change == pytest.approx(100 * (math.exp(-theta * (time_term + cost_term))
                                                     - 1))
    assert impact.ad_valorem_equivalent_pct == pytest.approx(
        100 * (math.exp(time_term + cost_term) - 1))


def test_linear_checks():
    # small changes: %ΔX ≈ -β·Δdays - θ·Δc/(V(1+f0))
    tiny = _impact(-0.01, -4)
    linear = 100 * (0.010 * 0.01 + 5 * 4 / (TRUCK_USD * 1.25))
    assert tiny.pct_change == pytest.approx(linear, rel=1e-3)
    # 1 day ≈ 1 % of trade; 1 % of value in cost ≈ 4 % of trade at f0 = 0.25
    assert _impact(-1, 0).pct_change == pytest.approx(1.0, abs=0.01)
    one_pct = _impact(0, -0.01 * TRUCK_USD).pct_change
    assert one_pct == pytest.approx(4.0, abs=0.15)
    assert one_pct > 4.0  # the exact (convex) curve lies above the linear one for cuts


def test_no_change_is_no_change():
    impact = _impact(0, 0)
    assert impact.pct_change == 0 and impact.pct_change_high == 0 and impact.delta_ln_tau == 0


def test_faster_and_cheaper_raise_trade_monotonically():
    values = [_impact(d, 0).pct_change for d in (5, 1, 0, -1, -5)]
    assert values == sorted(values)
    values = [_impact(0, c).pct_change for c in (800, 100, 0, -100, -800)]
    assert values == sorted(values)


# --------------------------------------------------------------------------------------------
# f0, cases, dollars, provenance
# --------------------------------------------------------------------------------------------


def test_f0_default_given_and_from_route():
    default = trade_impact(0, 300, shipment_value_usd=TRUCK_USD)
    assert (default.f0, default.f0_basis) == (0.25, "default")
    assert default.pct_change == _impact(0, 300).pct_change
    route = trade_impact(0, 300, shipment_value_usd=TRUCK_USD, transport_cost_usd=4_000)
    assert (route.f0, route.f0_basis, route.transport_cost_usd) == (0.1, "route", 4_000)
    given = trade_impact(0, 300, shipment_value_usd=TRUCK_USD, f0=0.1)
    assert given.f0_basis == "given"
    assert route.pct_change == pytest.approx(given.pct_change)
    # a cheaper baseline route makes the same fee weigh more
    assert route.pct_change < default.pct_change


def test_time_sensitive_case_and_range():
    impact = _impact(-1, 0, case="time_sensitive")
    assert impact.parameters.beta_day == 0.06 and impact.parameters.theta == 5
    assert impact.pct_change == pytest.approx(100 * (math.exp(0.06) - 1))
    # the range stays the low/central/high sets
    assert impact.pct_change_central == pytest.approx(_impact(-1, 0).pct_change)
    assert 0.6 <= impact.parameters.time_cost_pct_per_day <= 2.1  # inside Hummels-Schaur


def test_dollar_conversion():
    impact = _impact(-10, -500, baseline_usd=53.7e6)
    assert impact.delta_trade_usd == pytest.approx(53.7e6 * impact.pct_change / 100)
    assert impact.delta_trade_usd == pytest.approx(8.706e6, rel=1e-3)
    assert impact.delta_trade_usd_low == pytest.approx(53.7e6 * 0.08345, rel=1e-3)
    assert impact.delta_trade_usd_high == pytest.approx(53.7e6 * 0.44824, rel=1e-3)
    assert _impact(-1, 0).delta_trade_usd is None


def test_baseline_object_keeps_its_reporter():
    base = trade_baseline("PAK", "KAZ", year=2023, reporter="KAZ statistics")
    impact = _impact(-1, 0, baseline_usd=base)
    assert impact.baseline_usd == 52.5e6 and impact.baseline is base
    data = json.loads(json.dumps(impact.to_dict()))
    assert data["baseline"]["reporter"] == "KAZ statistics"
    assert data["delta_trade_usd"] == pytest.approx(52.5e6 * impact.pct_change / 100, abs=0.01)


def test_to_dict_is_json_and_cites_sources():
    data = json.loads(json.dumps(_impact(-2, 100, case="time_sensitive").to_dict()))
    assert data["case"] == "time_sensitive"
    assert set(data["range_pct"]) == {"low", "central", "high"}
    assert set(data["parameters"]) == {"time_sensitive", "low", "central", "high"}
    ids = {s["id"] for s in data["sources"]}
    assert {"djankov_freund_pham_2010", "head_mayer_2014", "hummels_schaur_2013"} <= ids
    assert data["delta_trade_usd"] is None


def test_every_parameter_cites_known_sources():
    assert set(CASES) == {"central", "low", "high", "time_sensitive"}
    expected = {"central": (0.010, 5), "low": (0.005, 3), "high": (0.030, 7)}
    for case, (beta, theta) in expected.items():
        assert (PARAMETER_SETS[case].beta_day, PARAMETER_SETS[case].theta) == (beta, theta)
    for params in PARAMETER_SETS.values():
        assert params.beta_sources and params.theta_sources and params.basis
        for sid in params.sources:
            assert sid in SOURCES, sid
    for sid, source in SOURCES.items():
        assert source.source_id == sid and source.title
        assert source.url or sid == "corridor_judgment"


# --------------------------------------------------------------------------------------------
# Invalid options
# --------------------------------------------------------------------------------------------


def test_unknown_case_lists_the_valid_ones():
    with pytest.raises(InvalidOptionError) as error:
        _impact(-1, 0, case="centre")
    assert "'centre'" in str(error.value)
    for case in CASES:
        assert case in str(error.value)


@pytest.mark.parametrize("options, words", [
    ({"shipment_value_usd": 0}, "greater than zero"),
    ({"shipment_value_usd": -1}, "greater than zero"),
    ({"shipment_value_usd": math.nan}, "finite"),
    ({"shipment_value_usd": "a lot"}, "number"),
    ({"shipment_value_usd": TRUCK_USD, "f0": -0.1}, "f0"),
    ({"shipment_value_usd": TRUCK_USD, "f0": 0.2, "transport_cost_usd": 100}, "not both"),
    ({"shipment_value_usd": TRUCK_USD, "transport_cost_usd": -5}, "transport_cost_usd"),
    ({"shipment_value_usd": TRUCK_USD, "baseline_usd": -5}, "baseline_usd"),
])
def test_bad_inputs_raise(options, words):
    with pytest.raises(InvalidOptionError, match=words):
        trade_impact(-1, 0, **options)


def test_bad_deltas_raise():
    with pytest.raises(InvalidOptionError, match="delta_days"):
        trade_impact(math.inf, 0, shipment_value_usd=TRUCK_USD)
    with pytest.raises(InvalidOptionError, match="whole"):
        trade_impact(0, -50_000, shipment_value_usd=TRUCK_USD)  # V(1+f0) = 50,000
    assert issubclass(InvalidOptionError, ValueError)


# --------------------------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------------------------


def test_bundled_baselines_load_and_cite():
    rows = load_trade_baselines()
    assert len(rows) >= 60
    assert all(isinstance(r, Baseline) and r.source_id and r.title and r.reporter
               for r in rows)
    pairs = {frozenset(r.pair) for r in rows}
    for other in ("KAZ", "UZB", "KGZ", "TJK", "TKM", "AFG", "CHN"):
        assert frozenset({"PAK", other}) in pairs, other
    kz = [r for r in rows if r.pair == ("PAK", "KAZ") and r.year == 2023 and r.flow == "total"]
    assert {(r.reporter, r.value_usd) for r in kz} == {
        ("KAZ statistics", 52.5e6), ("PAK data via KAZ ambassador", 197e6)}


def test_bundled_totals_equal_their_parts():
    rows = load_trade_baselines()
    by_key: dict[tuple, dict[str, float]] = {}
    for r in rows:
        key = (frozenset(r.pair), r.year, r.period, r.reporter)
        by_key.setdefault(key, {})
        if r.flow == "total":
            by_key[key]["total"] = r.value_usd
        else:  # orient both flows as exports from / imports to the same country
            exporter_is_a = r.flow == "exports"
            key_flow = (r.country_a if exporter_is_a else r.country_b)
            by_key[key][f"from {key_flow}"] = r.value_usd
    checked = 0
    for key, flows in by_key.items():
        parts = [v for k, v in flows.items() if k != "total"]
        if "total" in flows and len(parts) == 2:
            assert flows["total"] == pytest.approx(sum(parts), abs=0.11e6), key
            checked += 1
    assert checked >= 7


def test_default_is_the_latest_total_in_either_order():
    base = trade_baseline("PAK", "KAZ")
    assert (base.year, base.reporter, base.value_usd) == (2024, "KAZ MFA", 53.7e6)
    assert base.source_id == "trend_kz_2025" and base.url.startswith("https://")
    assert trade_baseline("kaz", "pak") == base
    # the Q1 2025 figure and the PM's undated ~250 are never picked
    assert base.period in ("year", "fiscal_year")
    # the other reporters are shown, so reports can state the 2-4x spread
    reporters = {o.reporter: o.value_usd for o in base.others}
    assert reporters["PAK data via KAZ ambassador"] == 197e6
    assert "KAZ MFA" not in reporters


def test_baseline_by_year_and_reporter():
    same_year = trade_baseline("PAK", "KAZ", year=2023)
    assert same_year.reporter == "KAZ statistics"  # H beats M in the same year
    assert [o.reporter for o in same_year.others] == ["PAK data via KAZ ambassador"]
    assert trade_baseline("PAK", "KAZ", year=2023, reporter="PAK").value_usd == 197e6
    assert trade_baseline("PAK", "KAZ", reporter="kaz statistics").year == 2023
    assert trade_baseline("PAK", "KAZ", reporter="KAZ").reporter == "KAZ MFA"
    afg = trade_baseline("AFG", "PAK", reporter="PAK SBP")
    assert (afg.year, afg.period, afg.value_usd) == (2024, "fiscal_year", 555.9e6)
    assert trade_baseline("PAK", "AFG", reporter="PAK SBP", year=2019).value_usd == 1363e6
    # a tie in year and confidence goes to the first row: EAD before the minister
    assert trade_baseline("PAK", "KGZ", year=2023).reporter == "PAK EAD"


def test_baseline_errors_list_what_is_available():
    with pytest.raises(InvalidOptionError, match="reporters: KAZ MFA"):
        trade_baseline("PAK", "KAZ", reporter="CHN")
    with pytest.raises(InvalidOptionError, match="years: 2021, 2022, 2023, 2024"):
        trade_baseline("PAK", "KAZ", year=2025)  # only a Q1 figure exists for 2025
    with pytest.raises(InvalidOptionError, match="pairs with one: .*AFG–PAK"):
        trade_baseline("PAK", "IND")
    with pytest.raises(InvalidOptionError, match="alpha-3"):
        trade_baseline("Pakistan", "KAZ")


HEADER = ",".join(BASELINE_COLUMNS)


def _write(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "trade.csv"
    path.write_text("\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


def test_user_csv_replaces_the_bundled_one(tmp_path):
    path = _write(
        tmp_path,
        "AAA,BBB,2020,year,100,AAA stats,total,s1,Title one,,H,",
        "BBB,AAA,2021,year,300,BBB stats,total,s2,Title two,https://x.example,M,",
        "AAA,BBB,2021,year,200,AAA stats,total,s1,Title one,,H,",
        "AAA,BBB,2022,h1,999,AAA stats,total,s1,Title one,,H,half year: never picked",
    )
    base = trade_baseline("BBB", "AAA", path=path)
    assert (base.year, base.reporter, base.value_usd, base.row) == (2021, "AAA stats", 200, 4)
    assert [(o.reporter, o.value_usd) for o in base.others] == [("BBB stats", 300)]
    assert trade_baseline("AAA", "BBB", reporter="BBB", path=path).url == "https://x.example"
    assert trade_baseline("AAA", "BBB", year=2020, path=path).value_usd == 100


def test_broken_csv_reports_every_problem(tmp_path):
    path = _write(
        tmp_path,
        "PAK,KAZ,2023,year,52500000,KAZ statistics,total,s1,T,,H,",     # row 2: fine
        "Pak,KAZ,2023,year,1,KAZ statistics,total,s1,T,,H,",            # 3: country_a
        "PAK,PAK,2023,year,1,X,total,s1,T,,H,",                         # 4: same country
        "PAK,KAZ,twenty,year,1,X,total,s1,T,,H,",                       # 5: year
        "PAK,KAZ,2023,year,-5,X,total,s1,T,,H,",                        # 6: value
        "PAK,KAZ,2023,annual,1,X,total,s1,T,,H,",                       # 7: period
        "PAK,KAZ,2023,year,1,X,both,s1,T,,H,",                          # 8: flow
        "PAK,KAZ,2023,year,1,,total,s1,T,,H,",                          # 9: reporter
        "PAK,KAZ,2023,year,1,X,total,S 1,T,,sure,",                     # 10: source, conf.
        "KAZ,PAK,2023,year,9,KAZ statistics,total,s1,T,,H,",            # 11: duplicate of 2
        "PAK,KAZ,2023,year,1,Y,total,s1,T,,H,,extra",                   # 12: extra cell
    )
    with pytest.raises(NetworkValidationError) as error:
        load_trade_baselines(path)
    found = {(p.row, p.column) for p in error.value.problems}
    assert found == {
        (3, "country_a"), (4, "country_b"), (5, "year"), (6, "value_usd"), (7, "period"),
        (8, "flow"), (9, "reporter"), (10, "source_id"), (10, "confidence"), (11, None),
        (12, None),
    }
    message = str(error.value)
    assert "11 problem(s)" in message and "row 11" in message and "row 2" in message


def test_csv_header_problems(tmp_path):
    header = HEADER.replace(",reporter", "") + ",comment"
    with pytest.raises(NetworkValidationError) as error:
        load_trade_baselines(_write(tmp_path, header=header))
    found = {(p.row, p.column, p.message.split(";")[0]) for p in error.value.problems}
    assert (1, "reporter", "column is missing from the header") in found
    assert (1, "comment", "unknown column") in found
    with pytest.raises(NetworkValidationError, match="file is missing"):
        load_trade_baselines(tmp_path / "nope.csv")
    with pytest.raises(NetworkValidationError, match="has no rows"):
        load_trade_baselines(_write(tmp_path))
