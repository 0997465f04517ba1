"""uvicorn's HTTP protocol with a deadline for request headers.

uvicorn closes idle keep-alive connections, but a client that opens a connection and sends
its headers a byte at a time (or never finishes them) keeps it, and a few hundred such
clients keep the server's sockets. :func:`header_timeout_protocol` wraps uvicorn's protocol
class: a request's headers must be complete within ``seconds`` of the connection opening
(or of the previous response), else the connection is closed. Half-sent bodies are cut by
:class:`corridor.server.errors.BodyLimitMiddleware`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HEADER_TIMEOUT_S", "header_timeout_protocol"]

HEADER_TIMEOUT_S = 5.0
"""Seconds a client has to send a request's headers."""


def header_timeout_protocol(seconds: float = HEADER_TIMEOUT_S) -> type:
    """uvicorn's HTTP protocol class (httptools when installed, else h11) with a deadline
    for request headers, for ``uvicorn.run(..., http=...)``."""
    try:
        import httptools  # noqa: F401
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base

    class HeaderTimeoutProtocol(Base):  # type: ignore[misc, valid-type]
        _corridor_timer: Any = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._corridor_arm()

        def _corridor_arm(self) -> None:
            if self._corridor_timer is not None:
                self._corridor_timer.cancel()
            self._corridor_waiting = True
            self._corridor_tail = b""
            self._corridor_timer = self.loop.call_later(seconds, self._corridor_expire)

        def _corridor_expire(self) -> None:
            if self._corridor_waiting and not self.transport.is_closing():
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if self._corridor_waiting:
                seen = self._corridor_tail + data
                if b"\r\n\r\n" in seen:
                    self._corridor_waiting = False
                    self._corridor_timer.cancel()
                else:
                    self._corridor_tail = seen[-3:]
            super().data_received(data)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._corridor_arm()  # the next request's headers

        def connection_lost(self, exc: Exception | None) -> None:
            if self._corridor_timer is not None:
                self._corridor_timer.cancel()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
