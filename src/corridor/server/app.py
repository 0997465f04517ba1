"""The app factory: :func:`create_app` builds a FastAPI application over one network.

Nothing happens at import time; each call makes an independent app with its own network,
scenario store, limits and token, which is what tests and ``corridor serve`` need.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from corridor.server.config import Limits, ServerState
from corridor.server.errors import (
    BodyLimitMiddleware,
    WriteHostMiddleware,
    install_error_handlers,
)

__all__ = ["create_app"]

DESCRIPTION = """\
Plan, compare and stress-test freight routes between Pakistan and Central Asia.

Every endpoint calls the same public function as the `corridor` command line, and answers
with the same JSON (`corridor route --json` is `POST /route`). Errors are JSON:
`{"error": code, "message": sentence}`, with `problems` or `suggestions` when there are
some. Reads (and running saved analyses) are open; saving or deleting scenarios and named
analyses needs `Authorization: Bearer <token>` when the server has a token. Requests are
bounded (body size, Monte Carlo draws, pairs, alternatives, scenarios per comparison): see
`GET /version` for this server's limits.
"""

TAGS = [
    {"name": "queries", "description": "Routes, alternatives, calendars, comparisons, "
                                       "criticality, place search and the network map."},
    {"name": "scenarios", "description": "The scenario library and saved scenarios."},
    {"name": "analyses", "description": "Named, saved requests to the query endpoints, "
                                        "re-run by name."},
    {"name": "meta", "description": "Health and versions."},
]


def create_app(
    *,
    network_dir: str | Path | None = None,
    db: str | Path = "corridor.sqlite3",
    token: str | None = None,
    limits: Limits | None = None,
    write_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """A FastAPI application serving corridor over HTTP.

    Parameters
    ----------
    network_dir
        A network folder; default the bundled regional network. Loaded (and validated) now,
        so a bad folder fails here rather than on the first request.
    db
        The scenario store: a SQLite file path (created when missing), ``":memory:"``, or a
        PostgreSQL URL (``postgresql://user@host/dbname``).
    token
        When given, saving and deleting scenarios need ``Authorization: Bearer <token>``;
        reads stay open. ``None`` (or empty) leaves writes open too.
    limits
        Bounds on requests (:class:`~corridor.server.Limits`); default ``Limits()``.
    write_hosts
        Without a ``token``, the host names (``Host`` header, port aside) a write may come
        to: a page elsewhere that a browser was tricked into sending here under another
        name (DNS rebinding) gets 403. ``corridor serve`` passes the loopback names and
        ``--allow-host``; ``None`` checks nothing (a library caller decides).

    Raises
    ------
    NetworkValidationError
        The network folder has problems.
    ValueError
        ``db`` is a URL of a database this version cannot use.

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> client = TestClient(create_app(db=":memory:"))
    >>> client.get("/health").json()["status"]
    'ok'
    >>> answer = client.post("/route", json={"origin": "Islamabad", "destination": "Kashgar",
    ...                                      "depart": "2026-07-15", "optimize": "time",
    ...                                      "draws": 0}).json()
    >>> answer["crossings"]
    ['khunjerab']
    """
    from corridor import __version__, list_scenarios, load_network
    from corridor.server.models import ErrorResponse
    from corridor.server.routers import analyses, meta, queries, scenarios
    from corridor.server.store import open_store

    limits = limits if limits is not None else Limits()
    network = load_network(network_dir)
    store = open_store(db)
    state = ServerState(network=network, store=store, limits=limits, token=token or None,
                        library={s.name: s for s in list_scenarios()},
                        heavy=threading.BoundedSemaphore(limits.heavy_slots))

    opened = [True]  # the store opened above is live until the first shutdown

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not opened[0]:  # the app is started again after a shutdown: reopen the store
            state.store = open_store(db)
            opened[0] = True
        yield
        state.store.close()
        opened[0] = False

    # FastAPI's own /docs and /redoc pages load their scripts from a CDN; corridor works
    # offline and serves /docs from the swagger-ui-bundle package (_mount_api_docs).
    description = (f"{DESCRIPTION}\n\n**Limits of this server**: {limits.describe()}; "
                   "past them a request gets 422 (or 503 for the heavy slots and the "
                   "deadline), naming the limit.")
    app = FastAPI(title="corridor", version=__version__, description=description,
                  openapi_tags=TAGS, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.corridor = state
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=limits.max_body_bytes,
                       timeout_s=limits.body_timeout_s)
    if not token and write_hosts is not None:
        app.add_middleware(WriteHostMiddleware, hosts=tuple(write_hosts))
    errors = {400: {"model": ErrorResponse, "description": "The body is not valid JSON."},
              413: {"model": ErrorResponse, "description": "The body is too large."},
              422: {"model": ErrorResponse, "description": "The request is invalid; "
                                                           "`problems` lists why."},
              500: {"model": ErrorResponse, "description": "An unexpected server error."}}
    for router in (queries.router, scenarios.router, analyses.router, meta.router):
        app.include_router(router, responses=errors)
    _mount_web_map(app)
    _mount_api_docs(app)
    return app


def _mount_api_docs(app: FastAPI) -> None:
    """``GET /docs``: the interactive API documentation (Swagger UI), served from the
    assets the ``swagger-ui-bundle`` package installs; nothing comes from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="corridor API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


STATIC_DIR = Path(__file__).parent / "static"


def _mount_web_map(app: FastAPI) -> None:
    """The web map: ``GET /`` is its page, ``/static/...`` its scripts, styles and data."""
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def web_map() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")
