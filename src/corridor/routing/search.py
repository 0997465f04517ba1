"""Time-dependent, label-setting search over a :class:`CompiledNetwork`.

The search runs from one or more origin nodes at a departure time. A leg with a calendar can
only be entered while its calendar is open; a traveller who reaches it while it is closed
waits for the next opening, and the wait is costed at the node's wait rate. Each label
carries an objective value ("key") and an arrival time. A label is dominated by another at
the same node that arrives no later and whose key, plus the cost of waiting until the later
arrival, is no higher; only non-dominated labels are kept (at most ``max_labels`` per
node), so the search is exact for time and, within that bound, for money, distance and
generalized cost.

*Vias* are handled by layering the state: a state is (node, number of vias satisfied). A via
is either a set of nodes (a place) or a set of edges (a crossing) that must be used in order.
The state also records the layer a transfer just left: the next transfer may not go straight
back to it (no road → air → road loops that burn time instead of waiting), nor from rail
back into rail (a change of gauge is the place's gauge change, not rail → road → rail).
Rail → road → air is allowed. A crossing with a calendar releases cargo only while open: a
truck entering a weekday-only post on Friday night leaves on Monday.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from corridor.routing.compile import CompiledNetwork

__all__ = ["Step", "Via", "path_of", "search"]


@dataclass(frozen=True)
class Via:
    """A point the route must pass: a set of nodes, or a set of edges, to use in order."""

    nodes: frozenset[int] = frozenset()
    edges: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Step:
    """One edge of a found path: when it was reached, entered (after waiting) and left."""

    edge: int
    reach_h: float
    enter_h: float
    leave_h: float


@dataclass(frozen=True)
class Found:
    """The result of a search: the origin and target used and the steps between them."""

    origin: int
    target: int
    steps: tuple[Step, ...]
    key: float
    arrive_h: float
    capped: bool = False  # the label cap was still reached at its highest (see search)


LOOP_WALK = 64  # = corridor.routing.kernel.LOOP_WALK (the kernel module loads numba)

MAX_LABELS = (8, 32, 128)
"""Labels kept per state: the search starts with the first and, when a state overflowed
(a label that might have led to the optimum was dropped), runs again with the next. When
even the last overflows, the answer says the route may not be optimal."""


def _with_cap(run, max_labels: int | None) -> Found | None:
    """``run(max_labels) -> (found, overflowed)`` with the cap raised through
    :data:`MAX_LABELS` while a state overflows (or once, with ``max_labels`` given)."""
    caps = MAX_LABELS if max_labels is None else (max_labels,)
    found, overflowed = None, False
    for cap in caps:
        found, overflowed = run(cap)
        if not overflowed:
            break
    if found is not None and overflowed:
        found = Found(found.origin, found.target, found.steps, found.key, found.arrive_h,
                      capped=True)
    return found


def path_of(label: int, pred: np.ndarray, edge: np.ndarray, time: np.ndarray,
            enter: np.ndarray) -> tuple[tuple[Step, ...], int]:
    """The steps from an origin label to ``label`` in a kernel's label arrays, and the
    origin label."""
    steps: list[Step] = []
    idx = int(label)
    while pred[idx] >= 0:
        p = int(pred[idx])
        steps.append(Step(int(edge[idx]), float(time[p]), float(enter[idx]), float(time[idx])))
        idx = p
    steps.reverse()
    return tuple(steps), idx


def via_masks(cn: CompiledNetwork, vias: Sequence[Via]) -> tuple[np.ndarray, np.ndarray]:
    """Per via, a node mask and an edge mask (the kernels' form of :class:`Via`)."""
    nodes = np.zeros((len(vias), cn.n_nodes), dtype=np.bool_)
    edges = np.zeros((len(vias), cn.n_edges), dtype=np.bool_)
    for i, via in enumerate(vias):
        if via.nodes:
            nodes[i, list(via.nodes)] = True
        if via.edges:
            edges[i, list(via.edges)] = True
    return nodes, edges


def search(
    cn: CompiledNetwork,
    *,
    origins: Mapping[int, tuple[float, float]],
    targets: Mapping[int, tuple[float, float]],
    edge_ok: np.ndarray,
    edge_key: Sequence[float],
    node_wait_rate: Sequence[float],
    next_open: np.ndarray | Sequence[np.ndarray] | None,
    vias: Sequence[Via] = (),
    max_labels: int | None = None,
) -> Found | None:
    """Find the path of least key from any origin to any target (the compiled kernel).

    Parameters
    ----------
    origins
        ``node -> (start time h, start key)``; times are hours after the horizon start.
    targets
        ``node -> (extra time h, extra key)`` added on arrival (for access legs).
    edge_ok
        Boolean mask of usable edges (status, cargo modes, avoidances).
    edge_key
        Objective increment of each edge, waiting excluded.
    node_wait_rate
        Objective cost of one hour of waiting at each node.
    next_open
        Per calendar, the first open hour at or after each hour (a list of arrays, or one
        calendars × hours array); ``None`` ignores calendars.
    vias
        Points to pass in order.
    max_labels
        Labels kept per state; by default :data:`MAX_LABELS` in turn, while a state
        overflows (the result's ``capped`` says the last one still did).
    """
    from corridor.routing import kernel

    a = cn.arrays
    if next_open is None:
        table = np.zeros((0, 1), dtype=np.int64)
    elif isinstance(next_open, np.ndarray):
        table = next_open
    else:
        table = np.stack(next_open) if len(next_open) else np.zeros((0, 1), dtype=np.int64)
    if next_open is None or table.shape[0] == 0:
        # no calendars: the horizon still bounds the search
        from corridor.routing.compile import HORIZON_HOURS
        table = np.zeros((0, HORIZON_HOURS), dtype=np.int64)
    via_nodes, via_edges = via_masks(cn, vias)
    o_nodes = np.fromiter(origins, dtype=np.int64, count=len(origins))
    o_time = np.array([origins[o][0] for o in origins], dtype=np.float64)
    o_key = np.array([origins[o][1] for o in origins], dtype=np.float64)
    is_target = np.zeros(cn.n_nodes, dtype=np.bool_)
    target_key = np.zeros(cn.n_nodes, dtype=np.float64)
    for node, (_t, k) in targets.items():
        is_target[node] = True
        target_key[node] = k
    ok = np.asarray(edge_ok, dtype=np.bool_)
    keys = np.asarray(edge_key, dtype=np.float64)
    rates = np.asarray(node_wait_rate, dtype=np.float64)

    def run(cap: int) -> tuple[Found | None, bool]:
        stats = np.zeros(1, dtype=np.int64)
        key, time, state, pred, edge, enter, _rank, best = kernel.label_search(
            a.indptr, a.dst, a.time_h, a.calendar, a.exit_calendar, a.transfer_from,
            a.transfer_to, a.rail_code, ok, keys, rates, table, via_nodes, via_edges,
            o_nodes, o_time, o_key, is_target, target_key, max_labels=cap,
            reverse=a.reverse, exit_drive_h=a.drive_h, stats=stats)
        if best < 0:
            return None, bool(stats[0])
        n_stages = len(vias) + 1
        steps, first = path_of(best, pred, edge, time, enter)
        origin = int(state[first] >> 3) // n_stages
        target = int(state[best] >> 3) // n_stages
        return Found(origin, target, steps, float(key[best]) + targets[target][1],
                     float(time[best]) + targets[target][0]), bool(stats[0])

    return _with_cap(run, max_labels)
