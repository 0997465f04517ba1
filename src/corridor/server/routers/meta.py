"""Health and version."""

import sqlite3
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from corridor.server.config import ServerState, get_state
from corridor.server.errors import ApiError
from corridor.server.models import HealthResponse, VersionResponse
from corridor.server.store import StoreConnectionError

router = APIRouter(tags=["meta"])

API_VERSION = "1"

State = Annotated[ServerState, Depends(get_state)]


def _network_info(state: ServerState) -> dict[str, Any]:
    net = state.network
    return {"name": net.name, "version": net.version, "content_hash": net.content_hash,
            "places": len(net.places), "links": len(net.links),
            "crossings": len(net.crossings)}


@router.get("/health", response_model=HealthResponse, summary="Is the server up?",
            responses={503: {"description": "The scenario store cannot be read."}})
def health(state: State) -> dict[str, Any]:
    """`ok` with the network served and the scenario store's kind; 503 when the store
    cannot be read."""
    try:
        store = state.store.check()
    except (sqlite3.Error, StoreConnectionError) as error:
        raise ApiError(503, "store_unavailable",
                       f"the scenario store cannot be read: {error}") from None
    return {"status": "ok", "network": _network_info(state), "store": store}


@router.get("/version", response_model=VersionResponse, summary="Versions and limits")
def version(state: State) -> dict[str, Any]:
    """corridor's version, the API version, the network served and the request limits."""
    from corridor import __version__

    return {"corridor": __version__, "api": API_VERSION, "network": _network_info(state),
            "limits": state.limits.to_dict()}
