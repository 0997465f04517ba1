"""Seeded synthetic road graphs for the engine benchmarks (issue #6).

    from graphs import road_graph
    g = road_graph(262_144, seed=6)      # ~1.05 million directed edges, a few seconds

A jittered grid over a region of Pakistan / Central Asia (about 1 km between junctions),
built with vectorized numpy:

* every junction joins its 4 grid neighbours, less 8 % of the local roads (random);
  a fifth of the grid cells get one diagonal road, so the degree is 2-5 (mean ~4);
* road classes by grid line: every 8th row/column is a secondary road (60 km/h), every
  32nd a primary (80 km/h), the rest local (35 km/h, diagonals too); every 64th
  row/column (offset 32) also carries a motorway whose links skip 8 junctions (110 km/h),
  the sparse set of long links;
* roads are two-way (two directed edges), except 5 % of the local ones (one-way, random
  direction);
* weight = euclidean length x a detour factor (1.0-1.3) / the class speed, in hours; no
  zero weights and no parallel edges (each junction pair is joined at most once);
* 2 % of the roads (both directions) get a calendar, one of the ``CALENDARS`` patterns
  (border posts, ferries, truck bans); ``next_open[c, h]`` is the first open hour index
  >= h for calendar c over a ``horizon`` of two weeks of hours from a Monday 00:00
  (``horizon`` where it never opens again).

The result is CSR sorted by source node (``indptr``, ``dst``, ``weight``), the layout
:func:`corridor.routing.kernel.dijkstra` takes. ``save``/``load`` round-trip it through an
``.npz`` file (the memory benchmark's children load that).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

HORIZON_HOURS = 14 * 24
SPEED_KMH = np.array([35.0, 60.0, 80.0, 110.0])  # local, secondary, primary, motorway
CLASS_NAMES = ("local", "secondary", "primary", "motorway")
MOTORWAY_STEP = 8  # a motorway link skips this many junctions

# name -> (weekdays open (0 = Monday), hours open); a ferry is open only at its departures
CALENDARS: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("border post 08-18 Mon-Fri", (0, 1, 2, 3, 4), tuple(range(8, 18))),
    ("border post 06-22 daily", tuple(range(7)), tuple(range(6, 22))),
    ("ferry, departures 06 09 12 15 18 21", tuple(range(7)), (6, 9, 12, 15, 18, 21)),
    ("closed at weekends", (0, 1, 2, 3, 4), tuple(range(24))),
    ("trucks at night only 22-06", tuple(range(7)), (22, 23, 0, 1, 2, 3, 4, 5)),
)


@dataclass
class RoadGraph:
    indptr: np.ndarray  # int64[n + 1]
    dst: np.ndarray  # int64[m]
    weight: np.ndarray  # float64[m], hours
    length_km: np.ndarray  # float64[m]
    road_class: np.ndarray  # int8[m], index in CLASS_NAMES
    calendar: np.ndarray  # int64[m], -1 = always open
    next_open: np.ndarray  # int64[n_cal, horizon]
    x_km: np.ndarray  # float64[n]
    y_km: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def m(self) -> int:
        return len(self.dst)

    def src(self) -> np.ndarray:
        """Each edge's source node (the COO row)."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))

    def describe(self) -> str:
        deg = np.diff(self.indptr)
        classes = ", ".join(f"{name} {np.count_nonzero(self.road_class == i):,}"
                            for i, name in enumerate(CLASS_NAMES))
        return (f"{self.n:,} nodes, {self.m:,} directed edges (out-degree mean "
                f"{deg.mean():.2f}, max {deg.max()}); {classes}; "
                f"{np.count_nonzero(self.calendar >= 0):,} edges with one of "
                f"{len(self.next_open)} calendars (horizon {self.next_open.shape[1]} h)")

    def save(self, path: str | Path) -> None:
        np.savez(path, **{f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, path: str | Path) -> RoadGraph:
        with np.load(path) as data:
            return cls(**{f.name: data[f.name] for f in fields(cls)})


def open_masks(horizon: int = HORIZON_HOURS,
               calendars=CALENDARS) -> np.ndarray:
    """bool[n_cal, horizon]: open in each hour from a Monday 00:00."""
    hours = np.arange(horizon)
    weekday, hour = (hours // 24) % 7, hours % 24
    masks = np.zeros((len(calendars), horizon), dtype=bool)
    for c, (_name, days, open_hours) in enumerate(calendars):
        masks[c] = np.isin(weekday, days) & np.isin(hour, open_hours)
    return masks


def next_open_table(masks: np.ndarray) -> np.ndarray:
    """int64[n_cal, horizon]: first open hour index >= h (``horizon`` if none)."""
    n_cal, horizon = masks.shape
    idx = np.where(masks, np.arange(horizon), horizon)
    return np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1].astype(np.int64)


def road_graph(nodes: int = 262_144, seed: int = 6, calendar_share: float = 0.02,
               horizon: int = HORIZON_HOURS, spacing_km: float = 1.0,
               never_open_calendar: bool = False) -> RoadGraph:
    """A seeded road-like graph of about ``nodes`` junctions (see the module docstring).

    ``never_open_calendar`` adds a calendar that never opens (a closed road), for the
    correctness checks.
    """
    rng = np.random.default_rng(seed)
    width = max(3, int(np.ceil(np.sqrt(nodes))))
    height = max(3, int(np.ceil(nodes / width)))
    n = width * height
    node = np.arange(n, dtype=np.int64)
    row, col = node // width, node % width
    x = (col + rng.uniform(-0.35, 0.35, n)) * spacing_km
    y = (row + rng.uniform(-0.35, 0.35, n)) * spacing_km
    lat0, lon0 = 30.0, 62.0
    lat = lat0 + y / 111.32
    lon = lon0 + x / (111.32 * np.cos(np.radians(lat0)))

    def line_class(index: np.ndarray) -> np.ndarray:
        return np.where(index % 32 == 0, 2, np.where(index % 8 == 0, 1, 0)).astype(np.int8)

    # grid roads: horizontal (along a row) and vertical (along a column)
    h = node[col < width - 1]
    v = node[row < height - 1]
    a = np.concatenate([h, v])
    b = np.concatenate([h + 1, v + width])
    cls = np.concatenate([line_class(row[h]), line_class(col[v])])
    keep = (cls > 0) | (rng.random(len(a)) >= 0.08)
    a, b, cls = a[keep], b[keep], cls[keep]

    # diagonals: a fifth of the cells, one of the two orientations
    cell = node[(col < width - 1) & (row < height - 1)]
    cell = cell[rng.random(len(cell)) < 0.2]
    flip = rng.random(len(cell)) < 0.5
    da = np.where(flip, cell + 1, cell)
    db = np.where(flip, cell + width, cell + width + 1)

    # motorways: rows and columns 32 mod 64, links skipping MOTORWAY_STEP junctions
    step = MOTORWAY_STEP
    mh = node[(row % 64 == 32) & (col % step == 0) & (col + step < width)]
    mv = node[(col % 64 == 32) & (row % step == 0) & (row + step < height)]
    ma = np.concatenate([mh, mv])
    mb = np.concatenate([mh + step, mv + step * width])

    a = np.concatenate([a, da, ma])
    b = np.concatenate([b, db, mb])
    cls = np.concatenate([cls, np.zeros(len(da), np.int8), np.full(len(ma), 3, np.int8)])
    roads = len(a)

    length = np.hypot(x[a] - x[b], y[a] - y[b])
    weight = length * rng.uniform(1.0, 1.3, roads) / SPEED_KMH[cls]

    n_cal = len(CALENDARS) + bool(never_open_calendar)
    calendar = np.full(roads, -1, dtype=np.int64)
    chosen = rng.random(roads) < calendar_share
    calendar[chosen] = rng.integers(0, n_cal, np.count_nonzero(chosen))

    # directions: two-way roads give both edges; 5 % of local roads one way only
    one_way = (cls == 0) & (rng.random(roads) < 0.05)
    reverse = rng.random(roads) < 0.5  # the one-way direction
    fwd = ~one_way | ~reverse
    bwd = ~one_way | reverse
    src = np.concatenate([a[fwd], b[bwd]])
    dst = np.concatenate([b[fwd], a[bwd]])
    sel = np.concatenate([np.flatnonzero(fwd), np.flatnonzero(bwd)])

    order = np.lexsort((dst, src))
    src, dst, sel = src[order], dst[order], sel[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])

    masks = open_masks(horizon)
    if never_open_calendar:
        masks = np.vstack([masks, np.zeros((1, horizon), dtype=bool)])
    return RoadGraph(
        indptr=indptr, dst=dst.astype(np.int64), weight=weight[sel].astype(np.float64),
        length_km=length[sel], road_class=cls[sel], calendar=calendar[sel],
        next_open=next_open_table(masks), x_km=x, y_km=y, lon=lon, lat=lat,
    )


if __name__ == "__main__":
    import sys
    import time

    start = time.perf_counter()
    g = road_graph(int(sys.argv[1]) if len(sys.argv) > 1 else 262_144)
    print(f"{g.describe()}\nbuilt in {time.perf_counter() - start:.2f} s")
