"""Why there is no route: the relaxations :func:`explain_no_route` tries in turn
(avoidances, vias, modes, cargo rules, planned links, calendars, access legs), and the
names of what a route uses (:func:`used_by`, :func:`edge_name`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from corridor.model.network import MODES
from corridor.routing.compile import (
    KIND_CROSSING,
    KIND_LINK,
    KIND_TRANSFER,
)
from corridor.routing.request import ACCESS_MAX_KM, Request, access_options, active_rules
from corridor.routing.search import Found

__all__ = ["edge_name", "explain_no_route", "no_access_text", "used_by"]

Runner = Callable[[Request], "tuple[Found | None, dict]"]


def explain_no_route(req: Request, run: Runner) -> str:
    """Why ``req`` has no route, in words: the first relaxation under which ``run`` (the
    search, :func:`corridor.routing.plan.run_search`) finds one names what blocks it."""
    o, d = req.origin.name, req.destination.name
    head = f"no route from {o} to {d}"
    if req.avoid_countries or req.avoid_places or req.avoid_crossings:
        relaxed = replace(req, avoid_countries=frozenset(), avoid_places=frozenset(),
                          avoid_crossings=frozenset())
        found, _ = run(relaxed)
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
        found, _ = run(replace(req, vias=()))
        if found is not None:
            names = ", ".join(v.name for v in req.vias)
            return f"{head} via {names}: a route exists without the via; check the via order"
    all_modes = frozenset(MODES)
    if req.modes != all_modes:
        found, _ = run(replace(req, modes=all_modes))
        if found is not None:
            needed = sorted(used_by(req, found)["modes"] - req.modes)
            return (f"{head} using {', '.join(sorted(req.modes))} "
                    f"(cargo {req.cargo.cargo_id!r} may use {', '.join(req.cargo.modes)}); "
                    f"the only routes need {', '.join(needed)}")
    rules = active_rules(req)
    if rules:
        found, _ = run(replace(req, use_cargo_rules=False))
        if found is not None:
            names = "; ".join(f"{r.name} ({r.rule_id})" for r in rules)
            return (f"{head} for cargo {req.cargo.cargo_id!r}: every route breaks a cargo rule "
                    f"in force on {req.depart:%d %b %Y}: {names}")
    found, _ = run(replace(req, open_planned=True))
    if found is not None:
        planned = sorted(used_by(req, found)["planned"])
        return (f"{head}: only links that are not open yet would connect them "
                f"({', '.join(planned)})")
    found, _ = run(replace(req, use_calendars=False))
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
        if match.city is not None and not access_options(req, match):
            return no_access_text(req.origin.name, req.destination.name, match.name, label)
    return None


def no_access_text(origin: str, destination: str, far: str, label: str) -> str:
    """The reason for no route when the ``label`` (origin or destination) city ``far`` is
    beyond an access leg's reach."""
    return (f"no route from {origin} to {destination}: {far} is more than "
            f"{ACCESS_MAX_KM:.0f} km from every place of the network, so no access leg can "
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
