"""Applying scenarios to a network (:func:`apply_scenarios`): each modification a
scenario (:mod:`corridor.model.scenario`) lists, checked against the network and made on a
working copy of its tables; the baseline is never changed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from corridor.exceptions import Problem, ScenarioError
from corridor.model.calendar import (
    Calendar,
    CalendarRule,
    parse_weekdays,
)
from corridor.model.lookups import RouteLookup, registered_route_lookup
from corridor.model.network import Crossing, Link, Network, Parameter, Source, same_crossings
from corridor.model.scenario import (
    AddCrossing,
    AddLink,
    AddService,
    CalendarChange,
    CargoRuleChange,
    Close,
    CountryChange,
    CrossingTime,
    DisruptionChange,
    Open,
    RouteSelector,
    Scenario,
    SourceSpec,
    Targets,
    ValueOfTime,
)

__all__ = ["apply_scenarios"]


class _Patch:
    """Mutable working copy of a network's tables while scenarios are applied."""

    route_lookup: RouteLookup | None = None

    def __init__(self, network: Network, origin: str) -> None:
        self.network = network
        self.origin = origin
        self.links = list(network.links)
        self.crossings = list(network.crossings)
        self.calendars = dict(network.calendars)
        self.countries = dict(network.countries)
        self.parameters = dict(network.parameters)
        self.disruptions = list(network.disruptions)
        self.cargo_rules = list(network.cargo_rules)
        self.sources = dict(network.sources)
        self.problems: list[Problem] = []

    def problem(self, index: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.origin, None, f"modifications.{index}.{field}",
                                     message))

    # -- look-ups by id or name
    def crossing_ids(self, names: Sequence[str], index: int, field: str) -> set[str]:
        """Ids of the crossings named (id, name or alias), with every row (road, rail)
        of the same crossing."""
        ids: set[str] = set()
        for name in names:
            matched = {c.name for c in self.crossings
                       if name in (c.crossing_id, c.name) or name in c.aliases}
            if not matched:
                self.problem(index, field, f"unknown crossing {name!r}")
            ids |= {c.crossing_id for c in self.crossings if c.name in matched}
        return ids

    def link_ids(self, names: Sequence[str], index: int, field: str) -> set[str]:
        ids: set[str] = set()
        for name in names:
            hits = {link.link_id for link in self.links if name in (link.link_id, link.name)}
            if not hits:
                self.problem(index, field, f"unknown link {name!r}")
            ids |= hits
        return ids

    def place_ids(self, names: Sequence[str], index: int, field: str) -> set[str]:
        ids: set[str] = set()
        for name in names:
            hits = {p.place_id for p in self.network.places.values()
                    if name in (p.place_id, p.name) or name in p.aliases}
            if not hits:
                self.problem(index, field, f"unknown place {name!r}")
            ids |= hits
        return ids

    def country_codes(self, codes: Sequence[str], index: int, field: str) -> set[str]:
        out = set()
        for code in codes:
            if code not in self.countries:
                self.problem(index, field, f"unknown country {code!r}; use ISO alpha-3 codes "
                                           f"such as {', '.join(sorted(self.countries)[:4])}")
            else:
                out.add(code)
        return out

    def country_of(self, place_id: str) -> str:
        return self.network.places[place_id].country

    # -- calendars
    def add_rules(self, calendar_id: str | None, rules: Sequence[CalendarRule],
                  new_id: str) -> str:
        base = self.calendars.get(calendar_id) if calendar_id else None
        combined = (*(base.rules if base else ()), *rules)
        self.calendars[new_id] = Calendar(new_id, combined)
        return new_id


def apply_scenarios(network: Network, scenarios: Sequence[Scenario], *,
                    route_lookup: RouteLookup | None = None) -> Network:
    """The network with the scenarios applied in order; ``network`` is left unchanged.

    ``route_lookup`` finds the crossings of a modification's ``corridor`` (a route named by
    its origin and destination); by default the one
    :func:`corridor.model.lookups.register_route_lookup` set (:func:`corridor.plan_route`'s).

    Raises
    ------
    ScenarioError
        When a modification names an unknown place, link, crossing, country or
        disruption; every such problem is listed.

    Examples
    --------
    >>> from corridor import load_network
    >>> from corridor.model.scenario import parse_scenario
    >>> base = load_network()
    >>> year_round = parse_scenario({
    ...     "name": "khunjerab-year-round", "title": "Khunjerab open all year",
    ...     "modifications": [{"type": "calendar", "crossings": ["Khunjerab"],
    ...                        "always_open": True}]})
    >>> net = apply_scenarios(base, [year_round])
    >>> net.crossings_by_id["khunjerab"].calendar_id is None
    True
    >>> base.crossings_by_id["khunjerab"].calendar_id
    'khunjerab'
    """
    lookup = route_lookup or registered_route_lookup()
    result = network
    for scenario in scenarios:
        result = _apply_one(result, scenario, lookup)
    return result


def _apply_one(network: Network, scenario: Scenario,
               lookup: RouteLookup | None) -> Network:
    patch = _Patch(network, f"scenario {scenario.name}")
    patch.route_lookup = lookup
    for spec in scenario.new_sources:
        patch.sources[spec.source_id] = _source(spec)
    for sid in scenario.sources:
        if sid not in patch.sources:
            patch.problems.append(Problem(patch.origin, None, "sources",
                                          f"unknown source id {sid!r}"))
    cite = tuple(scenario.sources)
    for index, mod in enumerate(scenario.modifications):
        handler = _HANDLERS[mod.type]
        handler(patch, index, mod, scenario, cite)
    if patch.problems:
        raise ScenarioError(patch.problems, folder=patch.origin)
    digest = hashlib.sha256((network.content_hash + scenario.digest()).encode()).hexdigest()
    return replace(
        network,
        name=network.name,
        version=f"{network.version}+{scenario.name}",
        links=tuple(patch.links),
        crossings=tuple(patch.crossings),
        calendars=patch.calendars,
        countries=patch.countries,
        parameters=patch.parameters,
        disruptions=tuple(patch.disruptions),
        cargo_rules=tuple(patch.cargo_rules),
        sources=patch.sources,
        content_hash=digest[:16],
        places=network.places,
        cargo=network.cargo,
        emission_factors=network.emission_factors,
    )


def _source(spec: SourceSpec) -> Source:
    return Source(spec.source_id, spec.title, spec.url, spec.year, spec.confidence)


def _crossing_time(patch: _Patch, index: int, mod: CrossingTime, scenario: Scenario,
                   cite: tuple[str, ...]) -> None:
    ids = patch.crossing_ids(mod.crossings, index, "crossings")
    if mod.corridor is not None:
        ids |= _corridor_crossings(patch, index, mod.corridor)
    countries = patch.country_codes(mod.countries, index, "countries")
    pair = patch.country_codes(mod.country_pair, index, "country_pair")
    chosen = 0
    for i, c in enumerate(patch.crossings):
        ends = {patch.country_of(c.place_a), patch.country_of(c.place_b)}
        by_country = ends <= countries if mod.within else bool(ends & countries)
        if c.mode not in mod.modes or not (c.crossing_id in ids or (countries and by_country)
                                           or (pair and ends == pair)):
            continue
        chosen += 1
        values: dict[str, Any] = {}
        for d in ("ab", "ba"):
            if mod.direction not in ("both", d):
                continue
            dwell = getattr(c, f"{d}_dwell_h")
            p90 = getattr(c, f"{d}_dwell_p90_h")
            cost = getattr(c, f"{d}_cost_usd")
            if mod.dwell_h is not None:
                ratio = mod.dwell_h / dwell if dwell else 1.0
                values[f"{d}_dwell_h"] = mod.dwell_h
                values[f"{d}_dwell_p90_h"] = None if p90 is None else p90 * ratio
            elif mod.dwell_factor is not None:
                values[f"{d}_dwell_h"] = dwell * mod.dwell_factor
                values[f"{d}_dwell_p90_h"] = None if p90 is None else p90 * mod.dwell_factor
            if mod.cost_usd is not None:
                values[f"{d}_cost_usd"] = mod.cost_usd
            elif mod.cost_factor is not None and cost is not None:
                values[f"{d}_cost_usd"] = cost * mod.cost_factor
        patch.crossings[i] = replace(c, **values, sources=(*c.sources, *cite),
                                     estimate=_note(c.estimate, scenario))
    if not chosen and not patch.problems:
        patch.problem(index, "crossings", "matches no crossing")


def _corridor_crossings(patch: _Patch, index: int, sel: RouteSelector) -> set[str]:
    """The crossings (all rows of each) of the best route of ``sel`` on the network as it
    stands before this scenario."""
    from corridor.exceptions import CorridorError

    if patch.route_lookup is None:
        patch.problem(index, "corridor", "no route lookup to find the corridor with "
                      "(import corridor, or pass route_lookup)")
        return set()
    try:
        crossings = patch.route_lookup(sel, patch.network)
    except CorridorError as error:
        patch.problem(index, "corridor", f"no corridor: {error}")
        return set()
    ids: set[str] = set()
    for cid in crossings:  # every row (road, rail) of each crossing used
        ids |= same_crossings(patch.network, cid)
    return ids


def _note(text: str, scenario: Scenario) -> str:
    return (text + "; " if text else "") + f"changed by scenario {scenario.name}"


def _targets(patch: _Patch, index: int, mod: Targets) -> tuple[set, set, set]:
    places = patch.place_ids(mod.places, index, "places")
    links = patch.link_ids(mod.links, index, "links")
    crossings = patch.crossing_ids(mod.crossings, index, "crossings")
    countries = patch.country_codes(mod.countries, index, "countries")
    for link in patch.links:
        ends = {link.from_place, link.to_place}
        if ends & places or {patch.country_of(p) for p in ends} & countries:
            links.add(link.link_id)
    for c in patch.crossings:
        ends = {c.place_a, c.place_b}
        if ends & places or {patch.country_of(p) for p in ends} & countries:
            crossings.add(c.crossing_id)
    return places, links, crossings


def _close(patch: _Patch, index: int, mod: Close, scenario: Scenario,
           cite: tuple[str, ...]) -> None:
    _, links, crossings = _targets(patch, index, mod)
    dated = mod.date_from is not None or mod.date_to is not None
    rule = CalendarRule("close", date_from=mod.date_from, date_to=mod.date_to, sources=cite,
                        notes=f"scenario {scenario.name}")
    for i, link in enumerate(patch.links):
        if link.link_id in links:
            if dated:
                cid = patch.add_rules(link.calendar_id, [rule],
                                      f"{link.calendar_id or link.link_id}__{scenario.name}")
                patch.links[i] = replace(link, calendar_id=cid)
            else:
                patch.links[i] = replace(link, status="closed")
    for i, c in enumerate(patch.crossings):
        if c.crossing_id in crossings:
            if dated:
                cid = patch.add_rules(c.calendar_id, [rule],
                                      f"{c.calendar_id or c.crossing_id}__{scenario.name}")
                patch.crossings[i] = replace(c, calendar_id=cid)
            else:
                patch.crossings[i] = replace(c, status="closed")


def _open(patch: _Patch, index: int, mod: Open, scenario: Scenario,
          cite: tuple[str, ...]) -> None:
    _, links, crossings = _targets(patch, index, mod)
    dated = mod.date_from is not None or mod.date_to is not None
    rules = [CalendarRule("close", months=frozenset(range(1, 13)), sources=cite),
             CalendarRule("open", date_from=mod.date_from, date_to=mod.date_to, sources=cite,
                          notes=f"scenario {scenario.name}")]

    def calendar(owner: str, current: str | None) -> str | None:
        if not dated:
            return current
        return patch.add_rules(current, rules, f"{current or owner}__{scenario.name}")

    for i, link in enumerate(patch.links):
        if link.link_id in links:
            patch.links[i] = replace(link, status="open", sources=(*link.sources, *cite),
                                     calendar_id=calendar(link.link_id, link.calendar_id))
    for i, c in enumerate(patch.crossings):
        if c.crossing_id in crossings:
            patch.crossings[i] = replace(c, status="open", sources=(*c.sources, *cite),
                                         calendar_id=calendar(c.crossing_id, c.calendar_id),
                                         traffic=mod.traffic or c.traffic)


def _calendar(patch: _Patch, index: int, mod: CalendarChange, scenario: Scenario,
              cite: tuple[str, ...]) -> None:
    links = patch.link_ids(mod.links, index, "links")
    crossings = patch.crossing_ids(mod.crossings, index, "crossings")
    rules = [r.to_rule() for r in mod.rules]

    def new_calendar(owner: str) -> str | None:
        if mod.always_open:
            return None
        cid = f"{owner}__{scenario.name}"
        patch.calendars[cid] = Calendar(cid, tuple(replace(r, sources=cite) for r in rules))
        return cid

    for i, link in enumerate(patch.links):
        if link.link_id in links:
            patch.links[i] = replace(link, calendar_id=new_calendar(link.link_id))
    for i, c in enumerate(patch.crossings):
        if c.crossing_id in crossings:
            patch.crossings[i] = replace(c, calendar_id=new_calendar(c.crossing_id))


def _check_places(patch: _Patch, index: int, a: str, b: str,
                  fields: tuple[str, str] = ("from_place", "to_place")) -> bool:
    ok = True
    for field, pid in zip(fields, (a, b), strict=True):
        if pid not in patch.network.places:
            patch.problem(index, field, f"unknown place id {pid!r}")
            ok = False
    return ok


def _add_link(patch: _Patch, index: int, mod: AddLink, scenario: Scenario,
              cite: tuple[str, ...]) -> None:
    if not _check_places(patch, index, mod.from_place, mod.to_place):
        return
    if any(link.link_id == mod.link_id for link in patch.links):
        patch.problem(index, "link_id", f"link {mod.link_id!r} exists already")
        return
    if mod.mode in ("road", "rail") and \
            patch.country_of(mod.from_place) != patch.country_of(mod.to_place):
        patch.problem(index, "to_place", f"a {mod.mode} link stays in one country; a border "
                                         "needs a crossing")
        return
    calendar = None
    if mod.rules:
        calendar = f"{mod.link_id}__{scenario.name}"
        patch.calendars[calendar] = Calendar(calendar, tuple(r.to_rule() for r in mod.rules))
    patch.links.append(Link(
        mod.link_id, mod.from_place, mod.to_place, mod.mode,
        mod.gauge_mm if mod.mode == "rail" else None, mod.distance_km, mod.duration_h, None,
        mod.cost_usd, "open", calendar, mod.two_way, mod.name or mod.link_id, (), cite,
        f"added by scenario {scenario.name}",
    ))


def _add_crossing(patch: _Patch, index: int, mod: AddCrossing, scenario: Scenario,
                  cite: tuple[str, ...]) -> None:
    if not _check_places(patch, index, mod.place_a, mod.place_b, ("place_a", "place_b")):
        return
    if any(c.crossing_id == mod.crossing_id for c in patch.crossings):
        patch.problem(index, "crossing_id", f"crossing {mod.crossing_id!r} exists already")
        return
    if patch.country_of(mod.place_a) == patch.country_of(mod.place_b):
        patch.problem(index, "place_b", "a crossing joins places in two countries")
        return
    patch.crossings.append(Crossing(
        mod.crossing_id, mod.name, mod.place_a, mod.place_b, mod.mode,
        mod.gauge_mm if mod.mode == "rail" else None, mod.distance_km, mod.ab_dwell_h,
        mod.ab_dwell_p90_h, mod.ab_cost_usd, mod.ba_dwell_h, mod.ba_dwell_p90_h,
        mod.ba_cost_usd, None, "open", (), (), cite, f"added by scenario {scenario.name}",
    ))


def _add_service(patch: _Patch, index: int, mod: AddService, scenario: Scenario,
                 cite: tuple[str, ...]) -> None:
    if not _check_places(patch, index, mod.from_place, mod.to_place):
        return
    ids = {mod.service_id, f"{mod.service_id}_return"} if mod.two_way else {mod.service_id}
    if any(link.link_id in ids for link in patch.links):
        patch.problem(index, "service_id", f"link {mod.service_id!r} exists already")
        return
    if mod.distance_km is None:
        from corridor.model.geodesy import haversine_km

        a = patch.network.places[mod.from_place]
        b = patch.network.places[mod.to_place]
        distance = haversine_km(a.lat, a.lon, b.lat, b.lon)
    else:
        distance = mod.distance_km
    slot = (mod.depart_hour, (mod.depart_hour + 1) % 24 or 24)
    rules = (CalendarRule("close", months=frozenset(range(1, 13)), sources=cite),
             CalendarRule("open", weekdays=parse_weekdays(mod.weekdays), hours=slot,
                          sources=cite, notes=f"scenario {scenario.name}"))
    calendar = f"{mod.service_id}__{scenario.name}"
    patch.calendars[calendar] = Calendar(calendar, rules)
    directions = [(mod.from_place, mod.to_place, "")]
    if mod.two_way:
        directions.append((mod.to_place, mod.from_place, "_return"))
    for a, b, suffix in directions:
        patch.links.append(Link(
            f"{mod.service_id}{suffix}", a, b, mod.mode,
            mod.gauge_mm if mod.mode == "rail" else None, distance, mod.duration_h, None,
            None, "open", calendar, False,
            mod.name or f"{mod.service_id} {patch.network.places[a].name}–"
                        f"{patch.network.places[b].name}",
            (), cite, f"added by scenario {scenario.name}"
            + ("; distance: great-circle" if mod.distance_km is None else ""),
            fare_usd=mod.fare_usd,
        ))


def _country(patch: _Patch, index: int, mod: CountryChange, scenario: Scenario,
             cite: tuple[str, ...]) -> None:
    for code in patch.country_codes(mod.countries, index, "countries"):
        c = patch.countries[code]

        def scaled(value: float | None, factor: float | None) -> float | None:
            return value if value is None or factor is None else value * factor

        patch.countries[code] = replace(
            c,
            road_speed_kmh=scaled(c.road_speed_kmh, mod.road_speed_factor),
            rail_speed_kmh=scaled(c.rail_speed_kmh, mod.rail_speed_factor),
            road_cost_usd_per_500km_20t=scaled(c.road_cost_usd_per_500km_20t,
                                               mod.road_cost_factor),
            rail_cost_usd_per_500km_20t=scaled(c.rail_cost_usd_per_500km_20t,
                                               mod.rail_cost_factor),
            gpi_rank=c.gpi_rank if mod.gpi_rank is None else mod.gpi_rank,
            sources=(*c.sources, *cite),
            estimate=_note(c.estimate, scenario),
        )


def _value_of_time(patch: _Patch, index: int, mod: ValueOfTime, scenario: Scenario,
                   cite: tuple[str, ...]) -> None:
    patch.parameters["value_of_time_pct_per_day"] = Parameter(
        "value_of_time_pct_per_day", mod.pct_per_day, cite, f"set by scenario {scenario.name}")


def _disruption(patch: _Patch, index: int, mod: DisruptionChange, scenario: Scenario,
                cite: tuple[str, ...]) -> None:
    known = {d.disruption_id for d in patch.disruptions}
    for did in mod.disruptions:
        if did not in known:
            patch.problem(index, "disruptions", f"unknown disruption {did!r}; known: "
                                                f"{', '.join(sorted(known))}")
    for i, d in enumerate(patch.disruptions):
        if d.disruption_id in mod.disruptions:
            patch.disruptions[i] = replace(
                d,
                events_per_year=None if d.events_per_year is None
                else d.events_per_year * mod.rate_factor,
                probability=None if d.probability is None
                else min(1.0, d.probability * mod.rate_factor),
                sources=(*d.sources, *cite), estimate=_note(d.estimate, scenario),
            )


def _cargo_rule(patch: _Patch, index: int, mod: CargoRuleChange, scenario: Scenario,
               cite: tuple[str, ...]) -> None:
    known = {r.rule_id for r in patch.cargo_rules}
    for rid in mod.lift:
        if rid not in known:
            patch.problem(index, "lift", f"unknown cargo rule {rid!r}; known: "
                                         f"{', '.join(sorted(known)) or 'none'}")
    patch.cargo_rules = [r for r in patch.cargo_rules if r.rule_id not in mod.lift]


_HANDLERS = {
    "cargo_rule": _cargo_rule,
    "crossing_time": _crossing_time,
    "close": _close,
    "open": _open,
    "calendar": _calendar,
    "add_link": _add_link,
    "add_crossing": _add_crossing,
    "add_service": _add_service,
    "country": _country,
    "value_of_time": _value_of_time,
    "disruption": _disruption,
}
