"""Baseline against scenarios: what a policy change does to a route."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.deadline import check as check_deadline

if TYPE_CHECKING:
    from corridor.analysis.trade import Baseline, TradeImpact
    from corridor.model.network import Network
    from corridor.model.result import Route
    from corridor.model.scenario import Scenario

__all__ = ["Case", "Comparison", "compare", "compare_pairs", "read_pairs"]


@dataclass(frozen=True)
class Case:
    """One column of a comparison: the baseline, or the network under some scenarios."""

    name: str  # "baseline" or the scenario names joined by " + "
    title: str
    route: Route | None  # None when no route exists under the scenario
    no_route: str = ""  # why, when route is None
    changes: tuple[str, ...] = ()  # what changed against the baseline, in words
    trade: TradeImpact | None = None  # effect on the two countries' trade (PE gravity)

    def to_dict(self) -> dict[str, Any]:
        r = self.route
        return {
            "name": self.name,
            "title": self.title,
            "no_route": self.no_route or None,
            "changes": list(self.changes),
            "corridor": r.corridor if r else None,
            "duration_h": round(r.summary.duration_h, 2) if r else None,
            "p50_h": round(r.reliability.p50_h, 2) if r and r.reliability else None,
            "p90_h": round(r.reliability.p90_h, 2) if r and r.reliability else None,
            "cost_usd": round(r.summary.cost_usd, 2) if r else None,
            "risk": round(r.summary.risk, 3) if r else None,
            "co2e_kg": round(r.summary.co2e_kg, 1) if r else None,
            "trade_impact": self.trade.to_dict() if self.trade else None,
            "route": r.to_dict() if r else None,
        }


@dataclass(frozen=True)
class Comparison:
    """Baseline and scenario cases for one origin–destination pair."""

    origin: str
    destination: str
    depart: dt.datetime
    cargo: str
    objective: str
    cases: tuple[Case, ...]
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def baseline(self) -> Case:
        return self.cases[0]

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "destination": self.destination,
                "depart": self.depart.isoformat(timespec="minutes"), "cargo": self.cargo,
                "objective": self.objective, "cases": [c.to_dict() for c in self.cases],
                **self.extras}


def _changes(base: Route | None, new: Route | None) -> tuple[str, ...]:
    if base is None or new is None:
        return ()
    out = []
    if base.corridor != new.corridor:
        out.append(f"corridor: {base.corridor} → {new.corridor}")
    b, n = base.summary, new.summary
    days = (n.duration_h - b.duration_h) / 24
    if abs(days) >= 0.05:
        out.append(f"time {days:+.1f} days")
    if base.reliability and new.reliability:
        p90 = (new.reliability.p90_h - base.reliability.p90_h) / 24
        if abs(p90) >= 0.05:
            out.append(f"P90 {p90:+.1f} days")
    if abs(n.cost_usd - b.cost_usd) >= 1:
        out.append(f"cost {n.cost_usd - b.cost_usd:+,.0f} USD")
    if abs(n.wait_time_h - b.wait_time_h) >= 1:
        out.append(f"waiting {(n.wait_time_h - b.wait_time_h) / 24:+.1f} days")
    if abs(n.risk - b.risk) >= 0.005:
        out.append(f"risk {n.risk - b.risk:+.2f}")
    return tuple(out) or ("no change",)


def compare(
    origin: str,
    destination: str,
    scenarios: Sequence[str | Scenario],
    *,
    depart: dt.date | dt.datetime | str | None = None,
    cargo: str | None = None,
    optimize: str = "generalized",
    combined: bool = False,
    modes: Sequence[str] | None = None,
    network: Network | None = None,
    draws: int = 10_000,
    seed: int | None = 0,
) -> Comparison:
    """The route for the baseline and for each scenario (or all of them combined).

    Parameters
    ----------
    origin, destination, depart, cargo, optimize, modes, network, draws, seed
        As for :func:`corridor.plan_route` (``cargo``: a truck unless ``modes`` asks for
        modes a truck cannot use). ``modes`` shows what a scenario changes for one way of
        moving the cargo: a new railway for containers that go by rail only, say.
    scenarios
        Library names, file paths, or :class:`~corridor.model.scenario.Scenario` objects.
    combined
        Also add one case with every scenario applied together, in order.

    Examples
    --------
    >>> result = compare("Islamabad", "Kashgar", ["khunjerab-year-round"],
    ...                  depart="2026-01-15", optimize="time", draws=0)
    >>> [c.name for c in result.cases]
    ['baseline', 'khunjerab-year-round']
    >>> "khunjerab" in result.cases[1].route.crossings
    True
    >>> by_rail = compare("Karachi", "Tashkent", ["trans-afghan-railway"], modes=["rail"],
    ...                   depart="2026-07-15", draws=0)
    >>> by_rail.cargo, by_rail.cases[1].route.crossings
    ('teu', ('kharlachi_rail', 'hairatan_rail'))
    """
    from corridor.exceptions import NoRouteError
    from corridor.io.folder import load_network
    from corridor.model.patch import apply_scenarios
    from corridor.routing.plan import plan_route
    from corridor.routing.request import parse_depart

    base_net = network if network is not None else load_network()
    loaded = _load_all(scenarios, base_net)
    when = parse_depart(depart)
    options = dict(depart=when, cargo=cargo, optimize=optimize, modes=modes, draws=draws,
                   seed=seed)

    def run(net: Network, name: str, title: str, base: Route | None) -> Case:
        try:
            route = plan_route(origin, destination, network=net, **options)
        except NoRouteError as error:
            return Case(name, title, None, str(error))
        return Case(name, title, route, changes=_changes(base, route) if base else ())

    baseline = run(base_net, "baseline", "today's network", None)
    cases = [baseline]
    groups = [[s] for s in loaded]
    if combined and len(loaded) > 1:
        groups.append(list(loaded))
    trade_base = _trade_baseline(baseline.route)
    for group in groups:
        check_deadline()  # stop between cases when the caller's time is up
        net = apply_scenarios(base_net, group)
        case = run(net, " + ".join(s.name for s in group),
                   " + ".join(s.title for s in group), baseline.route)
        impact = _impact(baseline.route, case.route, base_net, cargo, trade_base)
        cases.append(replace(case, trade=impact))
    extras: dict[str, Any] = {}
    if modes:
        extras["modes"] = sorted(modes)
    if trade_base is not None:
        extras["trade_baseline"] = {"usd": trade_base.value_usd, "year": trade_base.year,
                                    "reporter": trade_base.reporter,
                                    "source": trade_base.source_id,
                                    "describe": trade_base.describe(),
                                    "notes": trade_base.notes}
    if not cargo:
        from corridor.routing.request import cargo_for_modes

        cargo = (baseline.route.cargo if baseline.route is not None
                 else cargo_for_modes(base_net, modes)[0])
    return Comparison(origin, destination, when, cargo, optimize, tuple(cases), extras)


OVERLAND_SHARE: dict[str, tuple[float, str]] = {
    "CHN": (0.02, "globaltimes_kkh_2017"),
}
"""Share of Pakistan's trade with a country that moves overland (through this network), by
country, with its source. Only that share of the bilateral total can respond to a change in
the overland route: the KKH carried about 2 % of China–Pakistan trade (Global Times, 2017;
low confidence). For Iran there is no figure, so no dollar change is given."""

SEA_DOMINATED: frozenset[str] = frozenset({"CHN", "IRN"})
"""Partners whose trade with Pakistan moves mainly by sea, outside this network."""


def _load_all(scenarios: Sequence[str | Scenario], network: Network) -> list[Scenario]:
    """Load and check every scenario against the network; raise one error listing the
    problems of all of them (schema and references alike)."""
    from corridor.exceptions import Problem, ScenarioError
    from corridor.io.scenarios import load_scenario
    from corridor.model.patch import apply_scenarios

    loaded: list[Scenario] = []
    problems: list[Problem] = []
    for item in scenarios:
        try:
            scenario = item if not isinstance(item, str) else load_scenario(item)
            apply_scenarios(network, [scenario])
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        loaded.append(scenario)
    if problems:
        raise ScenarioError(problems, folder="the scenarios")
    return loaded


def _trade_baseline(route: Route | None) -> Baseline | None:
    """The trade that can respond to the route: the bilateral total of the two countries,
    or for sea-dominated partners only the overland share (or nothing when it is unknown)."""
    if route is None or route.origin.country == route.destination.country:
        return None
    from corridor.exceptions import CorridorError
    from corridor.io.trade_baselines import trade_baseline

    a, b = route.origin.country, route.destination.country
    try:
        baseline = trade_baseline(a, b)
    except CorridorError:
        return None
    partner = ({a, b} & SEA_DOMINATED)
    if not partner:
        return baseline
    share = OVERLAND_SHARE.get(next(iter(partner)))
    if share is None:
        return None
    fraction, source = share
    return replace(baseline, value_usd=baseline.value_usd * fraction,
                   flow="overland share of the total",
                   notes=f"{fraction:.0%} of {baseline.describe()} (overland share, {source})")


def _impact(base: Route | None, new: Route | None, network: Network, cargo: str | None,
            baseline: Baseline | None) -> TradeImpact | None:
    """Trade effect of the change in door-to-door days and money for one shipment."""
    if base is None or new is None or base.origin.country == base.destination.country:
        return None
    value = network.cargo[cargo or base.cargo].value_usd
    if not value:
        return None
    from corridor.analysis.trade import trade_impact

    def days(r: Route) -> float:
        return (r.reliability.p50_h if r.reliability else r.summary.duration_h) / 24.0

    return trade_impact(days(new) - days(base), new.summary.cost_usd - base.summary.cost_usd,
                        shipment_value_usd=value, transport_cost_usd=base.summary.cost_usd,
                        baseline_usd=baseline)


def read_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    """Origin–destination pairs with weights from a CSV (``origin,destination,weight``);
    see :func:`corridor.io.pairs.load_pairs`, which reads it."""
    from corridor.io.pairs import load_pairs

    return [(p.origin, p.destination, p.weight) for p in load_pairs(path)]


def compare_pairs(
    pairs: Sequence[tuple[str, str, float]],
    scenarios: Sequence[str | Scenario],
    **options: Any,
) -> tuple[list[tuple[float, Comparison]], dict[str, dict[str, float]]]:
    """:func:`compare` for many weighted pairs, with weighted mean changes per scenario.

    Returns the (weight, comparison) list and, per case name, the weighted mean change in
    median days (``delta_days``), cost (``delta_cost_usd``) and trade (``trade_pct``) over
    the pairs where both the baseline and the case have a route.
    """
    results = [(w, compare(o, d, scenarios, **options)) for o, d, w in pairs]
    summary: dict[str, dict[str, float]] = {}
    for weight, comparison in results:
        base = comparison.baseline.route
        for case in comparison.cases[1:]:
            if base is None or case.route is None:
                continue
            acc = summary.setdefault(case.name, {"weight": 0.0, "delta_days": 0.0,
                                                 "delta_cost_usd": 0.0, "trade_pct": 0.0,
                                                 "trade_weight": 0.0})

            def p50(r: Route) -> float:
                return (r.reliability.p50_h if r.reliability else r.summary.duration_h) / 24

            acc["weight"] += weight
            acc["delta_days"] += weight * (p50(case.route) - p50(base))
            acc["delta_cost_usd"] += weight * (case.route.summary.cost_usd
                                               - base.summary.cost_usd)
            if case.trade is not None:  # pairs without a trade estimate do not dilute it
                acc["trade_pct"] += weight * case.trade.pct_change_central
                acc["trade_weight"] += weight
    for acc in summary.values():
        total = acc["weight"] or 1.0
        for key in ("delta_days", "delta_cost_usd"):
            acc[key] /= total
        acc["trade_pct"] /= acc.pop("trade_weight") or 1.0
    return results, summary
