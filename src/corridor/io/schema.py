"""The network folder's columns: each table's columns, which are required, and how each
cell is read and checked (the parsers raise ``ValueError`` with a message that names the
problem); :data:`TABLES` is the schema :mod:`corridor.io.folder` loads with and
``docs/network-format.md`` documents."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from corridor.model.calendar import (
    check_holiday_country,
    parse_hours,
    parse_int_set,
    parse_weekdays,
)
from corridor.model.network import (
    CROSSING_TRAFFIC,
    GAUGES_MM,
    LAYERS,
    LINK_TRAFFIC,
    MODES,
    PLACE_KINDS,
    ROAD_CLASSES,
    STATUSES,
    TERRAINS,
)

__all__ = ["FIGURES", "OPTIONAL_COLUMNS", "OPTIONAL_TABLES", "TABLES", "Column", "one_of",
           "parse_float", "parse_gauge", "parse_int", "parse_lat", "parse_lon", "parse_nonneg",
           "parse_positive"]

_ID = re.compile(r"^[a-z0-9_]+$")


def _text(value: str) -> str:
    return value


def parse_float(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def parse_nonneg(value: str) -> float:
    number = parse_float(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def parse_positive(value: str) -> float:
    number = parse_float(value)
    if number <= 0:
        raise ValueError("must be greater than zero")
    return number


def parse_int(value: str) -> int:
    return int(value)


def _bool(value: str) -> bool:
    low = value.strip().lower()
    if low in ("true", "yes", "1"):
        return True
    if low in ("false", "no", "0"):
        return False
    raise ValueError("use true or false")


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


def _ident(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("ids are lowercase letters, digits and underscores")
    return value


def _probability(value: str) -> float:
    number = parse_float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError("a probability is between 0 and 1")
    return number


def one_of(options: Iterable[str]) -> Callable[[str], str]:
    allowed = tuple(options)

    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def parse_gauge(value: str) -> int:
    gauge = int(value)
    if gauge not in GAUGES_MM:
        raise ValueError(f"must be one of {', '.join(map(str, GAUGES_MM))} mm")
    return gauge


def parse_lat(value: str) -> float:
    number = parse_float(value)
    if not -90 <= number <= 90:
        raise ValueError("latitude must be within -90..90")
    return number


def parse_lon(value: str) -> float:
    number = parse_float(value)
    if not -180 <= number <= 180:
        raise ValueError("longitude must be within -180..180")
    return number


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _shape(value: str) -> tuple[tuple[float, float], ...]:
    points = []
    for part in _list(value):
        lat_text, lon_text = part.split()
        points.append((parse_lat(lat_text), parse_lon(lon_text)))
    return tuple(points)


def _iso3(value: str) -> str:
    if not re.match(r"^[A-Z]{3}$", value):
        raise ValueError("use an ISO 3166 alpha-3 code such as PAK")
    return value


@dataclass(frozen=True)
class Column:
    """A column of a table: name, parser, and whether a value is required."""

    name: str
    parse: Callable[[str], Any]
    required: bool = False


_COMMON = (Column("sources", _list), Column("estimate", _text), Column("notes", _text))

TABLES: dict[str, tuple[Column, ...]] = {
    "sources.csv": (
        Column("source_id", _ident, True),
        Column("title", _text, True),
        Column("url", _text),
        Column("year", _text),
        Column("confidence", one_of(("H", "M", "L", "H/M", "M/L", "H/L"))),
        Column("notes", _text),
    ),
    "countries.csv": (
        Column("iso3", _iso3, True),
        Column("name", _text, True),
        Column("road_speed_kmh", parse_positive),
        Column("road_cost_usd_per_500km_20t", parse_nonneg),
        Column("rail_speed_kmh", parse_positive),
        Column("rail_cost_usd_per_500km_20t", parse_nonneg),
        Column("gpi_rank", parse_int),
        Column("gpi_year", _text),
        Column("regimes", _list),
        *_COMMON,
        Column("rail_passenger_speed_kmh", parse_positive),
    ),
    "places.csv": (
        Column("place_id", _ident, True),
        Column("name", _text, True),
        Column("aliases", _list),
        Column("country", _iso3, True),
        Column("lat", parse_lat, True),
        Column("lon", parse_lon, True),
        Column("kind", one_of(PLACE_KINDS), True),
        *_COMMON,
        Column("risk", _probability),
    ),
    "links.csv": (
        Column("link_id", _ident, True),
        Column("from_place", _ident, True),
        Column("to_place", _ident, True),
        Column("mode", one_of(MODES), True),
        Column("gauge_mm", parse_gauge),
        Column("distance_km", parse_nonneg),
        Column("duration_h", parse_nonneg),
        Column("speed_kmh", parse_positive),
        Column("cost_usd", parse_nonneg),
        Column("status", one_of(STATUSES), True),
        Column("calendar_id", _ident),
        Column("two_way", _bool, True),
        Column("name", _text),
        Column("shape", _shape),
        *_COMMON,
        Column("road_class", one_of(ROAD_CLASSES)),
        Column("terrain", one_of(TERRAINS)),
        Column("fare_usd", parse_nonneg),
        Column("risk", _probability),
        Column("passenger_speed_kmh", parse_positive),
        Column("traffic", one_of(LINK_TRAFFIC)),
        Column("crossing_id", _ident),
    ),
    "crossings.csv": (
        Column("crossing_id", _ident, True),
        Column("name", _text, True),
        Column("aliases", _list),
        Column("place_a", _ident, True),
        Column("place_b", _ident, True),
        Column("mode", one_of(("road", "rail")), True),
        Column("gauge_mm", parse_gauge),
        Column("distance_km", parse_nonneg),
        Column("ab_dwell_h", parse_nonneg, True),
        Column("ab_dwell_p90_h", parse_nonneg),
        Column("ab_cost_usd", parse_nonneg),
        Column("ba_dwell_h", parse_nonneg, True),
        Column("ba_dwell_p90_h", parse_nonneg),
        Column("ba_cost_usd", parse_nonneg),
        Column("calendar_id", _ident),
        Column("regimes", _list),
        Column("status", one_of(STATUSES), True),
        *_COMMON,
        Column("traffic", one_of(CROSSING_TRAFFIC)),
        Column("people_dwell_h", parse_nonneg),
        Column("road_country", _iso3),
    ),
    "transfers.csv": (
        Column("place_id", _ident, True),
        Column("from_layer", one_of(LAYERS), True),
        Column("to_layer", one_of(LAYERS), True),
        Column("time_h", parse_nonneg),
        Column("cost_usd", parse_nonneg),
        Column("two_way", _bool, True),
        Column("kind", one_of(("transship", "gauge_change", "port_handling", "airport")), True),
        *_COMMON,
    ),
    "calendars.csv": (
        Column("calendar_id", _ident, True),
        Column("seq", parse_int, True),
        Column("action", one_of(("open", "close")), True),
        Column("months", lambda v: parse_int_set(v, low=1, high=12, cyclic=True)),
        Column("days", lambda v: parse_int_set(v, low=1, high=31)),
        Column("weekdays", parse_weekdays),
        Column("hours", parse_hours),
        Column("date_from", _date),
        Column("date_to", _date),
        Column("holidays", lambda v: _choice_upper2(v)),
        Column("sources", _list),
        Column("notes", _text),
    ),
    "cargo.csv": (
        Column("cargo_id", _ident, True),
        Column("name", _text, True),
        Column("unit", _text, True),
        Column("tonnes", parse_positive),
        Column("value_usd", parse_nonneg),
        Column("cost_factor", parse_nonneg),
        Column("wait_cost_usd_per_day", parse_nonneg),
        Column("modes", _list, True),
        *_COMMON,
        Column("dangerous", _bool),
        Column("value_of_time_usd_per_h", parse_nonneg),
    ),
    "emission_factors.csv": (
        Column("mode", one_of(MODES), True),
        Column("g_co2e_per_tkm", parse_nonneg),
        Column("kg_co2e_per_pax_km", parse_nonneg),
        *_COMMON,
    ),
    "disruptions.csv": (
        Column("disruption_id", _ident, True),
        Column("name", _text, True),
        Column("target_kind", one_of(("crossing", "link")), True),
        Column("target_id", _list, True),
        Column("months", lambda v: parse_int_set(v, low=1, high=12, cyclic=True)),
        Column("kind", one_of(("closure", "delay", "wait")), True),
        Column("events_per_year", parse_nonneg),
        Column("probability", _probability),
        Column("duration_h_min", parse_nonneg, True),
        Column("duration_h_max", parse_nonneg, True),
        *_COMMON,
    ),
}

TABLES["road_classes.csv"] = (
    Column("road_class", one_of(ROAD_CLASSES), True),
    Column("truck_speed_kmh", parse_positive),
    Column("bus_speed_kmh", parse_positive),
    Column("truck_ratio", parse_positive),
    Column("truck_min_kmh", parse_positive),
    Column("truck_max_kmh", parse_positive),
    *_COMMON,
)

TABLES["cargo_rules.csv"] = (
    Column("rule_id", _ident, True),
    Column("name", _text, True),
    Column("cargo", _list, True),
    Column("kind", one_of(("no_export", "no_import")), True),
    Column("country", _iso3, True),
    Column("modes", _list, True),
    Column("date_from", _date),
    Column("date_to", _date),
    Column("sources", _list),
    Column("notes", _text),
)

OPTIONAL_TABLES = frozenset({"disruptions.csv", "cargo_rules.csv", "road_classes.csv"})
OPTIONAL_COLUMNS = frozenset({
    ("cargo.csv", "dangerous"), ("cargo.csv", "value_of_time_usd_per_h"),
    ("links.csv", "road_class"), ("links.csv", "terrain"), ("links.csv", "fare_usd"),
    ("links.csv", "risk"), ("links.csv", "passenger_speed_kmh"), ("links.csv", "traffic"),
    ("links.csv", "crossing_id"),
    ("places.csv", "risk"),
    ("countries.csv", "rail_passenger_speed_kmh"),
    ("crossings.csv", "traffic"), ("crossings.csv", "people_dwell_h"),
    ("crossings.csv", "road_country"),
})
"""Tables a network folder may leave out (then empty)."""

# Columns that hold a figure: a row with any of them filled must cite a source.
FIGURES: dict[str, tuple[str, ...]] = {
    "countries.csv": (
        "road_speed_kmh",
        "road_cost_usd_per_500km_20t",
        "rail_speed_kmh",
        "rail_cost_usd_per_500km_20t",
        "gpi_rank",
        "rail_passenger_speed_kmh",
    ),
    "places.csv": ("lat", "lon", "risk"),
    "links.csv": ("distance_km", "duration_h", "speed_kmh", "cost_usd", "fare_usd", "risk",
                  "passenger_speed_kmh"),
    "crossings.csv": ("ab_dwell_h", "ba_dwell_h", "ab_cost_usd", "ba_cost_usd",
                      "people_dwell_h"),
    "transfers.csv": ("time_h", "cost_usd"),
    "road_classes.csv": ("truck_speed_kmh", "bus_speed_kmh", "truck_ratio", "truck_min_kmh",
                         "truck_max_kmh"),
    "calendars.csv": ("action",),
    "cargo.csv": ("tonnes", "value_usd", "cost_factor", "wait_cost_usd_per_day",
                  "value_of_time_usd_per_h"),
    "emission_factors.csv": ("g_co2e_per_tkm", "kg_co2e_per_pax_km"),
    "disruptions.csv": ("events_per_year", "probability", "duration_h_min", "duration_h_max"),
    "cargo_rules.csv": ("kind",),
}


def _choice_upper2(value: str) -> str:
    return check_holiday_country(value)
