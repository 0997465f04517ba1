"""What a search weighs: each edge's objective value and each node's value of an hour's
wait (:func:`objective_arrays`), the edges a request may use (:func:`edge_mask`), and the
start and end nodes with their access legs' values (:func:`origin_table`,
:func:`target_table`)."""

from __future__ import annotations

import numpy as np

from corridor.model.network import LAYERS, MODES
from corridor.routing.compile import (
    KIND_CROSSING,
    KIND_LINK,
    KIND_TRANSFER,
)
from corridor.routing.request import (
    Access,
    Request,
    access_options,
    access_risk,
    active_rules,
    match_nodes,
)

__all__ = ["TIE_BREAK", "access_key", "edge_mask", "objective_arrays", "origin_table",
           "target_table", "vot_per_h"]

TIE_BREAK = 1e-6
"""Per hour: among itineraries of equal key, the faster one is preferred."""


def vot_per_h(req: Request) -> float:
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
        key, wait = cost + TIE_BREAK * time, np.full(cn.n_nodes, wait_cost_h + TIE_BREAK)
    elif req.objective == "distance":
        key = cn.edge_distance_km + TIE_BREAK * time
        wait = np.full(cn.n_nodes, TIE_BREAK)
    elif req.objective == "risk":
        key = cn.edge_risk * time + TIE_BREAK * time
        wait = node_risk + TIE_BREAK
    else:
        vot = vot_per_h(req)
        key = cost + vot * time * (1.0 + req.risk_aversion * cn.edge_risk) + TIE_BREAK * time
        wait = wait_cost_h + vot * (1.0 + req.risk_aversion * node_risk) + TIE_BREAK
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


def access_key(req: Request, a: Access) -> float:
    """The objective value of an access leg (as the search would count it)."""
    cn = req.cn
    if req.objective in ("time", "time_p90"):
        return a.time_h
    if req.objective == "distance":
        return a.distance_km + TIE_BREAK * a.time_h
    risk = access_risk(cn, a.place_id)
    if req.objective == "risk":
        return (risk + TIE_BREAK) * a.time_h
    vot = vot_per_h(req) if req.objective == "generalized" else 0.0
    cost = (a.cost_usd or 0.0) * (req.cargo.cost_factor or 0.0)
    return cost + vot * a.time_h * (1.0 + req.risk_aversion * risk) + TIE_BREAK * a.time_h


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
        for a in access_options(req, req.origin):
            n = cn.node_index[(a.place_id, "road")]
            origins[n] = (t0 + a.time_h, access_key(req, a))
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
        for a in access_options(req, req.destination):
            n = cn.node_index[(a.place_id, "road")]
            targets[n] = (a.time_h, access_key(req, a))
            access[n] = a
    return targets, access
