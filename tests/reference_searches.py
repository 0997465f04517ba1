"""The searches in plain Python: the references the compiled kernels are tested against
(kept out of the package; see tests/test_kernel.py)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence

import numpy as np

from corridor.routing.compile import CompiledNetwork, enter_and_leave, transfer_allowed
from corridor.routing.pareto import _criteria_arrays
from corridor.routing.search import LOOP_WALK, Found, Step, Via, _with_cap


def search_python(
    cn: CompiledNetwork,
    *,
    origins: Mapping[int, tuple[float, float]],
    targets: Mapping[int, tuple[float, float]],
    edge_ok: np.ndarray,
    edge_key: Sequence[float],
    node_wait_rate: Sequence[float],
    next_open: Sequence[np.ndarray] | None,
    vias: Sequence[Via] = (),
    max_labels: int | None = None,
) -> Found | None:
    """:func:`search` in plain Python, with the same parameters and result: the reference
    the compiled kernel (:func:`corridor.routing.kernel.label_search`) is tested against."""
    def run(cap: int) -> tuple[Found | None, bool]:
        return _search_python_once(cn, origins, targets, edge_ok, edge_key, node_wait_rate,
                                   next_open, vias, cap)

    return _with_cap(run, max_labels)


def _search_python_once(cn, origins, targets, edge_ok, edge_key, node_wait_rate, next_open,
                        vias, max_labels) -> tuple[Found | None, bool]:
    hot = cn.hot
    indptr, dst, etime, t_from = hot.indptr, hot.dst, hot.time_h, hot.transfer_from
    ok = np.asarray(edge_ok).tolist()
    edge_key = np.asarray(edge_key, dtype=float).tolist()
    node_wait_rate = np.asarray(node_wait_rate, dtype=float).tolist()
    n_stages = len(vias) + 1
    via_nodes = [v.nodes for v in vias]
    via_edges = [v.edges for v in vias]
    # Dominance must hold wherever the later label would wait, so use the highest rate.
    wait_max = max(node_wait_rate) if len(node_wait_rate) else 0.0

    # label storage; a state is ((node * n_stages + stage) * 8 + last transfer's layer)
    lab_key: list[float] = []
    lab_time: list[float] = []
    lab_state: list[int] = []
    lab_pred: list[int] = []
    lab_step: list[Step | None] = []
    lab_alive: list[bool] = []
    lab_cheap: list[float] = []  # least wait rate since the last timetabled edge
    at_state: dict[int, list[int]] = {}
    heap: list[tuple[float, float, int]] = []
    overflow = [0]  # times a full state met another label

    def advance_stage(node: int, stage: int) -> int:
        while stage < n_stages - 1 and node in via_nodes[stage]:
            stage += 1
        return stage

    def on_path(idx: int, place_stage: int) -> bool:
        """Whether label ``idx``'s path passed this node at this stage in its last
        ``LOOP_WALK`` legs (as the kernel looks)."""
        for _ in range(LOOP_WALK):
            if idx < 0:
                return False
            if lab_state[idx] >> 3 == place_stage:
                return True
            idx = lab_pred[idx]
        return False

    def push(state: int, key: float, time: float, pred: int, step: Step | None,
             cheap: float) -> None:
        labels = at_state.get(state)
        if labels is None:
            labels = []
            at_state[state] = labels
        else:
            for other in labels:
                t_o = lab_time[other]
                if t_o <= time and lab_key[other] + wait_max * (time - t_o) <= key + 1e-9 \
                        and lab_cheap[other] <= cheap + 1e-9:
                    return  # dominated
            for other in labels:
                if time <= lab_time[other] and \
                        key + wait_max * (lab_time[other] - time) <= lab_key[other] + 1e-9 \
                        and cheap <= lab_cheap[other] + 1e-9:
                    lab_alive[other] = False
            labels[:] = [o for o in labels if lab_alive[o]]
            if len(labels) >= max_labels:
                overflow[0] += 1
                worst = max(labels, key=lab_key.__getitem__)
                if lab_key[worst] <= key:
                    return
                lab_alive[worst] = False  # keep the better label when the state is full
                labels.remove(worst)
        idx = len(lab_key)
        lab_key.append(key)
        lab_time.append(time)
        lab_state.append(state)
        lab_pred.append(pred)
        lab_step.append(step)
        lab_alive.append(True)
        lab_cheap.append(cheap)
        labels.append(idx)
        heapq.heappush(heap, (key, time, idx))

    for node, (t0, k0) in origins.items():
        push((node * n_stages + advance_stage(node, 0)) * 8, k0, t0, -1, None,
             node_wait_rate[node])

    best_total = math.inf
    best_label = -1
    final = n_stages - 1
    while heap:
        key, time, idx = heapq.heappop(heap)
        if key >= best_total:
            break
        if not lab_alive[idx]:
            continue
        state = lab_state[idx]
        last = state & 7
        node, stage = divmod(state >> 3, n_stages)
        if stage == final and node in targets:
            extra_t, extra_k = targets[node]
            total = key + extra_k
            if total < best_total:
                best_total, best_label = total, idx
        rate = node_wait_rate[node]
        cheap = lab_cheap[idx]
        for e in range(indptr[node], indptr[node + 1]):
            if not ok[e]:
                continue
            if last and not transfer_allowed(hot, last, e):
                continue  # no transfer straight back, nor rail -> road -> rail
            times = enter_and_leave(hot, next_open, e, time)
            if times is None:
                continue
            enter, leave = times
            new_key = key + (enter - time) * cheap + edge_key[e] + (leave - enter - etime[e]) * rate
            if new_key >= best_total:
                continue
            head = dst[e]
            new_stage = stage
            if new_stage < final and e in via_edges[new_stage]:
                new_stage += 1
            new_stage = advance_stage(head, new_stage)
            if on_path(idx, head * n_stages + new_stage):
                continue  # no cycles
            timetabled = hot.calendar[e] >= 0 or hot.exit_calendar[e] >= 0
            push(((head * n_stages + new_stage) << 3) + t_from[e], new_key, leave, idx,
                 Step(e, time, enter, leave),
                 node_wait_rate[head] if timetabled else min(cheap, node_wait_rate[head]))

    if best_label < 0:
        return None, overflow[0] > 0
    steps: list[Step] = []
    idx = best_label
    while lab_pred[idx] >= 0:
        step = lab_step[idx]
        assert step is not None
        steps.append(step)
        idx = lab_pred[idx]
    steps.reverse()
    origin = (lab_state[idx] >> 3) // n_stages
    target = (lab_state[best_label] >> 3) // n_stages
    return Found(origin, target, tuple(steps), best_total,
                 lab_time[best_label] + targets[target][0]), overflow[0] > 0


def pareto_search_python(
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
