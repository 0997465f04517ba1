"""corridor: plan, compare and stress-test freight routes between Pakistan and Central Asia.

The public API is small; everything else lives in private or sub-modules.

>>> import corridor
>>> route = corridor.plan_route("Karachi", "Almaty", depart="2026-07-15")
>>> route.summary.border_crossings > 0
True
"""

from corridor._version import __version__
from corridor.exceptions import (
    CorridorError,
    InvalidOptionError,
    NetworkValidationError,
    NoRouteError,
    Problem,
    ScenarioError,
    UnknownPlaceError,
)
from corridor.io.folder import bundled_network_path, load_network, validate_network
from corridor.io.gazetteer import Match, find_places
from corridor.model.network import Network
from corridor.model.result import Endpoint, Leg, Route, RouteSummary
from corridor.routing.plan import OBJECTIVES, plan_route

# Analyses load on first use (PEP 562), so that `import corridor` stays light.
_LAZY = {
    "alternatives": "corridor.routing.pareto",
    "simulate": "corridor.routing.reliability",
    "calendar": "corridor.analysis.seasons",
    "compare": "corridor.analysis.compare",
    "criticality": "corridor.analysis.criticality",
    "report": "corridor.reports",
    "trade_impact": "corridor.analysis.trade",
    "trade_baseline": "corridor.analysis.trade",
    "load_scenario": "corridor.io.scenarios",
    "list_scenarios": "corridor.io.scenarios",
    "apply_scenarios": "corridor.model.patch",
    "od_matrix": "corridor.analysis.matrix",
}


def __dir__() -> list[str]:
    """The public names, the lazy ones included (what ``dir(corridor)`` and tab completion
    show)."""
    return sorted(__all__)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'corridor' has no attribute {name!r}")

__all__ = [
    "OBJECTIVES",
    "CorridorError",
    "Endpoint",
    "InvalidOptionError",
    "Leg",
    "Match",
    "Network",
    "NetworkValidationError",
    "NoRouteError",
    "Problem",
    "Route",
    "RouteSummary",
    "ScenarioError",
    "UnknownPlaceError",
    "__version__",
    "alternatives",
    "apply_scenarios",
    "bundled_network_path",
    "calendar",
    "compare",
    "criticality",
    "find_places",
    "list_scenarios",
    "load_network",
    "load_scenario",
    "od_matrix",
    "plan_route",
    "report",
    "simulate",
    "trade_baseline",
    "trade_impact",
    "validate_network",
]
