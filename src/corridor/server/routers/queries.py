"""Routes and analyses: every endpoint calls the public function the command line calls.

The endpoints are plain ``def`` functions, so FastAPI runs them in its threadpool and the
event loop stays free while a search or a Monte Carlo run is working. Heavy requests
(calendars, compares, criticality, alternatives) also take one of ``Limits.heavy_slots``
(503 with ``Retry-After`` when none is free), stop after ``Limits.deadline_s`` and stop
when their client goes away, so that ``/health`` and cheap routes keep answering.
"""

import datetime as dt
import threading
from collections.abc import Callable
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

import corridor
from corridor import deadline
from corridor.exceptions import InvalidOptionError
from corridor.routing.request import cargo_for_modes
from corridor.server.config import ServerState, get_state
from corridor.server.errors import ApiError
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


async def _heavy(request: Request, state: ServerState, work: Callable[[], Any]) -> Any:
    """Run ``work`` in a worker thread, in one of the server's heavy slots, within its
    deadline, and stop it when the client goes away."""
    gate = state.heavy
    if gate is not None and not gate.acquire(blocking=False):
        raise ApiError(503, "busy", f"the server is running {state.limits.heavy_slots} heavy "
                                    "requests already; try again in a few seconds",
                       headers={"Retry-After": "5"})
    cancel = threading.Event()

    def bounded() -> Any:
        with deadline.limit(state.limits.deadline_s, cancel):
            return work()

    async def watch() -> None:
        while not cancel.is_set():
            if await request.is_disconnected():
                cancel.set()
                return
            await anyio.sleep(0.25)

    outcome: dict[str, Any] = {}

    async def work_in_thread() -> None:
        try:
            outcome["value"] = await anyio.to_thread.run_sync(bounded)
        except Exception as error:  # raised below, outside the task group, as it is
            outcome["error"] = error
        finally:
            cancel.set()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            await work_in_thread()
            group.cancel_scope.cancel()
    finally:
        if gate is not None:
            gate.release()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _answer_key(body: RouteRequest, state: ServerState) -> str:
    """A route request normalised, with what else its answer depends on: the network
    served, and today's date when the request leaves the departure to the server."""
    request = body.model_dump(mode="json")
    today = dt.date.today().isoformat() if body.depart is None else ""
    return orjson.dumps([state.network.content_hash, today, request],
                        option=orjson.OPT_SORT_KEYS).decode()


def _cached_answer(state: ServerState, key: str) -> bytes | None:
    if not state.limits.route_cache:
        return None
    with state.answers_lock:
        answer = state.answers.get(key)
        if answer is not None:
            state.answers.move_to_end(key)
        return answer


def _keep_answer(state: ServerState, key: str, answer: bytes) -> None:
    if not state.limits.route_cache:
        return
    with state.answers_lock:
        state.answers[key] = answer
        while len(state.answers) > state.limits.route_cache:
            state.answers.popitem(last=False)


def _selectors(item: Any) -> int:
    """How many names an inline scenario selects (crossings, links, places, countries)."""
    if isinstance(item, dict):
        return sum(_selectors(v) if not isinstance(v, str) else 0 for v in item.values()) \
            + sum(len(v) for k, v in item.items() if isinstance(v, list)
                  and k in ("crossings", "links", "places", "countries", "corridors"))
    if isinstance(item, list):
        return sum(_selectors(v) for v in item)
    return 0


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
    return [m.to_dict(state.network)
            for m in corridor.find_places(q, state.network, limit=limit)]


@router.post("/route", response_model=RouteResponse | AlternativesResponse,
             summary="Plan a route (or its alternatives)", responses=ERRORS)
async def route(body: RouteRequest, state: State, request: Request) -> Any:
    """The best itinerary as the route JSON contract (`corridor route --json`), or with
    `alternatives: true` the Pareto-optimal options, one per corridor, fastest first, as
    `{"alternatives": [route, ...]}` (`optimize` is then not used). At most `max_vias`
    vias; alternatives are a heavy request (see the API's description)."""
    limits = state.limits
    _at_most(body.draws, limits.max_draws, "draws", "max_draws")
    _at_most(len(body.via), limits.max_vias, "the number of vias", "max_vias")
    options = dict(depart=body.depart, cargo=body.cargo, via=body.via, avoid=body.avoid,
                   modes=body.modes, risk_aversion=body.risk_aversion, network=state.network,
                   draws=body.draws, seed=body.seed)
    if body.alternatives:
        from corridor.routing.request import parse_deadline

        _at_most(body.max_labels, limits.max_labels, "max_labels", "max_labels")

        def alternatives() -> dict[str, Any]:
            routes = corridor.alternatives(body.origin, body.destination,
                                           deadline=parse_deadline(body.deadline),
                                           max_labels=body.max_labels, **options)
            return {"alternatives": [r.to_dict() for r in routes]}

        return await _heavy(request, state, alternatives)

    key = _answer_key(body, state)
    cached = _cached_answer(state, key)
    if cached is not None:
        return Response(cached, media_type="application/json")

    def one() -> bytes:
        route = corridor.plan_route(body.origin, body.destination, optimize=body.optimize,
                                    deadline=body.deadline, **options)
        # serialised once, as the response model would, and kept for the same request
        model = RouteResponse.model_validate(route.to_dict())
        return orjson.dumps(model.model_dump(mode="json", by_alias=True))

    answer = await anyio.to_thread.run_sync(one)
    _keep_answer(state, key, answer)
    return Response(answer, media_type="application/json")


@router.post("/calendar", response_model=CalendarResponse, responses=ERRORS,
             summary="The best route through a year")
async def calendar(body: CalendarRequest, state: State, request: Request) -> dict[str, Any]:
    """The best itinerary for departures on the 1st and 15th of each month (`month`) or
    every Monday (`week`), with P50/P90 time and cost (`corridor calendar --json`). A
    heavy request: departures × draws at most `max_calendar_cells`, at most `max_vias`
    vias."""
    limits = state.limits
    _at_most(body.draws, limits.max_draws, "draws", "max_draws")
    _at_most(len(body.via), limits.max_vias, "the number of vias", "max_vias")
    from corridor.analysis.seasons import departures

    cells = len(departures(body.year, body.step)) * max(body.draws, 1)
    _at_most(cells, limits.max_calendar_cells, "departures × draws", "max_calendar_cells")
    cargo = body.cargo or cargo_for_modes(state.network, body.modes)[0]
    result = await _heavy(request, state, lambda: corridor.calendar(
        body.origin, body.destination, year=body.year, step=body.step, cargo=cargo,
        optimize=body.optimize, via=body.via, avoid=body.avoid, modes=body.modes,
        network=state.network, draws=body.draws, seed=body.seed))
    return {"origin": body.origin, "destination": body.destination, "cargo": cargo,
            "objective": body.optimize, "year": body.year, "step": body.step,
            "departures": [e.to_dict() for e in result.entries]}


@router.post("/compare", response_model=CompareResponse, responses=ERRORS,
             summary="Baseline against scenarios, with trade impact")
async def compare(body: CompareRequest, state: State, request: Request) -> dict[str, Any]:
    """The route on today's network and under each scenario (and all of them together
    with `combined`): corridor, P50/P90, cost, risk, what changed, and the trade impact
    when the pair spans two countries (`corridor compare --json`).

    Scenarios are named (the library, then saved scenarios) or given inline: at most
    `max_scenarios`, naming at most `max_selectors` crossings, links, places and countries
    in all. A heavy request."""
    limits = state.limits
    _at_most(len(body.scenarios), limits.max_scenarios, "the number of scenarios",
             "max_scenarios")
    _at_most(body.draws, limits.max_draws, "draws", "max_draws")
    _at_most(_selectors(body.scenarios), limits.max_selectors,
             "the names the scenarios select", "max_selectors")
    scenarios = [resolve_scenario(state, item, index)
                 for index, item in enumerate(body.scenarios)]
    result = await _heavy(request, state, lambda: corridor.compare(
        body.origin, body.destination, scenarios, depart=body.depart,
        cargo=body.cargo, optimize=body.optimize, combined=body.combined, modes=body.modes,
        network=state.network, draws=body.draws, seed=body.seed))
    return result.to_dict()


@router.post("/critical", response_model=CriticalResponse, responses=ERRORS,
             summary="Crossings and links that matter most")
async def critical(body: CriticalRequest, state: State, request: Request) -> dict[str, Any]:
    """Close every crossing and link the pairs' baseline routes use, one at a time, and
    rank them by the trade-weighted increase per shipment; closures that leave a pair
    with no route rank first (`corridor critical --json`). Without `pairs`, the bundled
    Pakistan–Central Asia pairs weighted by trade."""
    pairs = None
    if body.pairs is not None:
        _at_most(len(body.pairs), state.limits.max_pairs, "the number of pairs",
                 "max_pairs")
        pairs = [(p.origin, p.destination, p.weight) for p in body.pairs]
    result = await _heavy(request, state, lambda: corridor.criticality(
        pairs, depart=body.depart, cargo=body.cargo, optimize=body.optimize,
        network=state.network, top=body.top, kinds=tuple(body.kinds)))
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
        from corridor.io.export import network_geojson as build

        collection = state.cache["network.geojson"] = build(state.network)
    return JSONResponse(collection, media_type="application/geo+json")
