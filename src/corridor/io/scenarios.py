"""Reading scenario files (YAML or JSON) and the bundled scenario library."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from corridor.exceptions import Problem, ScenarioError, UnknownPlaceError

if TYPE_CHECKING:
    from corridor.model.scenario import Scenario

__all__ = ["ScenarioInfo", "library_path", "list_scenarios", "load_scenario"]


def library_path() -> Path:
    """The folder of the scenarios that ship with corridor."""
    return Path(str(resources.files("corridor") / "data" / "scenarios"))


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario of the library: its name, title, description and file."""

    name: str
    title: str
    description: str
    path: Path


MAX_SCENARIO_BYTES = 1_000_000
"""The largest scenario file read (a scenario is a few kB of modifications)."""


def _read(path: Path) -> object:
    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(str(path), None, None, message)], folder=str(path))

    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise fail(f"is larger than {MAX_SCENARIO_BYTES:,} bytes; a scenario is a short "
                   "YAML or JSON file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail("is not text (UTF-8); a scenario is a YAML or JSON file") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise fail(f"cannot be parsed: {error}") from None
    except RecursionError:
        raise fail("is nested too deeply to be a scenario") from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario from a YAML/JSON file, or from the library by name.

    Raises
    ------
    ScenarioError
        Every problem of a malformed file.
    UnknownPlaceError
        A name that is neither a file nor a library scenario (with the closest names).

    Examples
    --------
    >>> load_scenario("khunjerab-year-round").title
    'Khunjerab open to trade all year'
    """
    from corridor.model.scenario import parse_scenario

    path = Path(name_or_path)
    if not path.is_file():
        candidate = library_path() / f"{name_or_path}.yaml"
        if not candidate.is_file():
            from rapidfuzz import process

            names = [s.name for s in list_scenarios()]
            close = [n for n, score, _ in process.extract(str(name_or_path), names, limit=3)
                     if score >= 50]
            raise UnknownPlaceError(str(name_or_path), close,
                                    what="scenario (neither a file nor a library name)")
        path = candidate
    return parse_scenario(_read(path), origin=str(path))


def list_scenarios() -> list[ScenarioInfo]:
    """The scenarios of the library, by name.

    Examples
    --------
    >>> "afghanistan-closed" in [s.name for s in list_scenarios()]
    True
    """
    out = []
    for path in sorted(library_path().glob("*.yaml")):
        data = _read(path)
        if isinstance(data, dict):
            out.append(ScenarioInfo(str(data.get("name", path.stem)), str(data.get("title", "")),
                                    str(data.get("description", "")).strip(), path))
    return out
