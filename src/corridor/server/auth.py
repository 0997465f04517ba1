"""Bearer-token check for writes: reads are open, writes need the configured token."""

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from corridor.server.config import ServerState, get_state
from corridor.server.errors import ApiError

__all__ = ["require_writer"]

_bearer = HTTPBearer(
    auto_error=False,
    description="Needed to save or delete scenarios when the server has a token "
                "(`corridor serve --token`); reads are open.",
)


def require_writer(
    request: Request,
    state: Annotated[ServerState, Depends(get_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let the request through when no token is configured or it carries the right one.

    No (or a non-bearer) ``Authorization`` header: 401; a wrong token: 403. Tokens are
    compared in constant time.
    """
    if state.token is None:
        return
    if credentials is None:
        what = "analyses" if request.url.path.startswith("/analyses") else "scenarios"
        raise ApiError(401, "unauthorized",
                       f"saving or deleting {what} needs the header "
                       "'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(credentials.credentials.encode(), state.token.encode()):
        raise ApiError(403, "forbidden", "the bearer token is not accepted for writes")
