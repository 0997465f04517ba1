"""The Pareto search's compiled core: labels non-dominated on (time, money, risk exposure),
the engine behind :func:`corridor.alternatives` (see :mod:`corridor.routing.kernel` for the
conventions: CSR arrays, calendars as next-open tables, states with their layer code)."""

from __future__ import annotations

import numpy as np
from numba import njit

from corridor.routing.kernel import (
    EPS,
    advance,
    enter_leave,
    hpop,
    hpush,
    lower_bound,
    on_path,
    reached,
    transfer_ok,
)

__all__ = ["pareto_search"]


@njit(cache=True)
def _pareto_search(indptr, dst, time_h, calendar, exit_calendar, drive_h, transfer_from,
                   transfer_to,
                   rail_code, ok, edge_cost, edge_risk, node_risk, wait_cost, risk_max,
                   next_open, horizon, via_nodes, via_edges, o_nodes, o_time, o_cost, o_risk,
                   is_target, tgt_t, tgt_c, tgt_e, lb, max_labels, max_total, cap):
    n = indptr.size - 1
    n_stages = via_nodes.shape[0] + 1
    final = n_stages - 1
    use_cal = next_open.shape[0] > 0
    lab_t = np.empty(cap, np.float64)
    lab_c = np.empty(cap, np.float64)
    lab_e = np.empty(cap, np.float64)
    lab_state = np.empty(cap, np.int64)
    lab_pred = np.empty(cap, np.int64)
    lab_edge = np.empty(cap, np.int64)
    lab_enter = np.empty(cap, np.float64)
    lab_alive = np.zeros(cap, np.bool_)
    h1 = np.empty(cap, np.float64)
    h2 = np.zeros(cap, np.float64)
    hi = np.empty(cap, np.int64)
    done = np.empty(cap, np.int64)
    n_done = 0
    state_slot = np.full(n * n_stages * 8, -1, np.int64)
    slot_cap = min(cap, n * n_stages * 8)
    slot_labels = np.empty((slot_cap, max_labels), np.int64)
    slot_count = np.zeros(slot_cap, np.int64)
    n_slots = 0
    n_lab = 0
    size = 0
    r = risk_max  # waiting may happen later in the riskiest country: stay conservative
    n_origins = o_nodes.size
    i_origin = 0
    while True:
        # the origins are pushed first, through the same dominance as every other label
        if i_origin < n_origins:
            node = o_nodes[i_origin]
            new_state = (node * n_stages + advance(via_nodes, node, 0, final)) * 8
            t, c, x = o_time[i_origin], o_cost[i_origin], o_risk[i_origin]
            pred, edge, enter = -1, -1, o_time[i_origin]
            i_origin += 1
        else:
            break
        n_lab, size, n_slots, full = _pareto_push(
            new_state, t, c, x, pred, edge, enter, lab_t, lab_c, lab_e, lab_state, lab_pred,
            lab_edge, lab_enter, lab_alive, h1, h2, hi, size, n_lab, state_slot, slot_labels,
            slot_count, n_slots, slot_cap, cap, max_labels, max_total, wait_cost, r, done,
            n_done, is_target, tgt_t, tgt_c, tgt_e, n_stages, lb)
        if full:
            return lab_t, lab_c, lab_e, lab_state, lab_pred, lab_edge, lab_enter, done, -1
    while size > 0:
        idx = hi[0]
        size = hpop(h1, h2, hi, size)
        if not lab_alive[idx]:
            continue
        t = lab_t[idx]
        c = lab_c[idx]
        x = lab_e[idx]
        state = lab_state[idx]
        last = state & 7
        node = (state >> 3) // n_stages
        stage = (state >> 3) % n_stages
        if stage == final and is_target[node]:
            done[n_done] = idx
            n_done += 1
            continue  # a target is where the itinerary ends
        if _dominated_by_targets(t + lb[0, node], c + lb[1, node], x + lb[2, node], done,
                                 n_done, lab_t, lab_c, lab_e, lab_state, tgt_t, tgt_c, tgt_e,
                                 n_stages):
            continue  # no completion can beat an itinerary already found
        rn = node_risk[node]
        for e in range(indptr[node], indptr[node + 1]):
            if not ok[e]:
                continue
            if last != 0 and not transfer_ok(last, e, transfer_to, rail_code):
                continue
            good, enter, leave = enter_leave(e, t, calendar, exit_calendar, drive_h, time_h,
                                              next_open, use_cal, horizon)
            if not good:
                continue
            wait = enter - t + (leave - enter - time_h[e])
            head = dst[e]
            new_stage = stage
            if new_stage < final and via_edges[new_stage, e]:
                new_stage += 1
            new_stage = advance(via_nodes, head, new_stage, final)
            new_state = ((head * n_stages + new_stage) << 3) + transfer_from[e]
            n_lab, size, n_slots, full = _pareto_push(
                new_state, leave, c + wait * wait_cost + edge_cost[e],
                x + wait * rn + edge_risk[e], idx, e, enter, lab_t, lab_c, lab_e, lab_state,
                lab_pred, lab_edge, lab_enter, lab_alive, h1, h2, hi, size, n_lab, state_slot,
                slot_labels, slot_count, n_slots, slot_cap, cap, max_labels, max_total,
                wait_cost, r, done, n_done, is_target, tgt_t, tgt_c, tgt_e, n_stages, lb)
            if full:
                return lab_t, lab_c, lab_e, lab_state, lab_pred, lab_edge, lab_enter, done, -1
    return lab_t, lab_c, lab_e, lab_state, lab_pred, lab_edge, lab_enter, done[:n_done], n_lab


@njit(cache=True)
def _dominated_by_targets(t, c, x, done, n_done, lab_t, lab_c, lab_e, lab_state, tgt_t, tgt_c,
                          tgt_e, n_stages):
    for j in range(n_done):
        i = done[j]
        node = (lab_state[i] >> 3) // n_stages
        if lab_t[i] + tgt_t[node] <= t and lab_c[i] + tgt_c[node] <= c and \
                lab_e[i] + tgt_e[node] <= x:
            return True
    return False


@njit(cache=True)
def _pareto_push(state, t, c, x, pred, edge, enter, lab_t, lab_c, lab_e, lab_state, lab_pred,
                 lab_edge, lab_enter, lab_alive, h1, h2, hi, size, n_lab, state_slot,
                 slot_labels, slot_count, n_slots, slot_cap, cap, max_labels, max_total,
                 wait_cost, r, done, n_done, is_target, tgt_t, tgt_c, tgt_e, n_stages, lb):
    """Returns (n_lab, heap size, n_slots, out of room)."""
    node = (state >> 3) // n_stages
    if lb[0, node] == np.inf:
        return n_lab, size, n_slots, False  # no target can be reached from here
    seen = reached(state_slot, state >> 3)
    slot = state_slot[state]
    if slot < 0:
        if n_slots >= slot_cap:
            return n_lab, size, n_slots, True
        slot = n_slots
        state_slot[state] = slot
        n_slots += 1
    count = slot_count[slot]
    for j in range(count):
        o = slot_labels[slot, j]
        to = lab_t[o]
        if to <= t and lab_c[o] + wait_cost * (t - to) <= c + EPS and \
                lab_e[o] + r * (t - to) <= x + EPS:
            return n_lab, size, n_slots, False
    if seen and pred >= 0 and on_path(lab_state, lab_pred, pred, state >> 3):
        return n_lab, size, n_slots, False  # no cycles
    kept = 0
    for j in range(count):
        o = slot_labels[slot, j]
        to = lab_t[o]
        if t <= to and c + wait_cost * (to - t) <= lab_c[o] + EPS and \
                x + r * (to - t) <= lab_e[o] + EPS:
            lab_alive[o] = False
        else:
            slot_labels[slot, kept] = o
            kept += 1
    slot_count[slot] = kept
    if kept >= max_labels or n_lab >= max_total:
        return n_lab, size, n_slots, False
    if _dominated_by_targets(t + lb[0, node], c + lb[1, node], x + lb[2, node], done, n_done,
                             lab_t, lab_c, lab_e, lab_state, tgt_t, tgt_c, tgt_e, n_stages):
        return n_lab, size, n_slots, False
    if n_lab >= cap:
        return n_lab, size, n_slots, True
    slot_labels[slot, kept] = n_lab
    slot_count[slot] = kept + 1
    lab_t[n_lab] = t
    lab_c[n_lab] = c
    lab_e[n_lab] = x
    lab_state[n_lab] = state
    lab_pred[n_lab] = pred
    lab_edge[n_lab] = edge
    lab_enter[n_lab] = enter
    lab_alive[n_lab] = True
    size = hpush(h1, h2, hi, size, t + lb[0, node], 0.0, n_lab)
    return n_lab + 1, size, n_slots, False


def pareto_search(indptr, dst, time_h, calendar, exit_calendar, transfer_from, transfer_to,
                  rail_code, ok, edge_cost, edge_risk, node_risk, wait_cost, next_open,
                  via_nodes, via_edges, o_nodes, o_time, o_cost, o_risk, is_target, tgt_t,
                  tgt_c, tgt_e, *, max_labels: int, max_total: int,
                  reverse: tuple | None = None, exit_drive_h: np.ndarray | None = None):
    """Labels non-dominated on (time, money, risk exposure); see :mod:`corridor.routing.pareto`.

    With ``reverse`` (the reverse CSR, as for :func:`label_search`), three static searches
    back from the targets bound the time, money and risk a label still has to add
    (:func:`lower_bound`): labels leave the heap by time plus its bound, and a label whose
    bounded criteria an itinerary already found matches or beats is dropped, as an unbounded
    one would be on arrival. The non-dominated itineraries are the same; far fewer labels.

    Returns
    -------
    tuple
        ``(t, c, e, state, pred, edge, enter, done)``: per label its time, money, risk
        exposure, state, predecessor, edge and entry hour; ``done`` the labels that reached
        a target, in the order they were settled.
    """
    horizon = next_open.shape[1]
    drive = np.zeros(dst.size) if exit_drive_h is None else np.asarray(exit_drive_h, np.float64)
    risk_max = float(node_risk.max()) if node_risk.size else 0.0
    n = indptr.size - 1
    if reverse is not None and is_target.any():
        lb = np.stack([lower_bound(*reverse, w, ok, is_target, extra) for w, extra in
                       ((time_h, tgt_t), (edge_cost, tgt_c), (edge_risk, tgt_e))])
    else:
        lb = np.zeros((3, n))
    # never more labels than max_total; start from a few per node and grow if need be
    cap = min(max_total + o_nodes.size + 1, max(1 << 16, 2 * (indptr.size - 1)))
    while True:
        out = _pareto_search(indptr, dst, time_h, calendar, exit_calendar, drive,
                             transfer_from, transfer_to, rail_code, ok, edge_cost, edge_risk,
                             node_risk, float(wait_cost), risk_max, next_open, horizon, via_nodes,
                             via_edges, o_nodes, o_time, o_cost, o_risk, is_target, tgt_t,
                             tgt_c, tgt_e, lb, max_labels, max_total, cap)
        n_lab = out[8]
        if n_lab >= 0:
            return (*(a[:n_lab] for a in out[:7]), out[7])
        cap *= 4
