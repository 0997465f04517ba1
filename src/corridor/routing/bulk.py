"""One origin to many destinations: one search per departure, every answer in arrays.

:class:`Sweep` holds what does not change between origins and departures (the compiled
network, the objective's arrays, each destination's end nodes and access legs, the per-edge
figures of the itinerary's accounting). :meth:`Sweep.run` then answers one origin and one
departure: one label-setting search with no target per distinct edge mask (the usable
crossings depend on the destination's country), each destination's best end label chosen
in arrays, and the totals of every route computed along the predecessor tree in compiled
code (:func:`corridor.routing.walk.walk_routes`). A destination without a route gets the
reason :func:`corridor.plan_route` would give, found with one relaxed search per reason for
all such destinations at once.

The answers are those of one :func:`corridor.plan_route` per pair (without Monte Carlo
draws): the search's best label at a destination's end nodes is the label the one-to-one
search stops at, and the walk repeats ``build_route``'s accounting leg by leg.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from corridor.io.gazetteer import Match
from corridor.model.network import MODES, Network
from corridor.routing.compile import HORIZON_HOURS, compile_network
from corridor.routing.explain import no_access_text, used_by
from corridor.routing.figures import KIND_CROSSING, KIND_LINK, certain_waits
from corridor.routing.request import Request, access_risk, active_rules
from corridor.routing.search import MAX_LABELS
from corridor.routing.walk import I_OVERFLOW, new_output, walk_routes
from corridor.routing.weights import edge_mask, objective_arrays, origin_table, target_table

__all__ = ["Answers", "Sweep"]

OK, SAME, NO_ROUTE = 0, 1, 2
"""Row status: a route, origin and destination the same place, no route (see message)."""


@dataclass
class Answers:
    """The answers from one origin at one departure to every destination, in arrays.

    ``status`` per destination (0 a route, 1 the same place, 2 no route: ``messages`` holds
    the reason); ``seq`` is :func:`corridor.routing.walk.walk_routes`' output (``f``, ``i`` and
    the sequences); ``redo`` lists destinations the arrays could not hold (a route with more
    crossings than the walk has room for), to be asked of :func:`corridor.plan_route`.
    """

    status: np.ndarray
    seq: dict[str, np.ndarray]
    messages: dict[int, str] = field(default_factory=dict)
    redo: list[int] = field(default_factory=list)

    @property
    def f(self) -> np.ndarray:
        return self.seq["f"]

    @property
    def i(self) -> np.ndarray:
        return self.seq["i"]


class Sweep:
    """Everything about a matrix's destinations that holds for any origin and departure.

    Parameters
    ----------
    network
        The network (a scenario's, already applied).
    cargo, objective
        As for :func:`corridor.plan_route`.
    destinations
        Resolved destinations (:func:`corridor.io.gazetteer.resolve_name`).
    path
        Also record the places each route passes.

    Examples
    --------
    >>> import corridor
    >>> from corridor.io.gazetteer import resolve_name
    >>> net = corridor.load_network()
    >>> places = [resolve_name(n, net) for n in ("Almaty", "Kashgar")]
    >>> sweep = Sweep(net, "truck", "time", places)
    >>> answers = sweep.run(resolve_name("Islamabad", net), dt.datetime(2026, 7, 15, 8))
    >>> answers.status.tolist()
    [0, 0]
    """

    width = 12
    """Room per route for crossings, crossing names and countries: a route that needs more
    (rare) is routed on its own by :func:`corridor.plan_route`."""

    def __init__(self, network: Network, cargo: str, objective: str,
                 destinations: Sequence[Match], *, path: bool = False) -> None:
        profile = network.cargo[cargo]
        cn = compile_network(network, passenger=profile.is_passenger)
        pct = network.parameter("value_of_time_pct_per_day", 0.0) or 0.0
        first = destinations[0]
        self.network, self.cn, self.path = network, cn, path
        self.template = Request(network, cn, first, first, dt.datetime(2026, 1, 1, 8),
                                 profile, objective, frozenset(profile.modes), (),
                                 frozenset(), frozenset(), frozenset(), 1.0, pct)
        self.key, self.rate = objective_arrays(self.template)
        self.destinations = tuple(destinations)
        self.places = tuple(network.places)
        place_index = {p: i for i, p in enumerate(self.places)}
        self.country_index = {c: i for i, c in enumerate(cn.countries)}
        self._edges = self._edge_arrays()
        factor = profile.cost_factor
        self._nodes = {
            "country": cn.node_country.astype(np.int64),
            "place": np.array([place_index[p] for p in cn.node_place], dtype=np.int64),
            "country_risk": np.asarray(cn.country_risk, dtype=np.float64),
            "rate": np.asarray(self.rate, dtype=np.float64),
        }
        self._scalars = {"factor": 0.0 if factor is None else factor,
                         "has_factor": factor is not None,
                         "wait_cost_h": profile.wait_cost_usd_per_day / 24.0,
                         "road_mode": MODES.index("road"), "n_modes": len(MODES)}
        self._targets()
        self.lock = threading.Lock()  # its caches are not for two threads at once
        self._masks: dict[tuple, np.ndarray] = {}
        self._tables: dict[dt.datetime, np.ndarray] = {}
        self._grouped: dict[tuple, list] = {}
        self._far_text: dict[str, dict[int, str]] = {}
        self.spelled: dict[bytes, tuple[str | None, ...]] = {}
        """Text columns by route signature, spelled once (see corridor.analysis.blocks)."""
        self._unconnected_text: dict[tuple[str, int], str] = {}
        self._room = 4 * cn.n_nodes  # labels a search starts with room for
        self._reach: dict[tuple[bytes, bytes], np.ndarray] = {}
        self._origins: dict[tuple[str, int], tuple] = {}

    # --- what holds for every origin -------------------------------------------------------

    def _co2e(self, mode: str, distance: float) -> float:
        from corridor.routing.itinerary import leg_co2e_kg

        return leg_co2e_kg(self.template, mode, distance)

    def _edge_arrays(self) -> dict[str, np.ndarray]:
        cn, network = self.cn, self.network
        certain = certain_waits(network)
        crossing_row = {c.crossing_id: i for i, c in enumerate(network.crossings)}
        self.crossing_names = tuple(dict.fromkeys(c.name for c in network.crossings))
        name_index = {n: i for i, n in enumerate(self.crossing_names)}
        crossing = np.full(cn.n_edges, -1, np.int64)
        name = np.full(cn.n_edges, -1, np.int64)
        wait = np.zeros(cn.n_edges, np.float64)
        co2e = np.zeros(cn.n_edges, np.float64)
        kinds, refs = cn.edge_kind.tolist(), cn.edge_ref.tolist()
        for e, (kind, ref) in enumerate(zip(kinds, refs, strict=True)):
            row = -1
            if kind == KIND_CROSSING:
                row = int(cn.edge_crossing[e])
            elif kind == KIND_LINK:
                link = network.links[ref]
                if link.crossing_id:
                    row = crossing_row[link.crossing_id]
                if link.link_id in certain:
                    wait[e] = certain[link.link_id][0]
            if row >= 0:
                crossing[e] = row
                name[e] = name_index[network.crossings[row].name]
            co2e[e] = self._co2e(MODES[int(cn.edge_mode[e])], float(cn.edge_distance_km[e]))
        return {"kind": cn.edge_kind.astype(np.int64), "src": cn.edge_src, "dst": cn.edge_dst,
                "mode": cn.edge_mode.astype(np.int64), "calendar": cn.edge_calendar,
                "time": cn.edge_time_h, "cost": cn.edge_cost_usd,
                "distance": cn.edge_distance_km, "risk": cn.edge_risk, "co2e": co2e,
                "crossing": crossing, "name": name, "certain": wait}

    def _access_arrays(self, legs: Sequence[Any], nodes: Sequence[int]) -> dict[str, np.ndarray]:
        """Per position: the access leg ``legs[k]`` (None: none) joining node ``nodes[k]``,
        its figures (NaN cost: unknown) and the node's country."""
        cn = self.cn
        n = len(nodes)
        out = {"has": np.zeros(n, np.bool_), "distance": np.zeros(n), "time": np.zeros(n),
               "cost": np.full(n, np.nan), "co2e": np.zeros(n), "risk": np.zeros(n),
               "place_country": cn.node_country[np.asarray(nodes, dtype=np.int64)]}
        for k, a in enumerate(legs):
            if a is None:
                continue
            out["has"][k] = True
            out["distance"][k] = a.distance_km
            out["time"][k] = a.time_h
            out["cost"][k] = np.nan if a.cost_usd is None else a.cost_usd
            out["co2e"][k] = self._co2e("road", a.distance_km)
            out["risk"][k] = access_risk(cn, a.place_id)
        return out

    def _targets(self) -> None:
        """Every destination's end nodes, their extra key and access legs, as flat arrays."""
        dest, nodes, keys, city, legs = [], [], [], [], []
        self.no_targets: list[int] = []
        for j, match in enumerate(self.destinations):
            targets, access = target_table(replace(self.template, destination=match))
            if not targets:
                self.no_targets.append(j)
            for node, (_t, k) in targets.items():
                dest.append(j)
                nodes.append(node)
                keys.append(k)
                city.append(self.country_index.get(match.country, -1))
                legs.append(access.get(node))
        self.t_dest = np.array(dest, dtype=np.int64)
        self.t_node = np.array(nodes, dtype=np.int64)
        self.t_key = np.array(keys, dtype=np.float64)
        self.t_access = self._access_arrays(legs, nodes) | {
            "city_country": np.array(city, dtype=np.int64)}
        self._far = frozenset(self.no_targets)
        countries = sorted({m.country for m in self.destinations})
        self.by_country = {c: np.array([j for j, m in enumerate(self.destinations)
                                        if m.country == c], dtype=np.int64)
                           for c in countries}

    # --- one origin ------------------------------------------------------------------------

    def _origin(self, match: Match, depart: dt.datetime) -> tuple:
        """The origin's start nodes and access legs (the same for every departure at the
        same minute past the hour)."""
        found = self._origins.get((match.id, depart.minute))
        if found is None:
            req = replace(self.template, origin=match, depart=depart)
            origins, access = origin_table(req)
            nodes = list(origins)
            every = range(self.cn.n_nodes)
            arrays = self._access_arrays([access.get(n) for n in every], every)
            found = (req, nodes, origins, arrays)
            if len(self._origins) > 4096:
                self._origins.clear()
            self._origins[(match.id, depart.minute)] = found
        return found

    def warm(self, departures: Sequence[dt.datetime], origin: Match) -> None:
        """Make the calendar tables of ``departures`` and load the compiled kernels (one
        search from ``origin``), so that a process forked afterwards has them."""
        for depart in departures:
            self._calendars(depart)
        with self.lock:
            self.run(origin, departures[0])

    def _calendars(self, depart: dt.datetime) -> np.ndarray:
        """The calendars' next-open table from ``depart``'s hour, kept for the departures of
        a matrix (a few MB each; the compiled network's own cache holds fewer)."""
        hour = depart.replace(minute=0, second=0, microsecond=0)
        table = self._tables.get(hour)
        if table is None:
            if len(self._tables) >= 24:
                self._tables.pop(next(iter(self._tables)))
            table = self._tables[hour] = self.cn.next_open_table(hour)
        return table

    def _mask(self, req: Request, country: str, relax: str = "") -> np.ndarray:
        rules = tuple(r.rule_id for r in active_rules(req))
        key = (req.origin.country, country, rules, relax)
        mask = self._masks.get(key)
        if mask is None:
            destination = self.destinations[int(self.by_country[country][0])]
            asked = replace(req, destination=destination)
            if relax == "modes":
                asked = replace(asked, modes=frozenset(MODES))
            elif relax == "rules":
                asked = replace(asked, use_cargo_rules=False)
            elif relax == "planned":
                asked = replace(asked, open_planned=True)
            if relax == "any":  # every edge some relaxation may use
                mask = (self._mask(req, country) | self._mask(req, country, "modes")
                        | self._mask(req, country, "rules")
                        | self._mask(req, country, "planned"))
            else:
                mask = edge_mask(asked)
            self._masks[key] = mask
        return mask

    def _search(self, mask: np.ndarray, table: np.ndarray, o_nodes: np.ndarray,
                o_time: np.ndarray, o_key: np.ndarray) -> tuple:
        """One search from the origin to every node; the label cap is raised as
        :func:`corridor.plan_route` raises it when a state overflows."""
        from corridor.routing import kernel

        cn, a = self.cn, self.cn.arrays
        no_via = np.zeros((0, cn.n_nodes), dtype=np.bool_)
        no_via_e = np.zeros((0, cn.n_edges), dtype=np.bool_)
        for cap in MAX_LABELS:
            stats = np.zeros(1, dtype=np.int64)
            labels = kernel.label_search(
                a.indptr, a.dst, a.time_h, a.calendar, a.exit_calendar, a.transfer_from,
                a.transfer_to, a.rail_code, mask, self.key, self.rate, table, no_via,
                no_via_e, o_nodes, o_time, o_key, np.zeros(cn.n_nodes, dtype=np.bool_),
                np.zeros(cn.n_nodes, dtype=np.float64), max_labels=cap,
                capacity=self._room, exit_drive_h=a.drive_h, stats=stats)
            self._room = max(self._room, 2 * len(labels[0]))  # room enough next time
            if not stats[0]:
                break
        key, time, state, pred, edge, enter, rank = labels[:7]
        node = state >> 3
        # the least-key settled label at each node, ties to the label settled first
        settled = np.nonzero(rank >= 0)[0]
        order = settled[np.lexsort((rank[settled], key[settled]))]
        best = np.full(cn.n_nodes, -1, np.int64)
        at, first = np.unique(node[order], return_index=True)
        best[at] = order[first]
        return key, time, pred, edge, enter, rank, node, best

    def _choose(self, found: tuple, dests: np.ndarray,
                rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per destination in ``dests`` (sorted; ``rows`` their target rows): the end label
        of least key plus access (ties to the label settled first), and the target row it
        ends at (-1: no route)."""
        key, _time, _pred, _edge, _enter, rank, _node, best = found
        labels = best[self.t_node[rows]]
        reached = labels >= 0
        rows, labels = rows[reached], labels[reached]
        total = key[labels] + self.t_key[rows]
        order = np.lexsort((rank[labels], total, self.t_dest[rows]))
        chosen_dest, first = np.unique(self.t_dest[rows][order], return_index=True)
        end = np.full(dests.size, -1, np.int64)
        row = np.full(dests.size, -1, np.int64)
        where = np.searchsorted(dests, chosen_dest)
        end[where] = labels[order[first]]
        row[where] = rows[order[first]]
        return end, row

    def run(self, origin: Match, depart: dt.datetime, *,
            skip: Sequence[int] = ()) -> Answers:
        """Answers from ``origin`` leaving at ``depart`` to every destination (those in
        ``skip`` are left as the same place)."""
        n = len(self.destinations)
        status = np.zeros(n, np.int8)
        base_req, nodes, origins, o_access = self._origin(origin, depart)
        req = replace(base_req, depart=depart)
        out = new_output(n, width=self.width, n_modes=len(MODES),
                         path_width=64 if self.path else 0)
        answers = Answers(status, out)
        skip_mask = np.zeros(n, dtype=bool)
        skip_mask[list(skip)] = True
        status[skip_mask] = SAME
        if not nodes:  # the origin city lies too far from every network place
            for j in np.nonzero(~skip_mask)[0].tolist():
                message = self._access_message(req, j, origin_ok=False)
                status[j] = NO_ROUTE
                answers.messages[j] = message or "no route"
            return answers
        far = self._far_messages(req)
        for j in self.no_targets:
            if not skip_mask[j]:
                status[j] = NO_ROUTE
                answers.messages[j] = far[j]
        o_nodes = np.array(nodes, dtype=np.int64)
        o_time = np.array([origins[o][0] for o in nodes], dtype=np.float64)
        o_key = np.array([origins[o][1] for o in nodes], dtype=np.float64)
        table = self._calendars(depart)
        base = depart.replace(minute=0, second=0, microsecond=0)
        scalars = self._scalars | {"offset": (depart - base).total_seconds() / 3600.0}
        city = self.country_index.get(origin.country, -1) if origin.city is not None else -1
        o_arrays = o_access | {"city_country": city}
        todo = np.ones(n, dtype=bool)
        todo[skip_mask] = False
        todo[self.no_targets] = False
        missing: list[int] = []
        for mask, dests, rows in self._groups(req, todo):
            found = self._search(mask, table, o_nodes, o_time, o_key)
            end, row = self._choose(found, dests, rows)
            _key, time, pred, edge, enter, _rank, node, _best = found
            walk_routes(end, (pred, edge, time, enter, node), self._edges, self._nodes,
                        scalars, o_arrays, self._dest_access(row), out, dests)
            missing += dests[end < 0].tolist()
        answers.redo = np.nonzero(out["i"][:, I_OVERFLOW] > 0)[0].tolist()
        if missing:
            status[missing] = NO_ROUTE
            self._explain(req, np.array(sorted(missing), dtype=np.int64), o_nodes, o_time,
                          o_key, answers)
        return answers

    def _dest_access(self, row: np.ndarray) -> dict[str, np.ndarray]:
        """The access-leg arrays of the chosen target rows (-1: none)."""
        t = self.t_access
        ok = row >= 0
        safe = np.where(ok, row, 0)
        out = {name: t[name][safe] for name in ("has", "distance", "time", "cost", "co2e",
                                                "risk", "place_country", "city_country")}
        out["has"] = out["has"] & ok
        return out

    def _groups(self, req: Request, todo: np.ndarray, relax: str = ""):
        """(edge mask, destinations, their target rows) triples: one search per distinct
        mask, for the destinations in ``todo``."""
        rules = tuple(r.rule_id for r in active_rules(req))
        key = (req.origin.country, rules, relax)
        groups = self._grouped.get(key)
        if groups is None:
            by_mask: dict[bytes, tuple[np.ndarray, list[np.ndarray]]] = {}
            for country, dests in self.by_country.items():
                mask = self._mask(req, country, relax)
                by_mask.setdefault(np.packbits(mask).tobytes(), (mask, []))[1].append(dests)
            groups = []
            for mask, parts in by_mask.values():
                dests = np.sort(np.concatenate(parts))
                groups.append((mask, dests, np.nonzero(np.isin(self.t_dest, dests))[0]))
            self._grouped[key] = groups
        for mask, dests, rows in groups:
            keep = todo[dests]
            if keep.all():
                yield mask, dests, rows
            elif keep.any():
                dests = dests[keep]
                yield mask, dests, rows[todo[self.t_dest[rows]]]

    def _far_messages(self, req: Request) -> dict[int, str]:
        """The reason of each destination beyond an access leg's reach, from this origin
        (the same at every departure)."""
        found = self._far_text.get(req.origin.id)
        if found is None:
            if len(self._far_text) > 1024:
                self._far_text.clear()
            found = self._far_text[req.origin.id] = {
                j: self._access_message(req, j, origin_ok=True) or "no route"
                for j in self.no_targets}
        return found

    def _access_message(self, req: Request, j: int, *, origin_ok: bool) -> str | None:
        """:func:`corridor.routing.explain.no_access_message` from what the sweep knows: a
        city origin without start nodes, a destination without end nodes."""
        origin, destination = req.origin, self.destinations[j]
        if not origin_ok and origin.city is not None and not self._origin(
                origin, req.depart)[1]:
            return no_access_text(origin.name, destination.name, origin.name, "origin")
        if destination.city is not None and j in self._far:
            return no_access_text(origin.name, destination.name, destination.name,
                                  "destination")
        return None

    # --- why no route, for every destination at once ---------------------------------------

    def _explain(self, req: Request, missing: np.ndarray, o_nodes: np.ndarray,
                 o_time: np.ndarray, o_key: np.ndarray, answers: Answers) -> None:
        """The reasons :func:`corridor.routing.explain.explain_no_route` gives, asked in its
        order with one relaxed search per edge mask for every destination still without
        one (a matrix has no vias and no avoidances)."""
        left = np.zeros(len(self.destinations), dtype=bool)
        left[missing] = True
        table = self._calendars(req.depart)
        no_calendars = np.zeros((0, HORIZON_HOURS), dtype=np.int64)
        steps = [("planned", table), ("", no_calendars)]
        if active_rules(req):
            steps.insert(0, ("rules", table))
        if req.modes != frozenset(MODES):
            steps.insert(0, ("modes", table))
        # a destination no edge of any relaxation reaches is simply not connected: found
        # without a search per relaxation (the relaxed searches cannot reach it either)
        for mask, dests, rows in self._groups(req, left, "any"):
            reach = self._reachable(o_nodes, mask)
            hit = np.unique(self.t_dest[rows][reach[self.t_node[rows]]])
            cut = np.setdiff1d(dests, hit)
            left[cut] = False
            for j in cut.tolist():
                answers.messages[j] = self._unconnected(req, j)
        for relax, calendars in steps:
            if not left.any():
                break
            for mask, dests, rows in self._groups(req, left, relax):
                found = self._search(mask, calendars, o_nodes, o_time, o_key)
                end, _row = self._choose(found, dests, rows)
                for j, label in zip(dests.tolist(), end.tolist(), strict=True):
                    if label < 0:
                        continue
                    left[j] = False
                    answers.messages[j] = self._reason(req, j, relax, found, label)
        for j in np.nonzero(left)[0].tolist():
            answers.messages[j] = self._unconnected(req, j)

    def _unconnected(self, req: Request, j: int) -> str:
        key = (req.origin.id, j)
        found = self._unconnected_text.get(key)
        if found is None:
            if len(self._unconnected_text) > 200_000:
                self._unconnected_text.clear()
            found = self._unconnected_text[key] = self._unconnected_reason(req, j)
        return found

    def _unconnected_reason(self, req: Request, j: int) -> str:
        head = f"no route from {req.origin.name} to {self.destinations[j].name}"
        return (self._access_message(req, j, origin_ok=False)
                or f"{head}: the two places are not connected in network "
                   f"{self.network.name!r}")

    def _reachable(self, o_nodes: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Nodes any path of ``mask`` edges reaches from ``o_nodes`` (calendars, transfer
        rules and labels aside)."""
        from corridor.routing.kernel import dijkstra

        key = (o_nodes.tobytes(), np.packbits(mask).tobytes())
        found = self._reach.get(key)
        if found is None:
            cn = self.cn
            weight = np.where(mask, 1.0, np.inf)
            found = np.zeros(cn.n_nodes, dtype=bool)
            for node in o_nodes.tolist():
                found |= np.isfinite(dijkstra(cn.indptr, cn.edge_dst, weight, node))
            if len(self._reach) > 4096:
                self._reach.clear()
            self._reach[key] = found
        return found

    def _reason(self, req: Request, j: int, relax: str, found: tuple, label: int) -> str:
        from corridor.routing.search import Found, path_of

        _key, time, pred, edge, enter, _rank, _node, _best = found
        steps, _first = path_of(label, pred, edge, time, enter)
        asked = replace(req, destination=self.destinations[j])
        used = used_by(asked, Found(0, 0, steps, 0.0, 0.0))
        head = f"no route from {req.origin.name} to {asked.destination.name}"
        if relax == "modes":
            needed = sorted(used["modes"] - req.modes)
            return (f"{head} using {', '.join(sorted(req.modes))} "
                    f"(cargo {req.cargo.cargo_id!r} may use {', '.join(req.cargo.modes)}); "
                    f"the only routes need {', '.join(needed)}")
        if relax == "rules":
            names = "; ".join(f"{r.name} ({r.rule_id})" for r in active_rules(req))
            return (f"{head} for cargo {req.cargo.cargo_id!r}: every route breaks a cargo rule "
                    f"in force on {req.depart:%d %b %Y}: {names}")
        if relax == "planned":
            planned = sorted(used["planned"])
            return (f"{head}: only links that are not open yet would connect them "
                    f"({', '.join(planned)})")
        closed = sorted(used["calendared"])
        return f"{head}: every route is closed within two years of departure ({', '.join(closed)})"
