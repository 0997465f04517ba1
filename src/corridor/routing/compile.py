"""Compile a :class:`~corridor.model.Network` into immutable arrays for the search.

The routing graph has one node per (place, layer) — a layer is a mode, and for rail its
gauge — and one edge per direction of every link, crossing and transfer. Edge figures that do
not depend on the query (time, cost per unit, distance, calendar, country, risk) are numpy
arrays in CSR order; compiled networks are cached by the network's content hash, and
calendar look-up tables by (network, horizon start).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from corridor.model.calendar import next_open_index
from corridor.model.network import LAYERS, MODES, Network
from corridor.model.speeds import RoadSpeeds, road_speeds
from corridor.routing.figures import (
    KIND_CROSSING,
    KIND_LINK,
    KIND_TRANSFER,
    certain_waits,
    crossing_figures,
    impute_costs,
    risk_table,
    transfer_figures,
)

__all__ = ["HORIZON_HOURS", "CompiledNetwork", "HotLists", "KernelArrays", "compile_network",
           "crossing_figures", "enter_and_leave", "transfer_allowed"]

HORIZON_HOURS = 2 * 366 * 24
"""How far ahead of the departure calendars are evaluated (two years)."""


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """Arrays for the search. Built by :func:`compile_network`; never mutated."""

    network: Network
    node_place: tuple[str, ...]
    node_layer: tuple[str, ...]
    node_country: np.ndarray  # int index into `countries`
    node_index: dict[tuple[str, str], int]
    place_nodes: dict[str, tuple[int, ...]]
    countries: tuple[str, ...]
    country_risk: np.ndarray  # float, risk score per country
    risk_fallback_countries: tuple[str, ...]
    calendars: tuple[str, ...]
    # edges, sorted by source node (CSR)
    indptr: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_kind: np.ndarray
    edge_ref: np.ndarray
    edge_reverse: np.ndarray
    edge_mode: np.ndarray
    edge_open: np.ndarray
    edge_time_h: np.ndarray
    edge_time_p90_h: np.ndarray  # like edge_time_h, with crossings at their P90 dwell
    edge_cost_usd: np.ndarray  # NaN where unknown
    edge_cost_imputed_usd: np.ndarray  # as edge_cost_usd, unknowns priced by imputation
    edge_distance_km: np.ndarray
    edge_calendar: np.ndarray  # -1 for none
    edge_risk: np.ndarray
    edge_crossing: np.ndarray  # crossing index or -1
    edge_estimated: np.ndarray  # bool: a figure of the edge is an estimate
    edge_wait_h: np.ndarray  # hours of edge_time_h every trip spends waiting (a ferry)
    edge_drive_h: np.ndarray  # hours of a crossing's time spent driving after clearance
    passenger: bool = False  # times and costs are a passenger's (bus speeds, fares)
    speeds: RoadSpeeds | None = None

    def road_kmh(self, country: str) -> float | None:
        """The speed on an ordinary road (class ``highway``) of ``country``: a truck's, or a
        bus's for a passenger network (access legs use it)."""
        default = self.network.countries[country].road_speed_kmh
        if self.speeds is None:
            return default
        if self.passenger:
            return self.speeds.bus_kmh(country, "highway", default)
        return self.speeds.truck_kmh(country, "highway", default)

    @cached_property
    def crossing_sides(self) -> tuple[frozenset[str], ...]:
        """The countries of each crossing's two posts, in network order."""
        places = self.network.places
        return tuple(frozenset({places[c.place_a].country, places[c.place_b].country})
                     for c in self.network.crossings)

    @property
    def n_nodes(self) -> int:
        return len(self.node_place)

    @property
    def n_edges(self) -> int:
        return int(self.edge_src.size)

    @cached_property
    def _calendar_cache(self) -> dict[tuple[int, str], np.ndarray]:
        return {}

    @cached_property
    def hot(self) -> HotLists:
        """Plain Python lists of the arrays the searches read in their inner loops."""
        layer_code = {layer: i + 1 for i, layer in enumerate(LAYERS)}
        transfer = (self.edge_kind == KIND_TRANSFER).tolist()
        src, dst = self.edge_src.tolist(), self.edge_dst.tolist()
        codes = [layer_code[layer] for layer in self.node_layer]
        return HotLists(
            indptr=self.indptr.tolist(),
            dst=dst,
            time_h=self.edge_time_h.tolist(),
            calendar=self.edge_calendar.tolist(),
            # a crossing with a calendar releases cargo only while open
            exit_calendar=np.where(self.edge_kind == KIND_CROSSING, self.edge_calendar,
                                   -1).tolist(),
            drive_h=self.edge_drive_h.tolist(),
            transfer_from=[codes[s] if t else 0 for s, t in zip(src, transfer, strict=True)],
            transfer_to=[codes[d] if t else 0 for d, t in zip(dst, transfer, strict=True)],
            rail_code=[False] + [layer.startswith("rail") for layer in LAYERS],
        )

    @cached_property
    def node_layer_index(self) -> np.ndarray:
        """Each node's layer as its index in :data:`corridor.model.network.LAYERS`."""
        return np.array([LAYERS.index(layer) for layer in self.node_layer], dtype=np.int64)

    @cached_property
    def arrays(self) -> KernelArrays:
        """The graph as the compiled kernels (:mod:`corridor.routing.kernel`) read it."""
        codes = self.node_layer_index + 1
        transfer = self.edge_kind == KIND_TRANSFER
        return KernelArrays(
            indptr=self.indptr,
            dst=self.edge_dst,
            time_h=self.edge_time_h,
            calendar=self.edge_calendar,
            # a crossing with a calendar releases cargo only while open
            exit_calendar=np.where(self.edge_kind == KIND_CROSSING, self.edge_calendar, -1),
            drive_h=self.edge_drive_h,
            transfer_from=np.where(transfer, codes[self.edge_src], 0),
            transfer_to=np.where(transfer, codes[self.edge_dst], 0),
            rail_code=np.array([False] + [layer.startswith("rail") for layer in LAYERS]),
            rindptr=np.concatenate([[0], np.cumsum(np.bincount(self.edge_dst,
                                                               minlength=self.n_nodes))]),
            redge=np.argsort(self.edge_dst, kind="stable"),
            src=self.edge_src,
        )

    @cached_property
    def access_places(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
        """Places an access leg may join (not border posts, with a road node), in network
        order: their ids, latitudes and longitudes in radians, and ISO alpha-3 countries."""
        places = [p for p in self.network.places.values()
                  if p.kind != "border_post" and (p.place_id, "road") in self.node_index]
        return (tuple(p.place_id for p in places),
                np.radians(np.array([p.lat for p in places], dtype=float)),
                np.radians(np.array([p.lon for p in places], dtype=float)),
                np.array([p.country for p in places], dtype=object))

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays and of the calendar tables cached so far (an estimate of the
        compiled network's memory, for the cache's bound)."""
        def size(value) -> int:
            if isinstance(value, np.ndarray):
                return value.nbytes
            if isinstance(value, (KernelArrays, HotLists)):
                return sum(size(v) for v in vars(value).values())
            if isinstance(value, list):
                return 32 * len(value)  # a pointer and a boxed number, about
            return 0

        arrays = sum(size(v) for v in vars(self).values())
        tables = sum(t.nbytes for t in list(self._calendar_cache.values()))
        return arrays + tables

    def next_open_table(self, start: dt.datetime | None) -> np.ndarray:
        """:meth:`next_open` as one (calendars × hours) array; ``None`` gives an empty table
        (calendars ignored)."""
        if start is None or not self.calendars:
            return np.zeros((0, HORIZON_HOURS), dtype=np.int64)
        base = start.replace(minute=0, second=0, microsecond=0)
        key = (-1, base.isoformat())
        table = self._calendar_cache.get(key)
        if table is None:
            table = np.stack(self.next_open(start))
            self._calendar_cache[key] = table
            _trim(keep=self)  # the tables count against the cache's bound
        return table

    def next_open(self, start: dt.datetime) -> list[np.ndarray]:
        """Per calendar: for each hour from ``start``, the first open hour index at or after it."""
        base = start.replace(minute=0, second=0, microsecond=0)
        tables = []
        for i, cid in enumerate(self.calendars):
            key = (i, base.isoformat())
            table = self._calendar_cache.get(key)
            if table is None:
                if len(self._calendar_cache) > 256:
                    self._calendar_cache.clear()
                mask = self.network.calendars[cid].open_mask(base, HORIZON_HOURS)
                table = next_open_index(mask).astype(np.int64)
                self._calendar_cache[key] = table
            tables.append(table)
        return tables


@dataclass(frozen=True)
class KernelArrays:
    """numpy arrays of the edges for the compiled kernels (CSR order)."""

    indptr: np.ndarray
    dst: np.ndarray
    time_h: np.ndarray
    calendar: np.ndarray
    exit_calendar: np.ndarray
    drive_h: np.ndarray  # hours after clearance (the road to a crossing's far post)
    transfer_from: np.ndarray
    transfer_to: np.ndarray
    rail_code: np.ndarray
    rindptr: np.ndarray  # the reverse CSR: edges by head node
    redge: np.ndarray
    src: np.ndarray

    @property
    def reverse(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(rindptr, redge, src)`` for :func:`corridor.routing.kernel.lower_bound`."""
        return self.rindptr, self.redge, self.src


@dataclass(frozen=True)
class HotLists:
    """Lists for the inner loops (indexing a list is faster than indexing numpy)."""

    indptr: list[int]
    dst: list[int]
    time_h: list[float]
    calendar: list[int]
    exit_calendar: list[int]
    drive_h: list[float]
    transfer_from: list[int]  # layer code (1-based index in LAYERS) of a transfer's source
    transfer_to: list[int]
    rail_code: list[bool]  # by layer code


def transfer_allowed(hot: HotLists, last: int, edge: int) -> bool:
    """May ``edge`` follow a transfer that left layer ``last`` (0: the last edge was no
    transfer)? Never straight back to the layer just left, and never out of rail and back
    into rail (that is the place's gauge change, if it has one)."""
    to = hot.transfer_to[edge]
    if not last or not to:
        return True
    return to != last and not (hot.rail_code[last] and hot.rail_code[to])


def enter_and_leave(hot: HotLists, next_open: Sequence[np.ndarray] | None, edge: int,
                    time: float) -> tuple[float, float] | None:
    """When ``edge``, reached at ``time``, can be entered and left (hours after the horizon
    start), after waiting for its calendar to open and, at a crossing, for the post to be
    open when clearance ends. ``None`` when that falls beyond the horizon."""
    horizon = HORIZON_HOURS
    enter = time
    cal = hot.calendar[edge]
    if cal >= 0 and next_open is not None:
        slot = int(time)
        if slot >= horizon:
            return None
        opening = int(next_open[cal][slot])
        if opening >= horizon:
            return None
        if opening > slot:
            enter = float(opening)
    leave = enter + hot.time_h[edge]
    if not leave < horizon:
        return None
    exit_cal = hot.exit_calendar[edge]
    if exit_cal >= 0 and next_open is not None:
        slot = int(leave - hot.drive_h[edge])  # when clearance ends, before the far post
        opening = int(next_open[exit_cal][slot])
        if opening >= horizon:
            return None
        if opening > slot:  # the post is shut: cargo released on reopening
            leave = float(opening) + hot.drive_h[edge]
            if not leave < horizon:
                return None
    return enter, leave


_COMPILED: OrderedDict[str, CompiledNetwork] = OrderedDict()
"""Compiled networks by content hash, least recently used first (see :func:`cache_limit`)."""

_LOCK = threading.RLock()  # the cache is shared by threads (the server, Dask thread workers)

_CACHE_BYTES = [int(float(os.environ.get("CORRIDOR_CACHE_MB", "512")) * 2**20)]


def cache_limit(megabytes: float | None = None) -> int:
    """The bytes the compiled networks (with their calendar tables) may hold, set with
    ``megabytes``: past it the least recently used are dropped. The default, 512 MB,
    comes from ``CORRIDOR_CACHE_MB``; ``corridor serve --cache-mb`` sets it.

    Examples
    --------
    >>> cache_limit() > 0
    True
    """
    if megabytes is not None:
        if not megabytes > 0:
            raise ValueError("the cache limit must be a positive number of megabytes")
        _CACHE_BYTES[0] = int(megabytes * 2**20)
        _trim()
    return _CACHE_BYTES[0]


def cached_bytes() -> int:
    """The bytes the cached compiled networks hold now (arrays and calendar tables)."""
    with _LOCK:
        return sum(c.nbytes for c in list(_COMPILED.values()))


def _trim(keep: CompiledNetwork | None = None) -> None:
    """Drop the least recently used compiled networks (never ``keep``, the one in use)
    until the cache fits its bound."""
    with _LOCK:
        while cached_bytes() > _CACHE_BYTES[0]:
            victim = next((k for k, c in _COMPILED.items() if c is not keep), None)
            if victim is None:
                break
            del _COMPILED[victim]


def compile_network(network: Network, *, passenger: bool = False) -> CompiledNetwork:
    """Compile (or fetch from the cache) the routing arrays of ``network``.

    With ``passenger``, times and costs are a traveller's: roads at bus speeds, borders at
    the passenger processing time, fares instead of freight rates.

    Examples
    --------
    >>> from corridor import load_network
    >>> cn = compile_network(load_network())
    >>> cn.n_nodes > 100 and cn.n_edges > cn.n_nodes
    True
    """
    key = f"{network.content_hash}:{'passenger' if passenger else 'freight'}"
    with _LOCK:
        cached = _COMPILED.get(key)
        if cached is not None and cached.network is network:
            _COMPILED.move_to_end(key)
            return cached
    compiled = _compile(network, passenger)
    with _LOCK:
        _COMPILED[key] = compiled
        _trim(keep=compiled)
    return compiled


def _compile(network: Network, passenger: bool = False) -> CompiledNetwork:
    places = network.places
    countries, country_risk, fallback = risk_table(network)
    country_idx = {c: i for i, c in enumerate(countries)}
    calendars = tuple(sorted(network.calendars))
    calendar_idx = {c: i for i, c in enumerate(calendars)}
    sea_speed = network.parameter("sea_speed_kmh")

    node_index: dict[tuple[str, str], int] = {}

    def node(place_id: str, layer: str) -> int:
        key = (place_id, layer)
        if key not in node_index:
            node_index[key] = len(node_index)
        return node_index[key]

    def place_risk(place_id: str) -> float:
        """The risk of a place's area: its own where given (a district), else its
        country's."""
        place = places[place_id]
        if place.risk is not None:
            return place.risk
        return float(country_risk[country_idx[place.country]])

    # one tuple per edge: (src, dst, kind, ref, reverse, mode, open, time, cost, distance,
    # calendar, risk, crossing, estimated, time at P90 dwell, certain wait, drive after
    # clearance)
    rows: list[tuple] = []
    p90_factor = network.parameter("dwell_p90_factor", 1.0) or 1.0

    speeds = road_speeds(network)
    bus_fare = network.parameter("bus_fare_usd_per_km")
    rail_fare = network.parameter("rail_fare_usd_per_km")

    def speed_and_rate(place_id: str, mode: str, road_class: str = "", *,
                       iso3: str = "") -> tuple[float | None, float | None]:
        """Speed (km/h) and USD per 500 km of ``mode`` in the place's country (or
        ``iso3``); a passenger's rate is the fare per km × 500."""
        iso3 = iso3 or places[place_id].country
        country = network.countries[iso3]
        if mode == "road":
            if passenger:
                return (speeds.bus_kmh(iso3, road_class, country.road_speed_kmh),
                        None if bus_fare is None else bus_fare * 500.0)
            return (speeds.truck_kmh(iso3, road_class, country.road_speed_kmh),
                    country.road_cost_usd_per_500km_20t)
        if mode == "rail":
            if passenger:
                return (country.rail_passenger_speed_kmh or country.rail_speed_kmh,
                        None if rail_fare is None else rail_fare * 500.0)
            return country.rail_speed_kmh, country.rail_cost_usd_per_500km_20t
        return None, None

    # A wait every trip meets (a ferry that sails when full) counts at its median in the
    # deterministic answer; the Monte Carlo draws it (see reliability.simulate).
    certain_wait_h = certain_waits(network)
    crossing_index = {c.crossing_id: i for i, c in enumerate(network.crossings)}
    for i, link in enumerate(network.links):
        speed, rate = speed_and_rate(link.from_place, link.mode, link.road_class)
        distance = link.distance_km
        if link.duration_h is not None:
            time_h = link.duration_h
        else:
            if passenger and link.passenger_speed_kmh is not None:
                speed = link.passenger_speed_kmh  # the line's timetabled trains
            elif link.speed_kmh is not None:
                speed = link.speed_kmh
            elif link.mode == "sea" and sea_speed:
                speed = sea_speed
            time_h = (distance / speed) if (distance is not None and speed) else math.inf
        if passenger and link.fare_usd is not None:
            cost = link.fare_usd
        elif passenger and link.mode not in ("road", "rail"):
            cost = math.nan  # a freight rate is no fare
        elif link.cost_usd is not None and not passenger:
            cost = link.cost_usd
        elif rate is not None and distance is not None:
            cost = rate * distance / 500.0
        else:
            cost = math.nan
        if link.mode in ("road", "rail"):
            risk = link.risk if link.risk is not None else max(
                place_risk(link.from_place), place_risk(link.to_place))
        else:
            risk = 0.0  # at sea or in the air
        calendar = calendar_idx[link.calendar_id] if link.calendar_id else -1
        estimated = bool(link.estimate)
        layer = link.layer
        waiting = certain_wait_h.get(link.link_id, (0.0, None))[0]
        time_h += waiting
        # a train service through a border runs only while its crossing is open
        through = crossing_index.get(link.crossing_id, -1) if link.crossing_id else -1
        is_open = (link.status == "open" and link.carries(passenger=passenger)
                   and (through < 0 or network.crossings[through].status == "open"))
        for reverse in (False, True) if link.two_way else (False,):
            a, b = (link.to_place, link.from_place) if reverse else (link.from_place, link.to_place)
            rows.append((node(a, layer), node(b, layer), KIND_LINK, i, reverse,
                         MODES.index(link.mode), is_open, time_h, cost,
                         distance if distance is not None else 0.0, calendar, risk, through,
                         estimated, time_h, waiting, 0.0, cost, 0.0))

    for i, crossing in enumerate(network.crossings):
        layer = crossing.layer
        risk = max(place_risk(crossing.place_a), place_risk(crossing.place_b))
        calendar = calendar_idx[crossing.calendar_id] if crossing.calendar_id else -1
        for reverse in (False, True):
            a, b = ((crossing.place_b, crossing.place_a) if reverse
                    else (crossing.place_a, crossing.place_b))
            dwell, p90, cost = crossing_figures(network, crossing, reverse=reverse,
                                                passenger=passenger)
            if p90 is None:
                p90 = dwell * p90_factor
            # The road or track between the two posts is driven at the speed and cost of the
            # country it lies in (Torugart's Chinese port lies 110 km below the pass, in
            # China, whichever way): ``road_country``, else the country entered.
            time_h = dwell
            drive_h = 0.0
            drive_cost = 0.0
            if crossing.distance_km:
                speed, rate = speed_and_rate(b, crossing.mode, iso3=crossing.road_country)
                if speed:
                    drive_h = crossing.distance_km / speed
                    time_h += drive_h
                drive_cost = math.nan if rate is None else rate * crossing.distance_km / 500.0
            fee = math.nan if cost is None else cost
            rows.append((node(a, layer), node(b, layer), KIND_CROSSING, i, reverse,
                         MODES.index(crossing.mode), crossing.status == "open", time_h,
                         fee + drive_cost, crossing.distance_km, calendar, risk, i,
                         bool(crossing.estimate), p90 + drive_h, 0.0, drive_h, fee,
                         drive_cost))

    for i, transfer in enumerate(network.transfers):
        risk = place_risk(transfer.place_id)
        for reverse in (False, True) if transfer.two_way else (False,):
            la, lb = transfer.from_layer, transfer.to_layer
            if reverse:
                la, lb = lb, la
            time_h, cost = transfer_figures(network, transfer, passenger=passenger,
                                            to_layer=lb)
            mode = lb.split(":")[0]
            rows.append((node(transfer.place_id, la), node(transfer.place_id, lb), KIND_TRANSFER,
                         i, reverse, MODES.index(mode), True, time_h,
                         math.nan if cost is None else cost, 0.0, -1,
                         risk, -1, bool(transfer.estimate) or transfer.time_h is None, time_h,
                         0.0, 0.0, math.nan if cost is None else cost, 0.0))

    n = len(node_index)
    order = sorted(range(len(rows)), key=lambda r: rows[r][0])
    rows = [rows[r] for r in order]
    cols = list(zip(*rows, strict=True)) if rows else [()] * 19
    src = np.array(cols[0], dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    indptr = np.cumsum(indptr)

    node_place = tuple(p for p, _ in sorted(node_index, key=node_index.get))
    node_layer = tuple(layer for _, layer in sorted(node_index, key=node_index.get))
    place_nodes: dict[str, list[int]] = {}
    for (place_id, _layer), idx in node_index.items():
        place_nodes.setdefault(place_id, []).append(idx)

    return CompiledNetwork(
        network=network,
        node_place=node_place,
        node_layer=node_layer,
        node_country=np.array([country_idx[places[p].country] for p in node_place], dtype=np.int64),
        node_index=dict(node_index),
        place_nodes={k: tuple(sorted(v)) for k, v in place_nodes.items()},
        countries=countries,
        country_risk=country_risk,
        risk_fallback_countries=fallback,
        calendars=calendars,
        indptr=indptr,
        edge_src=src,
        edge_dst=np.array(cols[1], dtype=np.int64),
        edge_kind=np.array(cols[2], dtype=np.int8),
        edge_ref=np.array(cols[3], dtype=np.int64),
        edge_reverse=np.array(cols[4], dtype=bool),
        edge_mode=np.array(cols[5], dtype=np.int8),
        edge_open=np.array(cols[6], dtype=bool),
        edge_time_h=np.array(cols[7], dtype=float),
        edge_time_p90_h=np.array(cols[14], dtype=float),
        edge_cost_usd=np.array(cols[8], dtype=float),
        edge_cost_imputed_usd=impute_costs(
            np.array(cols[2], dtype=np.int8), np.array(cols[3], dtype=np.int64),
            np.array(cols[4], dtype=bool), np.array(cols[5], dtype=np.int8),
            np.array(cols[9], dtype=float), np.array(cols[17], dtype=float),
            np.array(cols[18], dtype=float)),
        edge_distance_km=np.array(cols[9], dtype=float),
        edge_calendar=np.array(cols[10], dtype=np.int64),
        edge_risk=np.array(cols[11], dtype=float),
        edge_crossing=np.array(cols[12], dtype=np.int64),
        edge_estimated=np.array(cols[13], dtype=bool),
        edge_wait_h=np.array(cols[15], dtype=float),
        edge_drive_h=np.array(cols[16], dtype=float),
        passenger=passenger,
        speeds=speeds,
    )
