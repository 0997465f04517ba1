"""The server's configuration (:class:`Limits`) and per-app state (:class:`ServerState`)."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

if TYPE_CHECKING:
    from corridor.io.scenarios import ScenarioInfo
    from corridor.model.network import Network
    from corridor.server.store import Store

__all__ = ["Limits", "ServerState", "get_state"]


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask of the server; past them it answers 4xx.

    Attributes
    ----------
    max_body_bytes
        Largest request body (256 kB); larger bodies get 413.
    max_draws
        Most Monte Carlo draws per route, per calendar departure or per compare case
        (20,000; the command line's default is 10,000); more get 422.
    max_pairs
        Most origin–destination pairs in one ``/critical`` request (50; each pair is
        re-planned once per item its route uses); more get 422.
    max_labels
        Most labels per search state for alternatives (24; the default is 12); more get 422.
    max_scenarios
        Most scenarios in one ``/compare`` request (8); more get 422.
    max_places
        Most hits one ``/places`` search returns (50).
    max_saved_scenarios
        Most scenarios the store may hold (1,000); saving a new one past it gets 409.
    max_saved_analyses
        Most named analyses the store may hold (1,000); saving a new one past it gets 409.
    max_vias
        Most vias in one request (8); more get 422.
    max_selectors
        Most crossings, links, places and countries the inline scenarios of one
        ``/compare`` name in all (200); more get 422.
    max_calendar_cells
        Most departures × draws in one ``/calendar`` (500,000); more get 422.
    heavy_slots
        Heavy requests (calendar, compare, critical, alternatives) running at once (2);
        another gets 503 ``busy`` with ``Retry-After``.
    deadline_s
        Seconds a heavy request may run (30); then it stops with 503 ``deadline_exceeded``.
        It also stops when its client hangs up.
    body_timeout_s
        Seconds a request body may stall (5); then 408 and the connection closes.
    route_cache
        Answers of ``POST /route`` kept, by request and network, least recently used
        dropped first (2,048; 0 keeps none).

    Examples
    --------
    >>> Limits(max_draws=5000).max_draws
    5000
    >>> Limits(max_pairs=0)
    Traceback (most recent call last):
    ...
    ValueError: Limits.max_pairs must be a positive integer, not 0
    """

    max_body_bytes: int = 256 * 1024
    max_draws: int = 20_000
    max_pairs: int = 50
    max_labels: int = 24
    max_scenarios: int = 8
    max_places: int = 50
    max_saved_scenarios: int = 1000
    max_saved_analyses: int = 1000
    max_vias: int = 8
    max_selectors: int = 200
    max_calendar_cells: int = 500_000
    heavy_slots: int = 2
    deadline_s: int = 30
    body_timeout_s: int = 5
    route_cache: int = 2048

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            least = 0 if f.name == "route_cache" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"Limits.{f.name} must be a positive integer, not {value!r}")

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """The limits in one sentence, for the API's documentation."""
        return (f"at most {self.max_vias} vias a request; {self.max_scenarios} scenarios of "
                f"at most {self.max_selectors} named crossings, links, places and countries "
                f"in all a compare; departures × draws of a calendar at most "
                f"{self.max_calendar_cells:,}; {self.max_draws:,} draws; {self.max_pairs} "
                f"pairs a critical request; heavy requests (calendar, compare, critical, "
                f"alternatives) {self.heavy_slots} at a time (503 with Retry-After past "
                f"that) and stopped after {self.deadline_s} s (503)")


@dataclass
class ServerState:
    """What one app serves: its network, scenario store, limits and write token."""

    network: Network
    store: Store
    limits: Limits
    token: str | None
    library: dict[str, ScenarioInfo]  # the scenario library, by name
    cache: dict[str, Any] = field(default_factory=dict)  # derived, immutable answers
    heavy: threading.BoundedSemaphore | None = None  # slots for heavy requests
    answers: OrderedDict[str, bytes] = field(default_factory=OrderedDict)  # route answers
    answers_lock: threading.Lock = field(default_factory=threading.Lock)


def get_state(request: Request) -> ServerState:
    """The state of the app serving ``request`` (a FastAPI dependency)."""
    return request.app.state.corridor
