"""Route results live in :mod:`corridor.model.result` (the model layer, where io may use
them too); this module keeps their old import path."""

from corridor.model.result import Endpoint, Leg, LegSpread, Reliability, Route, RouteSummary

__all__ = ["Endpoint", "Leg", "LegSpread", "Reliability", "Route", "RouteSummary"]
