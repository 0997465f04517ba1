"""corridor: plan, compare and stress-test freight routes between Pakistan and Central Asia.

The public API is small; everything else lives in private or sub-modules.

>>> import corridor
>>> route = corridor.plan_route("Karachi", "Almaty", depart="2026-07-15")
>>> route.summary.border_crossings > 0
True
"""

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
from corridor.routing.plan import OBJECTIVES, plan_route
from corridor.routing.result import Endpoint, Leg, Route, RouteSummary

__version__ = "0.1.0"

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
    "bundled_network_path",
    "find_places",
    "load_network",
    "plan_route",
    "validate_network",
]
