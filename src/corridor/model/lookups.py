"""Lookups the model layer needs from the layers above it, registered by them.

Applying a scenario whose modification names a corridor ("the crossings of the best route
from Karachi to Almaty") needs a route search, which lives above the model. The search
registers itself here when :mod:`corridor.routing.plan` is imported (which ``import
corridor`` does), so the model never imports it; a caller may also pass its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["RouteLookup", "register_route_lookup", "registered_route_lookup"]

RouteLookup = Callable[[Any, Any], Sequence[str]]
"""``lookup(selector, network)``: the crossing ids of the best route a scenario's
:class:`~corridor.model.scenario.RouteSelector` names on the network (raises
:class:`corridor.exceptions.CorridorError` when there is none)."""

_ROUTE_LOOKUP: list[RouteLookup] = []


def register_route_lookup(lookup: RouteLookup) -> None:
    """Make ``lookup`` the route lookup scenarios use by default."""
    _ROUTE_LOOKUP[:] = [lookup]


def registered_route_lookup() -> RouteLookup | None:
    """The route lookup registered last, or None."""
    return _ROUTE_LOOKUP[0] if _ROUTE_LOOKUP else None
