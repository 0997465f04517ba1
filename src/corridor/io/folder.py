"""Read a network folder (CSV tables + manifest.yaml), validate it, build a :class:`Network`.

Validation collects every problem (file, row, column, what is wrong) before raising, so a
user editing the tables in a spreadsheet sees the whole list at once.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from corridor.exceptions import NetworkValidationError, Problem
from corridor.io.schema import FIGURES, OPTIONAL_COLUMNS, OPTIONAL_TABLES, TABLES
from corridor.model.calendar import (
    Calendar,
    CalendarRule,
)
from corridor.model.network import (
    MODES,
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
            figures = FIGURES.get(file, ())
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

    return _assemble(folder, manifest, t, parameters, calendar_rows), []


_CACHE: dict[tuple[str, str], Network] = {}


def _assemble(folder: Path, manifest: dict[str, Any], t: dict[str, list], parameters: dict,
              calendar_rows: dict[str, list[tuple[int, dict[str, Any]]]]) -> Network:
    """The network from tables that passed every check (:func:`_build` checks them)."""
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
    return network


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
