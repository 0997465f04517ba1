"""The scenario library (read-only) and saved scenarios (read open, writes with a token).

Scenario names are looked up in the library and the store only: a name is never a file
path, and names that look like one are refused.
"""

import difflib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response
from fastapi import Path as PathParam

import corridor
from corridor.exceptions import InvalidOptionError, Problem, ScenarioError, UnknownPlaceError
from corridor.model.scenario import Scenario, parse_scenario
from corridor.server.auth import require_writer
from corridor.server.config import ServerState, get_state
from corridor.server.errors import ApiError
from corridor.server.models import (
    SCENARIO_NAME_PATTERN,
    ErrorResponse,
    ScenarioList,
    ScenarioOut,
)
from corridor.server.store import StoredScenario, StoreFullError

router = APIRouter(tags=["scenarios"])

State = Annotated[ServerState, Depends(get_state)]
Name = Annotated[str, PathParam(
    description="A scenario name: lowercase letters, digits, `-` and `_`.",
    examples=["customs-cooperation"],
    # in the schema for clients; checked in check_name, whose message is plainer
    json_schema_extra={"pattern": SCENARIO_NAME_PATTERN, "maxLength": 64},
)]

_NAME = re.compile(SCENARIO_NAME_PATTERN)

EXAMPLE = {
    "name": "torkham-12h",
    "title": "Torkham clears in 12 hours",
    "description": "Single-window clearance at Torkham, both ways.",
    "assumptions": ["Dwell 12 h each way (judgment)."],
    "modifications": [{"type": "crossing_time", "crossings": ["Torkham"], "dwell_h": 12}],
}


def check_name(name: str, what: str = "a scenario",
               note: str = " (scenarios are looked up by name in the library and the store, "
                           "never as files)") -> str:
    """``name`` when it is a valid name of a saved thing; else InvalidOptionError (422)."""
    if not _NAME.match(name):
        raise InvalidOptionError(
            f"{name[:80]!r} is not {what} name: names are 1–64 lowercase letters, digits, "
            f"'-' and '_', starting with a letter or digit{note}")
    return name


def _unknown(state: ServerState, name: str) -> UnknownPlaceError:
    names = [*state.library, *(s.name for s in state.store.list())]
    return UnknownPlaceError(name, difflib.get_close_matches(name, names, n=3, cutoff=0.5),
                             what="scenario (neither in the library nor saved)")


def _library_scenario(state: ServerState, name: str) -> Scenario:
    # The library's own file, by the path the library listed: never a client's path.
    return corridor.load_scenario(state.library[name].path)


def resolve_scenario(state: ServerState, item: str | dict[str, Any], index: int) -> Scenario:
    """A scenario named (library first, then saved) or given inline; the ``index``-th of a
    request, for messages."""
    if isinstance(item, dict):
        return parse_scenario(item, origin=f"scenarios.{index}")
    name = check_name(item)
    if name in state.library:
        return _library_scenario(state, name)
    saved = state.store.get(name)
    if saved is None:
        raise _unknown(state, name)
    return parse_scenario(saved.body, origin=f"saved scenario {name}")


def _saved_info(s: StoredScenario) -> dict[str, Any]:
    return {"name": s.name, "source": "saved", "title": s.title, "description": s.description,
            "digest": s.digest, "created_at": s.created_at, "updated_at": s.updated_at}


def _body(scenario: Scenario) -> dict[str, Any]:
    return scenario.model_dump(mode="json", exclude_defaults=True)


def _read_only(name: str) -> ApiError:
    return ApiError(409, "read_only", f"{name!r} is a library scenario, which cannot be "
                                      "changed or deleted; save yours under another name")


@router.get("/scenarios", response_model=ScenarioList, summary="List scenarios")
def list_scenarios(state: State) -> dict[str, Any]:
    """The library's scenarios (shipped with corridor), then the saved ones, by name."""
    library = [{"name": i.name, "source": "library", "title": i.title,
                "description": i.description} for i in state.library.values()]
    return {"scenarios": library + [_saved_info(s) for s in state.store.list()]}


@router.get("/scenarios/{name}", response_model=ScenarioOut, summary="One scenario",
            responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
def get_scenario(name: Name, state: State) -> dict[str, Any]:
    """A library or saved scenario with its full body."""
    check_name(name)
    if name in state.library:
        info = state.library[name]
        scenario = _library_scenario(state, name)
        return {"name": name, "source": "library", "title": info.title,
                "description": info.description, "digest": scenario.digest(),
                "scenario": _body(scenario)}
    saved = state.store.get(name)
    if saved is None:
        raise _unknown(state, name)
    return {**_saved_info(saved), "scenario": saved.body}


@router.put(
    "/scenarios/{name}", response_model=ScenarioOut, summary="Save a scenario",
    dependencies=[Depends(require_writer)],
    responses={201: {"model": ScenarioOut, "description": "Saved as a new scenario."},
               401: {"model": ErrorResponse}, 403: {"model": ErrorResponse},
               409: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
def put_scenario(
    name: Name,
    state: State,
    response: Response,
    scenario: Annotated[dict[str, Any], Body(
        description="A scenario as in the library's YAML files, as JSON; `name` may be "
                    "left out (it is the URL's).",
        openapi_examples={"torkham": {"summary": "Faster clearance at Torkham",
                                      "value": EXAMPLE}})],
) -> dict[str, Any]:
    """Validate a scenario (schema, then every id against the served network) and save it
    under `name`; 201 when new, 200 when it replaces a saved one. An invalid scenario gets
    422 with every problem, and nothing is saved. Needs the bearer token when the server
    has one."""
    check_name(name)
    if name in state.library:
        raise _read_only(name)
    data = dict(scenario)
    data.setdefault("name", name)
    if data["name"] != name:
        raise ScenarioError([Problem(f"scenario {name}", None, "name",
                                     f"the body's name {str(data['name'])[:80]!r} differs "
                                     f"from the URL's {name!r}")], folder=f"scenario {name}")
    parsed = parse_scenario(data, origin=f"scenario {name}")
    corridor.apply_scenarios(state.network, [parsed])  # every id must exist in the network
    try:
        created = state.store.put(name, _body(parsed), title=parsed.title,
                                  description=parsed.description, digest=parsed.digest(),
                                  max_count=state.limits.max_saved_scenarios)
    except StoreFullError as error:
        raise ApiError(409, "store_full", str(error)) from None
    response.status_code = 201 if created else 200
    saved = state.store.get(name)
    assert saved is not None  # just written
    return {**_saved_info(saved), "scenario": saved.body}


@router.delete(
    "/scenarios/{name}", status_code=204, summary="Delete a saved scenario",
    dependencies=[Depends(require_writer)],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse},
               404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
)
def delete_scenario(name: Name, state: State) -> Response:
    """Delete a saved scenario (204). Library scenarios cannot be deleted (409). Needs the
    bearer token when the server has one."""
    check_name(name)
    if name in state.library:
        raise _read_only(name)
    if not state.store.delete(name):
        raise _unknown(state, name)
    return Response(status_code=204)
