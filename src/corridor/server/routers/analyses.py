"""Named analyses: a saved, named request to a query endpoint, re-run by name.

"Lahore–Almaty, customs cooperation, January" is a ``compare`` request saved as
``lahore-almaty-customs-jan``; ``POST /analyses/lahore-almaty-customs-jan/run`` answers what
``POST /compare`` answers for that body today. A request is validated when saved with the
same model (and the same server limits) as its endpoint, and again when run, through the
endpoint's own function. Reads and runs are open; saving and deleting need the bearer token
when the server has one. Names follow the scenario rules (never a file path).
"""

import difflib
from collections.abc import Callable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter, ValidationError

from corridor.model.scenario import parse_scenario
from corridor.server.auth import require_writer
from corridor.server.config import Limits, ServerState, get_state
from corridor.server.errors import ApiError
from corridor.server.models import (
    SCENARIO_NAME_PATTERN,
    AlternativesResponse,
    AnalysisIn,
    AnalysisList,
    AnalysisOut,
    CalendarRequest,
    CalendarResponse,
    CompareRequest,
    CompareResponse,
    CriticalRequest,
    CriticalResponse,
    ErrorResponse,
    RouteRequest,
    RouteResponse,
)
from corridor.server.routers import queries
from corridor.server.routers.scenarios import check_name as check_scenario_name
from corridor.server.store import StoredAnalysis, StoreFullError

router = APIRouter(tags=["analyses"])

State = Annotated[ServerState, Depends(get_state)]
Name = Annotated[str, PathParam(
    description="An analysis name: lowercase letters, digits, `-` and `_`.",
    examples=["lahore-almaty-customs-jan"],
    json_schema_extra={"pattern": SCENARIO_NAME_PATTERN, "maxLength": 64},
)]

RunResponse = (RouteResponse | AlternativesResponse | CalendarResponse | CompareResponse
               | CriticalResponse)


class _Kind:
    """One kind of analysis: the endpoint's request model, its function (the one the
    query endpoint is) and the response model the endpoint answers through."""

    def __init__(self, request: type[BaseModel], endpoint: Callable[..., dict[str, Any]],
                 response: Any) -> None:
        self.request = request
        self.endpoint = endpoint
        self.response = TypeAdapter(response)


KINDS: dict[str, _Kind] = {
    "route": _Kind(RouteRequest, queries.route, RouteResponse | AlternativesResponse),
    "calendar": _Kind(CalendarRequest, queries.calendar, CalendarResponse),
    "compare": _Kind(CompareRequest, queries.compare, CompareResponse),
    "critical": _Kind(CriticalRequest, queries.critical, CriticalResponse),
}


def check_name(name: str) -> str:
    """``name`` when it is a valid analysis name; else InvalidOptionError (422)."""
    return check_scenario_name(name, "an analysis", "")


def _unknown(state: ServerState, name: str) -> ApiError:
    names = [a.name for a in state.store.list_analyses()]
    suggestions = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    message = f"no analysis is saved as {name!r}"
    message += ("; did you mean " + ", ".join(map(repr, suggestions)) + "?" if suggestions
                else "; GET /analyses lists them")
    return ApiError(404, "unknown_analysis", message, name=name, suggestions=suggestions)


def _validate(kind: str, request: dict[str, Any]) -> BaseModel:
    """The request as its endpoint's model; a RequestValidationError (422, with every
    problem located under ``body.request``) when it is not one."""
    try:
        return KINDS[kind].request.model_validate(request)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", "request", *e["loc"])} for e in error.errors()]) from None


def _check_limits(kind: str, body: Any, limits: Limits) -> None:
    """The server limits the endpoint would apply, checked when saving (the endpoint
    checks them again when the analysis runs), and inline scenarios parsed."""
    at_most = queries._at_most
    if kind in ("route", "calendar", "compare"):
        at_most(body.draws, limits.max_draws, "draws", "max_draws")
    if kind == "route" and body.alternatives:
        at_most(body.max_labels, limits.max_labels, "max_labels", "max_labels")
    if kind == "compare":
        at_most(len(body.scenarios), limits.max_scenarios, "the number of scenarios",
                "max_scenarios")
        for index, item in enumerate(body.scenarios):
            if isinstance(item, dict):
                parse_scenario(item, origin=f"scenarios.{index}")
            else:
                check_scenario_name(item)
    if kind == "critical" and body.pairs is not None:
        at_most(len(body.pairs), limits.max_pairs, "the number of pairs", "max_pairs")


def _info(a: StoredAnalysis) -> dict[str, Any]:
    return {"name": a.name, "kind": a.kind, "title": a.title, "created_at": a.created_at,
            "updated_at": a.updated_at}


WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse}, 403: {"model": ErrorResponse},
}


@router.get("/analyses", response_model=AnalysisList, summary="List named analyses")
def list_analyses(state: State) -> dict[str, Any]:
    """Every saved analysis by name: its kind, title and times."""
    return {"analyses": [_info(a) for a in state.store.list_analyses()]}


@router.get("/analyses/{name}", response_model=AnalysisOut, summary="One named analysis",
            responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
def get_analysis(name: Name, state: State) -> dict[str, Any]:
    """A saved analysis with its stored request."""
    check_name(name)
    saved = state.store.get_analysis(name)
    if saved is None:
        raise _unknown(state, name)
    return {**_info(saved), "request": saved.request}


@router.put(
    "/analyses/{name}", response_model=AnalysisOut, summary="Save a named analysis",
    dependencies=[Depends(require_writer)],
    responses={201: {"model": AnalysisOut, "description": "Saved as a new analysis."},
               **WRITE_ERRORS, 409: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
def put_analysis(name: Name, body: AnalysisIn, state: State,
                 response: Response) -> dict[str, Any]:
    """Validate `request` with the model of the `kind` endpoint (and this server's limits)
    and save it under `name`; 201 when new, 200 when it replaces one. An invalid request
    gets 422 with every problem, and nothing is saved. Needs the bearer token when the
    server has one."""
    check_name(name)
    request = _validate(body.kind, body.request)
    _check_limits(body.kind, request, state.limits)
    stored = request.model_dump(mode="json", exclude_unset=True)
    try:
        created = state.store.put_analysis(name, body.kind, stored, title=body.title,
                                           max_count=state.limits.max_saved_analyses)
    except StoreFullError as error:
        raise ApiError(409, "store_full", str(error)) from None
    response.status_code = 201 if created else 200
    saved = state.store.get_analysis(name)
    assert saved is not None  # just written
    return {**_info(saved), "request": saved.request}


@router.delete(
    "/analyses/{name}", status_code=204, summary="Delete a named analysis",
    dependencies=[Depends(require_writer)],
    responses={**WRITE_ERRORS, 404: {"model": ErrorResponse}},
)
def delete_analysis(name: Name, state: State) -> Response:
    """Delete a saved analysis (204; 404 when there is none). Needs the bearer token when
    the server has one."""
    check_name(name)
    if not state.store.delete_analysis(name):
        raise _unknown(state, name)
    return Response(status_code=204)


@router.post(
    "/analyses/{name}/run", response_model=RunResponse, summary="Run a named analysis",
    responses={404: {"model": ErrorResponse, "description": "No such analysis, or an "
                                                            "unknown place or scenario."},
               422: {"model": ErrorResponse, "description": "As the endpoint of its kind "
                                                            "(a limit exceeded, no route)."}},
)
async def run_analysis(name: Name, state: State, request: Request) -> JSONResponse:
    """Run a saved analysis through its endpoint's function, on the network served now,
    and answer exactly what `POST /route` (`/calendar`, `/compare`, `/critical`) answers
    for its request (with the same limits, heavy slots and deadline)."""
    check_name(name)
    saved = await anyio.to_thread.run_sync(state.store.get_analysis, name)
    if saved is None:
        raise _unknown(state, name)
    kind = KINDS[saved.kind]
    result = await kind.endpoint(_validate(saved.kind, saved.request), state, request)
    if isinstance(result, Response):  # already serialised as the response model would
        return result
    # serialised as FastAPI serialises the endpoint's response model
    value = kind.response.validate_python(result, from_attributes=True)
    return JSONResponse(kind.response.dump_python(value, mode="json", by_alias=True))
