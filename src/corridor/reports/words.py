"""How the report writes numbers and names: days, dollars, signed changes, cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.analysis.compare import Case
    from corridor.io.trade_baselines import Baseline
    from corridor.model.network import Network
    from corridor.model.result import Route




def days(hours: float) -> str:
    """Hours as days with one decimal, the unit of the report's tables (``6.0``)."""
    return f"{hours / 24:.1f}"


def usd(value: float) -> str:
    return f"{value:,.0f}"


def signed(value: float, digits: int = 1) -> str:
    return f"{round(value, digits) + 0.0:+,.{digits}f}"


def musd(value: float) -> str:
    return f"{round(value / 1e6, 1) + 0.0:,.1f}"


def money(value: float) -> str:
    """A trade figure in words: ``USD 53.7 m``, ``USD 16.2 bn``."""
    if abs(value) >= 1e9:
        return f"USD {value / 1e9:,.1f} bn"
    return f"USD {musd(value)} m"


def period(base: Baseline) -> str:
    if base.period == "fiscal_year":
        return f"FY{base.year - 1}-{base.year % 100:02d}"
    return str(base.year) if base.period == "year" else f"{base.year} ({base.period})"


def p50(route: Route) -> float:
    return route.reliability.p50_h if route.reliability else route.summary.duration_h


def p90(route: Route) -> float:
    return route.reliability.p90_h if route.reliability else route.summary.duration_h


OBJECTIVE_WORDS = {
    "generalized": "generalized cost (money plus the value of time, weighted by risk)",
    "time": "earliest arrival",
    "cost": "money paid",
    "distance": "shortest distance",
    "risk": "least risk exposure",
    "p90": "the lowest P90 door-to-door time",
    "reliable": "the lowest P90 door-to-door time",
}


def objective_words(objective: str) -> str:
    return OBJECTIVE_WORDS.get(objective, objective)


def cargo_words(network: Network, cargo: str) -> str:
    profile = network.cargo.get(cargo)
    if profile is None:
        return cargo
    name = profile.name[:1].lower() + profile.name[1:]
    return name if profile.unit == "tonne" else f"a {name}"


def case_label(case: Case) -> str:
    return "Today's network" if case.name == "baseline" else f"{case.title} ({case.name})"
