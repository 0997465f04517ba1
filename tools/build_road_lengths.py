#!/usr/bin/env python3
"""Measure road link lengths along Natural Earth road lines and calibrate detour factors.

Data-building script for the default corridor network (not part of the installed package).

1. Builds a graph of the Natural Earth 10m road lines of the region (the ``road`` layer of
   ``natural-earth-region-roads-rail.geojson.gz``, all types except ferry routes). The lines
   come from z7 vector tiles and are cut at tile edges, so vertices closer than
   ``--merge-km`` are merged and dangling line ends are joined to a line passing within
   ``--dangle-km``.
2. Measures each road link of ``links.csv`` as snap + shortest road path + snap between its
   two places; a place joins the road at its nearest node, or at another node within
   ``--max-snap-km`` when the nearest one's road does not lead the right way (see
   :func:`measure`). Links that NE cannot measure (a place too far from the road, no path,
   a path far longer than the great circle, or a path known to follow another road) keep
   their figures.
3. Calibrates a residual detour factor per terrain class (``terrain`` column of links.csv):
   the median of published km / Natural Earth km over the published road chains of
   ``tools/published_road_lengths.csv``, and cross-validates it (leave one chain out)
   against great-circle baselines.
4. Writes ``tools/road_lengths.csv`` (one row per road link) and
   ``tools/road_lengths_report.md``.
5. With ``--apply``: rewrites the estimated road lengths of ``links.csv`` and appends the
   new source rows to ``sources.csv`` (see :func:`apply_changes`). Nothing else in the
   network folder is touched; the rewrite is checked cell by cell.

The Natural Earth file itself is never copied into the repository: only the figures measured
from it are committed ("Natural Earth, via natural-earth-tiles (ODbL)").

Usage::

    python tools/build_road_lengths.py                 # measure, calibrate, report
    python tools/build_road_lengths.py --apply         # ... and rewrite links.csv
    python tools/build_road_lengths.py --apply --network /tmp/copy   # try it on a copy
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / "tools"
DEFAULT_NETWORK = REPO / "src" / "corridor" / "data" / "network"
DEFAULT_NE = "../shared/data/natural-earth-region-roads-rail.geojson.gz"

EARTH_RADIUS_KM = 6371.0088
TERRAINS = ("flat", "hill", "mountain")
MIN_CHAINS_PER_CLASS = 3

NE_SOURCE_ID = "natural_earth_roads"
DETOUR_SOURCE_ID = "derived_ne_detour"
OLD_DERIVATION_ID = "derived_circuity"
COORDINATE_SOURCE_IDS = ("geonames", "geonames_500", "est_coordinates")
SCRIPT_NAME = "tools/build_road_lengths.py"

# Estimate texts of links.csv that this script may replace.
RE_GREAT_CIRCLE = re.compile(r"great-circle [\d.]+ km x (?:mountain )?road circuity")
RE_SPLIT = re.compile(r"split between its \d+ sections in proportion to (?:the )?great-circle")
RE_DERIVED_FROM_ESTIMATE = re.compile(r"derived: .* estimate \(\d+ km\)")
RE_MIDPOINT = re.compile(r"^distance_km: midpoint of the sourced range")

# Sourced (or sourced-derived) road links that are deliberately not calibration chains.
NOT_CALIBRATED = {
    "road_hyderabad_sukkur": "296 km is the length of the M-6 motorway alignment, not of the "
    "road open today",
    "road_multan_lahore": "333 km is the M-4 (Multan-Pindi Bhattian), which does not reach Lahore",
    "road_islamabad_di_khan": "285 km is the M-14 from Hakla, about 50 km short of Islamabad",
    "road_kabul_salang": "90 km is the tunnel's position on the road, not a measured distance",
    "road_dushanbe_khorog": "derived by subtraction from totals that do not fit together "
    "(Kulma-Dushanbe 850, Khorog-Kashgar 700)",
}

# Links whose shortest Natural Earth path is known to follow another road than the real one
# (found by drawing the paths with --paths-geojson); NE is not used for them.
NE_ROUTE_PROBLEMS = {
    "road_di_khan_angoor_adda": "NE has no Tank-Wana road: its path runs via Bannu and Miran Shah",
    "road_turbat_quetta": "NE has no N-85 (Hoshab-Surab): its path runs via the M-8 and Khuzdar",
    "road_andijan_dustlik": "the NE path runs through Osh (Kyrgyzstan)",
    "road_almaty_dostyk": "NE has no Taldykorgan-Dostyk road: its path runs through China via "
    "Khorgos",
    "road_shymkent_konysbayeva": "the NE path runs through Tashkent (Uzbekistan)",
    "road_taraz_korday": "the NE path runs through Chaldovar and the Kyrgyz side of the Chu",
    "road_multan_di_khan": "NE has no east-bank road via Layyah and Bhakkar: its path runs via "
    "Dera Ghazi Khan",
    "road_zabol_milak": "NE has no direct Zabol-Milak road: its path loops south",
}
FOREIGN_PLACE_KM = 5.0  # a path this close to a place of another country is listed for checking


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def log(message: str) -> None:
    """Print a progress line to stderr (stdout carries the summary table)."""
    print(message, file=sys.stderr, flush=True)


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV table with a header row into a list of dicts."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV table with "\\n" line ends and minimal quoting."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def split_ids(cell: str) -> list[str]:
    """Split a `;`-separated id list cell."""
    return [part.strip() for part in cell.split(";") if part.strip()]


def make_geodesic() -> tuple[Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                                      np.ndarray], str]:
    """Return a vectorised geodesic-length function (km) and its description.

    Uses pyproj's WGS84 geodesic when pyproj is installed, else a haversine on the mean
    earth radius (the two differ by well under 1 %).
    """
    try:
        from pyproj import Geod
    except ImportError:  # pragma: no cover - depends on the environment
        def haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                      lon2: np.ndarray) -> np.ndarray:
            p1, p2 = np.radians(lat1), np.radians(lat2)
            dphi, dlmb = p2 - p1, np.radians(lon2 - lon1)
            a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
            return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))

        return haversine, f"haversine (R = {EARTH_RADIUS_KM} km)"

    geod = Geod(ellps="WGS84")

    def geodesic(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                 lon2: np.ndarray) -> np.ndarray:
        _, _, metres = geod.inv(np.asarray(lon1, float), np.asarray(lat1, float),
                                np.asarray(lon2, float), np.asarray(lat2, float))
        return np.asarray(metres, float) / 1000.0

    return geodesic, "WGS84 geodesic (pyproj)"


GEODESIC, GEODESIC_NAME = make_geodesic()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance between two points, km."""
    return float(GEODESIC(np.array([lat1]), np.array([lon1]), np.array([lat2]),
                          np.array([lon2]))[0])


def to_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on a sphere of the earth's radius (km), for chord-distance neighbour searches."""
    phi, lmb = np.radians(lat), np.radians(lon)
    return EARTH_RADIUS_KM * np.column_stack(
        (np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)))


def fmt_km(value: float | None, digits: int = 1) -> str:
    """Format a km figure for the tables ('' when missing)."""
    return "" if value is None else f"{value:.{digits}f}"


def fmt_pct(value: float | None) -> str:
    """Format a signed percentage."""
    return "" if value is None else f"{value:+.1f} %"


# --------------------------------------------------------------------------------------------
# The Natural Earth road graph
# --------------------------------------------------------------------------------------------


@dataclass
class RoadGraph:
    """Natural Earth road lines as an undirected graph of merged vertices."""

    lat: np.ndarray  # node latitude
    lon: np.ndarray  # node longitude
    edges_from: np.ndarray
    edges_to: np.ndarray
    weights_km: np.ndarray
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.lat)


def load_ne_roads(path: Path) -> list[np.ndarray]:
    """Road lines (arrays of lon, lat) of the Natural Earth extract, ferry routes left out."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    lines: list[np.ndarray] = []
    for feature in data["features"]:
        props = feature.get("properties") or {}
        if props.get("layer") != "road" or props.get("featureclass") == "Ferry":
            continue
        geometry = feature["geometry"]
        parts = ([geometry["coordinates"]] if geometry["type"] == "LineString"
                 else geometry["coordinates"] if geometry["type"] == "MultiLineString" else [])
        for part in parts:
            coords = np.asarray(part, dtype=float)[:, :2]
            if len(coords) >= 2:
                lines.append(coords)
    return lines


def _point_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Chord distance from p to segment ab, and the position t (0..1) of the foot."""
    ab = b - a
    denom = float(ab @ ab)
    t = 0.0 if denom == 0.0 else min(1.0, max(0.0, float((p - a) @ ab) / denom))
    return float(np.linalg.norm(a + t * ab - p)), t


def build_road_graph(lines: list[np.ndarray], merge_km: float, dangle_km: float) -> RoadGraph:
    """Build the road graph: merge near vertices, then join dangling ends to nearby lines."""
    coords = np.concatenate(lines)
    lon, lat = coords[:, 0], coords[:, 1]
    xyz = to_xyz(lat, lon)

    # 1. Merge vertices closer than merge_km (tile-edge cuts leave near-coincident ends).
    pairs = cKDTree(xyz).query_pairs(merge_km, output_type="ndarray")
    n = len(coords)
    link = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    n_nodes, node_of = connected_components(link, directed=False)
    counts = np.bincount(node_of, minlength=n_nodes)
    node_xyz = np.zeros((n_nodes, 3))
    np.add.at(node_xyz, node_of, xyz)
    node_xyz /= counts[:, None]
    node_lat = np.zeros(n_nodes)
    node_lon = np.zeros(n_nodes)
    first = np.full(n_nodes, -1)
    order = np.arange(n)[::-1]
    first[node_of[order]] = order  # a representative original vertex per node
    node_lat[:], node_lon[:] = lat[first], lon[first]

    # 2. Edges between consecutive vertices, weighted by the segment's geodesic length.
    offsets = np.cumsum([0] + [len(line) for line in lines])
    starts = np.concatenate([np.arange(offsets[i], offsets[i + 1] - 1) for i in range(len(lines))])
    seg_km = GEODESIC(lat[starts], lon[starts], lat[starts + 1], lon[starts + 1])
    u, v = node_of[starts], node_of[starts + 1]
    keep = u != v
    u, v, w = u[keep], v[keep], seg_km[keep]

    # 3. Join dangling ends (degree 1) to the nearest other segment within dangle_km, by
    #    edges to both ends of that segment (length = end -> foot -> segment end).
    degree = np.bincount(np.concatenate((u, v)), minlength=n_nodes)
    dangling = np.flatnonzero(degree == 1)
    a_xyz, b_xyz = node_xyz[u], node_xyz[v]
    half = np.linalg.norm(b_xyz - a_xyz, axis=1) / 2
    mids = cKDTree((a_xyz + b_xyz) / 2)
    extra_u: list[int] = []
    extra_v: list[int] = []
    extra_w: list[float] = []
    for node in dangling:
        p = node_xyz[node]
        best: tuple[float, int, float] | None = None
        for seg in mids.query_ball_point(p, dangle_km + float(half.max())):
            if u[seg] == node or v[seg] == node or half[seg] + dangle_km < np.linalg.norm(
                    (a_xyz[seg] + b_xyz[seg]) / 2 - p):
                continue
            dist, t = _point_segment(p, a_xyz[seg], b_xyz[seg])
            if dist <= dangle_km and (best is None or dist < best[0]):
                best = (dist, seg, t)
        if best is None:
            continue
        dist, seg, t = best
        extra_u += [int(node), int(node)]
        extra_v += [int(u[seg]), int(v[seg])]
        extra_w += [dist + t * float(w[seg]), dist + (1 - t) * float(w[seg])]
    u = np.concatenate((u, np.asarray(extra_u, dtype=u.dtype)))
    v = np.concatenate((v, np.asarray(extra_v, dtype=v.dtype)))
    w = np.concatenate((w, np.asarray(extra_w, dtype=float)))

    # 4. One edge per node pair (the shortest), stored as (min, max).
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    unique = np.ones(len(lo), dtype=bool)
    unique[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, w = lo[unique], hi[unique], w[unique]

    adjacency = coo_matrix((w, (lo, hi)), shape=(n_nodes, n_nodes))
    n_comp, comp = connected_components(adjacency, directed=False)
    main = int(np.argmax(np.bincount(comp)))
    stats = {
        "lines": len(lines),
        "vertices": n,
        "nodes": n_nodes,
        "edges": len(lo),
        "road_km": float(seg_km.sum()),
        "dangling_ends": len(dangling),
        "dangling_joined": len(extra_u) // 2,
        "components": n_comp,
        "main_component_nodes": int((comp == main).sum()),
    }
    return RoadGraph(node_lat, node_lon, lo, hi, w, stats)


# --------------------------------------------------------------------------------------------
# Network tables
# --------------------------------------------------------------------------------------------


@dataclass
class Place:
    """A place of places.csv."""

    place_id: str
    country: str
    lat: float
    lon: float


@dataclass
class RoadLink:
    """A road link of links.csv, with what this script measures for it."""

    link_id: str
    from_place: str
    to_place: str
    terrain: str
    road_class: str
    distance_km: float
    sources: list[str]
    estimate: str
    gc_km: float = 0.0
    ne_km: float | None = None  # path + both snaps; None = not measured
    snap_from_km: float | None = None
    snap_to_km: float | None = None
    flag: str = ""
    path_nodes: list[int] = field(default_factory=list, repr=False)

    @property
    def method(self) -> str:
        """How the current distance was obtained: published / derived / great_circle."""
        if not self.estimate or RE_MIDPOINT.match(self.estimate):
            return "published"
        if RE_GREAT_CIRCLE.search(self.estimate):
            return "great_circle"
        return "derived"

    @property
    def replaceable(self) -> str:
        """Which kind of estimate this script may replace: 'gc', 'split', 'dependent' or ''."""
        if RE_SPLIT.search(self.estimate):
            return "split"
        if RE_GREAT_CIRCLE.search(self.estimate):
            return "gc"
        if RE_DERIVED_FROM_ESTIMATE.search(self.estimate):
            return "dependent"
        return ""

    @property
    def mountain_gc_factor(self) -> bool:
        """True where today's rule uses the mountain circuity factor (mountain or pass)."""
        return self.terrain == "mountain" or self.road_class == "pass"


@dataclass
class Crossing:
    """A road border crossing; may sit inside a published chain."""

    crossing_id: str
    place_a: str
    place_b: str
    distance_km: float  # 0 when empty
    gc_km: float = 0.0
    ne_km: float | None = None


@dataclass
class Chain:
    """A published road length covering one or more consecutive links (and crossings)."""

    name: str
    items: list[str]
    published_km: float
    source_ids: list[str]
    notes: str
    terrain: str = ""
    gc_km: float = 0.0
    ne_km: float | None = None


@dataclass
class Network:
    """What this script reads from the network folder."""

    places: dict[str, Place]
    links: dict[str, RoadLink]
    crossings: dict[str, Crossing]
    source_ids: set[str]
    gc_factor: float
    mountain_gc_factor: float


def load_network(folder: Path) -> Network:
    """Read places, road links, road crossings, source ids and the circuity factors."""
    places = {
        row["place_id"]: Place(row["place_id"], row["country"], float(row["lat"]),
                               float(row["lon"]))
        for row in read_csv(folder / "places.csv")
    }
    links: dict[str, RoadLink] = {}
    for row in read_csv(folder / "links.csv"):
        if row["mode"] != "road":
            continue
        link = RoadLink(row["link_id"], row["from_place"], row["to_place"],
                        row.get("terrain", ""), row.get("road_class", ""),
                        float(row["distance_km"]), split_ids(row["sources"]), row["estimate"])
        a, b = places[link.from_place], places[link.to_place]
        link.gc_km = distance_km(a.lat, a.lon, b.lat, b.lon)
        links[link.link_id] = link
    crossings: dict[str, Crossing] = {}
    for row in read_csv(folder / "crossings.csv"):
        if row["mode"] != "road":
            continue
        crossing = Crossing(row["crossing_id"], row["place_a"], row["place_b"],
                            float(row["distance_km"] or 0.0))
        a, b = places[crossing.place_a], places[crossing.place_b]
        crossing.gc_km = distance_km(a.lat, a.lon, b.lat, b.lon)
        crossings[crossing.crossing_id] = crossing
    source_ids = {row["source_id"] for row in read_csv(folder / "sources.csv")}
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    parameters = manifest.get("parameters", {})
    return Network(places, links, crossings, source_ids,
                   float(parameters["road_circuity_factor"]["value"]),
                   float(parameters["mountain_road_circuity_factor"]["value"]))


def load_chains(path: Path, network: Network, extra_source_ids: set[str]) -> list[Chain]:
    """Read the published chains and check that they are contiguous and cite known sources."""
    chains: list[Chain] = []
    for row in read_csv(path):
        chain = Chain(row["name"], split_ids(row["links"]), float(row["published_km"]),
                      split_ids(row["source_id"]), row.get("notes", ""))
        for source_id in chain.source_ids:
            if source_id not in network.source_ids and source_id not in extra_source_ids:
                raise SystemExit(f"{path.name}: {chain.name}: unknown source id {source_id}")
        ends: list[tuple[str, str]] = []
        for item in chain.items:
            if item in network.links:
                ends.append((network.links[item].from_place, network.links[item].to_place))
            elif item in network.crossings:
                ends.append((network.crossings[item].place_a, network.crossings[item].place_b))
            else:
                raise SystemExit(f"{path.name}: {chain.name}: {item} is not a road link or "
                                 "road crossing")
        for (a1, b1), (a2, b2) in zip(ends, ends[1:], strict=False):
            if not {a1, b1} & {a2, b2}:
                raise SystemExit(f"{path.name}: {chain.name}: items are not consecutive")
        chains.append(chain)
    return chains


# --------------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------------


def measure(network: Network, graph: RoadGraph, max_snap_km: float, max_detour: float,
            access_penalty: float) -> None:
    """Measure every road link and crossing on the road graph (fills ne_km and flags).

    A place may join the road at any node within ``max_snap_km``. The route chosen minimises
    access_penalty x (snap at both ends) + road path, so it takes the nearest node unless that
    node lies on a road that does not lead the right way (a border post on a river bank, a
    town by a road that ends short); the length kept is snap + path + snap, unpenalised. The
    paths run on a directed copy of the graph in which each place has a source node (edges to
    its access nodes) and a sink node (edges from them), so that no path can pass through a
    place's access edges.
    """
    n = graph.n_nodes
    place_ids = list(network.places)
    slot = {pid: i for i, pid in enumerate(place_ids)}
    tree = cKDTree(to_xyz(graph.lat, graph.lon))
    chord = 2 * EARTH_RADIUS_KM * math.sin(max_snap_km / (2 * EARTH_RADIUS_KM))
    nearest: dict[str, float] = {}
    src: list[np.ndarray] = [graph.edges_from, graph.edges_to]
    dst: list[np.ndarray] = [graph.edges_to, graph.edges_from]
    wts: list[np.ndarray] = [graph.weights_km, graph.weights_km]
    for pid in place_ids:
        place = network.places[pid]
        point = to_xyz(np.array([place.lat]), np.array([place.lon]))[0]
        nodes = np.asarray(tree.query_ball_point(point, chord), dtype=np.int64)
        _, closest = tree.query(point)
        nearest[pid] = distance_km(place.lat, place.lon, float(graph.lat[closest]),
                                   float(graph.lon[closest]))
        if len(nodes) == 0:
            continue
        snap = GEODESIC(np.full(len(nodes), place.lat), np.full(len(nodes), place.lon),
                        graph.lat[nodes], graph.lon[nodes])
        source, sink = n + slot[pid], n + len(place_ids) + slot[pid]
        src += [np.full(len(nodes), source), nodes]
        dst += [nodes, np.full(len(nodes), sink)]
        wts += [access_penalty * snap, access_penalty * snap]
    size = n + 2 * len(place_ids)
    weights = np.maximum(np.concatenate(wts), 1e-9)  # a zero weight would read as no edge
    matrix = coo_matrix((weights, (np.concatenate(src), np.concatenate(dst))),
                        shape=(size, size)).tocsr()

    pairs = [(link.from_place, link.to_place) for link in network.links.values()]
    pairs += [(c.place_a, c.place_b) for c in network.crossings.values()]
    origins = sorted({a for a, _ in pairs}, key=slot.__getitem__)
    log(f"  shortest paths from {len(origins)} places ...")
    dist, pred = dijkstra(matrix, directed=True, indices=[n + slot[a] for a in origins],
                          return_predecessors=True)
    row = {a: i for i, a in enumerate(origins)}

    def path_between(a: str, b: str, nodes: list[int] | None = None,
                     ) -> tuple[float | None, float | None, float | None, str]:
        """(path km between access nodes, snap at a, snap at b, flag); fills `nodes`."""
        pa, pb = network.places[a], network.places[b]
        if (pa.lat, pa.lon) == (pb.lat, pb.lon):
            return 0.0, 0.0, 0.0, ""
        flags = [f"{p} is {nearest[p]:.0f} km from the road" for p in (a, b)
                 if nearest[p] > max_snap_km]
        total = float(dist[row[a], n + len(place_ids) + slot[b]]) if not flags else math.inf
        if flags or not math.isfinite(total):
            return None, None, None, "; ".join(flags) or "no path"
        # Walk back to find the access nodes used at each end.
        node_b = int(pred[row[a], n + len(place_ids) + slot[b]])
        walk = [node_b]
        while int(pred[row[a], walk[-1]]) != n + slot[a]:
            walk.append(int(pred[row[a], walk[-1]]))
        node_a = walk[-1]
        if nodes is not None:
            nodes[:] = walk[::-1]
        snap_a = distance_km(pa.lat, pa.lon, float(graph.lat[node_a]), float(graph.lon[node_a]))
        snap_b = distance_km(pb.lat, pb.lon, float(graph.lat[node_b]), float(graph.lon[node_b]))
        return total - access_penalty * (snap_a + snap_b), snap_a, snap_b, ""

    for link in network.links.values():
        path, link.snap_from_km, link.snap_to_km, link.flag = path_between(
            link.from_place, link.to_place, link.path_nodes)
        if path is None:
            continue
        ne = path + (link.snap_from_km or 0.0) + (link.snap_to_km or 0.0)
        if link.link_id in NE_ROUTE_PROBLEMS:
            link.flag = NE_ROUTE_PROBLEMS[link.link_id]
            continue
        if ne > max_detour * link.gc_km + 10.0:
            link.flag = (f"Natural Earth path {ne:.0f} km is {ne / link.gc_km:.1f} x the "
                         "great circle: NE lacks the direct road")
            continue
        link.ne_km = ne
    for crossing in network.crossings.values():
        path, snap_a, snap_b, _ = path_between(crossing.place_a, crossing.place_b)
        if path is not None:
            crossing.ne_km = path + (snap_a or 0.0) + (snap_b or 0.0)


def foreign_passes(network: Network, graph: RoadGraph) -> dict[str, list[str]]:
    """Measured links whose path passes near a place of another country (for checking).

    Places within 15 km of the link's own ends (the twin post of a border crossing) are not
    counted.
    """
    foreign: dict[str, list[str]] = {}
    ids = list(network.places)
    lat = np.array([network.places[p].lat for p in ids])
    lon = np.array([network.places[p].lon for p in ids])
    tree = cKDTree(to_xyz(lat, lon))
    for link in network.links.values():
        if link.ne_km is None or not link.path_nodes:
            continue
        country = network.places[link.from_place].country
        ends = [network.places[link.from_place], network.places[link.to_place]]
        points = to_xyz(graph.lat[link.path_nodes], graph.lon[link.path_nodes])
        near = {ids[i] for hits in tree.query_ball_point(points, FOREIGN_PLACE_KM) for i in hits}
        names = sorted(
            f"{pid} ({network.places[pid].country})" for pid in near
            if network.places[pid].country != country
            and min(distance_km(e.lat, e.lon, network.places[pid].lat, network.places[pid].lon)
                    for e in ends) > 15.0)
        if names:
            foreign[link.link_id] = names
    return foreign


def chain_lengths(chain: Chain, network: Network) -> None:
    """Fill a chain's great-circle and NE length (sum of its items) and its terrain class."""
    by_terrain = dict.fromkeys(TERRAINS, 0.0)
    gc, ne = 0.0, 0.0
    for item in chain.items:
        if item in network.links:
            link = network.links[item]
            gc += link.gc_km
            ne = math.nan if link.ne_km is None else ne + link.ne_km
            by_terrain[link.terrain] += link.ne_km if link.ne_km is not None else link.gc_km
        else:
            crossing = network.crossings[item]
            gc += crossing.gc_km
            ne = math.nan if crossing.ne_km is None else ne + crossing.ne_km
    chain.gc_km = gc
    chain.ne_km = None if math.isnan(ne) else ne
    chain.terrain = max(TERRAINS, key=lambda t: by_terrain[t])


# --------------------------------------------------------------------------------------------
# Calibration and cross-validation
# --------------------------------------------------------------------------------------------


def class_map(chains: Sequence[Chain]) -> tuple[dict[str, str], str]:
    """Map each terrain to its calibration class, pooling small classes with 'hill'.

    Returns the map and a sentence saying what was pooled (empty when nothing was).
    """
    counts = {t: sum(1 for c in chains if c.terrain == t) for t in TERRAINS}
    mapping = {t: t for t in TERRAINS}
    notes = []
    if counts["hill"] < MIN_CHAINS_PER_CLASS:
        ratios = {t: statistics.median([c.published_km / c.ne_km for c in chains
                                        if c.terrain == t and c.ne_km]) if counts[t] else math.inf
                  for t in TERRAINS}
        hill = ratios["hill"] if counts["hill"] else 1.0
        partner = min(("flat", "mountain"), key=lambda t: abs(ratios[t] - hill))
        mapping["hill"] = partner
        notes.append(f"hill ({counts['hill']} chains) is pooled with {partner}")
    for terrain in ("flat", "mountain"):
        if counts[terrain] < MIN_CHAINS_PER_CLASS and mapping["hill"] == "hill":
            mapping[terrain] = "hill"
            notes.append(f"{terrain} ({counts[terrain]} chains) is pooled with hill")
    return mapping, "; ".join(notes)


def fit_factors(chains: Sequence[Chain], mapping: dict[str, str],
                length: Callable[[Chain], float]) -> dict[str, tuple[float, int]]:
    """Median published / length per calibration class: {class: (factor, n chains)}."""
    groups: dict[str, list[float]] = {}
    for chain in chains:
        groups.setdefault(mapping[chain.terrain], []).append(chain.published_km / length(chain))
    everything = [r for values in groups.values() for r in values]
    fallback = statistics.median(everything) if everything else 1.0
    factors = {}
    for terrain in TERRAINS:
        values = groups.get(mapping[terrain], [])
        factors[terrain] = (statistics.median(values) if values else fallback, len(values))
    return factors


def item_lengths(chain: Chain, network: Network) -> list[tuple[float, float | None, str, bool]]:
    """(gc, ne, terrain, uses mountain gc factor) per item; crossings take a neighbour's terrain."""
    rows: list[tuple[float, float | None, str, bool]] = []
    for i, item in enumerate(chain.items):
        if item in network.links:
            link = network.links[item]
            rows.append((link.gc_km, link.ne_km, link.terrain, link.mountain_gc_factor))
        else:
            crossing = network.crossings[item]
            neighbour_id = chain.items[i - 1] if i > 0 else chain.items[i + 1]
            neighbour = network.links[neighbour_id]
            rows.append((crossing.gc_km, crossing.ne_km, neighbour.terrain,
                         neighbour.mountain_gc_factor))
    return rows


@dataclass
class Method:
    """A way of predicting a chain's length, evaluated on held-out chains."""

    key: str
    label: str
    errors: dict[str, float] = field(default_factory=dict)  # chain name -> signed % error
    predictions: dict[str, float] = field(default_factory=dict)


def cross_validate(chains: list[Chain], network: Network,
                   mapping: dict[str, str]) -> list[Method]:
    """Leave-one-chain-out comparison of the four methods on the chains NE could measure."""
    methods = [
        Method("gc_today", f"great-circle x {network.gc_factor} "
                           f"(x {network.mountain_gc_factor} mountain/pass), as today"),
        Method("gc_loo", "great-circle x per-terrain factor (LOO)"),
        Method("ne_raw", "Natural Earth length, raw"),
        Method("ne_loo", "Natural Earth length x per-terrain factor (LOO)"),
    ]
    usable = [c for c in chains if c.ne_km is not None]
    for held in usable:
        training = [c for c in usable if c is not held]
        gc_factors = fit_factors(training, mapping, lambda c: c.gc_km)
        ne_factors = fit_factors(training, mapping, lambda c: c.ne_km or math.nan)
        items = item_lengths(held, network)
        predicted = {
            "gc_today": sum(gc * (network.mountain_gc_factor if mountain else network.gc_factor)
                            for gc, _, _, mountain in items),
            "gc_loo": sum(gc * gc_factors[t][0] for gc, _, t, _ in items),
            "ne_raw": sum(ne or 0.0 for _, ne, _, _ in items),
            "ne_loo": sum((ne or 0.0) * ne_factors[t][0] for _, ne, t, _ in items),
        }
        for method in methods:
            value = predicted[method.key]
            method.predictions[held.name] = value
            method.errors[held.name] = 100.0 * (value - held.published_km) / held.published_km
    return methods


def summarise(errors: Iterable[float]) -> dict[str, float]:
    """Median, median |.|, mean |.| and shares within 5 % and 10 % of a list of % errors."""
    values = list(errors)
    absolute = [abs(e) for e in values]
    n = len(values)
    return {
        "n": n,
        "median": statistics.median(values),
        "median_abs": statistics.median(absolute),
        "mean_abs": statistics.fmean(absolute),
        "within5": 100.0 * sum(a <= 5.0 for a in absolute) / n,
        "within10": 100.0 * sum(a <= 10.0 for a in absolute) / n,
    }


# --------------------------------------------------------------------------------------------
# New figures for the estimated links
# --------------------------------------------------------------------------------------------


@dataclass
class Change:
    """A new distance (and its estimate text and sources) for one road link."""

    link_id: str
    old_km: float
    new_km: float
    estimate: str
    sources: list[str]
    how: str  # published / split / ne_factor


def round_to_total(values: Sequence[float], total: float) -> list[int]:
    """Round values to integers that add up to round(total) (largest remainders first)."""
    target = round(total)
    floors = [math.floor(v) for v in values]
    short = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    for i in order[:max(short, 0)]:
        floors[i] += 1
    return floors


def merge_sources(old: list[str], add: Sequence[str], drop: Sequence[str] = ()) -> list[str]:
    """Source ids with the missing ids of `add` put where derived_circuity was (or after the
    first id), and the ids of `drop` removed; the order of the others is kept."""
    missing = [s for s in add if s not in old]
    if OLD_DERIVATION_ID in old:
        at = old.index(OLD_DERIVATION_ID)
        merged = old[:at] + missing + old[at + 1:]
    else:
        merged = old[:1] + missing + old[1:]
    return [s for s in merged if s not in drop or s in add]


def plan_changes(network: Network, chains: list[Chain], factors: dict[str, tuple[float, int]],
                 mapping: dict[str, str]) -> tuple[list[Change], list[str]]:
    """Decide the new figure of every replaceable road link.

    * A published chain whose links are all replaceable (great-circle estimates, proportional
      splits, or figures derived from such an estimate) sets them: one link gets the published
      figure; several links share the published total (less any crossing distance) in
      proportion to their Natural Earth lengths.
    * Every other great-circle estimate becomes round(NE km x the detour factor of its
      terrain class), or keeps its figure when NE could not measure it.
    Returns the changes and warnings.
    """
    changes: dict[str, Change] = {}
    warnings: list[str] = []
    for chain in chains:
        links = [network.links[i] for i in chain.items if i in network.links]
        if not links or not all(link.replaceable for link in links):
            continue
        taken = [link.link_id for link in links if link.link_id in changes]
        if taken:
            warnings.append(f"{chain.name}: {', '.join(taken)} already set by another chain; "
                            "chain not applied")
            continue
        crossing_km = sum(network.crossings[i].distance_km for i in chain.items
                          if i in network.crossings)
        total = chain.published_km - crossing_km
        sources = chain.source_ids
        if len(links) == 1:
            link = links[0]
            estimate = chain.notes[len("estimate:"):].strip() if chain.notes.startswith(
                "estimate:") else ""
            changes[link.link_id] = Change(
                link.link_id, link.distance_km, total, estimate,
                merge_sources(link.sources, sources, COORDINATE_SOURCE_IDS), "published")
            continue
        if any(link.ne_km is None for link in links):
            warnings.append(f"{chain.name}: a section has no Natural Earth length; kept as is")
            continue
        ne_total = sum(link.ne_km or 0.0 for link in links)
        shares = round_to_total([total * (link.ne_km or 0.0) / ne_total for link in links], total)
        what = chain.name.replace("–", "-")
        for link, share in zip(links, shares, strict=True):
            estimate = (f"distance_km: {what} {chain.published_km:g} km split between its "
                        f"{len(links)} sections in proportion to the Natural Earth road length "
                        f"({link.ne_km:.1f} of {ne_total:.1f} km; {SCRIPT_NAME})")
            changes[link.link_id] = Change(
                link.link_id, link.distance_km, share, estimate,
                merge_sources(link.sources, [*sources, NE_SOURCE_ID, DETOUR_SOURCE_ID]), "split")
    for link in network.links.values():
        if link.link_id in changes or not link.replaceable:
            continue
        if link.replaceable != "gc":
            warnings.append(f"{link.link_id}: {link.replaceable} estimate not covered by a "
                            "published chain; kept as is")
            continue
        if link.ne_km is None:
            warnings.append(f"{link.link_id}: no Natural Earth length ({link.flag}); "
                            "great-circle estimate kept")
            continue
        factor, n = factors[link.terrain]
        label = mapping[link.terrain]
        label = link.terrain if label == link.terrain else f"{link.terrain}+{label}"
        estimate = (f"distance_km: Natural Earth road alignment {link.ne_km:.1f} km x {label} "
                    f"detour factor {factor:.3f} (median published/NE over {n} published "
                    f"chains; {SCRIPT_NAME})")
        changes[link.link_id] = Change(
            link.link_id, link.distance_km, round(link.ne_km * factor), estimate,
            merge_sources(link.sources, [NE_SOURCE_ID, DETOUR_SOURCE_ID]), "ne_factor")
    return list(changes.values()), warnings


def format_km_cell(value: float) -> str:
    """A distance as links.csv writes it: integer when whole, else one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def apply_changes(folder: Path, changes: list[Change], new_source_rows: list[dict[str, str]],
                  ) -> list[str]:
    """Rewrite links.csv and append to sources.csv in `folder`; return a summary.

    links.csv is read fresh, only distance_km / estimate / sources of the changed road links
    are replaced, every other cell and the column order are kept, and the result is written
    with the csv module ("\\n" line ends, minimal quoting) and checked cell by cell.
    sources.csv is only appended to (rows whose id is not there yet), in its own line ends.
    """
    links_path = folder / "links.csv"
    original_text = links_path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(original_text, newline="")))
    header = rows[0]
    col = {name: header.index(name) for name in ("link_id", "mode", "distance_km", "estimate",
                                                 "sources")}
    by_id = {change.link_id: change for change in changes}
    new_rows = [list(row) for row in rows]
    for row in new_rows[1:]:
        change = by_id.get(row[col["link_id"]])
        if change is None:
            continue
        if row[col["mode"]] != "road":
            raise SystemExit(f"{change.link_id} is not a road link")
        row[col["distance_km"]] = format_km_cell(change.new_km)
        row[col["estimate"]] = change.estimate
        row[col["sources"]] = ";".join(change.sources)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(new_rows)
    new_text = buffer.getvalue()

    # Check: same shape, and only the intended cells differ.
    check = list(csv.reader(io.StringIO(new_text, newline="")))
    allowed = {col["distance_km"], col["estimate"], col["sources"]}
    if len(check) != len(rows) or check[0] != header:
        raise SystemExit("links.csv check failed: rows or header changed")
    changed_cells = 0
    for before, after in zip(rows, check, strict=True):
        if len(before) != len(after):
            raise SystemExit(f"links.csv check failed: row {before[0]} changed length")
        for j, (x, y) in enumerate(zip(before, after, strict=True)):
            if x != y:
                if j not in allowed or before[col["link_id"]] not in by_id:
                    raise SystemExit(f"links.csv check failed: {before[0]}.{header[j]}")
                changed_cells += 1
    links_path.write_text(new_text, encoding="utf-8", newline="")

    sources_path = folder / "sources.csv"
    raw = sources_path.read_bytes()
    last_line = raw.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    eol = "\r\n" if last_line.endswith(b"\r") else "\n"  # the line end of the last row
    existing = {row["source_id"] for row in read_csv(sources_path)}
    source_header = next(csv.reader(io.StringIO(raw.decode("utf-8"))))
    appended = [row for row in new_source_rows if row["source_id"] not in existing]
    if appended:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=eol)
        writer.writerows([[row.get(name, "") for name in source_header] for row in appended])
        prefix = b"" if raw.endswith(b"\n") else eol.encode()
        sources_path.write_bytes(raw + prefix + buffer.getvalue().encode("utf-8"))
        if not sources_path.read_bytes().startswith(raw):
            raise SystemExit("sources.csv check failed: existing rows changed")
    return [f"links.csv: {len(changes)} road links, {changed_cells} cells changed",
            f"sources.csv: {len(appended)} rows appended "
            f"({', '.join(r['source_id'] for r in appended) or 'none'})"]


def source_rows(factors: dict[str, tuple[float, int]], mapping: dict[str, str],
                pooled: str, headline: dict[str, float], n_chains: int,
                graph: RoadGraph, args: argparse.Namespace) -> list[dict[str, str]]:
    """The two sources.csv rows this script introduces."""
    per_class = ", ".join(
        f"{t} {factors[t][0]:.3f} (n={factors[t][1]})" for t in TERRAINS
        if mapping[t] == t) or "none"
    pooled_text = f"; {pooled}" if pooled else ""
    return [
        {
            "source_id": NE_SOURCE_ID,
            "title": "Natural Earth 10m roads, via natural-earth-tiles (ODbL)",
            "url": "https://www.naturalearthdata.com/ ; "
                   "https://github.com/mapion/natural-earth-tiles",
            "year": "",
            "confidence": "M",
            "notes": (
                "Road lines of the Natural Earth 10m road layer as cut into z7 vector tiles "
                f"(region extract, {graph.stats['road_km']:,.0f} km of road); vertices merged "
                f"within {args.merge_km:g} km and dangling ends joined to lines within "
                f"{args.dangle_km:g} km; a link's length is snap + shortest road path + snap, "
                "each place joining the road at its nearest node (another node within "
                f"{args.max_snap_km:g} km where the nearest one's road does not lead the right "
                "way); not used where a place is farther from the road, where NE lacks the "
                "direct road or where its path follows another road; 1:10M generalisation "
                f"loses bends in gorges; {SCRIPT_NAME}, figures in tools/road_lengths.csv"),
        },
        {
            "source_id": DETOUR_SOURCE_ID,
            "title": "Road lengths derived for this data set from the Natural Earth road "
                     "alignment and published road lengths",
            "url": "",
            "year": "2026",
            "confidence": "M",
            "notes": (
                "Residual detour factor per terrain class = median of published km / Natural "
                f"Earth km over {n_chains} published road chains (tools/published_road_lengths"
                f".csv): {per_class}{pooled_text}; leave-one-out median absolute error "
                f"{headline['median_abs']:.1f} % (median {headline['median']:+.1f} %); "
                "estimated road link = NE km x factor of its terrain; published totals over "
                "several sections are split in proportion to the NE section lengths; "
                f"{SCRIPT_NAME}, report in tools/road_lengths_report.md"),
        },
    ]


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def write_lengths_table(path: Path, network: Network, new_km: dict[str, tuple[float, str]],
                        ) -> None:
    """tools/road_lengths.csv: one row per road link (current = after any apply)."""
    rows = []
    for link in network.links.values():
        current, method = new_km.get(link.link_id, (link.distance_km, link.method))
        rows.append([link.link_id, link.from_place, link.to_place, link.terrain,
                     fmt_km(link.gc_km), fmt_km(link.ne_km), fmt_km(link.snap_from_km, 2),
                     fmt_km(link.snap_to_km, 2), format_km_cell(current), method])
    write_csv(path, ["link_id", "from_place", "to_place", "terrain", "gc_km", "ne_km",
                     "snap_from_km", "snap_to_km", "current_km", "current_method"], rows)


def write_paths_geojson(path: Path, network: Network, graph: RoadGraph) -> None:
    """Write the measured paths as GeoJSON lines, for inspection only (NE geometry: do not
    commit the file)."""
    features = []
    for link in network.links.values():
        a, b = network.places[link.from_place], network.places[link.to_place]
        coords = [[a.lon, a.lat]]
        coords += [[float(graph.lon[i]), float(graph.lat[i])] for i in link.path_nodes]
        coords += [[b.lon, b.lat]]
        features.append({"type": "Feature", "geometry": {"type": "LineString",
                                                          "coordinates": coords},
                         "properties": {"link_id": link.link_id, "ne_km": link.ne_km,
                                        "gc_km": link.gc_km, "flag": link.flag}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]],
                   align: str = "") -> list[str]:
    """A GitHub markdown table; `align` holds one 'l' or 'r' per column."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def write_report(path: Path, *, network: Network, graph: RoadGraph, chains: list[Chain],
                 methods: list[Method], factors: dict[str, tuple[float, int]],
                 gc_factors: dict[str, tuple[float, int]], mapping: dict[str, str], pooled: str,
                 changes: list[Change], warnings: list[str], applied: bool,
                 foreign: dict[str, list[str]], args: argparse.Namespace) -> None:
    """Write the calibration report (markdown)."""
    usable = [c for c in chains if c.ne_km is not None]
    out: list[str] = [
        "# Road lengths from the Natural Earth alignment: calibration report",
        "",
        f"Generated by `{SCRIPT_NAME}`. Road geometry: Natural Earth, via natural-earth-tiles "
        "(ODbL); only the figures measured from it are kept (tools/road_lengths.csv).",
        "",
        "## Method",
        "",
        f"* Road graph: {graph.stats['lines']:,} road lines ({graph.stats['road_km']:,.0f} km; "
        "ferry routes left out), vertices merged within "
        f"{args.merge_km:g} km ({graph.stats['vertices']:,} vertices -> "
        f"{graph.stats['nodes']:,} nodes), {graph.stats['dangling_joined']} of "
        f"{graph.stats['dangling_ends']} dangling line ends joined to a line within "
        f"{args.dangle_km:g} km; {graph.stats['components']} components, the largest has "
        f"{graph.stats['main_component_nodes']:,} nodes. Segment lengths: {GEODESIC_NAME}.",
        "* A link's Natural Earth length (`ne_km`) is snap + road path + snap: each place joins "
        f"the road at a node within {args.max_snap_km:g} km, chosen to minimise "
        f"{args.access_penalty:g} x (both snaps) + road path, which is the nearest node unless "
        "that node's road does not lead the right way (a border post on a river bank). "
        "Not measured: links whose place is farther than "
        f"{args.max_snap_km:g} km from the road, whose NE path is over {args.max_detour:g} x "
        "the great circle + 10 km (NE lacks the direct road), and the links listed below "
        "whose NE path was checked by drawing it and follows another road "
        "(`NE_ROUTE_PROBLEMS` in the script).",
        "* Calibration chains: tools/published_road_lengths.csv (a chain is one or more "
        "consecutive links, crossings included, whose summed length a source publishes). A "
        "chain's class is the terrain of most of its length. Factor = median published km / "
        "NE km per class.",
        "* Cross-validation: each chain is held out in turn, the factors are refitted on the "
        "others, and the chain is predicted link by link (each link with the factor of its own "
        "terrain). Errors are (predicted - published) / published.",
        "",
    ]
    if pooled:
        out += [f"**Pooling:** {pooled} (fewer than {MIN_CHAINS_PER_CLASS} chains).", ""]

    out += ["## Held-out error per method", ""]
    rows = []
    for method in methods:
        s = summarise(method.errors.values())
        rows.append([method.label, s["n"], f"{s['median']:+.1f} %", f"{s['median_abs']:.1f} %",
                     f"{s['mean_abs']:.1f} %", f"{s['within5']:.0f} %", f"{s['within10']:.0f} %"])
    out += markdown_table(["method", "chains", "median error", "median abs error",
                           "mean abs error", "within ±5 %", "within ±10 %"], rows, "lrrrrrr")
    out += [""]
    for terrain in TERRAINS:
        names = {c.name for c in usable if c.terrain == terrain}
        if not names:
            continue
        parts = []
        for method in methods:
            s = summarise(e for n, e in method.errors.items() if n in names)
            parts.append(f"{method.key} {s['median_abs']:.1f} %")
        out.append(f"* {terrain} chains ({len(names)}), median abs error: " + ", ".join(parts))
    out += [""]

    out += ["## Detour factors (fitted on all chains; used by --apply)", ""]
    rows = []
    for terrain in TERRAINS:
        ratios = [c.published_km / (c.ne_km or math.nan) for c in usable
                  if mapping[c.terrain] == mapping[terrain]]
        gc_ratios = [c.published_km / c.gc_km for c in usable
                     if mapping[c.terrain] == mapping[terrain]]
        rows.append([terrain, mapping[terrain], factors[terrain][1],
                     f"{factors[terrain][0]:.3f}",
                     f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "",
                     f"{gc_factors[terrain][0]:.3f}",
                     f"{min(gc_ratios):.2f}–{max(gc_ratios):.2f}" if gc_ratios else ""])
    out += markdown_table(["terrain", "class", "chains", "published / NE (median)", "range",
                           "published / great-circle (median)", "range"], rows, "llrrrrr")
    out += [""]

    out += ["## Per chain (held out)", ""]
    by_key = {m.key: m for m in methods}
    rows = []
    for chain in sorted(chains, key=lambda c: (TERRAINS.index(c.terrain), c.name)):
        if chain.ne_km is None:
            rows.append([chain.name, chain.terrain, f"{chain.published_km:g}",
                         fmt_km(chain.gc_km), "not measured", "", "", "", "", ""])
            continue
        rows.append([chain.name, chain.terrain, f"{chain.published_km:g}", fmt_km(chain.gc_km),
                     fmt_km(chain.ne_km), f"{chain.published_km / chain.ne_km:.2f}",
                     *(fmt_pct(by_key[k].errors[chain.name])
                       for k in ("gc_today", "gc_loo", "ne_raw", "ne_loo"))])
    out += markdown_table(["chain", "terrain", "published km", "great-circle km", "NE km",
                           "published / NE", "gc today", "gc LOO", "NE raw", "NE LOO"], rows,
                          "llrrrrrrrr")
    out += [""]
    out += ["Chains and their sources:", ""]
    for chain in chains:
        note = f" — {chain.notes}" if chain.notes else ""
        out.append(f"* {chain.name}: {' + '.join(chain.items)} = {chain.published_km:g} km "
                   f"({', '.join(chain.source_ids)}){note}")
    out += [""]

    covered = {i for c in chains for i in c.items}
    skipped = [(lid, reason) for lid, reason in NOT_CALIBRATED.items()
               if lid in network.links and lid not in covered]
    others = [link for link in network.links.values() if link.method != "great_circle"
              and not link.replaceable and link.link_id not in covered
              and link.link_id not in NOT_CALIBRATED]
    if skipped or others:
        out += ["Sourced road links that are not calibration chains:", ""]
        out += [f"* {lid}: {reason}" for lid, reason in skipped]
        out += [f"* {link.link_id}: {link.estimate or 'published'}" for link in others]
        out += [""]

    out += [f"## Changes to links.csv ({'applied' if applied else 'dry run: --apply to write'})",
            ""]
    counts = {how: sum(1 for c in changes if c.how == how)
              for how in ("published", "split", "ne_factor")}
    out += [f"{len(changes)} road links: {counts['published']} set to a published figure, "
            f"{counts['split']} share a published total in proportion to their NE length, "
            f"{counts['ne_factor']} are NE km x detour factor.", ""]
    rows = []
    for change in sorted(changes, key=lambda c: -abs(c.new_km - c.old_km) / c.old_km):
        link = network.links[change.link_id]
        rows.append([change.link_id, link.terrain, format_km_cell(change.old_km),
                     format_km_cell(change.new_km),
                     f"{100 * (change.new_km - change.old_km) / change.old_km:+.1f} %",
                     change.how])
    out += markdown_table(["link", "terrain", "old km", "new km", "change", "how"], rows,
                          "llrrrl")
    out += [""]

    unmeasured = [link for link in network.links.values() if link.ne_km is None]
    out += ["## Links Natural Earth could not measure", ""]
    if unmeasured:
        out += markdown_table(
            ["link", "current km", "method", "why"],
            [[link.link_id, format_km_cell(link.distance_km), link.method, link.flag]
             for link in unmeasured], "lrll")
    else:
        out.append("None.")
    out += [""]

    checks = []
    for link in network.links.values():
        if link.ne_km is None or link.method == "great_circle" or link.link_id in {
                c.link_id for c in changes}:
            continue
        expected = link.ne_km * factors[link.terrain][0]
        gap = 100 * (link.distance_km - expected) / expected
        if abs(gap) > 15:
            checks.append([link.link_id, link.terrain, format_km_cell(link.distance_km),
                           link.method, fmt_km(link.ne_km), f"{expected:.0f}", f"{gap:+.0f} %"])
    out += ["## Sourced or derived links far (> 15 %) from NE x factor (left unchanged)", ""]
    out += markdown_table(["link", "terrain", "current km", "method", "NE km",
                           "NE x factor", "current vs NE x factor"], checks, "llrlrrr") \
        if checks else ["None."]
    out += [""]
    out += ["## Measured paths that pass near a place of another country (check by drawing "
            "them with --paths-geojson)", ""]
    out += [f"* {lid}: {', '.join(names)}" for lid, names in foreign.items()] or ["None."]
    out += [""]
    if warnings:
        out += ["## Warnings", ""] + [f"* {w}" for w in warnings] + [""]
    path.write_text("\n".join(out), encoding="utf-8")


def print_summary(methods: list[Method], factors: dict[str, tuple[float, int]],
                  mapping: dict[str, str], changes: list[Change],
                  network: Network) -> None:
    """Print the summary table to stdout."""
    print(f"\n{'method':58s} {'n':>3s} {'median':>8s} {'med|e|':>7s} {'mean|e|':>8s} "
          f"{'<=5%':>5s} {'<=10%':>6s}")
    for method in methods:
        s = summarise(method.errors.values())
        print(f"{method.label:58s} {s['n']:3d} {s['median']:+7.1f}% {s['median_abs']:6.1f}% "
              f"{s['mean_abs']:7.1f}% {s['within5']:4.0f}% {s['within10']:5.0f}%")
    print("\ndetour factors (published / NE):")
    for terrain in TERRAINS:
        factor, n = factors[terrain]
        pooled = "" if mapping[terrain] == terrain else f" (pooled with {mapping[terrain]})"
        print(f"  {terrain:9s} {factor:.3f}  n={n}{pooled}")
    print("\nlargest changes:")
    for change in sorted(changes, key=lambda c: -abs(c.new_km - c.old_km) / c.old_km)[:15]:
        print(f"  {change.link_id:32s} {network.links[change.link_id].terrain:9s} "
              f"{format_km_cell(change.old_km):>6s} -> {format_km_cell(change.new_km):>6s}"
              f"  ({change.how})")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ne", default=DEFAULT_NE,
                        help="Natural Earth roads/rail GeoJSON (.gz); a relative path is taken "
                             "from the repository root, so the default is the shared/ folder "
                             "beside the clone (default: %(default)s)")
    parser.add_argument("--network", type=Path, default=DEFAULT_NETWORK,
                        help="network folder to read (and, with --apply, to rewrite)")
    parser.add_argument("--chains", type=Path, default=TOOLS / "published_road_lengths.csv",
                        help="published road lengths used for calibration")
    parser.add_argument("--new-sources", type=Path, default=TOOLS / "new_sources.csv",
                        help="sources cited by the chains that are not in sources.csv yet")
    parser.add_argument("--out", type=Path, default=TOOLS,
                        help="folder for road_lengths.csv and road_lengths_report.md")
    parser.add_argument("--merge-km", type=float, default=0.25,
                        help="merge road vertices closer than this (default: %(default)s)")
    parser.add_argument("--dangle-km", type=float, default=1.0,
                        help="join dangling line ends to a line this close (default: %(default)s)")
    parser.add_argument("--max-snap-km", type=float, default=25.0,
                        help="do not measure a link whose place is farther than this from the "
                             "road (default: %(default)s)")
    parser.add_argument("--access-penalty", type=float, default=3.0,
                        help="weight of the straight-line access to the road when choosing the "
                             "access nodes (default: %(default)s)")
    parser.add_argument("--max-detour", type=float, default=2.5,
                        help="do not use an NE path longer than this x the great circle + 10 km "
                             "(default: %(default)s)")
    parser.add_argument("--paths-geojson", type=Path,
                        help="also write the measured paths to this GeoJSON file, for "
                             "inspection (Natural Earth geometry: do not commit it)")
    parser.add_argument("--apply", action="store_true",
                        help="rewrite links.csv and append to sources.csv in --network")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurement, the calibration, the report and (with --apply) the rewrite."""
    args = parse_args(argv)
    started = time.monotonic()
    ne_path = Path(args.ne)
    if not ne_path.is_absolute():
        ne_path = (REPO / ne_path).resolve()
    if not ne_path.exists():
        raise SystemExit(f"Natural Earth file not found: {ne_path}")

    log(f"reading {ne_path}")
    lines = load_ne_roads(ne_path)
    log(f"building the road graph from {len(lines):,} lines ...")
    graph = build_road_graph(lines, args.merge_km, args.dangle_km)
    log(f"  {graph.stats['nodes']:,} nodes, {graph.stats['edges']:,} edges, "
        f"{graph.stats['components']} components ({time.monotonic() - started:.0f} s)")

    log(f"reading the network in {args.network}")
    network = load_network(args.network)
    new_sources = read_csv(args.new_sources) if args.new_sources.exists() else []
    new_source_ids = {row["source_id"] for row in new_sources}
    clash = new_source_ids & network.source_ids
    if clash:
        log(f"  note: already in sources.csv, not appended again: {', '.join(sorted(clash))}")
    chains = load_chains(args.chains, network, new_source_ids)

    log(f"measuring {len(network.links)} road links ...")
    measure(network, graph, args.max_snap_km, args.max_detour, args.access_penalty)
    for chain in chains:
        chain_lengths(chain, network)
    usable = [c for c in chains if c.ne_km is not None]
    mapping, pooled = class_map(usable)
    log(f"calibrating on {len(usable)} of {len(chains)} chains"
        + (f" ({pooled})" if pooled else ""))
    # Rounded to 3 decimals so that the estimate texts of links.csv reproduce the figures.
    factors = {t: (round(f, 3), n)
               for t, (f, n) in fit_factors(usable, mapping, lambda c: c.ne_km or math.nan).items()}
    gc_factors = fit_factors(usable, mapping, lambda c: c.gc_km)
    methods = cross_validate(usable, network, mapping)
    headline = summarise(methods[-1].errors.values())

    changes, warnings = plan_changes(network, chains, factors, mapping)
    cited = {s for change in changes for s in change.sources}
    rows_to_append = source_rows(factors, mapping, pooled, headline, len(usable), graph, args)
    rows_to_append += [row for row in new_sources if row["source_id"] in cited
                       and row["source_id"] not in network.source_ids]

    if args.apply:
        log(f"applying to {args.network} ...")
        for line in apply_changes(args.network, changes, rows_to_append):
            log(f"  {line}")
        network_after = load_network(args.network)
        new_km = {lid: (link.distance_km, link.method)
                  for lid, link in network_after.links.items()}
    else:
        new_km = {}

    if args.paths_geojson:
        write_paths_geojson(args.paths_geojson, network, graph)
    args.out.mkdir(parents=True, exist_ok=True)
    write_lengths_table(args.out / "road_lengths.csv", network, new_km)
    write_report(args.out / "road_lengths_report.md", network=network, graph=graph,
                 chains=chains, methods=methods, factors=factors, gc_factors=gc_factors,
                 mapping=mapping, pooled=pooled, changes=changes, warnings=warnings,
                 applied=args.apply, foreign=foreign_passes(network, graph), args=args)
    print_summary(methods, factors, mapping, changes, network)
    for warning in warnings:
        log(f"warning: {warning}")
    log(f"wrote {args.out / 'road_lengths.csv'} and {args.out / 'road_lengths_report.md'} "
        f"({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
