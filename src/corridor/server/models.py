"""Request and response models of the HTTP API.

These are the API's own pydantic models, kept apart from the domain (frozen dataclasses in
:mod:`corridor.model.result` and the analyses): the server validates a request with them,
calls the same public function as the command line, and returns the result's ``to_dict()``
checked against a response model. Response models allow extra keys, because the JSON
contract promises that later versions only add keys.

Options that the domain validates itself (cargo, objective, modes, dates) stay plain
strings here, so that a bad value gets the domain's message, which lists the valid ones.
"""

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from corridor import limits

__all__ = [
    "AlternativesResponse",
    "AnalysisIn",
    "AnalysisInfo",
    "AnalysisList",
    "AnalysisOut",
    "CalendarRequest",
    "CalendarResponse",
    "CompareRequest",
    "CompareResponse",
    "CriticalRequest",
    "CriticalResponse",
    "ErrorResponse",
    "HealthResponse",
    "PairIn",
    "PlaceOut",
    "RouteRequest",
    "RouteResponse",
    "SCENARIO_NAME_PATTERN",
    "ScenarioInfo",
    "ScenarioList",
    "ScenarioOut",
    "VersionResponse",
]

SCENARIO_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
"""Names of library and saved scenarios: lowercase letters, digits, ``-`` and ``_``; never a
file path."""

YEAR_MIN, YEAR_MAX = limits.YEAR_MIN, limits.YEAR_MAX
"""Departures, deadlines and calendar years the API accepts: those of the library and the
command line (:mod:`corridor.limits`)."""

_ISO_YEAR = re.compile(r"^\s*(\d{4})-")


def _check_year(value: str) -> str:
    """Reject dates outside YEAR_MIN..YEAR_MAX; anything else goes to the domain's parser,
    whose message says which formats it accepts."""
    match = _ISO_YEAR.match(value)
    if match and not YEAR_MIN <= int(match.group(1)) <= YEAR_MAX:
        raise ValueError(f"the year must be between {YEAR_MIN} and {YEAR_MAX}")
    return value


DateText = Annotated[str, Field(max_length=40), AfterValidator(_check_year)]
Name = Annotated[str, Field(max_length=200)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------- requests


class _Trip(_Request):
    origin: str = Field(
        min_length=1, max_length=200,
        description="Place name, alias, transliteration or id, or a gazetteer city.")
    destination: str = Field(min_length=1, max_length=200, description="As `origin`.")
    cargo: str | None = Field(None, max_length=40,
                              description="`truck` (20 t; the default), `teu`, `feu`, `bulk` "
                                          "(per tonne), `passenger`, or another cargo of the "
                                          "network; without it, `truck` or, with `modes` a "
                                          "truck cannot use, the cargo those modes carry.")
    optimize: str = Field("generalized", max_length=40,
                          description="`generalized`, `time`, `cost`, `distance`, `risk` or "
                                      "`p90` (alias `reliable`).")
    seed: int = Field(0, strict=True, ge=0, le=limits.MAX_SEED,
                      description="Seed of the Monte Carlo draws (results are reproducible).")


class _Departure(_Request):
    depart: DateText | None = Field(
        None, description="`YYYY-MM-DD` (leaves 08:00) or `YYYY-MM-DDTHH:MM`; default today "
                          "08:00.")


class _Filters(_Request):
    via: list[Name] = Field([], max_length=10,
                            description="Places or crossings to pass, in order.")
    avoid: list[Name] = Field([], max_length=50,
                              description="Countries (ISO alpha-3 or name), places or "
                                          "crossings to keep out of the route.")
    modes: list[Name] | None = Field(None, max_length=5,
                                     description="Restrict modes: road, rail, sea, ferry, air.")


class RouteRequest(_Filters, _Departure, _Trip):
    """One route query: the best itinerary, or the Pareto alternatives."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"origin": "Karachi", "destination": "Almaty", "depart": "2026-07-15"},
        {"origin": "Islamabad", "destination": "Kashgar", "depart": "2026-01-15",
         "cargo": "teu", "optimize": "time", "draws": 2000},
        {"origin": "Lahore", "destination": "Almaty", "depart": "2026-01-15",
         "alternatives": True, "deadline": "2026-01-24"},
    ]})

    risk_aversion: float = Field(1.0, ge=0, le=100, allow_inf_nan=False,
                                 description="Weight of country risk in generalized cost.")
    draws: int = Field(10_000, strict=True, ge=0, le=limits.MAX_DRAWS,
                       description="Monte Carlo draws for P10/P50/P90 (0 skips); bounded by "
                                   "the server's `max_draws`.")
    deadline: DateText | None = Field(
        None, description="Arrive by this date (end of day) or datetime: adds the on-time "
                    "probability to `reliability`.")
    alternatives: bool = Field(False, description="Return the Pareto-optimal options on time, "
                                                  "money and risk, one per corridor.")
    max_labels: int = Field(24, strict=True, ge=1,
                            description="With `alternatives`: labels kept per search state "
                                        "(bounded by `max_labels`).")


class CalendarRequest(_Filters, _Trip):
    """The best route for departures through a year."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"origin": "Islamabad", "destination": "Kashgar", "optimize": "time", "year": 2026,
         "step": "month", "draws": 500},
    ]})

    year: int = Field(2026, strict=True, ge=YEAR_MIN, le=YEAR_MAX)
    step: Literal["month", "week"] = Field(
        "month", description="`month`: the 1st and 15th of each month; `week`: every Monday.")
    draws: int = Field(2000, strict=True, ge=0, le=limits.MAX_DRAWS,
                       description="Monte Carlo draws per departure.")


class CompareRequest(_Departure, _Trip):
    """Baseline against scenarios for one origin–destination pair."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"origin": "Islamabad", "destination": "Almaty", "depart": "2026-01-15",
         "scenarios": ["customs-cooperation", "khunjerab-year-round"], "combined": True,
         "draws": 1000},
        {"origin": "Karachi", "destination": "Almaty", "depart": "2026-07-15",
         "scenarios": [{"name": "torkham-faster", "title": "Torkham clears in 12 h",
                        "modifications": [{"type": "crossing_time", "crossings": ["Torkham"],
                                           "dwell_h": 12}]}]},
    ]})

    scenarios: list[str | dict[str, Any]] = Field(
        min_length=1,
        description="Each a library scenario name, a saved scenario name, or an inline "
                    "scenario object (the YAML schema of the library, as JSON).")
    combined: bool = Field(False, description="Also apply all scenarios together, in order.")
    modes: list[Name] | None = Field(None, max_length=5,
                                     description="Restrict modes: road, rail, sea, ferry, air "
                                                 "(what a new railway changes for containers "
                                                 "that go by rail, say).")
    draws: int = Field(10_000, strict=True, ge=0, le=limits.MAX_DRAWS,
                       description="Monte Carlo draws (0 skips).")


class PairIn(_Request):
    """An origin–destination pair and its weight."""

    origin: str = Field(min_length=1, max_length=200)
    destination: str = Field(min_length=1, max_length=200)
    weight: float = Field(1.0, ge=0, allow_inf_nan=False)


class CriticalRequest(_Request):
    """Crossings and links ranked by how much closing each one hurts weighted pairs."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"depart": "2026-07-15", "top": 5},
        {"depart": "2026-07-15", "pairs": [
            {"origin": "Islamabad", "destination": "Kashgar", "weight": 2},
            {"origin": "Lahore", "destination": "Tashkent", "weight": 1}]},
    ]})

    pairs: list[PairIn] | None = Field(
        None, description="Pairs to weigh; default the bundled Pakistan–Central Asia pairs "
                          "weighted by trade. At most the server's `max_pairs`.")
    depart: DateText | None = None
    cargo: str = Field("truck", max_length=40)
    optimize: str = Field("generalized", max_length=40,
                          description="What a closure is measured in: `generalized`, `time`, "
                                      "`cost`, `distance` or `risk`.")
    top: int = Field(10, strict=True, ge=1, le=200, description="How many items to return.")
    kinds: list[Literal["crossing", "link"]] = Field(
        ["crossing", "link"], min_length=1, max_length=2, description="What to close.")


# --------------------------------------------------------------------------- responses


class ProblemOut(BaseModel):
    location: str | None = Field(description="Where: a field path such as `body.draws`.")
    message: str
    source: str | None = Field(None, description="For a scenario: which one.")


class ErrorResponse(BaseModel):
    """Every error: a code, a sentence a person can act on, and details when there are."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"error": "unknown_place", "message": "unknown place 'Almatyy'; did you mean "
                                              "'Almaty'?", "suggestions": ["Almaty"]},
    ]})

    error: str = Field(description="A stable code: `unknown_place`, `invalid_option`, "
                                   "`invalid_scenario`, `invalid_request`, `no_route`, "
                                   "`unauthorized`, `forbidden`, `body_too_large`, ...")
    message: str
    problems: list[ProblemOut] | None = None
    suggestions: list[str] | None = None


class NetworkInfo(BaseModel):
    name: str
    version: str
    content_hash: str
    places: int
    links: int
    crossings: int


class HealthResponse(BaseModel):
    status: Literal["ok"]
    network: NetworkInfo
    store: str = Field(description="The scenario store: `sqlite` and its journal mode.")


class VersionResponse(BaseModel):
    corridor: str
    api: str
    network: NetworkInfo
    limits: dict[str, int]


class PlaceOut(BaseModel):
    """A search hit: a network place, a crossing or a gazetteer city."""

    kind: Literal["place", "crossing", "city"]
    id: str
    name: str
    country: str
    detail: str
    matched: str = Field(description="The name or alias that matched the query.")
    score: float
    lat: float | None
    lon: float | None


class EndpointOut(_Response):
    id: str
    name: str
    country: str
    lat: float
    lon: float
    kind: str


class SummaryOut(_Response):
    distance_km: float
    duration_h: float
    duration_days: float
    cost_usd: float
    co2e_kg: float
    risk: float
    risk_exposure: float
    border_crossings: int
    border_time_h: float
    wait_time_h: float
    moving_time_h: float
    transfers: int
    objective: str
    objective_value: float
    cost_unknown_legs: int


class LegOut(_Response):
    """One leg; border legs add `crossing_id`, `dwell_h`, ..., links add `link_id`."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    kind: str
    from_: EndpointOut = Field(alias="from")
    to: EndpointOut
    mode: str
    name: str
    depart: str
    arrive: str
    distance_km: float
    duration_h: float
    cost_usd: float | None
    co2e_kg: float
    risk: float
    sources: list[str]
    estimate: str | None


class RouteResponse(_Response):
    """The route JSON contract (`Route.to_dict()`, as `corridor route --json`)."""

    origin: EndpointOut
    destination: EndpointOut
    depart: str
    arrive: str
    cargo: str
    objective: str
    summary: SummaryOut
    corridor: str
    best_for: list[str]
    countries: list[str]
    crossings: list[str]
    reliability: dict[str, Any] | None = Field(
        description="Monte Carlo P10/P50/P90 and on-time probability; null with draws 0.")
    legs: list[LegOut]
    warnings: list[str]
    sources: list[dict[str, Any]]
    network: str


class AlternativesResponse(BaseModel):
    alternatives: list[RouteResponse] = Field(description="Fastest first.")


class CalendarEntryOut(_Response):
    depart: str
    corridor: str
    crossings: list[str]
    duration_h: float
    p50_h: float
    p90_h: float
    cost_usd: float
    wait_h: float
    co2e_kg: float
    risk: float


class CalendarResponse(_Response):
    origin: str
    destination: str
    cargo: str
    objective: str
    year: int
    step: str
    departures: list[CalendarEntryOut]


class CaseOut(_Response):
    name: str = Field(description="`baseline`, or the scenario names joined by ` + `.")
    title: str
    no_route: str | None
    changes: list[str]
    corridor: str | None
    duration_h: float | None
    p50_h: float | None
    p90_h: float | None
    cost_usd: float | None
    risk: float | None
    co2e_kg: float | None
    trade_impact: dict[str, Any] | None
    route: RouteResponse | None


class CompareResponse(_Response):
    origin: str
    destination: str
    depart: str
    cargo: str
    objective: str
    cases: list[CaseOut]
    modes: list[str] | None = None  # present when the request restricted the modes


class CriticalItemOut(_Response):
    rank: int
    kind: str
    id: str
    name: str
    countries: list[str]
    pairs_affected: int
    score: float
    extra_hours: float
    extra_usd: float
    disconnected: int
    same_effect: list[str]
    detours: list[dict[str, Any]]


class CriticalResponse(_Response):
    depart: str
    cargo: str
    objective: str
    objective_unit: str
    network: str
    pairs: list[dict[str, Any]]
    unrouted: list[str]
    candidates: int
    items: list[CriticalItemOut]


class ScenarioInfo(BaseModel):
    name: str
    source: Literal["library", "saved"]
    title: str
    description: str
    digest: str | None = Field(None, description="Short hash of a saved scenario's content.")
    created_at: str | None = None
    updated_at: str | None = None


class ScenarioList(BaseModel):
    scenarios: list[ScenarioInfo]


class ScenarioOut(ScenarioInfo):
    scenario: dict[str, Any] = Field(description="The scenario body, as accepted by PUT.")


AnalysisKind = Literal["route", "calendar", "compare", "critical"]


class AnalysisIn(_Request):
    """A named analysis to save: which query endpoint, a title, and the request body."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "compare", "title": "Lahore–Almaty, customs cooperation, January",
        "request": {"origin": "Lahore", "destination": "Almaty", "depart": "2027-01-15",
                    "scenarios": ["customs-cooperation"], "draws": 2000}}]})

    kind: AnalysisKind = Field(description="The query endpoint it runs: `route` (POST "
                                           "/route), `calendar`, `compare` or `critical`.")
    title: str = Field("", max_length=200, description="A title for people.")
    request: dict[str, Any] = Field(description="The body for that endpoint, validated as "
                                                "it would be there (limits included).")


class AnalysisInfo(BaseModel):
    name: str
    kind: AnalysisKind
    title: str
    created_at: str
    updated_at: str


class AnalysisList(BaseModel):
    analyses: list[AnalysisInfo]


class AnalysisOut(AnalysisInfo):
    request: dict[str, Any] = Field(description="The stored request body, as the endpoint "
                                                "of `kind` accepts it.")
