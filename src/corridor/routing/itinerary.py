"""Turn a search result into a :class:`Route`: legs, totals, warnings, sources."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from corridor.model.network import MODES
from corridor.model.result import Endpoint, Leg, Route, RouteSummary
from corridor.routing.figures import (
    KIND_CROSSING,
    KIND_LINK,
    KIND_TRANSFER,
    STATION_KINDS,
    certain_waits,
    crossing_figures,
)
from corridor.routing.search import Step

if TYPE_CHECKING:
    from collections.abc import Callable

    from corridor.model.calendar import Calendar
    from corridor.routing.request import Access, Request
    from corridor.routing.search import Found

WINTER_MONTHS = (11, 12, 1, 2, 3, 4)
"""Months in which a link whose notes start with ``winter_risk:`` gets a warning."""


def _place_endpoint(req: Request, place_id: str) -> Endpoint:
    p = req.network.places[place_id]
    return Endpoint(p.place_id, p.name, p.country, p.lat, p.lon, p.kind)


def leg_co2e_kg(req: Request, mode: str, distance_km: float) -> float:
    factor = req.network.emission_factors.get(mode)
    if factor is None or distance_km <= 0:
        return 0.0
    if req.cargo.is_passenger:
        return (factor.kg_co2e_per_pax_km or 0.0) * distance_km
    tonnes = req.cargo.tonnes or 0.0
    return (factor.g_co2e_per_tkm or 0.0) * tonnes * distance_km / 1000.0


def _parameter_sources(network, name: str) -> tuple[str, ...]:
    parameter = network.parameters.get(name)
    return parameter.sources if parameter is not None else ()


def _parameter_estimate(network, name: str) -> str:
    parameter = network.parameters.get(name)
    return parameter.estimate if parameter is not None else f"{name} not given (0 h)"


def _days(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    return f"{hours:.0f} h" if hours >= 1 else f"{hours * 60:.0f} min"


def relocate_waits(req: Request, found: Found) -> tuple[Found, dict[int, int]]:
    """Move each wait a calendar forces to where the search charged it: the node of least
    wait rate passed since the last timetabled edge (a traveller waits in Almaty rather
    than at a riskier post further on; the hours are the same, so is the arrival). Returns
    the shifted steps and, for each step that now starts with a moved wait, the step whose
    calendar causes it."""
    if not any(s.enter_h - s.reach_h > 1e-9 for s in found.steps):
        return found, {}  # nothing to move (most routes): skip the objective arrays
    from corridor.routing.weights import objective_arrays

    _, rate = objective_arrays(req)
    cn = req.cn
    steps = list(found.steps)
    moved: dict[int, int] = {}
    start = 0
    for i, step in enumerate(found.steps):
        wait = step.enter_h - step.reach_h
        if wait > 1e-9:
            rates = [float(rate[int(cn.edge_src[steps[k].edge])]) for k in range(start, i + 1)]
            least = min(rates)
            if rates[-1] > least + 1e-12:
                j = start + max(k for k, r in enumerate(rates) if r <= least + 1e-12)
                for k in range(j, i):
                    s = steps[k]
                    steps[k] = Step(s.edge, s.reach_h if k == j else s.reach_h + wait,
                                    s.enter_h + wait, s.leave_h + wait)
                steps[i] = Step(step.edge, step.reach_h + wait, step.enter_h, step.leave_h)
                moved[j] = i
        if int(cn.edge_calendar[step.edge]) >= 0:
            start = i + 1  # a timetabled edge: no wait moves back across it
    return replace(found, steps=tuple(steps)), moved


def build_route(
    req: Request,
    found: Found,
    access: dict[str, dict[int, Access]],
    run: Callable[[Request], tuple[Found | None, dict]] | None,
    *,
    relocate: bool = True,
) -> Route:
    """Assemble the :class:`Route` for ``found`` (see :func:`corridor.plan_route`).

    With ``run``, a second search without calendars explains closures that changed the
    route; alternatives pass ``None`` to skip it. ``relocate`` places each wait where the
    single-objective search charged it (:func:`relocate_waits`); the Pareto search waits
    where the calendar stops it.
    """
    from corridor.routing.request import access_risk, endpoint_of

    cn, network = req.cn, req.network
    origin = endpoint_of(req.origin, network)
    destination = endpoint_of(req.destination, network)
    base = req.depart.replace(minute=0, second=0, microsecond=0)
    offset = (req.depart - base).total_seconds() / 3600.0

    def at(hours: float) -> dt.datetime:
        return base + dt.timedelta(hours=hours)

    factor = req.cargo.cost_factor
    wait_cost_h = req.cargo.wait_cost_usd_per_day / 24.0
    legs: list[Leg] = []
    warnings: list[str] = list(req.notes)
    source_ids: list[str] = []

    def cite(ids) -> tuple[str, ...]:
        for sid in ids:
            if sid not in source_ids:
                source_ids.append(sid)
        return tuple(ids)

    def scaled(cost: float | None) -> float | None:
        if cost is None or (isinstance(cost, float) and math.isnan(cost)) or factor is None:
            return None
        return cost * factor

    circuity = network.parameters.get("road_circuity_factor")
    certain = certain_waits(network)
    noted: set[str] = set()

    def notes_warning(name: str, notes: str) -> None:
        label, _, text = notes.partition(":")
        text = text.strip()
        if (label, name.split("(")[0].strip()) in noted:
            return
        noted.add((label, name.split("(")[0].strip()))
        warnings.append(f"{name} ({label.replace('_', ' ')}): {text}")

    def access_leg(a: Access, city: Endpoint, start: float, outbound: bool) -> Leg:
        place = _place_endpoint(req, a.place_id)
        frm, to = (city, place) if outbound else (place, city)
        method = (f"great-circle × road circuity {circuity.value:.2f}; speed and cost of "
                  f"{city.country} roads" if circuity else "great-circle distance")
        country = network.countries[city.country]
        return Leg("access", frm, to, "road", "access (estimated)", at(start),
                   at(start + a.time_h), a.distance_km, a.time_h, scaled(a.cost_usd),
                   leg_co2e_kg(req, "road", a.distance_km), access_risk(cn, a.place_id),
                   cite(("geonames", *(circuity.sources if circuity else ()),
                         *country.sources)), method)

    clock = offset
    if found.origin in access["origin"]:
        a = access["origin"][found.origin]
        legs.append(access_leg(a, origin, clock, outbound=True))
        clock += a.time_h
        warnings.append(
            f"{origin.name} is not in the network: joined to "
            f"{network.places[a.place_id].name} by an estimated {a.distance_km:.0f} km road."
        )

    moved: dict[int, int] = {}
    if relocate:
        found, moved = relocate_waits(req, found)
    calendars_hit: dict[str, str] = {}
    for index, step in enumerate(found.steps):
        e = step.edge
        kind, ref = int(cn.edge_kind[e]), int(cn.edge_ref[e])
        reverse = bool(cn.edge_reverse[e])
        src, dst = int(cn.edge_src[e]), int(cn.edge_dst[e])
        frm = _place_endpoint(req, cn.node_place[src])
        to = _place_endpoint(req, cn.node_place[dst])
        mode = MODES[int(cn.edge_mode[e])]
        risk = float(cn.edge_risk[e])
        wait_h = step.enter_h - step.reach_h
        cause = found.steps[moved[index]].edge if index in moved else e  # whose calendar
        cal = int(cn.edge_calendar[cause])
        if wait_h > 1e-9:
            node_risk = float(cn.country_risk[int(cn.node_country[src])])
            cal_id = cn.calendars[cal]
            calendar = network.calendars[cal_id]
            what = _entity_name(req, cause)
            reason = f"{what}: {calendar.describe(around=req.depart.date())}"
            legs.append(Leg(
                "wait", frm, frm, "", f"wait for {what}", at(step.reach_h), at(step.enter_h),
                0.0, wait_h, wait_h * wait_cost_h, 0.0, node_risk,
                cite(tuple(s for r in calendar.rules for s in r.sources)), "",
                {"reason": reason, "calendar_id": cal_id},
            ))
            calendars_hit[what] = reason
            warnings.append(f"{reason}; this route waits {_days(wait_h)} at {frm.name} "
                            f"(reached {at(step.reach_h):%a %d %b %Y %H:%M})"
                            + (", where waiting is cheaper than further on" if index in moved
                               else "") + "." + _season_caveat(req, cause))
        duration = step.leave_h - step.enter_h
        if kind == KIND_LINK and network.links[ref].link_id in certain:
            wait_h, disruption = certain[network.links[ref].link_id]
            legs.append(Leg(
                "wait", frm, frm, "", f"wait: {disruption.name}", at(step.enter_h),
                at(step.enter_h + wait_h), 0.0, wait_h, wait_h * wait_cost_h, 0.0,
                float(cn.country_risk[int(cn.node_country[src])]), cite(disruption.sources),
                disruption.estimate,
                {"reason": f"{disruption.name}: median of {disruption.duration_h_min:.0f}–"
                           f"{disruption.duration_h_max:.0f} h", "disruption_id":
                           disruption.disruption_id},
            ))
            step = replace(step, enter_h=step.enter_h + wait_h)
            duration -= wait_h
        cost = scaled(float(cn.edge_cost_usd[e]))
        distance = float(cn.edge_distance_km[e])
        details: dict[str, Any] = {}
        held_h = 0.0
        if cost is None and factor is not None:  # what the search priced it at
            details["cost_imputed_usd"] = round(float(cn.edge_cost_imputed_usd[e]) * factor, 2)
        if kind == KIND_LINK:
            link = network.links[ref]
            name = link.name or f"{frm.name}–{to.name}"
            leg_kind = "link"
            sources, estimate = link.sources, link.estimate
            details["link_id"] = link.link_id
            if link.mode in ("road", "rail"):
                country = network.countries[frm.country]
                sources = (*sources, *country.sources)
            road_class = network.road_classes.get(link.road_class)
            if link.mode == "road" and road_class is not None and link.duration_h is None:
                sources = (*sources, *road_class.sources)  # its speed
            if cn.passenger and link.mode == "road" and link.fare_usd is None:
                sources = (*sources, *_parameter_sources(network, "bus_fare_usd_per_km"))
            if link.mode == "rail":
                details["gauge_mm"] = link.gauge_mm
            if link.crossing_id:  # a train service through a border
                details["crossing_id"] = link.crossing_id
            month = at(step.enter_h).month
            if link.notes.startswith("winter_risk:") and month in WINTER_MONTHS:
                notes_warning(name, link.notes)
            if link.notes.startswith("sails_when_loaded:"):
                notes_warning(name, link.notes)
        elif kind == KIND_CROSSING:
            crossing = network.crossings[ref]
            name = crossing.name
            leg_kind = "border"
            sources, estimate = crossing.sources, crossing.estimate
            if crossing.notes.startswith("closure_risk:"):
                notes_warning(name, crossing.notes)
            caveat = _season_caveat(req, e).strip()
            if caveat and caveat not in " ".join(warnings) and at(step.enter_h).month in \
                    _caveat_months(network.calendars.get(crossing.calendar_id or "")):
                notes_warning(name, crossing.notes)  # a season its sources dispute
            dwell, p90, fee = crossing_figures(network, crossing, reverse=reverse,
                                               passenger=cn.passenger)
            if cn.passenger:  # a traveller's processing time, not a truck's
                p90 = float(cn.edge_time_p90_h[e]) - float(cn.edge_time_h[e]) + dwell
                if crossing.people_dwell_h is None:
                    sources = (*sources, *_parameter_sources(network, "passenger_border_h"))
            held = duration - float(cn.edge_time_h[e])
            held_h = max(held, 0.0) if held > 1e-9 else 0.0
            if held > 1e-9:
                calendar = network.calendars[crossing.calendar_id]
                warnings.append(
                    f"{name} ({calendar.describe(around=req.depart.date())}) is shut when "
                    f"clearance ends: the cargo is held {_days(held)} until it reopens.")
            details.update({
                "crossing_id": crossing.crossing_id,
                "dwell_h": round(dwell, 2),
                "held_h": round(max(held, 0.0), 2),
                "dwell_p90_h": None if p90 is None else round(p90, 2),
                "fees_usd": None if fee is None else round(fee, 2),
                "regimes": list(crossing.regimes),
            })
        else:
            transfer = network.transfers[ref]
            from_layer, to_layer = cn.node_layer[src], cn.node_layer[dst]
            name = f"{transfer.kind.replace('_', ' ')}: {from_layer} → {to_layer}"
            leg_kind = "transfer"
            sources, estimate = transfer.sources, transfer.estimate
            if cn.passenger and transfer.kind in STATION_KINDS:  # a traveller boards
                name = (f"{'alight' if to_layer == 'road' else 'board'}: "
                        f"{from_layer} → {to_layer}")
                sources = _parameter_sources(network, "passenger_station_h")
                estimate = _parameter_estimate(network, "passenger_station_h")
            elif transfer.time_h is None:
                estimate = (estimate + "; " if estimate else "") + "time not in sources (0 h)"
            details.update({"from_layer": from_layer, "to_layer": to_layer})
        legs.append(Leg(
            leg_kind, frm, to, mode, name, at(step.enter_h), at(step.leave_h - held_h),
            distance, duration - held_h, cost,
            leg_co2e_kg(req, mode, distance) if kind != KIND_TRANSFER else 0.0,
            risk, cite(sources), estimate, details,
        ))
        if held_h:  # the post shut when clearance ended: held (and paid) until it reopens
            legs.append(Leg(
                "wait", to, to, "", f"held at {name}", at(step.leave_h - held_h),
                at(step.leave_h), 0.0, held_h, held_h * wait_cost_h, 0.0,
                float(cn.country_risk[int(cn.node_country[src])]), (), "",
                {"reason": f"{name} shut when clearance ended", "held": True,
                 "crossing_id": details["crossing_id"]},
            ))
        clock = step.leave_h

    legs = _wait_before_transfer(legs)

    if found.target in access["destination"]:
        a = access["destination"][found.target]
        legs.append(access_leg(a, destination, clock, outbound=False))
        clock += a.time_h
        warnings.append(
            f"{destination.name} is not in the network: joined from "
            f"{network.places[a.place_id].name} by an estimated {a.distance_km:.0f} km road."
        )

    if run is not None:
        _alternative_warning(req, found, calendars_hit, warnings, run)

    # totals
    total_h = clock - offset
    unknown = sum(1 for leg in legs if leg.cost_usd is None)
    if unknown and not req.cargo.is_passenger:
        warnings.append(
            f"{unknown} leg(s) have no sourced cost: the cost total leaves them out; to choose "
            "the route they were priced at the median known cost of their kind.")
    from corridor.routing.request import active_rules

    for rule in active_rules(req):
        warnings.append(f"Cargo rule in force: {rule.name} ({rule.rule_id}).")
    if req.cargo.is_passenger:
        warnings.append("Passenger costs are fares: flights (published or per km of the "
                        "published ones), buses and trains per km (or a train's own fare); "
                        "border payments are not in the sources. CO2e is counted for flights "
                        "only.")
        if req.objective == "cost":
            warnings.append("This trip is the cheapest in fares; optimising for time gives the "
                            "fastest.")
        elif req.objective == "generalized":
            vot = req.cargo.value_of_time_usd_per_h
            warnings.append(
                "This trip is the best in fares plus time valued at "
                + (f"USD {vot:.2f} an hour" if vot is not None else "the cargo's value")
                + " (see the cargo's estimate); optimising for time gives the fastest.")
    weighted = sum(leg.risk * leg.duration_h for leg in legs)
    risk = weighted / total_h if total_h > 0 else 0.0
    countries: list[str] = []
    for leg in legs:
        for c in (leg.from_.country, leg.to.country):
            if not countries or countries[-1] != c:
                countries.append(c)
    fallback = sorted(set(countries) & set(cn.risk_fallback_countries))
    if fallback:
        warnings.append(
            f"No Global Peace Index rank in the sources for {', '.join(fallback)}; the median "
            "risk of the network's countries stands in."
        )
    if getattr(found, "capped", False):
        from corridor.routing.search import MAX_LABELS

        warnings.append(
            f"The search kept at most {MAX_LABELS[-1]} itineraries at a place and still had "
            "to drop some: a better one may exist (narrow the question with a place to pass "
            "or one to avoid).")
    estimated = sum(1 for leg in legs if leg.estimate)
    if estimated:
        warnings.append(f"{estimated} of {len(legs)} legs use estimated figures "
                        "(see each leg's 'estimate').")
    crossings = tuple(leg.details["crossing_id"] for leg in legs
                      if leg.kind == "border" or (leg.kind == "link"
                                                  and "crossing_id" in leg.details))
    summary = RouteSummary(
        distance_km=sum(leg.distance_km for leg in legs),
        duration_h=total_h,
        cost_usd=sum(leg.cost_usd or 0.0 for leg in legs),
        co2e_kg=sum(leg.co2e_kg for leg in legs),
        risk=risk,
        border_crossings=len(crossings),
        border_time_h=sum(leg.duration_h for leg in legs if leg.kind == "border"),
        wait_time_h=sum(leg.duration_h for leg in legs if leg.kind == "wait"),
        moving_time_h=sum(leg.duration_h for leg in legs if leg.kind in ("link", "access")),
        transfers=sum(1 for leg in legs if leg.kind == "transfer"),
        objective=req.objective,
        objective_value=found.key,
        cost_unknown_legs=unknown,
        risk_exposure=weighted,
    )
    sources = tuple(
        {"id": sid, "title": network.sources[sid].title, "url": network.sources[sid].url}
        for sid in source_ids if sid in network.sources
    )
    # a crossing named as an endpoint: the side the trip actually starts or ends at
    if legs and origin.kind == "border_post" and legs[0].from_.id != origin.id:
        origin = legs[0].from_
    if legs and destination.kind == "border_post" and legs[-1].to.id != destination.id:
        destination = legs[-1].to
    return Route(
        origin=origin, destination=destination, depart=req.depart, arrive=at(clock),
        cargo=req.cargo.cargo_id, objective=req.objective, legs=tuple(legs), summary=summary,
        countries=tuple(countries), crossings=crossings, warnings=tuple(warnings),
        sources=sources, network=f"{network.name} {network.version}",
        corridor=corridor_name(network, legs, countries),
    )


def corridor_name(network, legs: list[Leg], countries: list[str]) -> str:
    """A plain name for the corridor a route uses, from its transit countries, crossings
    and main mode, e.g. ``'via China: Khunjerab, Torugart (road)'``."""
    crossings: list[str] = []
    for leg in legs:
        through = (network.crossings_by_id.get(leg.details.get("crossing_id", ""))
                   if leg.kind == "link" else None)
        name = leg.name if leg.kind == "border" else through.name if through else ""
        if name and name not in crossings:
            crossings.append(name)
    return corridor_label(network, countries, crossings, mode_distances(legs))


def mode_distances(legs) -> dict[str, float]:
    """Kilometres by mode over the moving legs, in order of first use."""
    by_mode: dict[str, float] = {}
    for leg in legs:
        if leg.kind in ("link", "access") and leg.mode:
            by_mode[leg.mode] = by_mode.get(leg.mode, 0.0) + leg.distance_km
    return by_mode


def corridor_label(network, countries: list[str], crossings: list[str],
                   by_mode: dict[str, float]) -> str:
    """:func:`corridor_name` from its parts: countries in order, crossing names, km by mode."""
    ends = {countries[0], countries[-1]} if countries else set()
    transit = []
    for c in countries:
        if c not in ends and c not in transit:
            transit.append(c)
    return corridor_text(network, transit, crossings,
                         sorted(by_mode, key=lambda m: -by_mode[m]))


def corridor_text(network, transit: list[str], crossings: list[str],
                  modes: list[str]) -> str:
    """:func:`corridor_label` from transit countries, crossing names and the modes by
    kilometres (most first)."""
    names = [network.countries[c].name for c in transit if c in network.countries]
    where = ("via " + ", ".join(names)) if names else "direct"
    if crossings:
        where += ": " + ", ".join(crossings)
    return f"{where} ({' + '.join(modes or ['road'])})"


def _wait_before_transfer(legs: list[Leg]) -> list[Leg]:
    """Wait first, then transfer: a passenger checks in 3 h before the flight, not 3 days.

    The search may place a transfer (airport check-in, loading) before a wait for the next
    leg's opening; the total is the same, so the itinerary is told in the natural order.
    """
    out = list(legs)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.kind == "transfer" and b.kind == "wait" and a.to.id == b.from_.id:
            start, end = a.depart, b.arrive
            wait_end = end - (a.arrive - a.depart)
            out[i] = replace(b, depart=start, arrive=wait_end)
            out[i + 1] = replace(a, depart=wait_end, arrive=end)
    return out


def _entity_name(req: Request, e: int) -> str:
    from corridor.routing.explain import edge_name

    return edge_name(req, e)


def _alternative_warning(
    req: Request,
    found: Found,
    calendars_hit: dict[str, str],
    warnings: list[str],
    run: Callable[[Request], tuple[Found | None, dict]],
) -> None:
    """Explain when a closure made the route go another way."""
    cn, network = req.cn, req.network
    if not (cn.edge_calendar >= 0).any():
        return
    free, _ = run(replace(req, use_calendars=False))
    if free is None or [s.edge for s in free.steps] == [s.edge for s in found.steps]:
        return
    next_open = cn.next_open(req.depart)

    def crossings_of(f: Found) -> list[str]:
        return [network.crossings[int(cn.edge_ref[s.edge])].name
                for s in f.steps if int(cn.edge_kind[s.edge]) == KIND_CROSSING]

    used_crossings = crossings_of(found)
    free_crossings = set(crossings_of(free))
    used_edges = {s.edge for s in found.steps}
    for step in free.steps:
        e = step.edge
        cal = int(cn.edge_calendar[e])
        if cal < 0 or e in used_edges:
            continue  # no calendar, or the route uses it anyway (and waits for it)
        slot = int(step.reach_h)
        if int(next_open[cal][min(slot, len(next_open[cal]) - 1)]) == slot:
            continue  # open when reached
        what = _entity_name(req, e)
        if what in calendars_hit:
            continue
        description = network.calendars[cn.calendars[cal]].describe(around=req.depart.date())
        when = req.depart.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=slot)
        replacing = [c for c in used_crossings if c not in free_crossings]
        instead = ", ".join(replacing or used_crossings) or "another way"
        warnings.append(
            f"{what} ({description}) would be closed when reached on {when:%d %b %Y}; "
            f"the route goes via {instead} instead." + _season_caveat(req, e)
        )
        return


def _caveat_months(calendar: Calendar | None) -> frozenset[int]:
    """The months of a calendar's closures, past ones included: a crossing whose notes hold
    a ``season_caveat:`` (its sources disagree on its season) is warned about whenever it is
    crossed in one of them, open or not by the calendar corridor follows."""
    if calendar is None:
        return frozenset()
    return frozenset(m for rule in calendar.rules if rule.action == "close" and rule.months
                     for m in rule.months)


def _season_caveat(req: Request, edge: int) -> str:
    """A crossing's ``season_caveat:`` note (what sources say against its calendar), to
    follow a warning that its calendar shaped the route."""
    if int(req.cn.edge_kind[edge]) != KIND_CROSSING:
        return ""
    notes = req.network.crossings[int(req.cn.edge_ref[edge])].notes
    label, _, text = notes.partition(":")
    return f" {text.strip()}" if label == "season_caveat" and text.strip() else ""
