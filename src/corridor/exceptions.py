"""Exceptions raised by corridor.

Every error corridor raises on purpose derives from :class:`CorridorError`; the specific
ones also derive from the matching builtin so that ordinary ``except KeyError`` code keeps
working::

    CorridorError
    ├── UnknownPlaceError (KeyError)        a name that matches no place, crossing or city
    ├── InvalidOptionError (ValueError)      a bad option value (objective, cargo, mode, date)
    ├── NetworkValidationError (ValueError)  a network folder with problems (all listed)
    ├── ScenarioError (ValueError)           a scenario file with problems (all listed)
    └── NoRouteError                         no itinerary satisfies the request; says why
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AmbiguousPlaceError",
    "CorridorError",
    "GeoFileError",
    "InvalidOptionError",
    "NetworkValidationError",
    "NoConnectionError",
    "NoRouteError",
    "OsmFileError",
    "Problem",
    "ScenarioError",
    "Stopped",
    "StoreConnectionError",
    "StoreFullError",
    "UnknownPlaceError",
]


class CorridorError(Exception):
    """Base class of every error corridor raises on purpose."""


class InvalidOptionError(ValueError, CorridorError):
    """An option has a value corridor does not accept; the message lists the valid ones."""


class UnknownPlaceError(KeyError, CorridorError):
    """A place name matched nothing; ``suggestions`` holds the closest names."""

    def __init__(self, name: str, suggestions: Sequence[str] = (), *,
                 what: str = "place") -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        self.what = what
        super().__init__(name)

    def __str__(self) -> str:
        message = f"unknown {self.what} {self.name!r}"
        if self.suggestions:
            message += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        elif self.what.startswith("scenario"):
            message += "; `corridor scenarios` lists the library"
        else:
            message += "; try `corridor places NAME` to search the gazetteer"
        return message


class AmbiguousPlaceError(UnknownPlaceError):
    """A place name fits several places about equally; ``suggestions`` lists them."""

    def __init__(self, name: str, candidates: Sequence[str], *, what: str = "place") -> None:
        super().__init__(name, candidates, what=what)

    def __str__(self) -> str:
        options = ", ".join(repr(s) for s in self.suggestions)
        return (f"{self.what} {self.name!r} may be any of {options}; give the one you mean "
                "by its full name (`corridor places NAME` lists them with their ids)")


class NoRouteError(CorridorError):
    """No itinerary satisfies the request. The message says what removed the last option."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a network folder."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class NetworkValidationError(ValueError, CorridorError):
    """A network folder has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem], *, folder: str = "") -> None:
        self.problems = tuple(problems)
        self.folder = folder
        head = f"{len(self.problems)} problem(s) in network {folder}".rstrip()
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class ScenarioError(ValueError, CorridorError):
    """A scenario is malformed or names things the network lacks; ``problems`` lists all."""

    def __init__(self, problems: Sequence[Problem], *, folder: str = "") -> None:
        self.problems = tuple(problems)
        self.folder = folder
        head = f"{len(self.problems)} problem(s) in {folder or 'the scenario'}"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class GeoFileError(ValueError, CorridorError):
    """A GIS file that cannot be read or written as a network; the message says why."""


class OsmFileError(ValueError, CorridorError):
    """An OSM extract that is missing, not a ``.osm.pbf`` file, or holds no usable roads."""


class NoConnectionError(ValueError, CorridorError):
    """:func:`corridor.io.attach.attach` found no corridor place within ``max_km`` of a local
    junction."""


class Stopped(CorridorError):
    """The work was stopped: ``reason`` is ``"deadline"`` or ``"cancelled"``."""

    def __init__(self, reason: str, seconds: float) -> None:
        self.reason = reason
        self.seconds = seconds
        super().__init__(
            f"the request ran past its {seconds:g} s deadline and was stopped; ask for fewer "
            "departures, scenarios, pairs or draws" if reason == "deadline"
            else "the request was cancelled")


class StoreFullError(Exception):
    """The scenario store holds as many scenarios as it may."""


class StoreConnectionError(ValueError):
    """The PostgreSQL server cannot be reached, or refuses the login. A ValueError, so
    ``corridor serve`` reports it as a bad ``--db``."""
