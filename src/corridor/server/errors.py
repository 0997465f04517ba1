"""Errors as JSON: corridor's exceptions, request validation, auth, body size, the rest.

Every error body is ``{"error": code, "message": sentence, ...}``; details ride along
(``problems`` for validation, ``suggestions`` for an unknown name). The mapping:

====================================  ======  =====================
exception                              status  ``error``
====================================  ======  =====================
UnknownPlaceError                      404     ``unknown_place`` (``unknown_scenario``)
InvalidOptionError                     422     ``invalid_option``
ScenarioError                          422     ``invalid_scenario`` (with ``problems``)
NoRouteError                           422     ``no_route``
other CorridorError                    422     ``invalid_request``
request validation (pydantic)          422     ``invalid_request`` (with ``problems``)
ApiError (auth, conflicts, 404s)       its own its own
a body over ``Limits.max_body_bytes``  413     ``body_too_large``
the scenario store unreachable         503     ``store_unavailable`` (``Retry-After``)
heavy slots full; Stopped (deadline)   503     ``busy``; ``deadline_exceeded``
anything else                          500     ``internal_error`` (no traceback)
====================================  ======  =====================

No route is a 422 rather than a 404 or 409: the request was understood and names real
places, but the options it sets (avoid, via, cargo, modes, dates) leave no itinerary; the
message says which one removed the last option.
"""

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor.deadline import Stopped
from corridor.exceptions import (
    AmbiguousPlaceError,
    CorridorError,
    InvalidOptionError,
    NoRouteError,
    Problem,
    ScenarioError,
    UnknownPlaceError,
)

__all__ = ["ApiError", "BodyLimitMiddleware", "error_body", "install_error_handlers"]


class ApiError(Exception):
    """An HTTP error the server raises on purpose, with a code and a plain message."""

    def __init__(self, status: int, code: str, message: str, *,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.extra = extra


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, **extra}


def _problems(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [{"location": p.column, "message": p.message, "source": p.file} for p in problems]


def _json(status: int, body: dict[str, Any],
          headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


async def _api_error(request: Request, error: ApiError) -> JSONResponse:
    return _json(error.status, error_body(error.code, error.message, **error.extra),
                 error.headers)


async def _corridor_error(request: Request, error: CorridorError) -> JSONResponse:
    if isinstance(error, UnknownPlaceError):
        scenario = error.what.startswith("scenario")
        message = f"unknown {error.what} {error.name!r}"
        if isinstance(error, AmbiguousPlaceError):
            message = (f"{error.what} {error.name!r} may be any of "
                       + ", ".join(map(repr, error.suggestions))
                       + "; give the one you mean by its full name (GET /places?q=… lists "
                       "them)")
        elif error.suggestions:  # the domain's message, less its command-line hint
            message += "; did you mean " + ", ".join(map(repr, error.suggestions)) + "?"
        else:
            message += ("; GET /scenarios lists them" if scenario
                        else "; search names with GET /places?q=…")
        return _json(404, error_body("unknown_scenario" if scenario else "unknown_place",
                                     message, name=error.name, what=error.what,
                                     suggestions=list(error.suggestions)))
    if isinstance(error, Stopped):
        return _json(503, error_body("deadline_exceeded" if error.reason == "deadline"
                                     else "cancelled", str(error)), {"Retry-After": "5"})
    if isinstance(error, ScenarioError):
        return _json(422, error_body("invalid_scenario", str(error),
                                     problems=_problems(error.problems)))
    if isinstance(error, NoRouteError):
        return _json(422, error_body("no_route", str(error)))
    code = "invalid_option" if isinstance(error, InvalidOptionError) else "invalid_request"
    problems = getattr(error, "problems", None)
    extra = {"problems": _problems(problems)} if problems else {}
    return _json(422, error_body(code, str(error), **extra))


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = []
    for e in error.errors():
        location = ".".join(str(part) for part in e.get("loc", ()))
        message = str(e.get("msg", "invalid value")).removeprefix("Value error, ")
        problems.append({"location": location, "message": message})
    head = "; ".join(f"{p['location']}: {p['message']}" for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return _json(422, error_body("invalid_request", f"invalid request: {head}{more}",
                                 problems=problems))


_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               413: "body_too_large", 415: "unsupported_media_type"}


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(error.status_code, "http_error")
    message = error.detail if isinstance(error.detail, str) else code.replace("_", " ")
    if error.status_code == 404 and message == "Not Found":
        message = (f"no such endpoint: {request.method} {request.url.path}; see /docs (or "
                   "the schema at /openapi.json)")
    headers = getattr(error, "headers", None)
    if error.status_code == 405:
        allowed = _methods_of(request)
        message = (f"{request.method} is not allowed on {request.url.path}"
                   + (f"; use {', '.join(allowed)}" if allowed else ""))
        if allowed:
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
    return _json(error.status_code, error_body(code, message), headers)


def _methods_of(request: Request) -> list[str]:
    """Every method the API answers on the request's path, from its OpenAPI schema (a path
    such as ``/scenarios/{name}`` has one route per method)."""
    import re

    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m.lower() in (
                "get", "put", "post", "delete", "patch", "head", "options")}
    return sorted(methods)


def _store_down(error: Exception) -> bool:
    """The scenario store's database went away (PostgreSQL stopped, the network cut)."""
    from corridor.server.store import StoreConnectionError

    if isinstance(error, StoreConnectionError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg comes with the server extra
        return False
    return isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    if _store_down(error):
        return _json(503, error_body("store_unavailable",
                                     "the scenario store cannot be reached just now; try "
                                     "again shortly (routes that name no saved scenario "
                                     "still work)"), {"Retry-After": "5"})
    # The server logs the traceback (Starlette re-raises after this response is sent);
    # the client gets no internals.
    return _json(500, error_body("internal_error",
                                 "the server failed to answer this request; the error is "
                                 "logged. Please report it with the request that caused it."))


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler of the table above on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(CorridorError, _corridor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, before the app reads them.

    A ``Content-Length`` over the limit is refused at once; a chunked body is counted as it
    arrives. Bodies under the limit are buffered (they are small) and replayed to the app. A
    body that stalls for ``timeout_s`` between its parts gets 408 and the connection closes
    (a slow client does not keep a worker).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 5.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.strip().isdigit() \
                    and int(value) > self.max_bytes:
                await self._too_large(send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                await self._refuse(send, 408, "body_timeout",
                                   f"the request body stalled for more than {self.timeout_s:g} "
                                   "s; send it whole")
                return
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        kb = self.max_bytes / 1024
        await self._refuse(send, 413, "body_too_large",
                           f"the request body is larger than this server accepts ({kb:,.0f} "
                           "kB)")

    async def _refuse(self, send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(error_body(code, message)).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class WriteHostMiddleware:
    """Refuse writes (any method but GET, HEAD and OPTIONS) whose ``Host`` header, port
    aside, is not one of ``hosts``, with 403: without a token, a web page elsewhere must not
    write through a browser that DNS rebinding points here under its own name."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.hosts = {h.lower().strip("[]") for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.decode("latin-1").strip().lower()
        bare = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0] \
            if host.count(":") == 1 else host
        if bare in self.hosts:
            await self.app(scope, receive, send)
            return
        body = json.dumps(error_body(
            "forbidden",
            f"writes to host {host or '(none)'!r} are refused: without a token this server "
            f"takes writes only for {', '.join(sorted(self.hosts))} (start it with --token, "
            "or add the name with --allow-host)")).encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
