"""Benchmark 5 (issue #6): OSRM vs corridor on pyrosm's bundled Helsinki extract.

    python bench/bench_osrm.py [--pairs N] [--table K] [--seed S] [--algorithm MLD|CH]
                               [--fastest] [--network DIR] [--workdir DIR] [--json OUT]

Needs Python >= 3.12 (``osrm-bindings`` publishes abi3 wheels for 3.12+ only), the
``osrm-bindings`` and ``pyrosm`` packages; otherwise it prints one "skipped: ..." line and
exits 0.

* OSRM: the extract is prepared offline with the executables the bindings package ships
  (``python -m osrm extract|partition|customize`` for MLD, ``extract|contract`` for CH)
  and the package's car profile — by default a copy with ``weight_name = 'distance'``,
  so that OSRM routes by *shortest distance* like corridor's distance search
  (``--fastest``: the stock profile, routing by duration); queried in process through
  ``osrm.OSRM`` (``Route`` per pair, ``Table`` for the many-to-many matrix).
* corridor: ``corridor.io.osm.import_osm(pbf, out=folder)`` makes a network folder; its
  ``places.csv`` (junctions) and ``links.csv`` (``distance_km``, ``two_way``) become CSR
  arrays, searched with ``corridor.routing.kernel.dijkstra`` (one-to-all from the origin,
  read at the destination). ``--network DIR`` uses an existing folder instead.

Query points are corridor junctions that OSRM snaps to within ``--snap-m`` metres (so both
start from the same point); each is also snapped to its nearest junction for corridor. It
prints the agreement of route distances (median relative difference, share within 5 %) and
the speed (median per route, per K x K table) as corridor / OSRM ratios.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MIN_PYTHON = (3, 12)


def skip(reason: str) -> int:
    print(f"skipped: {reason}")
    return 0


# --------------------------------------------------------------------------- OSRM


# edits of the package's car.lua: (what, text in car.lua, replacement)
SHORTEST = ("weight by distance", "weight_name                     = 'routability'",
            "weight_name = 'distance'")
PLAIN = (("no turn restrictions", "use_turn_restrictions          = true",
          "use_turn_restrictions = false"),
         ("no barriers", "if not profile.barrier_whitelist[barrier]",
          "if false and not profile.barrier_whitelist[barrier]"))


def car_profile(workdir: Path, fastest: bool, plain: bool) -> Path:
    """The car profile to extract with: the package's own, or a copy in ``workdir`` routing
    by distance (not ``fastest``) and ignoring turn restrictions and barriers (``plain``)."""
    import osrm

    profiles = Path(osrm.__file__).parent / "share" / "profiles"
    edits = ([] if fastest else [SHORTEST]) + (list(PLAIN) if plain else [])
    if not edits:
        return profiles / "car.lua"
    text = (profiles / "car.lua").read_text()
    for what, old, new in edits:
        if old not in text:
            raise RuntimeError(f"car.lua changed: cannot apply '{what}' (no {old!r})")
        text = text.replace(old, new, 1)
    profile = workdir / ("car_" + "_".join(
        (["fastest"] if fastest else ["shortest"]) + (["plain"] if plain else [])) + ".lua")
    profile.write_text(text)
    lib = workdir / "lib"  # the profile requires 'lib/...' from its own folder
    if not lib.exists():
        lib.symlink_to(profiles / "lib", target_is_directory=True)
    return profile


def prepare_osrm(pbf: Path, workdir: Path, algorithm: str, fastest: bool,
                 plain: bool) -> tuple[Path, dict]:
    """Run the OSRM tool chain on ``pbf`` in ``workdir``; the ``.osrm`` base and step times."""
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / pbf.name
    shutil.copyfile(pbf, source)  # OSRM writes its files next to its input
    profile = car_profile(workdir, fastest, plain)
    base = source.with_name(source.name.split(".")[0] + ".osrm")
    steps = [("extract", ["-p", str(profile), str(source)])]
    if algorithm == "MLD":
        steps += [("partition", [str(base)]), ("customize", [str(base)])]
    else:
        steps += [("contract", [str(base)])]
    times = {}
    for name, args in steps:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "osrm", name, *args], cwd=workdir,
                              capture_output=True, text=True)
        times[name] = time.perf_counter() - start
        if proc.returncode:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
            raise RuntimeError(f"osrm {name} failed ({proc.returncode}): {' | '.join(tail)}")
    return base, {"profile": profile.name, **times}


def osrm_engine(base: Path, algorithm: str, table_size: int):
    import osrm

    return osrm.OSRM(storage_config=str(base), algorithm=algorithm, use_shared_memory=False,
                     max_locations_distance_table=max(100, table_size),
                     max_locations_viaroute=100)


def osrm_route(engine, a: tuple[float, float], b: tuple[float, float]):
    """(distance m, duration s) of OSRM's route from a to b (lon, lat), or None."""
    import osrm

    params = osrm.RouteParameters(coordinates=[a, b], overview="false", generate_hints=False)
    try:
        result = engine.Route(params)
    except RuntimeError:  # NoRoute and friends
        return None
    route = result["routes"][0]
    return float(route["distance"]), float(route["duration"])


def osrm_table(engine, coords: list[tuple[float, float]]):
    import osrm

    params = osrm.TableParameters(coordinates=coords, annotations=["distance"],
                                  generate_hints=False)
    result = engine.Table(params)
    return [[float("inf") if v is None else float(v) for v in row]
            for row in result["distances"]]


def osrm_snap_m(engine, coord: tuple[float, float]) -> float:
    import osrm

    result = engine.Nearest(osrm.NearestParameters(coordinates=[coord], generate_hints=False))
    return float(result["waypoints"][0]["distance"])


# --------------------------------------------------------------------------- corridor


def corridor_network(pbf: Path, workdir: Path, given: str | None, classes: str):
    """The network folder: ``--network`` or corridor's importer; (folder, seconds, note).

    ``classes``: the importer's ``road_classes``; ``"all"`` is every class it accepts
    (its ``ROAD_CLASSES``: pyrosm's driving network, near what OSRM's car profile routes
    on). No address places: they hang off junctions on estimated links.
    """
    if given:
        return Path(given), None, f"folder {given}"
    try:
        from corridor.io import osm as corridor_osm
    except Exception as error:
        return None, None, ("corridor.io.osm.import_osm not available "
                            f"({type(error).__name__}: {error})")
    road_classes = corridor_osm.ROAD_CLASSES if classes == "all" else classes
    out = workdir / "corridor-network"
    start = time.perf_counter()
    corridor_osm.import_osm(str(pbf), road_classes=road_classes, max_addresses=0, out=str(out))
    seconds = time.perf_counter() - start
    return out, seconds, (f"imported with corridor.io.osm.import_osm (road classes: "
                          f"{classes}) in {seconds:.1f} s")


def read_network(folder: Path):
    """CSR arrays (indptr, dst, distance_km), places' lon/lat and which places are
    junctions (not addresses), from the folder's places.csv and links.csv."""
    with open(folder / "places.csv", newline="", encoding="utf-8") as f:
        places = list(csv.DictReader(f))
    index = {row["place_id"]: i for i, row in enumerate(places)}
    lon = np.array([float(row["lon"]) for row in places])
    lat = np.array([float(row["lat"]) for row in places])
    src, dst, km = [], [], []
    skipped = 0
    with open(folder / "links.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("mode", "road") not in ("road", "") or \
                    row.get("status", "open") not in ("open", ""):
                skipped += 1
                continue
            a, b = index.get(row["from_place"]), index.get(row["to_place"])
            if a is None or b is None or not row.get("distance_km"):
                skipped += 1
                continue
            d = float(row["distance_km"])
            src.append(a)
            dst.append(b)
            km.append(d)
            if row.get("two_way", "true").strip().lower() in ("true", "yes", "1"):
                src.append(b)
                dst.append(a)
                km.append(d)
    src, dst, km = np.array(src, np.int64), np.array(dst, np.int64), np.array(km, np.float64)
    order = np.lexsort((dst, src))
    src, dst, km = src[order], dst[order], km[order]
    indptr = np.zeros(len(places) + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=len(places)), out=indptr[1:])
    junction = np.array([row.get("kind", "junction") == "junction" for row in places])
    return indptr, dst, km, lon, lat, junction, skipped


def shortest_km_function(indptr, dst, km):
    """(one-to-all function, label): corridor's kernel, else scipy as a stand-in."""
    try:
        from corridor.routing import kernel
    except Exception as error:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        n = len(indptr) - 1
        matrix = csr_matrix((km, dst.astype("int32"), indptr.astype("int32")), shape=(n, n))
        why = f"{type(error).__name__}: {error}"
        return (lambda s: dijkstra(matrix, directed=True, indices=s)), \
            f"scipy stand-in (corridor.routing.kernel not available: {why})"
    return (lambda s: kernel.dijkstra(indptr, dst, km, s)), "corridor kernel.dijkstra"


# --------------------------------------------------------------------------- query points


def junction_points(engine, lon, lat, junction, rng, want: int, snap_m: float):
    """Random junctions that OSRM snaps to within ``snap_m`` metres: (indices, snaps)."""
    chosen, snaps, tried = [], [], 0
    for i in rng.permutation(np.flatnonzero(junction)).tolist():
        if len(chosen) >= want or tried >= 20 * want:
            break
        tried += 1
        d = osrm_snap_m(engine, (float(lon[i]), float(lat[i])))
        if d <= snap_m:
            chosen.append(i)
            snaps.append(d)
    return chosen, snaps, tried


def osm_points(pbf: Path, rng, want: int):
    """Without corridor's network: random nodes of pyrosm's driving network."""
    import pyrosm

    nodes, _edges = pyrosm.OSM(str(pbf)).get_network("driving", nodes=True)
    pick = rng.choice(len(nodes), min(want, len(nodes)), replace=False)
    return [(float(nodes["lon"].iloc[i]), float(nodes["lat"].iloc[i])) for i in pick]


def snap_to_junctions(lon, lat, coords):
    """Nearest junction (and its distance in m) to each (lon, lat), equirectangular."""
    from scipy.spatial import cKDTree

    lat0 = np.radians(np.mean(lat))
    k = 6_371_000.0 * np.pi / 180
    tree = cKDTree(np.column_stack([lon * np.cos(lat0) * k, lat * k]))
    q = np.array(coords)
    dist, idx = tree.query(np.column_stack([q[:, 0] * np.cos(lat0) * k, q[:, 1] * k]))
    return idx.tolist(), dist.tolist()


# --------------------------------------------------------------------------- report


def agreement(pairs: list[tuple[float, float]]) -> dict:
    """corridor vs OSRM distances (km): both routable, median |rel diff|, share within 5 %."""
    import math

    both = [(c, o) for c, o in pairs if math.isfinite(c) and math.isfinite(o) and o > 0]
    rel = [abs(c - o) / o for c, o in both]
    return {"compared": len(pairs), "both_routable": len(both),
            "only_osrm": sum(1 for c, o in pairs if not math.isfinite(c) and math.isfinite(o)),
            "only_corridor": sum(1 for c, o in pairs if math.isfinite(c) and not math.isfinite(o)),
            "median_rel_diff": statistics.median(rel) if rel else None,
            "within_5pct": sum(r <= 0.05 for r in rel) / len(rel) if rel else None,
            "corridor_shorter": sum(c < o * (1 - 1e-6) for c, o in both)}


def describe_agreement(label: str, a: dict) -> str:
    if not a["both_routable"]:
        return f"{label}: nothing to compare"
    return (f"{label}: {a['both_routable']}/{a['compared']} routable by both "
            f"(only OSRM {a['only_osrm']}, only corridor {a['only_corridor']}); "
            f"median |rel diff| {a['median_rel_diff']:.2%}, within 5 %: "
            f"{a['within_5pct']:.0%}, corridor shorter: {a['corridor_shorter']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100, help="routes (default 100)")
    parser.add_argument("--table", type=int, default=50, help="K for the K x K table")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--algorithm", choices=("MLD", "CH"), default="MLD")
    parser.add_argument("--fastest", action="store_true",
                        help="OSRM's stock car profile (routes by duration) instead of the "
                             "shortest-distance copy")
    parser.add_argument("--plain", action="store_true",
                        help="OSRM without turn restrictions and barriers (corridor's importer "
                             "models neither): compares the road graphs alone")
    parser.add_argument("--snap-m", type=float, default=5.0,
                        help="query junctions must be this close to OSRM's road network")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each table")
    parser.add_argument("--classes", default="all",
                        help="road classes for corridor's importer: all (default: every "
                             "class it accepts), default, local, or a comma-separated list")
    parser.add_argument("--network", help="a corridor network folder (skip the import)")
    parser.add_argument("--workdir", help="keep OSRM's and corridor's files here")
    parser.add_argument("--json", metavar="OUT", help="save the figures as JSON")
    args = parser.parse_args(argv)

    if sys.version_info < MIN_PYTHON:
        return skip(f"needs Python >= 3.12 for osrm-bindings' wheels (this is "
                    f"{platform.python_version()}); see bench/README.md")
    try:
        import osrm  # noqa: F401
    except Exception as error:
        return skip(f"osrm cannot be imported ({type(error).__name__}: {error}); "
                    "pip install osrm-bindings")
    if importlib.util.find_spec("pyrosm") is None:
        return skip("pyrosm is not installed (it bundles the Helsinki extract)")
    import pyrosm

    pbf = Path(pyrosm.get_data("helsinki_pbf"))
    rng = np.random.default_rng(args.seed)
    print(f"environment: Python {platform.python_version()}, osrm-bindings "
          f"{_version('osrm-bindings')}, pyrosm {_version('pyrosm')}, numpy {np.__version__}, "
          f"corridor {_version('corridor')}")
    print(f"extract: {pbf.name} ({pbf.stat().st_size / 1e6:.1f} MB, bundled with pyrosm)")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.workdir) if args.workdir else Path(tmp)
        base, prep = prepare_osrm(pbf, work / "osrm", args.algorithm, args.fastest,
                                  args.plain)
        print(f"OSRM {args.algorithm}, profile {prep['profile']} "
              f"({'duration' if args.fastest else 'shortest distance'}"
              f"{', no turn restrictions or barriers' if args.plain else ''}): "
              + ", ".join(f"{k} {v:.2f} s" for k, v in prep.items() if k != "profile"))
        engine = osrm_engine(base, args.algorithm, args.table)

        folder, import_s, note = corridor_network(pbf, work, args.network, args.classes)
        print(f"corridor network: {note}")
        report: dict[str, object] = {"osrm_prepare": prep, "corridor_import_s": import_s,
                                     "corridor_network": note, "args": vars(args)}
        want = max(args.table, min(2 * args.pairs, 400))
        if folder is not None:
            indptr, dst, km, lon, lat, junction, skipped = read_network(folder)
            print(f"  {int(junction.sum()):,} junctions, {len(dst):,} directed edges "
                  f"({skipped} links.csv rows not usable: not open road / no distance)")
            picks, snaps, tried = junction_points(engine, lon, lat, junction, rng, want,
                                                  args.snap_m)
            coords = [(float(lon[i]), float(lat[i])) for i in picks]
            print(f"query points: {len(picks)} junctions within {args.snap_m:g} m of OSRM's "
                  f"roads (of {tried} tried; median snap {statistics.median(snaps or [0]):.1f} m)")
            search, label = shortest_km_function(indptr, dst, km)
            nodes, node_snap = snap_to_junctions(lon, lat, coords)
            print(f"corridor side: {label}; query points snapped to junctions "
                  f"(max {max(node_snap or [0]):.1f} m)")
        else:
            coords = osm_points(pbf, rng, want)
            search = None
            print(f"query points: {len(coords)} nodes of pyrosm's driving network; "
                  "corridor side skipped")
        if len(coords) < 2:
            print("too few query points")
            return 1

        # ---- routes
        n = len(coords)
        pairs = []
        while len(pairs) < args.pairs:
            a, b = rng.integers(0, n, 2).tolist()
            if a != b:
                pairs.append((a, b))
        osrm_route(engine, coords[0], coords[1])  # warm-up
        if search is not None:
            search(nodes[0])  # JIT warm-up
        osrm_s, corridor_s, route_km = [], [], []
        for a, b in pairs:
            start = time.perf_counter()
            got = osrm_route(engine, coords[a], coords[b])
            osrm_s.append(time.perf_counter() - start)
            o_km = got[0] / 1000 if got else float("inf")
            c_km = float("nan")
            if search is not None:
                start = time.perf_counter()
                dist = search(nodes[a])
                c_km = float(dist[nodes[b]])
                corridor_s.append(time.perf_counter() - start)
            route_km.append((c_km, o_km))
        routable = [o for _c, o in route_km if o < float("inf")]
        print(f"\nroutes: {len(pairs)} seeded pairs; OSRM routed {len(routable)}, median "
              f"{statistics.median(routable) if routable else float('nan'):.2f} km")
        route_report = {"pairs": len(pairs), "osrm_median_ms": statistics.median(osrm_s) * 1e3,
                        "osrm_routable": len(routable)}
        print(f"  OSRM Route         median {route_report['osrm_median_ms']:8.3f} ms/route")
        if search is not None:
            route_report["corridor_median_ms"] = statistics.median(corridor_s) * 1e3
            route_report["agreement"] = agreement(route_km)
            print(f"  corridor one-to-all median {route_report['corridor_median_ms']:8.3f} "
                  "ms/route (a full one-to-all search, read at the destination)")
            print(f"  corridor / OSRM per route = "
                  f"{route_report['corridor_median_ms'] / route_report['osrm_median_ms']:.2f}")
            print("  " + describe_agreement("distances", route_report["agreement"]))
        report["routes"] = route_report

        # ---- table
        k = min(args.table, n)
        sub = rng.choice(n, k, replace=False).tolist()
        sub_coords = [coords[i] for i in sub]
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            matrix = osrm_table(engine, sub_coords)
            times.append(time.perf_counter() - start)
        table_report = {"k": k, "osrm_median_ms": statistics.median(times) * 1e3}
        print(f"\ntable: {k} x {k}")
        print(f"  OSRM Table         median {table_report['osrm_median_ms']:8.2f} ms")
        if search is not None:
            targets = np.array([nodes[i] for i in sub])
            ctimes = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                rows = [np.asarray(search(nodes[i]))[targets] for i in sub]
                ctimes.append(time.perf_counter() - start)
            table_report["corridor_median_ms"] = statistics.median(ctimes) * 1e3
            cells = [(float(rows[i][j]), matrix[i][j] / 1000)
                     for i in range(k) for j in range(k) if i != j]
            table_report["agreement"] = agreement(cells)
            print(f"  corridor {k} one-to-all median {table_report['corridor_median_ms']:8.2f} ms")
            print(f"  corridor / OSRM per table = "
                  f"{table_report['corridor_median_ms'] / table_report['osrm_median_ms']:.2f}")
            print("  " + describe_agreement("cells", table_report["agreement"]))
        report["table"] = table_report
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
        print(f"\nfigures saved to {args.json}")
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    sys.exit(main())
