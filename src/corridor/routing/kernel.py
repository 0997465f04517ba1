"""The compiled search core: label-setting searches over CSR arrays, compiled with numba.

Why numba: the searches are label-setting loops with rules of their own — calendars that
hold a traveller until a post opens, dominance that prices waiting, vias, transfer rules,
several objectives at once — which no graph library exposes (scipy's and igraph's Dijkstra
take a static weight per edge and nothing else). numba compiles the same loops, written once
in Python over numpy arrays, to machine code with no C toolchain at install time; the
compiled functions are cached on disk after the first run (``cache=True``).

Every function takes the graph as CSR arrays: ``indptr`` (``n + 1`` int64, edges sorted by
source node) and per-edge arrays of length ``m``. Times are hours after the horizon start;
``next_open[c, h]`` is the first open hour at or after hour ``h`` of calendar ``c`` (a value
``>= horizon`` means never), as :meth:`corridor.routing.compile.CompiledNetwork.next_open`
builds it.

* :func:`dijkstra` — static one-to-all shortest paths.
* :func:`td_earliest_arrival` — one-to-all earliest arrival where edges with a calendar are
  entered only while open.
* :func:`label_search` — the engine behind :func:`corridor.plan_route`: time-dependent,
  waiting-aware dominance, vias, transfer rules, one objective; to one target set or, with no
  targets, to every node.
* :func:`corridor.routing.kernel_pareto.pareto_search` — the engine behind
  :func:`corridor.alternatives`: labels non-dominated on (time, money, risk exposure).

Examples
--------
>>> import numpy as np
>>> indptr = np.array([0, 2, 3, 3]); dst = np.array([1, 2, 2]); w = np.array([1.0, 5.0, 1.0])
>>> dijkstra(indptr, dst, w, 0).tolist()
[0.0, 1.0, 2.0]
"""

from __future__ import annotations

import numpy as np
from numba import njit

from corridor.routing.kernel_static import (
    dijkstra,
    enter_leave,
    pop4,
    push4,
    td_earliest_arrival,
)

__all__ = ["EPS", "advance", "compiled", "dijkstra", "enter_leave", "hpop", "hpush",
           "label_search", "lower_bound", "on_path", "reached", "td_earliest_arrival",
           "transfer_ok"]

EPS = 1e-9


# --------------------------------------------------------------------------------------------
# Multi-label searches (lazy heap of label ids ordered by (k1, k2, id))
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _less(k1a, k2a, ia, k1b, k2b, ib):
    if k1a != k1b:
        return k1a < k1b
    if k2a != k2b:
        return k2a < k2b
    return ia < ib


@njit(cache=True)
def hpush(h1, h2, hi, size, k1, k2, idx):
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if not _less(k1, k2, idx, h1[parent], h2[parent], hi[parent]):
            break
        h1[i] = h1[parent]
        h2[i] = h2[parent]
        hi[i] = hi[parent]
        i = parent
    h1[i] = k1
    h2[i] = k2
    hi[i] = idx
    return size + 1


@njit(cache=True)
def hpop(h1, h2, hi, size):
    size -= 1
    if size == 0:
        return 0
    k1 = h1[size]
    k2 = h2[size]
    idx = hi[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and _less(h1[c + 1], h2[c + 1], hi[c + 1], h1[c], h2[c], hi[c]):
            c += 1
        if not _less(h1[c], h2[c], hi[c], k1, k2, idx):
            break
        h1[i] = h1[c]
        h2[i] = h2[c]
        hi[i] = hi[c]
        i = c
    h1[i] = k1
    h2[i] = k2
    hi[i] = idx
    return size


@njit(cache=True)
def advance(via_nodes, node, stage, final):
    while stage < final and via_nodes[stage, node]:
        stage += 1
    return stage


@njit(cache=True)
def transfer_ok(last, e, transfer_to, rail_code):
    to = transfer_to[e]
    if last == 0 or to == 0:
        return True
    return to != last and not (rail_code[last] and rail_code[to])


LOOP_WALK = 64
"""How many legs back :func:`on_path` looks for the node a label is about to re-enter."""


@njit(cache=True)
def reached(state_slot, place_stage):
    """Whether any label has reached ``place_stage`` (a node at a via stage) yet: if not, it
    is on no label's path."""
    base = place_stage << 3
    for b in range(8):
        if state_slot[base + b] >= 0:
            return True
    return False


@njit(cache=True)
def on_path(lab_state, lab_pred, idx, place_stage):
    """Whether the path of label ``idx`` already passed ``place_stage`` (a state without its
    transfer bits: the node and the number of vias met). Routes have no cycles: coming back
    to a node at the same stage is never taken (a loop that passes time more cheaply than
    waiting would be). At a new stage it is allowed (out to a via on a spur and back).

    Only the last :data:`LOOP_WALK` labels of the path are looked at, so that a search a
    whole large network deep does not walk every path back to its origin: a route never
    comes back to a node it left within that many legs (every route of the bundled network
    is shorter)."""
    j = idx
    steps = 0
    while j >= 0 and steps < LOOP_WALK:
        if (lab_state[j] >> 3) == place_stage:
            return True
        j = lab_pred[j]
        steps += 1
    return False


@njit(cache=True)
def _label_search(indptr, dst, time_h, calendar, exit_calendar, drive_h, transfer_from,
                  transfer_to,
                  rail_code, ok, edge_key, wait_rate, next_open, horizon, via_nodes, via_edges,
                  o_nodes, o_time, o_key, is_target, target_key, bound, max_labels, wait_max,
                  cap, stats):
    n = indptr.size - 1
    n_stages = via_nodes.shape[0] + 1
    final = n_stages - 1
    use_cal = next_open.shape[0] > 0
    lab_key = np.empty(cap, np.float64)
    lab_time = np.empty(cap, np.float64)
    lab_state = np.empty(cap, np.int64)
    lab_pred = np.empty(cap, np.int64)
    lab_edge = np.empty(cap, np.int64)
    lab_enter = np.empty(cap, np.float64)
    lab_alive = np.zeros(cap, np.bool_)
    lab_rank = np.full(cap, -1, np.int64)  # order in which live labels were settled
    # the least wait rate of the nodes passed since the last timetabled edge: a wait the
    # next calendar forces may be spent at any of them instead (see _cheapest_wait)
    lab_cheap = np.empty(cap, np.float64)
    h1 = np.empty(cap, np.float64)
    h2 = np.empty(cap, np.float64)
    hi = np.empty(cap, np.int64)
    state_slot = np.full(n * n_stages * 8, -1, np.int64)
    slot_cap = min(cap, n * n_stages * 8)
    slot_labels = np.empty((slot_cap, max_labels), np.int64)
    slot_count = np.zeros(slot_cap, np.int64)
    n_slots = 0
    n_lab = 0
    n_settled = 0
    size = 0
    for i in range(o_nodes.size):
        node = o_nodes[i]
        state = (node * n_stages + advance(via_nodes, node, 0, final)) * 8
        slot = state_slot[state]
        if slot < 0:
            slot = n_slots
            state_slot[state] = slot
            n_slots += 1
        slot_labels[slot, slot_count[slot]] = n_lab
        slot_count[slot] += 1
        lab_key[n_lab] = o_key[i]
        lab_time[n_lab] = o_time[i]
        lab_state[n_lab] = state
        lab_pred[n_lab] = -1
        lab_edge[n_lab] = -1
        lab_enter[n_lab] = o_time[i]
        lab_alive[n_lab] = True
        lab_cheap[n_lab] = wait_rate[node]
        size = hpush(h1, h2, hi, size, o_key[i] + bound[node], o_time[i], n_lab)
        n_lab += 1

    best_total = np.inf
    best_label = -1
    while size > 0:
        f = h1[0]  # key + a lower bound of what remains to a target (A*; 0 without targets)
        time = h2[0]
        idx = hi[0]
        size = hpop(h1, h2, hi, size)
        if f >= best_total:
            break
        if not lab_alive[idx]:
            continue
        key = lab_key[idx]
        lab_rank[idx] = n_settled
        n_settled += 1
        state = lab_state[idx]
        last = state & 7
        node = (state >> 3) // n_stages
        stage = (state >> 3) % n_stages
        if stage == final and is_target[node]:
            total = key + target_key[node]
            if total < best_total:
                best_total = total
                best_label = idx
        rate = wait_rate[node]
        cheap = lab_cheap[idx]
        for e in range(indptr[node], indptr[node + 1]):
            if not ok[e]:
                continue
            if last != 0 and not transfer_ok(last, e, transfer_to, rail_code):
                continue
            good, enter, leave = enter_leave(e, time, calendar, exit_calendar, drive_h, time_h,
                                              next_open, use_cal, horizon)
            if not good:
                continue
            # a wait for the edge to open is spent where it is cheapest; held at a shut post
            # is spent there
            new_key = key + (enter - time) * cheap + edge_key[e] + \
                (leave - enter - time_h[e]) * rate
            head = dst[e]
            if calendar[e] >= 0 or exit_calendar[e] >= 0:
                new_cheap = wait_rate[head]  # a timetabled edge: earlier waits would miss it
            else:
                new_cheap = min(cheap, wait_rate[head])
            if new_key + bound[head] >= best_total:
                continue  # also when no target can be reached from head (bound inf)
            new_stage = stage
            if new_stage < final and via_edges[new_stage, e]:
                new_stage += 1
            new_stage = advance(via_nodes, head, new_stage, final)
            new_state = ((head * n_stages + new_stage) << 3) + transfer_from[e]
            seen = reached(state_slot, new_state >> 3)
            # push, with waiting-aware dominance among the labels of the state
            slot = state_slot[new_state]
            if slot < 0:
                if n_slots >= slot_cap:
                    return (lab_key, lab_time, lab_state, lab_pred, lab_edge, lab_enter,
                            lab_rank, -1, -1)
                slot = n_slots
                state_slot[new_state] = slot
                n_slots += 1
            count = slot_count[slot]
            dominated = False
            for j in range(count):
                o = slot_labels[slot, j]
                t_o = lab_time[o]
                if t_o <= leave and lab_key[o] + wait_max * (leave - t_o) <= new_key + EPS \
                        and lab_cheap[o] <= new_cheap + EPS:
                    dominated = True
                    break
            if dominated:
                continue
            if seen and on_path(lab_state, lab_pred, idx, new_state >> 3):
                continue  # no cycles (checked only for labels that would be kept)
            kept = 0
            for j in range(count):
                o = slot_labels[slot, j]
                t_o = lab_time[o]
                if leave <= t_o and new_key + wait_max * (t_o - leave) <= lab_key[o] + EPS \
                        and new_cheap <= lab_cheap[o] + EPS:
                    lab_alive[o] = False
                else:
                    slot_labels[slot, kept] = o
                    kept += 1
            count = kept
            if count >= max_labels:
                stats[0] += 1  # the state is full: a label that may matter is dropped
                worst = 0
                for j in range(1, count):
                    if lab_key[slot_labels[slot, j]] > lab_key[slot_labels[slot, worst]]:
                        worst = j
                w = slot_labels[slot, worst]
                if lab_key[w] <= new_key:
                    slot_count[slot] = count
                    continue
                lab_alive[w] = False  # keep the better label when the state is full
                for j in range(worst, count - 1):
                    slot_labels[slot, j] = slot_labels[slot, j + 1]
                count -= 1
            if n_lab >= cap:
                return lab_key, lab_time, lab_state, lab_pred, lab_edge, lab_enter, lab_rank, -1, -1
            slot_labels[slot, count] = n_lab
            slot_count[slot] = count + 1
            lab_key[n_lab] = new_key
            lab_time[n_lab] = leave
            lab_state[n_lab] = new_state
            lab_pred[n_lab] = idx
            lab_edge[n_lab] = e
            lab_enter[n_lab] = enter
            lab_cheap[n_lab] = new_cheap
            lab_alive[n_lab] = True
            size = hpush(h1, h2, hi, size, new_key + bound[head], leave, n_lab)
            n_lab += 1
    return lab_key, lab_time, lab_state, lab_pred, lab_edge, lab_enter, lab_rank, n_lab, \
        best_label


def label_search(indptr, dst, time_h, calendar, exit_calendar, transfer_from, transfer_to,
                 rail_code, ok, edge_key, wait_rate, next_open, via_nodes, via_edges,
                 o_nodes, o_time, o_key, is_target, target_key, *, max_labels: int = 8,
                 capacity: int | None = None, reverse: tuple | None = None,
                 exit_drive_h: np.ndarray | None = None, stats: np.ndarray | None = None):
    """Time-dependent label setting of least key; see :mod:`corridor.routing.search`.

    A state is ``((node * n_stages + stage) << 3) + layer code of the transfer just taken``.
    With targets the search stops once no label can improve on the best target; with no
    target (``is_target`` all false) it labels every reachable state.

    With ``reverse`` (the graph's reverse CSR, ``(rindptr, redge, src)``) and targets, the
    search is an A* search: labels leave the heap in order of key plus
    :func:`lower_bound` of their node, and a label that cannot beat the best target even at
    that bound is not kept. The answer is the same; far less of a large network is searched.

    ``stats``, a one-element int64 array if given, receives how many times a state already
    held ``max_labels`` labels when another came (a label that may matter was dropped):
    :func:`corridor.routing.search.search` raises the cap when it is not 0.

    Returns
    -------
    tuple
        ``(key, time, state, pred, edge, enter, rank, best)``: per label its key, time,
        state, predecessor label (-1 at an origin), edge taken (-1 at an origin), the hour it
        entered that edge and the order in which it was settled (-1: dominated before it
        was); ``best`` is the label of least total at a target (-1 for none).
    """
    n = indptr.size - 1
    horizon = next_open.shape[1]
    drive = np.zeros(dst.size) if exit_drive_h is None else np.asarray(exit_drive_h, np.float64)
    counts = np.zeros(1, np.int64) if stats is None else stats  # [0]: labels dropped by the cap
    wait_max = float(wait_rate.max()) if wait_rate.size else 0.0
    cap = capacity or max(1024, 2 * n + 4 * o_nodes.size)
    if reverse is not None and is_target.any():
        bound = lower_bound(*reverse, edge_key, ok, is_target, target_key)
    else:
        bound = np.zeros(n)
    while True:
        counts[0] = 0
        out = _label_search(indptr, dst, time_h, calendar, exit_calendar, drive, transfer_from,
                            transfer_to, rail_code, ok, edge_key, wait_rate, next_open, horizon,
                            via_nodes, via_edges, o_nodes, o_time, o_key, is_target, target_key,
                            bound, max_labels, wait_max, cap, counts)
        n_lab = out[7]
        if n_lab >= 0:
            return (*(a[:n_lab] for a in out[:7]), out[8])
        cap *= 4  # out of room: search again with more


@njit(cache=True)
def _lower_bound(rindptr, redge, src, edge_key, ok, is_target, target_key):
    n = rindptr.size - 1
    dist = np.full(n, np.inf)
    hk = np.empty(redge.size + n + 1, np.float64)
    hn = np.empty(redge.size + n + 1, np.int64)
    size = 0
    for v in range(n):
        if is_target[v]:
            dist[v] = target_key[v]
            size = push4(hk, hn, size, target_key[v], v)
    while size > 0:
        d = hk[0]
        v = hn[0]
        size = pop4(hk, hn, size)
        if d > dist[v]:
            continue
        for j in range(rindptr[v], rindptr[v + 1]):
            e = redge[j]
            if not ok[e]:
                continue
            u = src[e]
            nd = d + edge_key[e]
            if nd < dist[u]:
                dist[u] = nd
                size = push4(hk, hn, size, nd, u)
    return dist


def lower_bound(rindptr: np.ndarray, redge: np.ndarray, src: np.ndarray, edge_key: np.ndarray,
                ok: np.ndarray, is_target: np.ndarray, target_key: np.ndarray) -> np.ndarray:
    """Per node, the least key to any target (plus its ``target_key``) over usable edges,
    ignoring calendars, waits, transfer rules and vias: a lower bound of what a label there
    still has to pay (``inf`` where no target can be reached). A static search backwards
    from the targets over the reverse CSR (``rindptr``; ``redge``: edge ids by head node).

    Examples
    --------
    >>> import numpy as np
    >>> src, dst = np.array([0, 1]), np.array([1, 2])   # 0 -> 1 -> 2
    >>> lower_bound(np.array([0, 0, 1, 2]), np.array([0, 1]), src, np.array([2.0, 3.0]),
    ...             np.ones(2, bool), np.array([False, False, True]), np.zeros(3)).tolist()
    [5.0, 3.0, 0.0]
    """
    return _lower_bound(rindptr, redge, src, np.asarray(edge_key, np.float64),
                        np.asarray(ok, np.bool_), is_target, np.asarray(target_key, np.float64))


def compiled() -> bool | None:
    """Whether the searches' machine code is already in numba's on-disk cache (``False``:
    the next search compiles it, a minute or two once per install; ``None``: unknown).

    numba keeps it beside this module (``__pycache__``) or, where the install is read-only,
    in the user's cache folder; ``NUMBA_CACHE_DIR`` chooses another.
    """
    import os

    try:
        return os.path.exists(_label_search._cache._cache_file._index_path)
    except AttributeError:  # another numba: its cache is not for us to read
        return None
