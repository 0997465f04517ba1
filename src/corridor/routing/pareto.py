"""Alternatives: the Pareto-optimal itineraries over time, money and risk.

A multi-criteria, time-dependent label-setting search keeps, at every state, the labels that
no other label dominates on (arrival time, money, risk exposure), where a label that arrives
earlier may wait — paying for it — to match a later one. The set is bounded (at most
``max_labels`` per state) so that queries stay interactive, and the single-objective optima
(fastest, cheapest, safest) are always added, so every one of them is in the answer. The
itineraries are then grouped by corridor (transit countries, crossings, main mode) and one is
kept per corridor, plus any single-objective optimum.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from corridor.exceptions import NoRouteError
from corridor.model.network import Network
from corridor.model.result import Route
from corridor.routing.search import Found

__all__ = ["alternatives", "dominates", "pareto_front"]

BOUNDED = True
"""Bound the Pareto search by static lower bounds to the destination (see
:func:`corridor.routing.kernel_pareto.pareto_search`); ``False`` searches as the Python
reference."""

CRITERIA = ("time", "cost", "risk")
"""Criteria of the Pareto set: door-to-door hours, USD, and risk exposure (risk-hours)."""


def _criteria(route: Route) -> tuple[float, float, float]:
    s = route.summary
    return (s.duration_h, s.cost_usd, s.risk_exposure)


def dominates(a: Route, b: Route, *, tolerance: float = 1e-9) -> bool:
    """True when ``a`` is no worse than ``b`` on time, cost and risk, and better on one."""
    ca, cb = _criteria(a), _criteria(b)
    return all(x <= y + tolerance for x, y in zip(ca, cb, strict=True)) and any(
        x < y - tolerance for x, y in zip(ca, cb, strict=True))


def pareto_front(routes: Sequence[Route]) -> list[Route]:
    """The routes no other route dominates (duplicates by criteria kept once).

    Examples
    --------
    >>> pareto_front([])
    []
    """
    front: list[Route] = []
    seen: set[tuple[float, float, float]] = set()
    for r in routes:
        key = tuple(round(v, 6) for v in _criteria(r))
        if key in seen or any(dominates(o, r) for o in routes):
            continue
        seen.add(key)
        front.append(r)
    return front


def _criteria_arrays(req) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each edge's USD and risk exposure, and each node's risk, for the Pareto searches. A
    wait every trip meets on a link counts as a wait at its first node (as reported)."""
    cn = req.cn
    factor = req.cargo.cost_factor or 0.0
    node_risk = cn.country_risk[cn.node_country].astype(np.float64)
    waiting = cn.edge_wait_h
    ecost = cn.edge_cost_imputed_usd * factor + waiting * req.cargo.wait_cost_usd_per_day / 24.0
    moving = np.where(np.isfinite(cn.edge_time_h), cn.edge_time_h - waiting, 0)
    erisk = cn.edge_risk * moving + node_risk[cn.edge_src] * waiting
    return ecost, erisk, node_risk


def _pareto_search(
    req, origins, targets, ok, *, max_labels: int, max_total: int
) -> list[tuple[Found, tuple[float, float, float]]]:
    """Non-dominated labels at the targets, each with its (hours, USD, risk-hours), from
    the compiled kernel (:func:`corridor.routing.kernel_pareto.pareto_search`)."""
    from corridor.routing import kernel_pareto
    from corridor.routing.request import via_of
    from corridor.routing.search import path_of, via_masks

    cn = req.cn
    a = cn.arrays
    ecost, erisk, node_risk = _criteria_arrays(req)
    vias = [via_of(v, req) for v in req.vias]
    via_nodes, via_edges = via_masks(cn, vias)
    n_stages = len(vias) + 1
    o_nodes = np.fromiter(origins, dtype=np.int64, count=len(origins))
    o = np.array([origins[k] for k in origins], dtype=np.float64).reshape(-1, 3)
    is_target = np.zeros(cn.n_nodes, dtype=np.bool_)
    tgt = np.zeros((3, cn.n_nodes), dtype=np.float64)
    for node, extra in targets.items():
        is_target[node] = True
        tgt[:, node] = extra
    t, c, e, state, pred, edge, enter, done = kernel_pareto.pareto_search(
        a.indptr, a.dst, a.time_h, a.calendar, a.exit_calendar, a.transfer_from,
        a.transfer_to, a.rail_code, np.asarray(ok, dtype=np.bool_), ecost, erisk, node_risk,
        req.cargo.wait_cost_usd_per_day / 24.0, cn.next_open_table(req.depart), via_nodes,
        via_edges, o_nodes, o[:, 0].copy(), o[:, 1].copy(), o[:, 2].copy(), is_target,
        tgt[0], tgt[1], tgt[2], max_labels=max_labels, max_total=max_total,
        reverse=a.reverse if BOUNDED else None, exit_drive_h=a.drive_h)
    start = min((v[0] for v in origins.values()), default=0.0)
    found: list[tuple[Found, tuple[float, float, float]]] = []
    for idx in done.tolist():
        steps, first = path_of(idx, pred, edge, t, enter)
        origin = int(state[first] >> 3) // n_stages
        target = int(state[idx] >> 3) // n_stages
        xt, xc, xe = targets[target]
        tt, cc, ee = float(t[idx]) + xt, float(c[idx]) + xc, float(e[idx]) + xe
        found.append((Found(origin, target, steps, cc, tt), (tt - start, cc, ee)))
    return found


def alternatives(
    origin: str,
    destination: str,
    *,
    depart: dt.date | dt.datetime | str | None = None,
    cargo: str | None = None,
    via: Sequence[str] = (),
    avoid: Sequence[str] = (),
    modes: Sequence[str] | None = None,
    risk_aversion: float = 1.0,
    network: Network | None = None,
    max_labels: int = 24,
    draws: int = 0,
    seed: int | None = 0,
    deadline: dt.datetime | None = None,
) -> list[Route]:
    """Pareto-optimal itineraries over time, money and risk, one per corridor.

    Parameters
    ----------
    origin, destination, depart, cargo, via, avoid, modes, risk_aversion, network
        As for :func:`corridor.plan_route`.
    max_labels
        Labels kept per search state; bounds the work (larger: slower, more complete).
    draws, seed, deadline
        With ``draws > 0``, each alternative gets a Monte Carlo
        :class:`~corridor.routing.reliability.Reliability` (P10/P50/P90, on-time chance).

    Returns
    -------
    list of Route
        Sorted fastest first. ``route.corridor`` names each corridor and
        ``route.best_for`` lists the criteria (``time``, ``cost``, ``risk``) it is best for.

    Examples
    --------
    >>> options = alternatives("Islamabad", "Almaty", depart="2026-07-15")
    >>> len(options) >= 2
    True
    >>> sorted({c for r in options for c in r.best_for})
    ['cost', 'risk', 'time']
    """
    from corridor.routing.explain import explain_no_route
    from corridor.routing.itinerary import build_route
    from corridor.routing.plan import run_search
    from corridor.routing.request import prepare
    from corridor.routing.weights import edge_mask

    req = prepare(origin, destination, depart=depart, cargo=cargo, objective="generalized",
                   via=via, avoid=avoid, modes=modes, risk_aversion=risk_aversion,
                   network=network)
    # Single-objective optima first: they are always part of the answer.
    singles: list[Route] = []
    access: dict = {}
    for objective in ("time", "cost", "risk"):
        found, access = run_search(replace(req, objective=objective))
        if found is None:
            raise NoRouteError(explain_no_route(req, run_search))
        singles.append(build_route(replace(req, objective=objective), found, access, None))
    origins, targets = _endpoints(req, access)
    founds = _pareto_search(req, origins, targets, edge_mask(req), max_labels=max_labels,
                            max_total=200_000)
    # Filter on the labels' own criteria before building routes: only the front is built.
    known = [_criteria(r) for r in singles]
    labelled = [(f, c) for f, c in founds
                if not any(_le(k, c) for k in known)
                and not any(_le(o, c) and o != c for _, o in founds)]
    candidates = singles + [build_route(req, f, access, None, relocate=False)
                            for f, _ in labelled]
    front = pareto_front(candidates)
    chosen = _one_per_corridor(front, singles)
    result = _flag(chosen)
    if draws > 0:
        from corridor.routing.reliability import simulate

        net = req.network
        result = [replace(r, reliability=simulate(r, network=net, draws=draws, seed=seed,
                                                  deadline=deadline)) for r in result]
    return sorted(result, key=lambda r: r.summary.duration_h)


def _le(a: tuple[float, ...], b: tuple[float, ...], tolerance: float = 1e-6) -> bool:
    """``a`` is no worse than ``b`` on every criterion."""
    return all(x <= y + tolerance for x, y in zip(a, b, strict=True))


def _endpoints(req, access) -> tuple[dict, dict]:
    """Origins and targets with (time, cost, risk) offsets, as the single searches use."""
    from corridor.routing.request import match_nodes

    cn = req.cn
    factor = req.cargo.cost_factor or 0.0
    start = req.depart.minute / 60.0
    origins: dict[int, tuple[float, float, float]] = {}
    targets: dict[int, tuple[float, float, float]] = {}
    for side, table in (("origin", origins), ("destination", targets)):
        match = req.origin if side == "origin" else req.destination
        if match.place is not None:
            for n in match_nodes(req, match):
                table[n] = (start, 0.0, 0.0) if side == "origin" else (0.0, 0.0, 0.0)
        else:
            for n, a in access[side].items():
                risk = float(cn.country_risk[cn.node_country[n]]) * a.time_h
                cost = (a.cost_usd or 0.0) * factor
                table[n] = (start + a.time_h if side == "origin" else a.time_h, cost, risk)
    return origins, targets


def _one_per_corridor(front: list[Route], singles: list[Route]) -> list[Route]:
    optimum_keys = {
        tuple(round(v, 6) for v in _criteria(min(front, key=lambda r, i=i: _criteria(r)[i])))
        for i in range(len(CRITERIA))
    }
    del singles  # the optima are in the front already (added before filtering)
    groups: dict[str, list[Route]] = {}
    for r in front:
        groups.setdefault(r.corridor, []).append(r)
    chosen: list[Route] = []
    for members in groups.values():
        keep = [r for r in members if tuple(round(v, 6) for v in _criteria(r)) in optimum_keys]
        if not keep:
            keep = [min(members, key=lambda r: r.summary.objective_value
                        if math.isfinite(r.summary.objective_value) else math.inf)]
        chosen.extend(keep)
    return chosen


def _flag(routes: list[Route]) -> list[Route]:
    best = {name: min(range(len(routes)), key=lambda i, k=k: (_criteria(routes[i])[k],
                                                            _criteria(routes[i])))
            for k, name in enumerate(CRITERIA)}
    return [replace(r, best_for=tuple(n for n in CRITERIA if best[n] == i))
            for i, r in enumerate(routes)]
