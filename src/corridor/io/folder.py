"""Read a network folder (CSV tables + manifest.yaml), validate it, build a :class:`Network`.

Validation collects every problem (file, row, column, what is wrong) before raising, so a
user editing the tables in a spreadsheet sees the whole list at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from corridor.exceptions import NetworkValidationError, Problem
from corridor.model.calendar import (
    Calendar,
    CalendarRule,
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
    CargoProfile,
    CargoRule,
    Country,
    Crossing,
    Disruption,
    EmissionFactor,
    Link,
    Network,
    Parameter,
    Place,
    RoadClass,
    Source,
    Transfer,
)

__all__ = ["TABLES", "bundled_network_path", "load_network", "validate_network"]

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
_FIGURES: dict[str, tuple[str, ...]] = {
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


def bundled_network_path() -> Path:
    """The folder of the regional network that ships with corridor."""
    return Path(str(resources.files("corridor") / "data" / "network"))


@dataclass
class _Reader:
    folder: Path
    problems: list[Problem]

    def table(self, file: str) -> list[tuple[int, dict[str, Any]]]:
        """Parse one table; returns (row number, parsed values) for every row."""
        path = self.folder / file
        if not path.is_file():
            if file not in OPTIONAL_TABLES:
                self.problems.append(Problem(file, None, None, "file is missing"))
            return []
        columns = TABLES[file]
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                header = reader.fieldnames or []
                raw_rows = list(reader)
        except (UnicodeDecodeError, csv.Error) as error:
            self.problems.append(Problem(file, None, None, f"cannot be read as CSV: {error}"))
            return []
        names = [c.name for c in columns]
        missing = [n for n in names if n not in header
                   and (file, n) not in OPTIONAL_COLUMNS]
        for name in missing:
            self.problems.append(Problem(file, 1, name, "column is missing from the header"))
        for name in header:
            if name not in names:
                self.problems.append(
                    Problem(file, 1, name, f"unknown column; expected: {', '.join(names)}")
                )
        rows: list[tuple[int, dict[str, Any]]] = []
        for number, raw in enumerate(raw_rows, start=2):  # row 1 is the header
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            if None in raw:
                self.problems.append(Problem(file, number, None, "more cells than columns"))
            values: dict[str, Any] = {"_bad": set()}  # columns that failed to parse
            for column in columns:
                text = (raw.get(column.name) or "").strip()
                if not text:
                    if column.required and column.name not in missing:
                        self.problems.append(Problem(file, number, column.name, "value required"))
                    values[column.name] = None
                    continue
                try:
                    values[column.name] = column.parse(text)
                except (ValueError, TypeError) as error:
                    self.problems.append(
                        Problem(file, number, column.name, f"{text!r}: {error}")
                    )
                    values[column.name] = None
                    values["_bad"].add(column.name)
            figures = _FIGURES.get(file, ())
            if any(values.get(f) is not None for f in figures) and not values.get("sources"):
                self.problems.append(
                    Problem(file, number, "sources", "a row with figures must cite a source")
                )
            rows.append((number, values))
        return rows


def _content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*")):
        if path.suffix in (".csv", ".yaml", ".yml") and path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _read_manifest(folder: Path, problems: list[Problem]) -> dict[str, Any]:
    path = folder / "manifest.yaml"
    if not path.is_file():
        problems.append(Problem("manifest.yaml", None, None, "file is missing"))
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        problems.append(Problem("manifest.yaml", None, None, f"not valid YAML: {error}"))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem("manifest.yaml", None, None, "must be a mapping"))
        return {}
    for key in ("name", "version"):
        if not data.get(key):
            problems.append(Problem("manifest.yaml", None, key, "value required"))
    return data


def _parameters(
    manifest: dict[str, Any], source_ids: set[str], problems: list[Problem]
) -> dict[str, Parameter]:
    result: dict[str, Parameter] = {}
    raw = manifest.get("parameters") or {}
    if not isinstance(raw, dict):
        problems.append(Problem("manifest.yaml", None, "parameters", "must be a mapping"))
        return result
    for name, spec in raw.items():
        where = f"parameters.{name}"
        if not isinstance(spec, dict) or "value" not in spec:
            problems.append(Problem("manifest.yaml", None, where, "needs value and sources"))
            continue
        try:
            value = float(spec["value"])
        except (TypeError, ValueError):
            problems.append(Problem("manifest.yaml", None, where, "value must be a number"))
            continue
        sources = spec.get("sources") or []
        if isinstance(sources, str):
            sources = [s.strip() for s in sources.split(";") if s.strip()]
        if not sources:
            problems.append(Problem("manifest.yaml", None, where, "must cite a source"))
        for sid in sources:
            if sid not in source_ids:
                problems.append(
                    Problem("manifest.yaml", None, where, f"unknown source id {sid!r}")
                )
        result[name] = Parameter(
            name, value, tuple(sources), str(spec.get("estimate") or "").strip()
        )
    return result


def _check_sources(
    file: str, rows: list[tuple[int, dict[str, Any]]], known: set[str], problems: list[Problem]
) -> None:
    for number, row in rows:
        for sid in row.get("sources") or ():
            if sid not in known:
                problems.append(Problem(file, number, "sources", f"unknown source id {sid!r}"))


def _check_unique(
    file: str, rows: list[tuple[int, dict[str, Any]]], key: str, problems: list[Problem]
) -> None:
    seen: dict[Any, int] = {}
    for number, row in rows:
        value = row.get(key)
        if value is None:
            continue
        if value in seen:
            problems.append(
                Problem(file, number, key, f"duplicate id {value!r} (first on row {seen[value]})")
            )
        else:
            seen[value] = number


def _build(folder: Path) -> tuple[Network | None, list[Problem]]:
    problems: list[Problem] = []
    if not folder.is_dir():
        return None, [Problem(str(folder), None, None, "is not a folder")]
    manifest = _read_manifest(folder, problems)
    reader = _Reader(folder, problems)
    t = {file: reader.table(file) for file in TABLES}

    for file, key in (
        ("sources.csv", "source_id"),
        ("countries.csv", "iso3"),
        ("places.csv", "place_id"),
        ("links.csv", "link_id"),
        ("crossings.csv", "crossing_id"),
        ("cargo.csv", "cargo_id"),
        ("emission_factors.csv", "mode"),
        ("disruptions.csv", "disruption_id"),
        ("cargo_rules.csv", "rule_id"),
        ("road_classes.csv", "road_class"),
    ):
        _check_unique(file, t[file], key, problems)

    source_ids = {r["source_id"] for _, r in t["sources.csv"] if r["source_id"]}
    for file in TABLES:
        if file != "sources.csv":
            _check_sources(file, t[file], source_ids, problems)
    parameters = _parameters(manifest, source_ids, problems)

    countries = {r["iso3"] for _, r in t["countries.csv"] if r["iso3"]}
    places: dict[str, dict[str, Any]] = {}
    for number, row in t["places.csv"]:
        if row["country"] and row["country"] not in countries:
            problems.append(
                Problem("places.csv", number, "country", f"{row['country']!r} not in countries.csv")
            )
        if row["place_id"]:
            places.setdefault(row["place_id"], row)

    crossing_ids = {r["crossing_id"] for _, r in t["crossings.csv"]}
    calendar_rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, row in t["calendars.csv"]:
        if row["calendar_id"]:
            calendar_rows.setdefault(row["calendar_id"], []).append((number, row))
    for cid, rows in calendar_rows.items():
        seqs = [r["seq"] for _, r in rows if r["seq"] is not None]
        if len(seqs) != len(set(seqs)):
            problems.append(
                Problem("calendars.csv", rows[0][0], "seq", f"calendar {cid!r} repeats a seq")
            )

    def check_place(file: str, number: int, column: str, pid: str | None) -> dict | None:
        if pid is None:
            return None
        if pid not in places:
            problems.append(Problem(file, number, column, f"unknown place id {pid!r}"))
            return None
        return places[pid]

    def check_calendar(file: str, number: int, cid: str | None) -> None:
        if cid is not None and cid not in calendar_rows:
            problems.append(Problem(file, number, "calendar_id", f"unknown calendar {cid!r}"))

    for number, row in t["links.csv"]:
        a = check_place("links.csv", number, "from_place", row["from_place"])
        b = check_place("links.csv", number, "to_place", row["to_place"])
        check_calendar("links.csv", number, row["calendar_id"])
        mode = row["mode"]
        if mode == "rail" and row["gauge_mm"] is None:
            problems.append(Problem("links.csv", number, "gauge_mm", "rail links need a gauge"))
        if mode not in (None, "rail") and row["gauge_mm"] is not None:
            problems.append(Problem("links.csv", number, "gauge_mm", "only rail links have one"))
        if row["from_place"] is not None and row["from_place"] == row["to_place"]:
            problems.append(
                Problem("links.csv", number, "to_place", "link joins a place to itself")
            )
        service = (mode == "rail" and row.get("crossing_id") is not None
                   and row["duration_h"] is not None)
        if row.get("crossing_id") is not None and row["crossing_id"] not in crossing_ids:
            problems.append(Problem("links.csv", number, "crossing_id",
                                    f"unknown crossing {row['crossing_id']!r}"))
        if row.get("crossing_id") is not None and not (
                mode == "rail" and row["duration_h"] is not None):
            problems.append(Problem("links.csv", number, "crossing_id",
                                    "only a train service with its duration_h (border "
                                    "included) passes a crossing"))
        if mode in ("road", "rail") and a and b and a["country"] != b["country"] \
                and not service:
            problems.append(
                Problem(
                    "links.csv",
                    number,
                    "to_place",
                    f"{mode} link joins {a['country']} and {b['country']}: "
                    "use crossings.csv for a border (a train service that runs "
                    "through gives its duration_h and crossing_id)",
                )
            )
        if mode in ("sea", "ferry", "air") and row["duration_h"] is None \
                and "duration_h" not in row["_bad"]:
            problems.append(Problem("links.csv", number, "duration_h", f"{mode} links need one"))
        if mode in ("road", "rail") and row["distance_km"] is None \
                and "distance_km" not in row["_bad"]:
            problems.append(Problem("links.csv", number, "distance_km", f"{mode} links need one"))

    for number, row in t["crossings.csv"]:
        a = check_place("crossings.csv", number, "place_a", row["place_a"])
        b = check_place("crossings.csv", number, "place_b", row["place_b"])
        check_calendar("crossings.csv", number, row["calendar_id"])
        if a and b and a["country"] == b["country"]:
            problems.append(
                Problem("crossings.csv", number, "place_b", "a crossing joins two countries")
            )
        road = row.get("road_country")
        if a and b and road and road not in (a["country"], b["country"]):
            problems.append(Problem("crossings.csv", number, "road_country",
                                    f"{road} is neither {a['country']} nor {b['country']}, "
                                    "the countries of the crossing's posts"))
        for side, place in (("place_a", a), ("place_b", b)):
            if place and place["kind"] != "border_post":
                problems.append(
                    Problem(
                        "crossings.csv",
                        number,
                        side,
                        f"{place['place_id']!r} is a {place['kind']}, not a border_post",
                    )
                )
        if row["mode"] == "rail" and row["gauge_mm"] is None:
            problems.append(Problem("crossings.csv", number, "gauge_mm", "rail needs a gauge"))
        for d in ("ab", "ba"):
            med, p90 = row[f"{d}_dwell_h"], row[f"{d}_dwell_p90_h"]
            if med is not None and p90 is not None and p90 < med:
                problems.append(
                    Problem("crossings.csv", number, f"{d}_dwell_p90_h", "is below the median")
                )

    for number, row in t["transfers.csv"]:
        check_place("transfers.csv", number, "place_id", row["place_id"])
        if row["from_layer"] is not None and row["from_layer"] == row["to_layer"]:
            problems.append(Problem("transfers.csv", number, "to_layer", "same as from_layer"))

    link_ids = {r["link_id"] for _, r in t["links.csv"]}
    for number, row in t["disruptions.csv"]:
        known = crossing_ids if row["target_kind"] == "crossing" else link_ids
        for target in row["target_id"] or ():
            if row["target_kind"] and target not in known:
                problems.append(Problem("disruptions.csv", number, "target_id",
                                        f"unknown {row['target_kind']} id {target!r}"))
        if row["kind"] == "closure" and row["events_per_year"] is None:
            problems.append(Problem("disruptions.csv", number, "events_per_year",
                                    "a closure needs a rate"))
        if row["kind"] in ("delay", "wait") and row["probability"] is None:
            problems.append(Problem("disruptions.csv", number, "probability",
                                    f"a {row['kind']} needs a probability per trip"))
        low, high = row["duration_h_min"], row["duration_h_max"]
        if low is not None and high is not None and high < low:
            problems.append(Problem("disruptions.csv", number, "duration_h_max",
                                    "is below duration_h_min"))

    cargo_ids = {r["cargo_id"] for _, r in t["cargo.csv"]}
    for number, row in t["cargo_rules.csv"]:
        for cid in row["cargo"] or ():
            if cid not in cargo_ids:
                problems.append(Problem("cargo_rules.csv", number, "cargo",
                                        f"unknown cargo {cid!r}"))
        if row["country"] and row["country"] not in countries:
            problems.append(Problem("cargo_rules.csv", number, "country",
                                    f"{row['country']!r} not in countries.csv"))
        for mode in row["modes"] or ():
            if mode not in MODES:
                problems.append(Problem("cargo_rules.csv", number, "modes",
                                        f"unknown mode {mode!r}"))

    for number, row in t["cargo.csv"]:
        for mode in row["modes"] or ():
            if mode not in MODES:
                problems.append(
                    Problem("cargo.csv", number, "modes", f"unknown mode {mode!r}; use {MODES}")
                )

    if problems:
        order = ["manifest.yaml", *TABLES]
        problems.sort(key=lambda p: (order.index(p.file) if p.file in order else -1,
                                     p.row or 0))
        return None, problems

    sources = {
        r["source_id"]: Source(
            r["source_id"], r["title"], r["url"] or "", r["year"] or "", r["confidence"] or "",
            r["notes"] or "",
        )
        for _, r in t["sources.csv"]
    }

    def common(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "sources": r["sources"] or (),
            "estimate": r["estimate"] or "",
            "notes": r["notes"] or "",
        }

    network = Network(
        name=str(manifest.get("name")),
        version=str(manifest.get("version")),
        description=str(manifest.get("description") or "").strip(),
        sources=sources,
        countries={
            r["iso3"]: Country(
                r["iso3"], r["name"], r["road_speed_kmh"], r["road_cost_usd_per_500km_20t"],
                r["rail_speed_kmh"], r["rail_cost_usd_per_500km_20t"], r["gpi_rank"],
                r["gpi_year"] or "", r["regimes"] or (), **common(r),
                rail_passenger_speed_kmh=r.get("rail_passenger_speed_kmh"),
            )
            for _, r in t["countries.csv"]
        },
        places={
            r["place_id"]: Place(
                r["place_id"], r["name"], r["country"], r["lat"], r["lon"], r["kind"],
                r["aliases"] or (), **common(r), risk=r.get("risk"),
            )
            for _, r in t["places.csv"]
        },
        links=tuple(
            Link(
                r["link_id"], r["from_place"], r["to_place"], r["mode"], r["gauge_mm"],
                r["distance_km"], r["duration_h"], r["speed_kmh"], r["cost_usd"], r["status"],
                r["calendar_id"], r["two_way"], r["name"] or "", r["shape"] or (), **common(r),
                road_class=r.get("road_class") or ("highway" if r["mode"] == "road" else ""),
                terrain=r.get("terrain") or "", fare_usd=r.get("fare_usd"),
                risk=r.get("risk"), passenger_speed_kmh=r.get("passenger_speed_kmh"),
                traffic=r.get("traffic") or "", crossing_id=r.get("crossing_id") or "",
            )
            for _, r in t["links.csv"]
        ),
        crossings=tuple(
            Crossing(
                r["crossing_id"], r["name"], r["place_a"], r["place_b"], r["mode"],
                r["gauge_mm"], r["distance_km"] or 0.0, r["ab_dwell_h"], r["ab_dwell_p90_h"],
                r["ab_cost_usd"], r["ba_dwell_h"], r["ba_dwell_p90_h"], r["ba_cost_usd"],
                r["calendar_id"], r["status"], r["aliases"] or (), r["regimes"] or (),
                **common(r), traffic=r.get("traffic") or "transit",
                people_dwell_h=r.get("people_dwell_h"),
                road_country=r.get("road_country") or "",
            )
            for _, r in t["crossings.csv"]
        ),
        transfers=tuple(
            Transfer(
                r["place_id"], r["from_layer"], r["to_layer"], r["time_h"], r["cost_usd"],
                r["two_way"], r["kind"], **common(r),
            )
            for _, r in t["transfers.csv"]
        ),
        calendars={
            cid: Calendar(
                cid,
                tuple(
                    CalendarRule(
                        r["action"], r["months"], r["days"], r["weekdays"], r["hours"],
                        r["date_from"], r["date_to"], r["holidays"], r["sources"] or (),
                        r["notes"] or "",
                    )
                    for _, r in sorted(rows, key=lambda item: item[1]["seq"])
                ),
            )
            for cid, rows in calendar_rows.items()
        },
        cargo={
            r["cargo_id"]: CargoProfile(
                r["cargo_id"], r["name"], r["unit"], r["tonnes"], r["value_usd"],
                r["cost_factor"], r["wait_cost_usd_per_day"] or 0.0, r["modes"], **common(r),
                dangerous=bool(r.get("dangerous")),
                value_of_time_usd_per_h=r.get("value_of_time_usd_per_h"),
            )
            for _, r in t["cargo.csv"]
        },
        emission_factors={
            r["mode"]: EmissionFactor(
                r["mode"], r["g_co2e_per_tkm"], r["kg_co2e_per_pax_km"], **common(r)
            )
            for _, r in t["emission_factors.csv"]
        },
        parameters=parameters,
        content_hash=_content_hash(folder),
        folder=str(folder),
        disruptions=tuple(
            Disruption(
                r["disruption_id"], r["name"], r["target_kind"], r["target_id"], r["kind"],
                r["months"], r["events_per_year"], r["probability"], r["duration_h_min"],
                r["duration_h_max"], **common(r),
            )
            for _, r in t["disruptions.csv"]
        ),
        road_classes={
            r["road_class"]: RoadClass(r["road_class"], r["truck_speed_kmh"],
                                       r["bus_speed_kmh"], r["truck_ratio"],
                                       r["truck_min_kmh"], r["truck_max_kmh"], **common(r))
            for _, r in t["road_classes.csv"]
        },
        cargo_rules=tuple(
            CargoRule(r["rule_id"], r["name"], r["cargo"], r["kind"], r["country"],
                      r["modes"], r["date_from"], r["date_to"], r["sources"] or (),
                      r["notes"] or "")
            for _, r in t["cargo_rules.csv"]
        ),
    )
    return network, []


_CACHE: dict[tuple[str, str], Network] = {}


def load_network(path: str | Path | None = None) -> Network:
    """Load and validate a network folder; without ``path``, the bundled regional network.

    Parameters
    ----------
    path
        A folder with ``manifest.yaml`` and the CSV tables described in
        ``docs/network-format.md``.

    Returns
    -------
    Network

    Raises
    ------
    NetworkValidationError
        Listing every problem found (file, row, column, message).

    Examples
    --------
    >>> net = load_network()
    >>> "karachi" in net.places
    True
    """
    folder = Path(path) if path is not None else bundled_network_path()
    key = (str(folder.resolve()), _content_hash(folder) if folder.is_dir() else "")
    if key in _CACHE:
        return _CACHE[key]
    network, problems = _build(folder)
    if network is None:
        raise NetworkValidationError(problems, folder=str(folder))
    _CACHE[key] = network
    return network


def validate_network(path: str | Path | None = None) -> list[Problem]:
    """Check a network folder and return every problem found (empty when valid).

    Examples
    --------
    >>> validate_network()
    []
    """
    folder = Path(path) if path is not None else bundled_network_path()
    _, problems = _build(folder)
    return problems
