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
import heapq
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from corridor.exceptions import NoRouteError
from corridor.model.network import Network
from corridor.model.result import Route
from corridor.routing.compile import enter_and_leave, transfer_allowed
from corridor.routing.search import LOOP_WALK, Found, Step

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


def _pareto_search_python(
    req, origins, targets, ok, *, max_labels: int, max_total: int
) -> list[tuple[Found, tuple[float, float, float]]]:
    """:func:`_pareto_search` in plain Python: the reference the kernel is tested against."""
    cn = req.cn
    hot = cn.hot
    indptr, dst, etime, t_from = hot.indptr, hot.dst, hot.time_h, hot.transfer_from
    ecost_a, erisk_a, node_risk_a = _criteria_arrays(req)
    ecost, erisk, node_risk = ecost_a.tolist(), erisk_a.tolist(), node_risk_a.tolist()
    wait_cost = req.cargo.wait_cost_usd_per_day / 24.0
    risk_max = max(node_risk) if node_risk else 0.0
    okl = ok.tolist()
    next_open = cn.next_open(req.depart)
    from corridor.routing.request import via_of

    vias = [via_of(v, req) for v in req.vias]
    n_stages = len(vias) + 1
    final = n_stages - 1

    lab: list[tuple[float, float, float, int, int, Step | None]] = []  # t, c, e, state, pred
    alive: list[bool] = []
    at_state: dict[int, list[int]] = {}
    heap: list[tuple[float, int]] = []
    done: list[int] = []  # labels at targets (with the target's extra added on read-out)

    def advance(node: int, stage: int) -> int:
        while stage < final and node in vias[stage].nodes:
            stage += 1
        return stage

    def dominated_by_targets(t: float, c: float, e: float) -> bool:
        for i in done:
            tt, tc, te, st, _, _ = lab[i]
            xt, xc, xe = targets[(st >> 3) // n_stages]
            if tt + xt <= t and tc + xc <= c and te + xe <= e:
                return True
        return False

    def on_path(idx: int, place_stage: int) -> bool:
        for _ in range(LOOP_WALK):  # the last legs only, as the kernel looks
            if idx < 0:
                return False
            if lab[idx][3] >> 3 == place_stage:
                return True
            idx = lab[idx][4]
        return False

    def push(state: int, t: float, c: float, e: float, pred: int, step: Step | None) -> None:
        r = risk_max  # waiting may happen later in the riskiest country: stay conservative
        labels = at_state.setdefault(state, [])
        for o in labels:
            if not alive[o]:
                continue
            to, co, eo = lab[o][0], lab[o][1], lab[o][2]
            if to <= t and co + wait_cost * (t - to) <= c + 1e-9 and eo + r * (t - to) <= e + 1e-9:
                return
        for o in labels:
            if alive[o]:
                to, co, eo = lab[o][0], lab[o][1], lab[o][2]
                if t <= to and c + wait_cost * (to - t) <= co + 1e-9 and \
                        e + r * (to - t) <= eo + 1e-9:
                    alive[o] = False
        labels[:] = [o for o in labels if alive[o]]
        if len(labels) >= max_labels or len(lab) >= max_total:
            return
        if dominated_by_targets(t, c, e):
            return
        lab.append((t, c, e, state, pred, step))
        alive.append(True)
        labels.append(len(lab) - 1)
        heapq.heappush(heap, (t, len(lab) - 1))

    for node, (t0, c0, e0) in origins.items():
        push((node * n_stages + advance(node, 0)) * 8, t0, c0, e0, -1, None)

    while heap:
        t, idx = heapq.heappop(heap)
        if not alive[idx]:
            continue
        _, c, e, state, _, _ = lab[idx]
        last = state & 7
        node, stage = divmod(state >> 3, n_stages)
        if stage == final and node in targets:
            done.append(idx)
            continue  # a target is where the itinerary ends
        if dominated_by_targets(t, c, e):
            continue
        r = node_risk[node]
        for k in range(indptr[node], indptr[node + 1]):
            if not okl[k]:
                continue
            if last and not transfer_allowed(hot, last, k):
                continue
            times = enter_and_leave(hot, next_open, k, t)
            if times is None:
                continue
            enter, leave = times
            wait = enter - t + (leave - enter - etime[k])
            head = dst[k]
            new_stage = stage
            if new_stage < final and k in vias[new_stage].edges:
                new_stage += 1
            new_stage = advance(head, new_stage)
            if on_path(idx, head * n_stages + new_stage):
                continue  # no cycles
            push(((head * n_stages + new_stage) << 3) + t_from[k], leave,
                 c + wait * wait_cost + ecost[k], e + wait * r + erisk[k], idx,
                 Step(k, t, enter, leave))

    start = min((o[0] for o in origins.values()), default=0.0)
    found: list[tuple[Found, tuple[float, float, float]]] = []
    for idx in done:
        steps: list[Step] = []
        i = idx
        while lab[i][4] >= 0:
            steps.append(lab[i][5])
            i = lab[i][4]
        steps.reverse()
        origin = (lab[i][3] >> 3) // n_stages
        target = (lab[idx][3] >> 3) // n_stages
        xt, xc, xe = targets[target]
        t, c, e = lab[idx][0] + xt, lab[idx][1] + xc, lab[idx][2] + xe
        found.append((Found(origin, target, tuple(steps), c, t), (t - start, c, e)))
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
