"""Route totals along a search's predecessor tree, compiled with numba.

One one-to-all search labels every place reachable from an origin; an OD matrix then needs,
for each destination, the totals :func:`corridor.routing.itinerary.build_route` would give
the route to it: distance, duration, money, CO2e, risk exposure, the crossings, the countries
and the kilometres by mode. :func:`walk_routes` computes them for many end labels at once, in
machine code, with the same accounting as ``build_route`` leg by leg and in the same order
(waits moved to where the search charged them, the wait told before a transfer, sums taken
leg after leg), so that its totals equal the itinerary's to the last bit. The tests hold the
two together on the bundled network.

Leg kinds in the walk: :data:`ACCESS`, :data:`WAIT`, :data:`LINK`, :data:`BORDER`,
:data:`TRANSFER` (the kinds of :class:`corridor.model.result.Leg`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["F_BORDER_H", "F_CO2E", "F_COST", "F_DISTANCE", "F_DURATION", "F_MOVING_H",
           "F_RISK", "F_WAIT_H", "F_WEIGHTED", "I_CROSSINGS", "I_STEPS", "I_OVERFLOW",
           "I_TRANSFERS", "I_UNKNOWN", "new_output", "walk_routes"]

ACCESS, WAIT, LINK, BORDER, TRANSFER = 0, 1, 2, 3, 4

# columns of the float output
F_DISTANCE, F_DURATION, F_COST, F_CO2E, F_WEIGHTED, F_RISK, F_BORDER_H, F_WAIT_H, \
    F_MOVING_H = range(9)
N_FLOAT = 9
# columns of the integer output
I_UNKNOWN, I_CROSSINGS, I_TRANSFERS, I_STEPS, I_OVERFLOW = range(5)
N_INT = 5

# edge kinds, as corridor.routing.compile numbers them
_KIND_LINK, _KIND_CROSSING, _KIND_TRANSFER = 0, 1, 2

# a leg's integer fields (place -1: the origin city, -2: the destination city) and figures
L_KIND, L_FROM, L_TO, L_FC, L_TC, L_MODE, L_EDGE, L_NONE = range(8)
V_DIST, V_DUR, V_COST, V_CO2, V_RISK = range(5)


@njit(cache=True)
def _put(li, lf, m, kind, frm, to, fc, tc, mode, edge, none, dist, dur, cost, co2, risk):
    """Write leg ``m`` (``none``: its cost is unknown, ``cost`` then 0); return ``m + 1``."""
    li[m, L_KIND] = kind
    li[m, L_FROM] = frm
    li[m, L_TO] = to
    li[m, L_FC] = fc
    li[m, L_TC] = tc
    li[m, L_MODE] = mode
    li[m, L_EDGE] = edge
    li[m, L_NONE] = 1 if none else 0
    lf[m, V_DIST] = dist
    lf[m, V_DUR] = dur
    lf[m, V_COST] = cost
    lf[m, V_CO2] = co2
    lf[m, V_RISK] = risk
    return m + 1


@njit(cache=True)
def _add_once(seq, w, n, value):
    """Append ``value`` to row ``w`` of ``seq`` (``n`` used) unless it is there; return the
    new count and 1 if the row had no room (the count still grows, for the caller)."""
    width = seq.shape[1]
    for k in range(min(n, width)):
        if seq[w, k] == value:
            return n, 0
    if n < width:
        seq[w, n] = value
        return n + 1, 0
    return n + 1, 1


@njit(cache=True)
def _walk(ends, pred, edge, time, enter, lab_node,
          e_kind, e_src, e_dst, e_mode, e_cal, e_time, e_cost, e_dist, e_risk, e_co2,
          e_cross, e_name, e_certain, n_country, n_place, c_risk, rate,
          factor, has_factor, wait_cost_h, offset,
          o_has, o_dist, o_time, o_cost, o_co2, o_risk, o_place_country, o_city_country,
          d_has, d_dist, d_time, d_cost, d_co2, d_risk, d_place_country, d_city_country,
          road_mode, n_modes, want_path, rows,
          out_f, out_i, seq_countries, seq_route, seq_cross, seq_names, seq_modes, seq_path):
    width = seq_countries.shape[1]
    path_width = seq_path.shape[1]
    max_steps = 0
    for r in range(ends.size):
        idx = ends[r]
        n = 0
        while idx >= 0 and pred[idx] >= 0:
            n += 1
            idx = pred[idx]
        if n > max_steps:
            max_steps = n
    cap = max_steps + 1
    s_edge = np.empty(cap, np.int64)
    s_reach = np.empty(cap, np.float64)
    s_enter = np.empty(cap, np.float64)
    s_leave = np.empty(cap, np.float64)
    f_reach = np.empty(cap, np.float64)
    f_enter = np.empty(cap, np.float64)
    legs = 4 * cap + 2
    li = np.empty((legs, 8), np.int64)  # per leg: the L_* integer fields
    lf = np.empty((legs, 5), np.float64)  # per leg: the V_* figures
    km = np.empty(n_modes, np.float64)
    first = np.empty(n_modes, np.int64)
    countries = np.empty(2 * legs + 2, np.int64)

    for r in range(ends.size):
        end = ends[r]
        if end < 0:
            continue
        w = rows[r]  # the output row
        # the steps, origin first
        n = 0
        idx = end
        while pred[idx] >= 0:
            n += 1
            idx = pred[idx]
        root = idx
        idx = end
        for i in range(n - 1, -1, -1):
            p = pred[idx]
            s_edge[i] = edge[idx]
            s_reach[i] = time[p]
            s_enter[i] = enter[idx]
            s_leave[i] = time[idx]
            idx = p
        # waits moved to the cheapest node since the last timetabled edge (relocate_waits)
        any_wait = False
        for i in range(n):
            f_reach[i] = s_reach[i]
            f_enter[i] = s_enter[i]
            if s_enter[i] - s_reach[i] > 1e-9:
                any_wait = True
        if any_wait:
            start = 0
            for i in range(n):
                wait = f_enter[i] - f_reach[i]
                if wait > 1e-9:
                    least = np.inf
                    for k in range(start, i + 1):
                        rk = rate[e_src[s_edge[k]]]
                        if rk < least:
                            least = rk
                    if rate[e_src[s_edge[i]]] > least + 1e-12:
                        j = start
                        for k in range(start, i + 1):
                            if rate[e_src[s_edge[k]]] <= least + 1e-12:
                                j = k
                        orig_reach_i = f_reach[i]
                        for k in range(j, i):
                            if k != j:
                                s_reach[k] = s_reach[k] + wait
                            s_enter[k] = s_enter[k] + wait
                            s_leave[k] = s_leave[k] + wait
                        s_reach[i] = orig_reach_i + wait
                        s_enter[i] = f_enter[i]
                if e_cal[s_edge[i]] >= 0:
                    start = i + 1
        # the legs, in the itinerary's order
        m = 0
        clock = offset
        root_node = lab_node[root]
        if o_has[root_node]:
            none = np.isnan(o_cost[root_node]) or not has_factor
            m = _put(li, lf, m, ACCESS, -1, n_place[root_node], o_city_country,
                     o_place_country[root_node], road_mode, -1, none, o_dist[root_node],
                     o_time[root_node], 0.0 if none else o_cost[root_node] * factor,
                     o_co2[root_node], o_risk[root_node])
            clock += o_time[root_node]
        for i in range(n):
            e = s_edge[i]
            src = e_src[e]
            dst = e_dst[e]
            kind = e_kind[e]
            src_risk = c_risk[n_country[src]]
            here, there = n_place[src], n_place[dst]
            wait_h = s_enter[i] - s_reach[i]
            if wait_h > 1e-9:  # a wait a calendar forces
                m = _put(li, lf, m, WAIT, here, here, n_country[src], n_country[src], -1, -1,
                         False, 0.0, wait_h, wait_h * wait_cost_h, 0.0, src_risk)
            duration = s_leave[i] - s_enter[i]
            if kind == _KIND_LINK and e_certain[e] > 0.0:  # a wait every trip meets
                cw = e_certain[e]
                m = _put(li, lf, m, WAIT, here, here, n_country[src], n_country[src], -1, -1,
                         False, 0.0, cw, cw * wait_cost_h, 0.0, src_risk)
                duration -= cw
            held_h = 0.0
            if kind == _KIND_CROSSING:
                held = duration - e_time[e]
                if held > 1e-9:
                    held_h = held
            leg = LINK if kind == _KIND_LINK else BORDER if kind == _KIND_CROSSING \
                else TRANSFER
            none = np.isnan(e_cost[e]) or not has_factor
            m = _put(li, lf, m, leg, here, there, n_country[src], n_country[dst], e_mode[e], e,
                     none, e_dist[e], duration - held_h, 0.0 if none else e_cost[e] * factor,
                     0.0 if kind == _KIND_TRANSFER else e_co2[e], e_risk[e])
            if held_h > 0.0:  # the post shut when clearance ended
                m = _put(li, lf, m, WAIT, there, there, n_country[dst], n_country[dst], -1, -1,
                         False, 0.0, held_h, held_h * wait_cost_h, 0.0, src_risk)
            clock = s_leave[i]
        # a wait told before the transfer it follows (_wait_before_transfer)
        for i in range(m - 1):
            if li[i, L_KIND] == TRANSFER and li[i + 1, L_KIND] == WAIT \
                    and li[i, L_TO] == li[i + 1, L_FROM]:
                for c in range(li.shape[1]):
                    li[i, c], li[i + 1, c] = li[i + 1, c], li[i, c]
                for c in range(lf.shape[1]):
                    lf[i, c], lf[i + 1, c] = lf[i + 1, c], lf[i, c]
        if d_has[r]:
            none = np.isnan(d_cost[r]) or not has_factor
            m = _put(li, lf, m, ACCESS, n_place[lab_node[end]], -2, d_place_country[r],
                     d_city_country[r], road_mode, -1, none, d_dist[r], d_time[r],
                     0.0 if none else d_cost[r] * factor, d_co2[r], d_risk[r])
            clock += d_time[r]
        # totals, leg after leg
        total_h = clock - offset
        dist = 0.0
        cost = 0.0
        co2 = 0.0
        weighted = 0.0
        border_h = 0.0
        wait_total = 0.0
        moving = 0.0
        unknown = 0
        transfers = 0
        n_cross = 0
        n_names = 0
        n_c = 0
        overflow = 0
        for k in range(n_modes):
            km[k] = 0.0
            first[k] = -1
        used = 0
        for i in range(m):
            dist += lf[i, V_DIST]
            cost += lf[i, V_COST]
            co2 += lf[i, V_CO2]
            weighted += lf[i, V_RISK] * lf[i, V_DUR]
            if li[i, L_NONE]:
                unknown += 1
            kind = li[i, L_KIND]
            if kind == BORDER:
                border_h += lf[i, V_DUR]
            elif kind == WAIT:
                wait_total += lf[i, V_DUR]
            elif kind == TRANSFER:
                transfers += 1
            if kind == LINK or kind == ACCESS:
                moving += lf[i, V_DUR]
                mode = li[i, L_MODE]
                if first[mode] < 0:
                    first[mode] = used
                    used += 1
                km[mode] += lf[i, V_DIST]
            for c in (li[i, L_FC], li[i, L_TC]):
                if n_c == 0 or countries[n_c - 1] != c:
                    countries[n_c] = c
                    n_c += 1
            e = li[i, L_EDGE]
            if e >= 0 and e_cross[e] >= 0 and (kind == BORDER or kind == LINK):
                if n_cross < width:
                    seq_cross[w, n_cross] = e_cross[e]
                else:
                    overflow = 1
                n_cross += 1
                n_names, full = _add_once(seq_names, w, n_names, e_name[e])
                overflow |= full
        for k in range(n_c):
            if k < width:
                seq_route[w, k] = countries[k]
            else:
                overflow = 1
        # transit countries: neither the first nor the last, each once
        n_t = 0
        if n_c > 0:
            a = countries[0]
            b = countries[n_c - 1]
            for i in range(n_c):
                c = countries[i]
                if c == a or c == b:
                    continue
                n_t, full = _add_once(seq_countries, w, n_t, c)
                overflow |= full
        # modes by kilometres, ties in order of first use
        for slot in range(used):
            best = -1
            for k in range(n_modes):
                if first[k] < 0:
                    continue
                taken = False
                for q in range(slot):
                    if seq_modes[w, q] == k:
                        taken = True
                if taken:
                    continue
                if best < 0 or km[k] > km[best] or (km[k] == km[best]
                                                    and first[k] < first[best]):
                    best = k
            seq_modes[w, slot] = best
        if want_path:
            p = 0
            last = -3
            for i in range(m):
                for place in (li[i, L_FROM], li[i, L_TO]):
                    if place >= 0 and place != last:  # not an access leg's city
                        if p < path_width:
                            seq_path[w, p] = place
                        else:
                            overflow = 1
                        p += 1
                        last = place
        out_f[w, F_DISTANCE] = dist
        out_f[w, F_DURATION] = total_h
        out_f[w, F_COST] = cost
        out_f[w, F_CO2E] = co2
        out_f[w, F_WEIGHTED] = weighted
        out_f[w, F_RISK] = weighted / total_h if total_h > 0 else 0.0
        out_f[w, F_BORDER_H] = border_h
        out_f[w, F_WAIT_H] = wait_total
        out_f[w, F_MOVING_H] = moving
        out_i[w, I_UNKNOWN] = unknown
        out_i[w, I_CROSSINGS] = n_cross
        out_i[w, I_TRANSFERS] = transfers
        out_i[w, I_STEPS] = n
        out_i[w, I_OVERFLOW] = overflow


def walk_routes(ends: np.ndarray, labels: tuple, edges: dict, nodes: dict, scalars: dict,
                origin_access: dict, destination_access: dict, out: dict[str, np.ndarray],
                rows: np.ndarray) -> None:
    """Totals of the routes that end at the labels ``ends`` (-1: none) of one search,
    written to rows ``rows`` of the arrays in ``out`` (see :func:`new_output`).

    Parameters
    ----------
    ends
        End label per route (int64; -1 leaves its row as it is).
    labels
        ``(pred, edge, time, enter, node)`` arrays of the search's labels.
    edges, nodes, scalars, origin_access, destination_access
        The arrays :class:`corridor.routing.bulk.Sweep` prepares (see its source).
    out
        ``f`` (rows × :data:`N_FLOAT`), ``i`` (rows × :data:`N_INT`), and the sequences
        ``countries`` (transit countries), ``route`` (every country in order),
        ``crossings`` (ids, in order, repeats kept), ``names`` (crossing names, each once),
        ``modes`` (by kilometres) and ``path``, padded with -1. A route whose sequences do
        not fit has ``i[:, I_OVERFLOW]`` set (the caller routes it one by one).
    rows
        The output row of each route.
    """
    pred, edge, time, enter, node = labels
    seq = out
    _walk(ends, pred, edge, time, enter, node,
          edges["kind"], edges["src"], edges["dst"], edges["mode"], edges["calendar"],
          edges["time"], edges["cost"], edges["distance"], edges["risk"], edges["co2e"],
          edges["crossing"], edges["name"], edges["certain"],
          nodes["country"], nodes["place"], nodes["country_risk"], nodes["rate"],
          float(scalars["factor"]), bool(scalars["has_factor"]), float(scalars["wait_cost_h"]),
          float(scalars["offset"]),
          origin_access["has"], origin_access["distance"], origin_access["time"],
          origin_access["cost"], origin_access["co2e"], origin_access["risk"],
          origin_access["place_country"], int(origin_access["city_country"]),
          destination_access["has"], destination_access["distance"],
          destination_access["time"], destination_access["cost"],
          destination_access["co2e"], destination_access["risk"],
          destination_access["place_country"], destination_access["city_country"],
          int(scalars["road_mode"]), int(scalars["n_modes"]), seq["path"].shape[1] > 1,
          rows, out["f"], out["i"], seq["countries"], seq["route"], seq["crossings"],
          seq["names"], seq["modes"], seq["path"])


def new_output(rows: int, *, width: int, n_modes: int, path_width: int = 0
               ) -> dict[str, np.ndarray]:
    """Arrays for :func:`walk_routes` to write ``rows`` routes into: room for ``width``
    crossings, crossing names and countries per route, and ``path_width`` places (0: no
    path)."""
    out = {"f": np.zeros((rows, N_FLOAT), np.float64), "i": np.zeros((rows, N_INT), np.int64)}
    for name in ("countries", "route", "crossings", "names"):
        out[name] = np.full((rows, width), -1, np.int16)
    out["modes"] = np.full((rows, n_modes), -1, np.int16)
    out["path"] = np.full((rows, max(path_width, 1)), -1, np.int32)
    return out
