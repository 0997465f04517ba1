"""``plan_route``: the best itinerary for a shipment that leaves on a given date (the
request is :mod:`corridor.routing.request`, the weights :mod:`corridor.routing.weights`,
the no-route explanation :mod:`corridor.routing.explain`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import replace

from corridor.exceptions import NoRouteError
from corridor.limits import check_draws, check_seed
from corridor.model.lookups import register_route_lookup
from corridor.model.network import Network
from corridor.model.result import Route
from corridor.routing.explain import explain_no_route
from corridor.routing.request import (
    Access,
    Request,
    cargo_for_modes,
    check_choice,
    parse_deadline,
    prepare,
    via_of,
)
from corridor.routing.search import Found, search
from corridor.routing.weights import edge_mask, objective_arrays, origin_table, target_table

__all__ = ["OBJECTIVES", "cargo_for_modes", "plan_route"]

OBJECTIVES: tuple[str, ...] = ("time", "cost", "distance", "generalized", "risk", "p90",
                               "reliable")
"""What a route can be optimised for. ``risk`` minimises risk exposure (hours × country risk);
``p90`` (alias ``reliable``) picks, among the alternatives, the itinerary with the best 90th
percentile of door-to-door time in a Monte Carlo run."""

SEARCH_OBJECTIVES: tuple[str, ...] = ("time", "cost", "distance", "generalized", "risk",
                                      "time_p90")
"""Objectives of the single search; ``time_p90`` (internal) counts crossings at their P90
dwell, a proxy that feeds the ``p90`` objective a reliable candidate."""


def run_search(req: Request) -> tuple[Found | None, dict]:
    """One search for ``req``: the path found (None: no route) and the access legs at its
    ends, ``{"origin": {node: Access}, "destination": {...}}``."""
    cn = req.cn
    key, wait = objective_arrays(req)
    ok = edge_mask(req)
    origins, from_access = origin_table(req)
    targets, to_access = target_table(req)
    access: dict[str, dict[int, Access]] = {"origin": from_access, "destination": to_access}
    vias = tuple(via_of(v, req) for v in req.vias)
    next_open = cn.next_open_table(req.depart) if req.use_calendars else None
    found = search(cn, origins=origins, targets=targets, edge_ok=ok, edge_key=key,
                   node_wait_rate=wait, next_open=next_open, vias=vias)
    return found, access


def plan_route(
    origin: str,
    destination: str,
    *,
    depart: dt.date | dt.datetime | str | None = None,
    cargo: str | None = None,
    optimize: str = "generalized",
    via: Sequence[str] = (),
    avoid: Sequence[str] = (),
    modes: Sequence[str] | None = None,
    risk_aversion: float = 1.0,
    network: Network | None = None,
    draws: int = 10_000,
    seed: int | None = 0,
    deadline: dt.date | dt.datetime | str | None = None,
) -> Route:
    """The best itinerary from ``origin`` to ``destination`` leaving at ``depart``.

    Calendars (seasonal passes, weekend closures, flight days) are evaluated at the moment
    each leg is reached; waiting for an opening is allowed and costed.

    Parameters
    ----------
    origin, destination
        Place names, aliases or ids (``"Alma-Ata"``, ``"karachi"``), or any city of the
        region's gazetteer, joined to the network by an estimated access leg.
    depart
        Departure date or datetime (a bare date leaves at 08:00); default today.
    cargo
        ``truck`` (a 20 t truckload), ``teu``, ``feu``, ``bulk`` (per tonne) or
        ``passenger``; modes the cargo may not use are excluded. Default: ``truck``, or
        with ``modes`` a truck cannot use, the cargo those modes carry (``teu`` for rail
        and sea, ``passenger`` for air), which the answer's warnings name.
    optimize
        ``time``, ``cost`` (USD), ``distance`` or ``generalized`` (money + value of time ×
        hours + risk premium; value of time from the cargo's value).
    via
        Places or crossings to pass, in order (``["Khunjerab"]``).
    avoid
        Countries (ISO alpha-3 or name), places or crossings to keep out of the route.
    modes
        Restrict the modes used (a subset of the cargo's modes).
    risk_aversion
        Weight of the risk premium in generalized cost: each hour in a country costs
        ``value of time × (1 + risk_aversion × risk)``, risk being the country's Global Peace
        Index rank / 163.
    network
        A network from :func:`corridor.load_network`; default the bundled one.
    draws, seed
        Monte Carlo draws for ``route.reliability`` (P10/P50/P90 door-to-door time; 0 to
        skip) and the seed that makes them reproducible.
    deadline
        Date or datetime by which the cargo should arrive: ``route.reliability`` then
        carries the probability of making it.

    Returns
    -------
    Route

    Raises
    ------
    UnknownPlaceError, InvalidOptionError, NoRouteError

    Examples
    --------
    >>> route = plan_route("Islamabad", "Kashgar", depart="2026-07-15", optimize="time")
    >>> "khunjerab" in route.crossings
    True
    >>> route.countries
    ('PAK', 'CHN')
    """
    check_draws(draws)
    check_seed(seed)
    objective = optimize if optimize == "time_p90" else check_choice(optimize, OBJECTIVES,
                                                                 "objective")
    due = parse_deadline(deadline)
    if objective in ("p90", "reliable"):
        from corridor.routing.pareto import alternatives

        n = draws if draws > 0 else 1000  # p90 needs draws: 1,000 when none are asked
        options = alternatives(origin, destination, depart=depart, cargo=cargo, via=via,
                               avoid=avoid, modes=modes, risk_aversion=risk_aversion,
                               network=network, draws=n, seed=seed, deadline=due)
        # The itinerary that is fastest with every crossing at its P90 dwell may be
        # dominated on median time, money and risk, yet be the most reliable: add it.
        steady = plan_route(origin, destination, depart=depart, cargo=cargo,
                            optimize="time_p90", via=via, avoid=avoid, modes=modes,
                            risk_aversion=risk_aversion, network=network, draws=n, seed=seed,
                            deadline=due)
        best = min([*options, steady],
                   key=lambda r: r.reliability.p90_h if r.reliability else math.inf)
        return replace(best, objective="p90", best_for=())
    req = prepare(origin, destination, depart=depart, cargo=cargo, objective=objective,
                   via=via, avoid=avoid, modes=modes, risk_aversion=risk_aversion,
                   network=network)
    found, access = run_search(req)
    if found is None:
        raise NoRouteError(explain_no_route(req, run_search))
    from corridor.routing.itinerary import build_route

    route = build_route(req, found, access, run_search)
    if draws > 0:
        from corridor.routing.reliability import simulate

        route = replace(route, reliability=simulate(route, network=req.network, draws=draws,
                                                    seed=seed, deadline=due))
    return route


def _route_crossings(selector, network: Network) -> tuple[str, ...]:
    """The crossings of the best route a scenario's corridor selector names (the route
    lookup :func:`corridor.model.patch.apply_scenarios` uses)."""
    route = plan_route(selector.origin, selector.destination, depart=selector.depart,
                       via=selector.via, cargo=selector.cargo, network=network, draws=0)
    return route.crossings


register_route_lookup(_route_crossings)
