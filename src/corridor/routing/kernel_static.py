"""Static and earliest-arrival one-to-all searches, compiled with numba: :func:`dijkstra`
(a static weight per edge) and :func:`td_earliest_arrival` (edges with a calendar entered
only while open), on the CSR arrays of :mod:`corridor.routing.kernel`; and the 4-ary heap
and the calendar step (:func:`enter_leave`) the other kernels share."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["dijkstra", "enter_leave", "pop4", "push4", "td_earliest_arrival"]


# --------------------------------------------------------------------------------------------
# Static and earliest-arrival one-to-all (lazy 4-ary heap: an improved node is pushed again
# and its stale entries skipped; measured faster than an indexed heap with decrease-key)
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def push4(hk, hn, size, key, node):
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if hk[parent] <= key:
            break
        hk[i] = hk[parent]
        hn[i] = hn[parent]
        i = parent
    hk[i] = key
    hn[i] = node
    return size + 1


@njit(cache=True)
def pop4(hk, hn, size):
    """Remove the root (read by the caller from ``hk[0]``, ``hn[0]``); return the new size."""
    size -= 1
    if size == 0:
        return 0
    key = hk[size]
    node = hn[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        best = first
        best_key = hk[first]
        last = min(first + 4, size)
        for c in range(first + 1, last):
            if hk[c] < best_key:
                best = c
                best_key = hk[c]
        if best_key >= key:
            break
        hk[i] = best_key
        hn[i] = hn[best]
        i = best
    hk[i] = key
    hn[i] = node
    return size


@njit(cache=True)
def _dijkstra(indptr, dst, weight, source, pred_edge):
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    hk = np.empty(dst.size + 1, np.float64)  # each edge pushes at most once
    hn = np.empty(dst.size + 1, np.int64)
    dist[source] = 0.0
    size = push4(hk, hn, 0, 0.0, source)
    while size > 0:
        du = hk[0]
        u = hn[0]
        size = pop4(hk, hn, size)
        if du > dist[u]:
            continue  # stale: u was improved after this entry was pushed
        for e in range(indptr[u], indptr[u + 1]):
            v = dst[e]
            nd = du + weight[e]
            if nd < dist[v]:
                dist[v] = nd
                pred_edge[v] = e
                size = push4(hk, hn, size, nd, v)
    return dist


def dijkstra(indptr: np.ndarray, dst: np.ndarray, weight: np.ndarray, source: int, *,
             return_predecessors: bool = False):
    """Static one-to-all shortest path lengths from ``source`` (``inf`` where unreachable).

    Parameters
    ----------
    indptr, dst, weight
        The graph in CSR form (int64, int64, float64); weights must be non-negative.
    source
        The node to search from.
    return_predecessors
        Also return, per node, the edge that reaches it on a shortest path (-1 for none).

    Examples
    --------
    >>> import numpy as np
    >>> dist, pred = dijkstra(np.array([0, 1, 2, 2]), np.array([1, 2]), np.array([2.0, 3.0]),
    ...                       0, return_predecessors=True)
    >>> dist.tolist(), pred.tolist()
    ([0.0, 2.0, 5.0], [-1, 0, 1])
    """
    pred = np.full(indptr.size - 1, -1, np.int64)
    dist = _dijkstra(indptr, dst, weight, int(source), pred)
    return (dist, pred) if return_predecessors else dist


@njit(cache=True)
def enter_leave(e, time, calendar, exit_calendar, drive_h, time_h, next_open, use_cal,
                 horizon):
    """(ok, enter, leave) of edge ``e`` reached at ``time``: wait for its calendar to open,
    and at a crossing for the post to be open when clearance ends (before the ``drive_h``
    to the far post)."""
    enter = time
    if use_cal:
        cal = calendar[e]
        if cal >= 0:
            slot = int(time)
            if slot >= horizon:
                return False, 0.0, 0.0
            opening = next_open[cal, slot]
            if opening >= horizon:
                return False, 0.0, 0.0
            if opening > slot:
                enter = float(opening)
    leave = enter + time_h[e]
    if not leave < horizon:
        return False, 0.0, 0.0
    if use_cal:
        xcal = exit_calendar[e]
        if xcal >= 0:
            cleared = leave - drive_h[e]
            slot = int(cleared)
            opening = next_open[xcal, slot]
            if opening >= horizon:
                return False, 0.0, 0.0
            if opening > slot:
                leave = float(opening) + drive_h[e]
                if not leave < horizon:
                    return False, 0.0, 0.0
    return True, enter, leave


@njit(cache=True)
def _td_earliest(indptr, dst, time_h, calendar, exit_calendar, drive_h, next_open, source, t0,
                 horizon, pred_edge):
    n = indptr.size - 1
    arrive = np.full(n, np.inf)
    hk = np.empty(dst.size + 1, np.float64)
    hn = np.empty(dst.size + 1, np.int64)
    use_cal = next_open.shape[0] > 0
    arrive[source] = t0
    size = push4(hk, hn, 0, t0, source)
    while size > 0:
        tu = hk[0]
        u = hn[0]
        size = pop4(hk, hn, size)
        if tu > arrive[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            ok, _enter, leave = enter_leave(e, tu, calendar, exit_calendar, drive_h, time_h,
                                             next_open, use_cal, horizon)
            if not ok:
                continue
            v = dst[e]
            if leave < arrive[v]:
                arrive[v] = leave
                pred_edge[v] = e
                size = push4(hk, hn, size, leave, v)
    return arrive


def td_earliest_arrival(indptr: np.ndarray, dst: np.ndarray, time_h: np.ndarray,
                        calendar: np.ndarray, next_open: np.ndarray, source: int,
                        t0: float = 0.0, *, exit_calendar: np.ndarray | None = None,
                        exit_drive_h: np.ndarray | None = None,
                        return_predecessors: bool = False):
    """One-to-all earliest arrival times (hours) leaving ``source`` at ``t0``.

    An edge with a calendar (``calendar[e] >= 0``) is entered at the first open hour at or
    after the traveller reaches it; an edge with an exit calendar releases only while that
    calendar is open. Waiting never makes anyone arrive earlier (FIFO), so one label per node
    is exact. Times at or beyond the horizon (``next_open.shape[1]`` hours) are unreachable.

    Examples
    --------
    >>> import numpy as np
    >>> no = np.array([[2, 2, 2, 4, 4]])          # open at hours 2 and 4 only
    >>> td_earliest_arrival(np.array([0, 1, 1]), np.array([1]), np.array([1.0]),
    ...                     np.array([0]), no, 0, 0.5).tolist()
    [0.5, 3.0]
    """
    n = indptr.size - 1
    next_open = np.asarray(next_open, dtype=np.int64)
    if next_open.ndim != 2:
        raise ValueError("next_open must be a 2-D array (calendars x hours)")
    horizon = next_open.shape[1]
    if exit_calendar is None:
        exit_calendar = np.full(dst.size, -1, np.int64)
    drive = np.zeros(dst.size) if exit_drive_h is None else np.asarray(exit_drive_h, np.float64)
    pred = np.full(n, -1, np.int64)
    arrive = _td_earliest(indptr, dst, np.asarray(time_h, np.float64),
                          np.asarray(calendar, np.int64), np.asarray(exit_calendar, np.int64),
                          drive, next_open, int(source), float(t0), horizon, pred)
    return (arrive, pred) if return_predecessors else arrive
