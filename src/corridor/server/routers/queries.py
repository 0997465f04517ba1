"""Routes and analyses: every endpoint calls the public function the command line calls.

The endpoints are plain ``def`` functions, so FastAPI runs them in its threadpool and the
event loop stays free while a search or a Monte Carlo run is working.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

import corridor
from corridor.exceptions import InvalidOptionError
from corridor.routing.plan import cargo_for_modes
from corridor.server.config import ServerState, get_state
from corridor.server.models import (
    AlternativesResponse,
    CalendarRequest,
    CalendarResponse,
    CompareRequest,
    CompareResponse,
    CriticalRequest,
    CriticalResponse,
    ErrorResponse,
    PlaceOut,
    RouteRequest,
    RouteResponse,
)
from corridor.server.routers.scenarios import resolve_scenario

router = APIRouter(tags=["queries"])

State = Annotated[ServerState, Depends(get_state)]

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "An unknown place or scenario (with the "
                                                 "closest names in `suggestions`)."},
    422: {"model": ErrorResponse, "description": "A bad option, an invalid scenario, a limit "
                                                 "exceeded, or no route (`no_route`)."},
}


def _at_most(value: int, limit: int, what: str, setting: str) -> None:
    if value > limit:
        raise InvalidOptionError(f"{what} {value:,} is above this server's limit of "
                                 f"{limit:,} ({setting})")


@router.get("/places", response_model=list[PlaceOut], summary="Search places (autocomplete)")
def places(
    state: State,
    q: Annotated[str, Query(min_length=1, max_length=100,
                            description="A name, alias, transliteration or prefix.",
                            examples=["alma-ata"])],
    limit: Annotated[int, Query(ge=1, description="Most hits (at most `max_places`).")] = 10,
) -> list[dict[str, Any]]:
    """Network places, crossings and gazetteer cities matching `q`: exact matches first,
    then prefixes, then fuzzy matches. An empty list when nothing matches."""
    _at_most(limit, state.limits.max_places, "limit", "max_places")
    out = []
    for m in corridor.find_places(q, state.network, limit=limit):
        where = m.place or m.city or (state.network.places[m.crossing.place_a]
                                      if m.crossing else None)
        out.append({"kind": m.kind, "id": m.id, "name": m.name, "country": m.country,
                    "detail": m.detail, "matched": m.matched, "score": round(m.score, 1),
                    "lat": where.lat if where else None, "lon": where.lon if where else None})
    return out


@router.post("/route", response_model=RouteResponse | AlternativesResponse,
             summary="Plan a route (or its alternatives)", responses=ERRORS)
def route(body: RouteRequest, state: State) -> dict[str, Any]:
    """The best itinerary as the route JSON contract (`corridor route --json`), or with
    `alternatives: true` the Pareto-optimal options, one per corridor, fastest first, as
    `{"alternatives": [route, ...]}` (`optimize` is then not used)."""
    limits = state.limits
    _at_most(body.draws, limits.max_draws, "draws", "max_draws")
    options = dict(depart=body.depart, cargo=body.cargo, via=body.via, avoid=body.avoid,
                   modes=body.modes, risk_aversion=body.risk_aversion, network=state.network,
                   draws=body.draws, seed=body.seed)
    if body.alternatives:
        from corridor.routing.plan import parse_deadline

        _at_most(body.max_labels, limits.max_labels, "max_labels", "max_labels")
        routes = corridor.alternatives(body.origin, body.destination,
                                       deadline=parse_deadline(body.deadline),
                                       max_labels=body.max_labels, **options)
        return {"alternatives": [r.to_dict() for r in routes]}
    return corridor.plan_route(body.origin, body.destination, optimize=body.optimize,
                               deadline=body.deadline, **options).to_dict()


@router.post("/calendar", response_model=CalendarResponse, responses=ERRORS,
             summary="The best route through a year")
def calendar(body: CalendarRequest, state: State) -> dict[str, Any]:
    """The best itinerary for departures on the 1st and 15th of each month (`month`) or
    every Monday (`week`), with P50/P90 time and cost (`corridor calendar --json`)."""
    _at_most(body.draws, state.limits.max_draws, "draws", "max_draws")
    cargo = body.cargo or cargo_for_modes(state.network, body.modes)[0]
    result = corridor.calendar(body.origin, body.destination, year=body.year, step=body.step,
                               cargo=cargo, optimize=body.optimize, via=body.via,
                               avoid=body.avoid, modes=body.modes, network=state.network,
                               draws=body.draws, seed=body.seed)
    return {"origin": body.origin, "destination": body.destination, "cargo": cargo,
            "objective": body.optimize, "year": body.year, "step": body.step,
            "departures": [e.to_dict() for e in result.entries]}


@router.post("/compare", response_model=CompareResponse, responses=ERRORS,
             summary="Baseline against scenarios, with trade impact")
def compare(body: CompareRequest, state: State) -> dict[str, Any]:
    """The route on today's network and under each scenario (and all of them together
    with `combined`): corridor, P50/P90, cost, risk, what changed, and the trade impact
    when the pair spans two countries (`corridor compare --json`).

    Scenarios are named (the library, then saved scenarios) or given inline."""
    limits = state.limits
    _at_most(len(body.scenarios), limits.max_scenarios, "the number of scenarios",
             "max_scenarios")
    _at_most(body.draws, limits.max_draws, "draws", "max_draws")
    scenarios = [resolve_scenario(state, item, index)
                 for index, item in enumerate(body.scenarios)]
    result = corridor.compare(body.origin, body.destination, scenarios, depart=body.depart,
                              cargo=body.cargo or "truck", optimize=body.optimize,
                              combined=body.combined, network=state.network,
                              draws=body.draws, seed=body.seed)
    return result.to_dict()


@router.post("/critical", response_model=CriticalResponse, responses=ERRORS,
             summary="Crossings and links that matter most")
def critical(body: CriticalRequest, state: State) -> dict[str, Any]:
    """Close every crossing and link the pairs' baseline routes use, one at a time, and
    rank them by the trade-weighted increase per shipment; closures that leave a pair
    with no route rank first (`corridor critical --json`). Without `pairs`, the bundled
    Pakistan–Central Asia pairs weighted by trade."""
    pairs = None
    if body.pairs is not None:
        _at_most(len(body.pairs), state.limits.max_pairs, "the number of pairs",
                 "max_pairs")
        pairs = [(p.origin, p.destination, p.weight) for p in body.pairs]
    result = corridor.criticality(pairs, depart=body.depart, cargo=body.cargo,
                                  optimize=body.optimize, network=state.network,
                                  top=body.top, kinds=tuple(body.kinds))
    return result.to_dict()


@router.get("/network.geojson", summary="The network as GeoJSON",
            response_class=JSONResponse,
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "A FeatureCollection: places as points, links "
                                            "and crossings as lines."}})
def network_geojson(state: State) -> JSONResponse:
    """Places as points, links (through their shape points) and border crossings as
    lines, with their mode, status and calendar (for drawing the network on a map)."""
    collection = state.cache.get("network.geojson")
    if collection is None:
        from corridor.server.geojson import network_geojson as build

        collection = state.cache["network.geojson"] = build(state.network)
    return JSONResponse(collection, media_type="application/geo+json")
