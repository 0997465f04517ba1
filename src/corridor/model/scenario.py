"""Scenarios: named, declarative patches over a baseline network.

A scenario is a list of typed modifications (below). :func:`apply_scenarios` returns a new
:class:`~corridor.model.Network`; the baseline is never mutated, and scenarios compose in
the order given. The schema is checked with pydantic, and every problem — bad fields and
unknown ids alike — is reported at once as a :class:`~corridor.ScenarioError`.

Modification types (``type:``):

* ``crossing_time`` — scale (``dwell_factor``, ``cost_factor``) or set (``dwell_h``,
  ``cost_usd``) border dwell and payments, for ``crossings`` (ids or names), every crossing
  touching one of ``countries`` (with ``within: true``, only crossings between two of them),
  the crossings of a ``country_pair``, or of a ``corridor`` (the crossings of the best route
  between ``origin`` and ``destination``); ``modes`` (road, rail) narrows them; ``direction``
  ``both`` (default), ``ab`` or ``ba`` (as the rows of crossings.csv are written).
* ``close`` / ``open`` — close (for ``date_from``–``date_to``, or for good) or open (status
  ``planned`` → ``open``, for good or only between ``date_from`` and ``date_to``)
  ``places``, ``links``, ``crossings`` or whole ``countries``.
* ``calendar`` — give ``crossings`` or ``links`` a new calendar: ``always_open: true``, or
  ``rules`` as in calendars.csv.
* ``add_link`` — a new road, rail, sea, ferry or air link (with ``gauge_mm`` for rail).
* ``add_crossing`` — a new border crossing between two places of two countries (road or
  rail with its gauge), with dwell and payments per direction: with ``add_link`` on each
  side, a new cross-border railway.
* ``add_service`` — a scheduled service: ``weekdays``, ``depart_hour``, ``duration_h``.
* ``country`` — scale road/rail speeds and costs, or set the GPI rank, of ``countries``.
* ``value_of_time`` — the value of time in % of cargo value per day.
* ``disruption`` — scale the rate or probability of disruptions (political closures…).
* ``cargo_rule`` — ``lift`` cargo rules (e.g. Kazakhstan's LPG export ban).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from corridor.exceptions import Problem, ScenarioError
from corridor.model.calendar import (
    CalendarRule,
    check_holiday_country,
    parse_hours,
    parse_int_set,
    parse_weekdays,
)
from corridor.model.network import GAUGES_MM

__all__ = ["Scenario", "parse_scenario"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RouteSelector(_Strict):
    """A corridor named by the route it carries: its crossings are the ones selected."""

    origin: str
    destination: str
    depart: dt.date | None = None
    via: list[str] = []
    cargo: str = "truck"


class CrossingTime(_Strict):
    type: Literal["crossing_time"]
    crossings: list[str] = []
    corridor: RouteSelector | None = None
    countries: list[str] = []
    country_pair: list[str] = []
    within: bool = False  # with countries: both ends of the crossing among them
    modes: list[Literal["road", "rail"]] = ["road", "rail"]
    direction: Literal["both", "ab", "ba"] = "both"
    dwell_factor: float | None = Field(None, ge=0)
    cost_factor: float | None = Field(None, ge=0)
    dwell_h: float | None = Field(None, ge=0)
    cost_usd: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> CrossingTime:
        if not (self.crossings or self.countries or self.country_pair or self.corridor):
            raise ValueError("name crossings, countries, a country_pair or a corridor")
        if self.country_pair and len(self.country_pair) != 2:
            raise ValueError("country_pair takes two ISO alpha-3 codes")
        if all(v is None for v in (self.dwell_factor, self.cost_factor, self.dwell_h,
                                   self.cost_usd)):
            raise ValueError("give dwell_factor, cost_factor, dwell_h or cost_usd")
        return self


class Targets(_Strict):
    places: list[str] = []
    links: list[str] = []
    crossings: list[str] = []
    countries: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> Targets:
        if not (self.places or self.links or self.crossings or self.countries):
            raise ValueError("name places, links, crossings or countries")
        return self


class Close(Targets):
    type: Literal["close"]
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class Open(Targets):
    type: Literal["open"]
    date_from: dt.date | None = None  # open only between these dates (closed before/after)
    date_to: dt.date | None = None
    # what the opened crossings admit (e.g. a bilateral post opened to transit); None: as is
    traffic: Literal["transit", "bilateral", "people"] | None = None


class RuleSpec(_Strict):
    action: Literal["open", "close"]
    months: str | None = None
    days: str | None = None
    weekdays: str | None = None
    hours: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    holidays: str | None = None

    def to_rule(self) -> CalendarRule:
        return CalendarRule(
            self.action,
            None if self.months is None else parse_int_set(self.months, low=1, high=12,
                                                           cyclic=True),
            None if self.days is None else parse_int_set(self.days, low=1, high=31),
            None if self.weekdays is None else parse_weekdays(self.weekdays),
            None if self.hours is None else parse_hours(self.hours),
            self.date_from, self.date_to, self.holidays,
        )

    @model_validator(mode="after")
    def _check(self) -> RuleSpec:
        if self.holidays is not None:
            check_holiday_country(self.holidays)
        self.to_rule()  # raises ValueError with the parser's message
        return self


class CalendarChange(_Strict):
    type: Literal["calendar"]
    crossings: list[str] = []
    links: list[str] = []
    always_open: bool = False
    rules: list[RuleSpec] = []

    @model_validator(mode="after")
    def _check(self) -> CalendarChange:
        if not (self.crossings or self.links):
            raise ValueError("name crossings or links")
        if self.always_open == bool(self.rules):
            raise ValueError("give either always_open: true or rules")
        return self


class AddLink(_Strict):
    type: Literal["add_link"]
    link_id: str = Field(pattern=r"^[a-z0-9_]+$")
    from_place: str
    to_place: str
    mode: Literal["road", "rail", "sea", "ferry", "air"]
    gauge_mm: int | None = None
    distance_km: float | None = Field(None, ge=0)
    duration_h: float | None = Field(None, ge=0)
    cost_usd: float | None = Field(None, ge=0)
    two_way: bool = True
    name: str = ""
    rules: list[RuleSpec] = []

    @model_validator(mode="after")
    def _check(self) -> AddLink:
        if self.mode == "rail" and self.gauge_mm not in GAUGES_MM:
            raise ValueError(f"a rail link needs gauge_mm, one of {GAUGES_MM}")
        if self.mode in ("road", "rail") and self.distance_km is None:
            raise ValueError(f"a {self.mode} link needs distance_km")
        if self.mode in ("sea", "ferry", "air") and self.duration_h is None:
            raise ValueError(f"a {self.mode} link needs duration_h")
        return self


class AddCrossing(_Strict):
    type: Literal["add_crossing"]
    crossing_id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    place_a: str
    place_b: str
    mode: Literal["road", "rail"] = "road"
    gauge_mm: int | None = None
    distance_km: float = Field(0.0, ge=0)
    ab_dwell_h: float = Field(ge=0)
    ba_dwell_h: float = Field(ge=0)
    ab_dwell_p90_h: float | None = Field(None, ge=0)
    ba_dwell_p90_h: float | None = Field(None, ge=0)
    ab_cost_usd: float | None = Field(None, ge=0)
    ba_cost_usd: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> AddCrossing:
        if self.mode == "rail" and self.gauge_mm not in GAUGES_MM:
            raise ValueError(f"a rail crossing needs gauge_mm, one of {GAUGES_MM}")
        return self


class AddService(_Strict):
    type: Literal["add_service"]
    service_id: str = Field(pattern=r"^[a-z0-9_]+$")
    from_place: str
    to_place: str
    mode: Literal["air", "rail", "ferry", "sea"] = "air"
    gauge_mm: int | None = None
    weekdays: str
    depart_hour: int = Field(ge=0, le=23)
    duration_h: float = Field(gt=0)
    distance_km: float | None = Field(None, ge=0)
    fare_usd: float | None = Field(None, ge=0)
    two_way: bool = True
    name: str = ""

    @model_validator(mode="after")
    def _check(self) -> AddService:
        parse_weekdays(self.weekdays)
        if self.mode == "rail" and self.gauge_mm not in GAUGES_MM:
            raise ValueError(f"a rail service needs gauge_mm, one of {GAUGES_MM}")
        return self


class CountryChange(_Strict):
    type: Literal["country"]
    countries: list[str] = Field(min_length=1)
    road_speed_factor: float | None = Field(None, gt=0)
    rail_speed_factor: float | None = Field(None, gt=0)
    road_cost_factor: float | None = Field(None, ge=0)
    rail_cost_factor: float | None = Field(None, ge=0)
    gpi_rank: int | None = Field(None, ge=1, le=163)


class ValueOfTime(_Strict):
    type: Literal["value_of_time"]
    pct_per_day: float = Field(ge=0)


class CargoRuleChange(_Strict):
    type: Literal["cargo_rule"]
    lift: list[str] = Field(min_length=1)


class DisruptionChange(_Strict):
    type: Literal["disruption"]
    disruptions: list[str] = Field(min_length=1)
    rate_factor: float = Field(1.0, ge=0)


Modification = Annotated[
    CrossingTime | Close | Open | CalendarChange | AddLink | AddCrossing | AddService
    | CountryChange
    | ValueOfTime | DisruptionChange | CargoRuleChange,
    Field(discriminator="type"),
]


class SourceSpec(_Strict):
    source_id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    url: str = ""
    year: str = ""
    confidence: str = ""


class Scenario(_Strict):
    """A named, declarative patch over a baseline network (see the module docstring)."""

    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    title: str
    description: str = ""
    assumptions: list[str] = []
    sources: list[str] = []
    new_sources: list[SourceSpec] = []
    modifications: list[Modification] = Field(min_length=1)

    def digest(self) -> str:
        """A short hash of the scenario's content."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def parse_scenario(data: Any, *, origin: str = "scenario") -> Scenario:
    """Validate a mapping (from YAML or JSON) as a :class:`Scenario`.

    Raises
    ------
    ScenarioError
        Listing every schema problem with its path (``modifications.2.dwell_factor``).
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = [
            Problem(origin, None, ".".join(str(p) for p in e["loc"]) or None,
                    e["msg"].removeprefix("Value error, "))
            for e in error.errors()
        ]
        raise ScenarioError(problems, folder=origin) from None
