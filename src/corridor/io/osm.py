"""Detailed road networks from OpenStreetMap extracts, and first/last-mile attachment.

:func:`import_osm` reads the drivable roads of an ``.osm.pbf`` extract (with pyrosm),
keeps the road classes a freight corridor needs, simplifies them to junction-to-junction
links (nodes where the road branches, ends or changes class, direction or speed limit;
the points between are kept as the link's ``shape``) and writes them as an ordinary
network folder: places of kind ``junction`` and road links. Street addresses
(``addr:street`` + ``addr:housenumber``) become places of kind ``address``, each joined to
its nearest junction by a short estimated road link, so that ``"Mannerheimintie 13,
Helsinki"`` is a name :func:`corridor.plan_route` understands.

:func:`attach` merges such a local network into a corridor network: every corridor place
within ``max_km`` of a local junction (same country) gets an estimated connector road to
it, so a route can start at a street address and continue on the corridor.

Speeds are calibrated as the bundled network's are: from the country's CAREC CPMM road
speed (``countries.csv`` ``road_speed_kmh``), scaled per link by the OSM speed limit
relative to the extract's typical limit and never above the limit::

    speed_kmh = min(limit, country road speed × limit / reference limit)

``limit`` is the link's ``maxspeed:hgv`` or ``maxspeed`` tag (km/h; mph converted), or,
for an untagged link, the length-weighted median tagged limit of its road class in the
extract; ``reference limit`` is the length-weighted median tagged limit over all kept roads
of the extract. A road class with no tagged limit in the extract (and every link when
nothing is tagged) has no ``speed_kmh`` and runs at the country speed. Every figure cites
its sources and says in ``estimate`` how it was derived.

Needs the ``osm`` extra (``pip install 'corridor[osm]'``: pyrosm, scipy).
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridor.exceptions import InvalidOptionError, NoConnectionError, OsmFileError
from corridor.io._tables import Tables, cell, merge_sources, network_tables, write_folder
from corridor.io.gazetteer import haversine_km
from corridor.io.osm_places import (
    Address,
    cap_addresses,
    country_table_row,
    infer_country,
    read_addresses,
)
from corridor.io.osm_speeds import calibrate
from corridor.model.network import Network

__all__ = [
    "DEFAULT_ROAD_CLASSES",
    "LOCAL_ROAD_CLASSES",
    "ROAD_CLASSES",
    "NoConnectionError",
    "OsmFileError",
    "import_osm",
    "nearest_points",
]

DEFAULT_ROAD_CLASSES: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link",
)
"""OSM ``highway`` classes kept by default: the through roads a truck uses."""

LOCAL_ROAD_CLASSES: tuple[str, ...] = ("unclassified", "residential")
"""Minor roads to add for the first and last mile (``road_classes="local"`` on the CLI)."""

ROAD_CLASSES: tuple[str, ...] = (*DEFAULT_ROAD_CLASSES, *LOCAL_ROAD_CLASSES,
                                 "living_street", "service", "road")
"""Every class :func:`import_osm` accepts (pyrosm's driving network)."""

OSM_SOURCE = {
    "source_id": "osm", "title": "OpenStreetMap contributors (data under the ODbL 1.0)",
    "url": "https://www.openstreetmap.org/copyright", "year": "", "confidence": "M",
    "notes": "Road geometry, classes, one-way and speed-limit tags, and address points of "
             "the imported extract",
}
SPEED_SOURCE_ID = "derived_osm_speed"

# CAREC-wide CPMM figures, used (as the bundled network does for Iran, Turkmenistan and
# Azerbaijan) for a country the CPMM does not cover.

_MPH_KMH = 1.609344  # international mile (exact by definition), for "maxspeed=50 mph"





def _require_pyrosm() -> Any:
    try:
        import pyrosm
        import scipy  # noqa: F401  (components and nearest junctions)
    except ImportError as error:
        raise ImportError(
            f"importing OpenStreetMap extracts needs the osm extra: pip install "
            f"'corridor[osm]' ({error.name} is not installed)"
        ) from None
    return pyrosm


# ---------------------------------------------------------------------------- roads


@dataclass(frozen=True)
class _Segment:
    u: int
    v: int
    highway: str
    oneway: bool
    limit_kmh: float | None
    name: str
    way_id: int

    @property
    def key(self) -> tuple[str, bool, float | None]:
        """What must not change along one link."""
        return (self.highway, self.oneway, self.limit_kmh)


def _limit_kmh(text: Any) -> float | None:
    """A speed-limit tag in km/h; ``None`` for untagged or symbolic values (``FI:urban``).

    Examples
    --------
    >>> _limit_kmh("50"), _limit_kmh("30 mph"), _limit_kmh("RU:urban"), _limit_kmh("40;60")
    (50.0, 48.28032, None, 40.0)
    """
    if not isinstance(text, str):
        return None
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?", text.split(";")[0])
    if not match:
        return None
    value = float(match.group(1))
    return value * _MPH_KMH if match.group(2) else value


def _direction(highway: str, oneway: Any, tags: dict[str, Any]) -> int:
    """1 one-way along the way, -1 against it, 0 both ways (OSM wiki, Key:oneway)."""
    value = str(oneway).strip().lower() if isinstance(oneway, str) else ""
    if value in ("yes", "true", "1"):
        return 1
    if value == "-1":
        return -1
    if value in ("no", "false", "0", "reversible", "alternating"):
        return 0
    # Implied one-way: motorways and roundabouts, unless tagged otherwise.
    if highway == "motorway" or tags.get("junction") in ("roundabout", "circular"):
        return 1
    return 0


def _segments(edges: Any, classes: Sequence[str]) -> list[_Segment]:
    kept = edges[edges["highway"].isin(list(classes))]
    result = []
    columns = [kept[c].tolist() if c in kept else [None] * len(kept)
               for c in ("u", "v", "highway", "oneway", "maxspeed", "name", "id", "tags")]
    for u, v, highway, oneway, maxspeed, name, way_id, tags_text in zip(*columns,
                                                                         strict=True):
        tags = json.loads(tags_text) if isinstance(tags_text, str) else {}
        direction = _direction(highway, oneway, tags)
        u, v = (int(v), int(u)) if direction < 0 else (int(u), int(v))
        if u == v:
            continue
        limit = _limit_kmh(tags.get("maxspeed:hgv")) or _limit_kmh(maxspeed)
        result.append(_Segment(u, v, str(highway), direction != 0, limit,
                               name if isinstance(name, str) else "", int(way_id)))
    return result


def _chains(segments: list[_Segment]) -> list[list[int]]:
    """Group segments into junction-to-junction chains (lists of segment indices, in
    travel order for one-way chains)."""
    incident: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(segments):
        incident[s.u].append(i)
        incident[s.v].append(i)

    def interior(node: int) -> bool:
        ends = incident[node]
        if len(ends) != 2:
            return False
        a, b = segments[ends[0]], segments[ends[1]]
        others = {a.u if a.v == node else a.v, b.u if b.v == node else b.v}
        if len(others) != 2 or a.key != b.key:
            return False
        # A one-way road continues through the node: one segment enters, one leaves.
        return not a.oneway or (a.v == node) != (b.v == node)

    used = [False] * len(segments)
    chains: list[list[int]] = []

    def walk(start: int, first: int) -> list[int]:
        chain, node, seg = [first], start, first
        used[first] = True
        while True:
            s = segments[seg]
            node = s.v if s.u == node else s.u
            if not interior(node):
                return chain
            nxt = next(i for i in incident[node] if i != seg)
            if used[nxt]:  # closed ring
                return chain
            used[nxt] = True
            chain.append(nxt)
            seg = nxt

    nodes = sorted(incident)
    for node in nodes:
        if interior(node):
            continue
        for seg in incident[node]:
            if not used[seg]:
                chains.append(_oriented(walk(node, seg), node, segments))
    for seg in range(len(segments)):  # rings of interior nodes only
        if not used[seg]:
            chains.append(_oriented(walk(segments[seg].u, seg), segments[seg].u, segments))
    return chains


def _oriented(chain: list[int], start: int, segments: list[_Segment]) -> list[int]:
    """The chain with its node sequence beginning at ``start``, reversed for a one-way
    chain that runs towards ``start``."""
    first = segments[chain[0]]
    if first.oneway and first.u != start:
        return chain[::-1]
    return chain


def _node_path(chain: list[int], segments: list[_Segment]) -> list[int]:
    first = segments[chain[0]]
    if len(chain) == 1:
        return [first.u, first.v]
    second = segments[chain[1]]
    start = first.u if first.v in (second.u, second.v) else first.v
    path = [start]
    for i in chain:
        s = segments[i]
        path.append(s.v if s.u == path[-1] else s.u)
    return path


@dataclass
class OsmLink:
    nodes: list[int]
    highway: str
    oneway: bool
    limit_kmh: float | None
    names: tuple[str, ...]
    way_id: int
    distance_km: float


def _links(segments: list[_Segment], coords: dict[int, tuple[float, float]]) -> list[OsmLink]:
    links = []
    for chain in _chains(segments):
        nodes = _node_path(chain, segments)
        if nodes[0] == nodes[-1]:  # a loop back to its own junction leads nowhere new
            continue
        first = segments[chain[0]]
        names = tuple(dict.fromkeys(segments[i].name for i in chain if segments[i].name))
        points = [coords[n] for n in nodes]
        distance = sum(haversine_km(*a, *b) for a, b in zip(points, points[1:], strict=False))
        links.append(OsmLink(nodes, first.highway, first.oneway, first.limit_kmh, names,
                           first.way_id, distance))
    return links


def _largest_component(links: list[OsmLink]) -> list[OsmLink]:
    """The links among the junctions of the largest strongly connected component: from any
    of its junctions every other one can be reached, which an address needs."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ends = sorted({n for link in links for n in (link.nodes[0], link.nodes[-1])})
    index = {n: i for i, n in enumerate(ends)}
    rows, cols = [], []
    for link in links:
        a, b = index[link.nodes[0]], index[link.nodes[-1]]
        rows.append(a)
        cols.append(b)
        if not link.oneway:
            rows.append(b)
            cols.append(a)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ends), len(ends)))
    _, labels = connected_components(graph, directed=True, connection="strong")
    biggest = np.bincount(labels).argmax()
    return [link for link in links
            if labels[index[link.nodes[0]]] == biggest
            and labels[index[link.nodes[-1]]] == biggest]


# ---------------------------------------------------------------------------- import


def _check_extract(path: Path) -> None:
    if not path.name.lower().endswith(".pbf"):
        raise OsmFileError(f"{path.name!r} is not an OpenStreetMap extract: give an .osm.pbf "
                           "file (regional extracts are published by OSM mirrors)")
    if not path.is_file():
        raise OsmFileError(f"{path} does not exist; check the path")


def _classes(road_classes: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(road_classes, str):
        named = {"default": DEFAULT_ROAD_CLASSES,
                 "local": (*DEFAULT_ROAD_CLASSES, *LOCAL_ROAD_CLASSES)}
        road_classes = named.get(road_classes, tuple(
            part.strip() for part in road_classes.split(",") if part.strip()))
    classes = tuple(dict.fromkeys(road_classes))
    unknown = [c for c in classes if c not in ROAD_CLASSES]
    if unknown or not classes:
        raise InvalidOptionError(
            f"unknown road class(es) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"use default, local, or any of {', '.join(ROAD_CLASSES)}")
    return classes


def import_osm(
    path: str | os.PathLike[str],
    *,
    country: str | None = None,
    road_classes: str | Sequence[str] = DEFAULT_ROAD_CLASSES,
    max_addresses: int | None = 2000,
    base: Network | None = None,
    out: str | os.PathLike[str] | None = None,
) -> Network:
    """Import the roads and addresses of an OpenStreetMap extract as a network folder.

    Parameters
    ----------
    path
        An ``.osm.pbf`` extract.
    country
        ISO 3166 alpha-3 code of the extract's country; default: the country of the
        GeoNames city nearest to the middle of the roads. Its ``countries.csv`` row comes
        from ``base`` when ``base`` has it, else CAREC-average CPMM figures are written and
        marked as an estimate.
    road_classes
        OSM ``highway`` classes to keep: a sequence, a comma-separated string, ``"default"``
        (:data:`DEFAULT_ROAD_CLASSES`, motorway to tertiary and their links) or ``"local"``
        (adds :data:`LOCAL_ROAD_CLASSES` for first and last mile).
    max_addresses
        Keep at most this many address places (evenly spread over the name-sorted list;
        ``None``: all, ``0``: none).
    base
        The network whose manifest parameters, cargo, emission factors, sources and
        country rows the import reuses; default the bundled network.
    out
        The folder to write (replaced if it is a network folder); default a new
        temporary folder (see ``network.folder``).

    Returns
    -------
    Network
        Places ``junction`` and ``address``, road links, loaded from the written folder.

    Raises
    ------
    OsmFileError
        The file is missing, not an ``.osm.pbf`` file, unreadable, or has no roads of the
        chosen classes.
    InvalidOptionError
        An unknown road class or country.

    Examples
    --------
    >>> import pyrosm
    >>> net = import_osm(pyrosm.get_data("test_pbf"), country="FIN", max_addresses=0)
    >>> sorted({p.kind for p in net.places.values()})
    ['junction']
    """
    source = Path(path)
    _check_extract(source)
    classes = _classes(road_classes)
    if max_addresses is not None and max_addresses < 0:
        raise InvalidOptionError("max_addresses must be 0 or more (None keeps all)")
    if country is not None and not re.match(r"^[A-Z]{3}$", country):
        raise InvalidOptionError(f"country {country!r}: use an ISO 3166 alpha-3 code "
                                 "such as FIN")
    pyrosm = _require_pyrosm()
    try:
        osm = pyrosm.OSM(str(source))
        nodes, edges = osm.get_network(network_type="driving", nodes=True)
    except Exception as error:  # pyrosm raises plain exceptions on a corrupt file
        raise OsmFileError(f"{source} cannot be read as an OpenStreetMap PBF extract "
                           f"({type(error).__name__}: {error})") from None
    segments = [] if edges is None else _segments(edges, classes)
    if not segments:
        raise OsmFileError(f"{source} has no drivable roads of the classes "
                           f"{', '.join(classes)}; try road_classes='local' (--classes local)")
    coords = {int(i): (float(la), float(lo))
              for i, la, lo in zip(nodes["id"], nodes["lat"], nodes["lon"], strict=True)}
    links = _links(segments, coords)
    if not links:
        raise OsmFileError(f"{source} has no road between two junctions of the classes "
                           f"{', '.join(classes)}; try road_classes='local' (--classes local)")
    links = _largest_component(links)
    base = base if base is not None else _bundled()
    base_tables = network_tables(base)
    if country is None:
        lats = [coords[link.nodes[0]][0] for link in links]
        lons = [coords[link.nodes[0]][1] for link in links]
        country = infer_country(statistics.median(lats), statistics.median(lons))
    country_row, country_speed = country_table_row(country, base_tables)
    addresses = cap_addresses(read_addresses(osm), max_addresses) if max_addresses != 0 else []
    tables = _osm_tables(source, classes, links, coords, country_row, country_speed,
                         addresses, base_tables)
    target = Path(out) if out is not None else Path(tempfile.mkdtemp()) / source.name.split(
        ".")[0].lower()
    return write_folder(tables, target)


def _bundled() -> Network:
    from corridor.io.folder import load_network

    return load_network()


def _osm_tables(source: Path, classes: tuple[str, ...], links: list[OsmLink],
                coords: dict[int, tuple[float, float]], country_row: dict[str, str],
                country_speed: float | None, addresses: list[Address],
                base: Tables) -> Tables:
    iso3 = country_row["iso3"]
    calibration = calibrate(links, country_speed)
    stem = re.sub(r"[^a-z0-9]+", "_", source.name.split(".")[0].lower()).strip("_")
    manifest = {
        "name": f"osm-{stem}",
        "version": "imported",
        "description": (f"Roads ({', '.join(classes)}) and addresses of {source.name}, "
                        "OpenStreetMap contributors (ODbL), imported by corridor import-osm; "
                        "speeds from the country CPMM road speed scaled by speed limits"),
        "parameters": base.manifest.get("parameters", {}),
    }
    tables = Tables(manifest)
    merge_sources(tables, [OSM_SOURCE])
    merge_sources(tables, base.rows.get("sources.csv", []))
    country_sources = country_row.get("sources", "")
    merge_sources(tables, [{
        "source_id": SPEED_SOURCE_ID,
        "title": f"Road speeds derived for {source.name} from OSM speed limits and the "
                 "country road speed",
        "url": "", "year": "", "confidence": "L",
        "notes": "speed = min(limit, country road speed x limit / reference limit); "
                 + calibration.notes(),
    }])
    tables.rows["countries.csv"] = [country_row]
    for file in ("cargo.csv", "emission_factors.csv"):
        tables.rows[file] = base.rows.get(file, [])

    places = tables.table("places.csv")
    junctions = sorted({n for link in links for n in (link.nodes[0], link.nodes[-1])})
    streets: dict[int, list[str]] = defaultdict(list)
    for link in links:
        for n in (link.nodes[0], link.nodes[-1]):
            streets[n].extend(link.names)
    for n in junctions:
        names = list(dict.fromkeys(streets[n]))
        name = (" / ".join(names[:3]) if len(names) > 1
                else f"{names[0]}, OSM node {n}" if names else f"OSM node {n}")
        lat, lon = coords[n]
        places.append({"place_id": f"j{n}", "name": name, "country": iso3,
                       "lat": repr(lat), "lon": repr(lon), "kind": "junction",
                       "sources": "osm"})

    rows = tables.table("links.csv")
    seen: Counter[str] = Counter()
    for link in links:
        a, b = link.nodes[0], link.nodes[-1]
        link_id = f"w{link.way_id}_{a}_{b}"
        seen[link_id] += 1
        if seen[link_id] > 1:
            link_id += f"_{seen[link_id]}"
        speed, how = calibration.speed(link)
        sources = ["osm"]
        if speed is not None:
            sources += [SPEED_SOURCE_ID, *country_sources.split(";")]
        rows.append({
            "link_id": link_id, "from_place": f"j{a}", "to_place": f"j{b}", "mode": "road",
            "distance_km": cell(round(link.distance_km, 4)), "speed_kmh": cell(speed),
            "status": "open", "two_way": cell(not link.oneway),
            "name": " / ".join(link.names[:3]) or link.highway,
            "shape": ";".join(f"{coords[n][0]!r} {coords[n][1]!r}" for n in link.nodes[1:-1]),
            "sources": ";".join(dict.fromkeys(filter(None, sources))),
            "estimate": "distance_km: great-circle length along the OSM way; " + how,
            "notes": f"highway={link.highway}",
        })
    _address_rows(tables, addresses, junctions, coords, iso3, manifest["parameters"])
    return tables


def _address_rows(tables: Tables, addresses: list[Address], junctions: list[int],
                  coords: dict[int, tuple[float, float]], iso3: str,
                  parameters: dict[str, Any]) -> None:
    if not addresses or not junctions:
        return
    circuity = parameters.get("road_circuity_factor", {})
    factor = float(circuity.get("value", 1.0)) if circuity else 1.0
    factor_sources = list(circuity.get("sources", [])) if circuity else []
    nearest = nearest_points([coords[n] for n in junctions], [(a.lat, a.lon) for a in addresses])
    for address, j in zip(addresses, nearest, strict=True):
        junction = junctions[j]
        place_id = f"a{address.osm_id}"
        tables.table("places.csv").append({
            "place_id": place_id, "name": address.name, "aliases": address.alias,
            "country": iso3, "lat": repr(address.lat), "lon": repr(address.lon),
            "kind": "address", "sources": "osm",
        })
        gc = haversine_km(address.lat, address.lon, *coords[junction])
        tables.table("links.csv").append({
            "link_id": f"{place_id}_access", "from_place": place_id,
            "to_place": f"j{junction}", "mode": "road",
            "distance_km": cell(round(gc * factor, 4)), "status": "open", "two_way": "true",
            "name": f"access to {address.name}",
            "sources": ";".join(dict.fromkeys(["osm", *factor_sources])),
            "estimate": (f"distance_km: great-circle from the address to its nearest junction "
                         f"x road circuity {factor:g} (manifest); speed: the country road "
                         "speed"),
        })


def nearest_points(targets: list[tuple[float, float]], queries: list[tuple[float, float]]) -> Any:
    """Index of the nearest target for each query (lat/lon; equirectangular KD-tree)."""
    import numpy as np
    from scipy.spatial import cKDTree

    t = np.radians(np.asarray(targets, dtype=float))
    q = np.radians(np.asarray(queries, dtype=float))
    scale = math.cos(float(np.mean(t[:, 0])))
    tree = cKDTree(np.column_stack([t[:, 1] * scale, t[:, 0]]))
    _, index = tree.query(np.column_stack([q[:, 1] * scale, q[:, 0]]))
    return index

