"""Write small hand-made network folders for tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from corridor.io.schema import TABLES

MANIFEST = """name: {name}
version: "test"
description: a hand-made test network
parameters:
  road_circuity_factor: {{value: 1.25, sources: [s1]}}
  value_of_time_pct_per_day: {{value: 0.2, sources: [s1]}}
"""

DEFAULT_CARGO = [
    dict(cargo_id="truck", name="Truck 20 t", unit="truck", tonnes=20, value_usd=40000,
         cost_factor=1, wait_cost_usd_per_day=240, modes="road;ferry", sources="s1"),
    dict(cargo_id="teu", name="TEU", unit="TEU", tonnes=10, value_usd=54500, cost_factor=1,
         wait_cost_usd_per_day=240, modes="road;rail;sea;ferry", sources="s1"),
    dict(cargo_id="passenger", name="Passenger", unit="passenger", wait_cost_usd_per_day=0,
         modes="road;rail;air;ferry", sources="s1"),
]
DEFAULT_EMISSIONS = [
    dict(mode="road", g_co2e_per_tkm=80, sources="s1"),
    dict(mode="rail", g_co2e_per_tkm=25, sources="s1"),
    dict(mode="air", g_co2e_per_tkm=900, kg_co2e_per_pax_km=0.15, sources="s1"),
]


def write_network(folder: Path, name: str = "tiny", **tables: list[dict[str, Any]]) -> Path:
    """Write a network folder; tables are given by stem (``places=[...]``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.yaml").write_text(MANIFEST.format(name=name), encoding="utf-8")
    tables.setdefault("sources", [dict(source_id="s1", title="Test source", year="2026",
                                       confidence="H")])
    tables.setdefault("cargo", DEFAULT_CARGO)
    tables.setdefault("emission_factors", DEFAULT_EMISSIONS)
    for file, columns in TABLES.items():
        stem = file.removesuffix(".csv")
        rows = tables.get(stem, [])
        with (folder / file).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=[c.name for c in columns])
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return folder


def country(iso3: str, road_speed: float, road_cost: float, gpi: int, **extra: Any) -> dict:
    return dict(iso3=iso3, name=iso3.title(), road_speed_kmh=road_speed,
                road_cost_usd_per_500km_20t=road_cost, gpi_rank=gpi, sources="s1", **extra)


def place(pid: str, country: str, lat: float, lon: float, kind: str = "city", **extra: Any):
    return dict(place_id=pid, name=extra.pop("name", pid.title()), country=country, lat=lat,
                lon=lon, kind=kind, sources="s1", **extra)


def road(lid: str, a: str, b: str, km: float, **extra: Any) -> dict:
    return dict(link_id=lid, from_place=a, to_place=b, mode="road", distance_km=km,
                status=extra.pop("status", "open"), two_way=extra.pop("two_way", "true"),
                sources="s1", **extra)


def crossing(cid: str, a: str, b: str, ab_h: float, ba_h: float, **extra: Any) -> dict:
    return dict(crossing_id=cid, name=extra.pop("name", cid.title()), place_a=a, place_b=b,
                mode=extra.pop("mode", "road"), ab_dwell_h=ab_h, ba_dwell_h=ba_h,
                status=extra.pop("status", "open"), sources="s1", **extra)


def tiny(folder: Path, **overrides: list[dict[str, Any]]) -> Path:
    """Alpha (AAA) to Gamma (CCC): a short seasonal pass, or a long way through BBB.

    Worked by hand (truck, departing at 08:00 on a weekday):

    * via the pass: Alpha → pass 100 km at 50 km/h (2 h, $100) + pass dwell 1 h ($10)
      + pass → Gamma 100 km at 100 km/h (1 h, $100) = 4 h, $210. Closed Dec–Mar.
    * via BBB: Alpha → west post 50 km (1 h, $50) + dwell 5 h ($20) + post → Beta 100 km
      (2 h, $200) + Beta → east post 50 km (1 h, $100) + dwell 3 h ($30) + post → Gamma
      100 km (1 h, $100) = 13 h, $500.
    """
    tables: dict[str, list[dict[str, Any]]] = dict(
        countries=[
            country("AAA", 50, 500, 10, rail_speed_kmh=100, rail_cost_usd_per_500km_20t=250),
            country("BBB", 50, 1000, 100),
            country("CCC", 100, 500, 50),
        ],
        places=[
            place("alpha", "AAA", 40.0, 70.0, aliases="Alfa;Old Alpha"),
            place("a_pass", "AAA", 40.5, 71.0, "border_post", name="Pass (AAA)"),
            place("c_pass", "CCC", 40.6, 71.1, "border_post", name="Pass (CCC)"),
            place("gamma", "CCC", 41.0, 72.0),
            place("a_west", "AAA", 39.5, 70.0, "border_post", name="West post (AAA)"),
            place("b_west", "BBB", 39.4, 70.0, "border_post", name="West post (BBB)"),
            place("beta", "BBB", 39.0, 71.0),
            place("b_east", "BBB", 39.5, 72.0, "border_post", name="East post (BBB)"),
            place("c_east", "CCC", 39.6, 72.0, "border_post", name="East post (CCC)"),
        ],
        links=[
            road("alpha_pass", "alpha", "a_pass", 100),
            road("pass_gamma", "c_pass", "gamma", 100),
            road("alpha_west", "alpha", "a_west", 50),
            road("west_beta", "b_west", "beta", 100),
            road("beta_east", "beta", "b_east", 50),
            road("east_gamma", "c_east", "gamma", 100),
        ],
        crossings=[
            crossing("pass", "a_pass", "c_pass", 1, 1, ab_cost_usd=10, ba_cost_usd=10,
                     calendar_id="winter"),
            crossing("west", "a_west", "b_west", 5, 5, ab_cost_usd=20, ba_cost_usd=20),
            crossing("east", "b_east", "c_east", 3, 3, ab_cost_usd=30, ba_cost_usd=30),
        ],
        calendars=[
            dict(calendar_id="winter", seq=1, action="close", months="12-3", sources="s1"),
        ],
    )
    tables.update(overrides)
    return write_network(folder, **tables)


def weekday_post(folder: Path) -> Path:
    """:func:`tiny` with the East post (BBB -> CCC) shut on Saturdays and Sundays."""
    return tiny(folder, crossings=[
        crossing("pass", "a_pass", "c_pass", 1, 1, ab_cost_usd=10, ba_cost_usd=10,
                 calendar_id="winter"),
        crossing("west", "a_west", "b_west", 5, 5, ab_cost_usd=20, ba_cost_usd=20),
        crossing("east", "b_east", "c_east", 3, 3, ab_cost_usd=30, ba_cost_usd=30,
                 calendar_id="weekdays"),
    ], calendars=[
        dict(calendar_id="winter", seq=1, action="close", months="12-3", sources="s1"),
        dict(calendar_id="weekdays", seq=1, action="close", weekdays="Sat;Sun", sources="s1"),
    ])
