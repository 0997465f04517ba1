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
:data:`TRANSFER` (the kinds of :class:`corridor.routing.result.Leg`).
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
    l_kind = np.empty(legs, np.int64)
    l_from = np.empty(legs, np.int64)  # place index (-1: a city)
    l_to = np.empty(legs, np.int64)
    l_fc = np.empty(legs, np.int64)  # country index
    l_tc = np.empty(legs, np.int64)
    l_dist = np.empty(legs, np.float64)
    l_dur = np.empty(legs, np.float64)
    l_cost = np.empty(legs, np.float64)
    l_none = np.empty(legs, np.bool_)  # the leg has no cost (None)
    l_co2 = np.empty(legs, np.float64)
    l_risk = np.empty(legs, np.float64)
    l_mode = np.empty(legs, np.int64)
    l_edge = np.empty(legs, np.int64)
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
            l_kind[m] = ACCESS
            l_from[m] = -1  # the origin city
            l_to[m] = n_place[root_node]
            l_fc[m] = o_city_country
            l_tc[m] = o_place_country[root_node]
            l_dist[m] = o_dist[root_node]
            l_dur[m] = o_time[root_node]
            l_none[m] = np.isnan(o_cost[root_node]) or not has_factor
            l_cost[m] = 0.0 if l_none[m] else o_cost[root_node] * factor
            l_co2[m] = o_co2[root_node]
            l_risk[m] = o_risk[root_node]
            l_mode[m] = road_mode
            l_edge[m] = -1
            m += 1
            clock += o_time[root_node]
        for i in range(n):
            e = s_edge[i]
            src = e_src[e]
            dst = e_dst[e]
            kind = e_kind[e]
            src_risk = c_risk[n_country[src]]
            wait_h = s_enter[i] - s_reach[i]
            if wait_h > 1e-9:
                l_kind[m] = WAIT
                l_from[m] = n_place[src]
                l_to[m] = n_place[src]
                l_fc[m] = n_country[src]
                l_tc[m] = n_country[src]
                l_dist[m] = 0.0
                l_dur[m] = wait_h
                l_cost[m] = wait_h * wait_cost_h
                l_none[m] = False
                l_co2[m] = 0.0
                l_risk[m] = src_risk
                l_mode[m] = -1
                l_edge[m] = -1
                m += 1
            duration = s_leave[i] - s_enter[i]
            if kind == _KIND_LINK and e_certain[e] > 0.0:
                cw = e_certain[e]
                l_kind[m] = WAIT
                l_from[m] = n_place[src]
                l_to[m] = n_place[src]
                l_fc[m] = n_country[src]
                l_tc[m] = n_country[src]
                l_dist[m] = 0.0
                l_dur[m] = cw
                l_cost[m] = cw * wait_cost_h
                l_none[m] = False
                l_co2[m] = 0.0
                l_risk[m] = src_risk
                l_mode[m] = -1
                l_edge[m] = -1
                m += 1
                duration -= cw
            held_h = 0.0
            if kind == _KIND_CROSSING:
                held = duration - e_time[e]
                if held > 1e-9:
                    held_h = held
            if kind == _KIND_LINK:
                l_kind[m] = LINK
            elif kind == _KIND_CROSSING:
                l_kind[m] = BORDER
            else:
                l_kind[m] = TRANSFER
            l_from[m] = n_place[src]
            l_to[m] = n_place[dst]
            l_fc[m] = n_country[src]
            l_tc[m] = n_country[dst]
            l_dist[m] = e_dist[e]
            l_dur[m] = duration - held_h
            l_none[m] = np.isnan(e_cost[e]) or not has_factor
            l_cost[m] = 0.0 if l_none[m] else e_cost[e] * factor
            l_co2[m] = 0.0 if kind == _KIND_TRANSFER else e_co2[e]
            l_risk[m] = e_risk[e]
            l_mode[m] = e_mode[e]
            l_edge[m] = e
            m += 1
            if held_h > 0.0:
                l_kind[m] = WAIT
                l_from[m] = n_place[dst]
                l_to[m] = n_place[dst]
                l_fc[m] = n_country[dst]
                l_tc[m] = n_country[dst]
                l_dist[m] = 0.0
                l_dur[m] = held_h
                l_cost[m] = held_h * wait_cost_h
                l_none[m] = False
                l_co2[m] = 0.0
                l_risk[m] = src_risk
                l_mode[m] = -1
                l_edge[m] = -1
                m += 1
            clock = s_leave[i]
        # a wait told before the transfer it follows (_wait_before_transfer)
        for i in range(m - 1):
            if l_kind[i] == TRANSFER and l_kind[i + 1] == WAIT and l_to[i] == l_from[i + 1]:
                for arr in (l_kind, l_from, l_to, l_fc, l_tc, l_mode, l_edge):
                    arr[i], arr[i + 1] = arr[i + 1], arr[i]
                for arrf in (l_dist, l_dur, l_cost, l_co2, l_risk):
                    arrf[i], arrf[i + 1] = arrf[i + 1], arrf[i]
                l_none[i], l_none[i + 1] = l_none[i + 1], l_none[i]
        if d_has[r]:
            l_kind[m] = ACCESS
            l_from[m] = n_place[lab_node[end]]
            l_to[m] = -2  # the destination city
            l_fc[m] = d_place_country[r]
            l_tc[m] = d_city_country[r]
            l_dist[m] = d_dist[r]
            l_dur[m] = d_time[r]
            l_none[m] = np.isnan(d_cost[r]) or not has_factor
            l_cost[m] = 0.0 if l_none[m] else d_cost[r] * factor
            l_co2[m] = d_co2[r]
            l_risk[m] = d_risk[r]
            l_mode[m] = road_mode
            l_edge[m] = -1
            m += 1
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
            dist += l_dist[i]
            cost += l_cost[i]
            co2 += l_co2[i]
            weighted += l_risk[i] * l_dur[i]
            if l_none[i]:
                unknown += 1
            kind = l_kind[i]
            if kind == BORDER:
                border_h += l_dur[i]
            elif kind == WAIT:
                wait_total += l_dur[i]
            elif kind == TRANSFER:
                transfers += 1
            if kind == LINK or kind == ACCESS:
                moving += l_dur[i]
                mode = l_mode[i]
                if first[mode] < 0:
                    first[mode] = used
                    used += 1
                km[mode] += l_dist[i]
            for c in (l_fc[i], l_tc[i]):
                if n_c == 0 or countries[n_c - 1] != c:
                    countries[n_c] = c
                    n_c += 1
            e = l_edge[i]
            if e >= 0 and e_cross[e] >= 0 and (kind == BORDER or kind == LINK):
                if n_cross < width:
                    seq_cross[w, n_cross] = e_cross[e]
                else:
                    overflow = 1
                n_cross += 1
                name = e_name[e]
                seen = False
                for k in range(min(n_names, width)):
                    if seq_names[w, k] == name:
                        seen = True
                if not seen:
                    if n_names < width:
                        seq_names[w, n_names] = name
                    else:
                        overflow = 1
                    n_names += 1
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
                seen = False
                for k in range(min(n_t, width)):
                    if seq_countries[w, k] == c:
                        seen = True
                if not seen:
                    if n_t < width:
                        seq_countries[w, n_t] = c
                    else:
                        overflow = 1
                    n_t += 1
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
                for place in (l_from[i], l_to[i]):
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
