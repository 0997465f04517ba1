"""The whole stack on a large network: load, compile and plan routes on the bundled network
plus a generated road network of about a million directed edges (issue #6).

    python bench/bench_large_network.py [--nodes 262144] [--queries 10]

``bench_engine.py`` times the kernels on bare arrays. Here the generated road graph of
``graphs.py`` becomes network tables — junction places and one-way road links (speeds of
the graph's road classes, ``speed_kmh``) in Kazakhstan, south-west of Almaty, joined to
Almaty by one road — written into a copy of the bundled network folder, then read,
validated and compiled by corridor as any network folder, and routed with
:func:`corridor.plan_route` (``draws=0``): junction to junction inside the generated roads,
and junction to Tashkent across the corridor. The peer is the same kernel's static
``dijkstra`` on the same compiled arrays (travel times only): the ratio is the price of
everything ``plan_route`` adds (calendars, labels, transfer rules, the itinerary).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from graphs import CLASS_NAMES, SPEED_KMH, road_graph  # noqa: E402

SOURCE_ID = "bench_generated_graph"


def write_folder(folder: Path, nodes: int, seed: int) -> tuple[int, int]:
    """A copy of the bundled network with the generated roads added; (places, links) added."""
    import corridor
    from corridor.io.folder import bundled_network_path

    shutil.copytree(bundled_network_path(), folder)
    g = road_graph(nodes, seed=seed)
    almaty = corridor.load_network().places["almaty"]
    # the grid's own lon/lat are moved to lie south-west of Almaty (inside Kazakhstan)
    lat = g.lat - g.lat.max() + almaty.lat - 0.5
    lon = g.lon - g.lon.max() + almaty.lon - 0.5
    with open(folder / "sources.csv", "a", newline="") as handle:
        csv.writer(handle).writerow([SOURCE_ID, "Generated road graph (bench/graphs.py)", "",
                                     "", "L", "A benchmark graph, not real roads"])
    with open(folder / "places.csv", "a", newline="") as handle:
        out = csv.writer(handle)
        for i in range(g.n):
            out.writerow([f"g{i}", f"Junction {i}", "", "KAZ", f"{lat[i]:.6f}",
                          f"{lon[i]:.6f}", "junction", SOURCE_ID, "generated", ""])
    src = g.src()
    with open(folder / "links.csv", "a", newline="") as handle:
        out = csv.writer(handle)
        for e in range(g.m):
            cls = int(g.road_class[e])
            out.writerow([f"g{e}", f"g{src[e]}", f"g{g.dst[e]}", "road", "",
                          f"{g.length_km[e]:.4f}", "", f"{SPEED_KMH[cls]:g}", "", "open", "",
                          "false", CLASS_NAMES[cls], "", SOURCE_ID, "generated", ""])
        # one road from the generated network's north-east corner to Almaty
        corner = int(np.argmax(lat + lon))
        out.writerow(["g_almaty", f"g{corner}", "almaty", "road", "", "80", "", "", "",
                      "open", "", "true", "to Almaty", "", SOURCE_ID, "generated", ""])
    return g.n, g.m + 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=262_144)
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)

    import corridor
    from corridor.routing import kernel
    from corridor.routing.compile import compile_network

    with tempfile.TemporaryDirectory(prefix="corridor-large-") as temp:
        folder = Path(temp, "network")
        t = time.perf_counter()
        places, links = write_folder(folder, args.nodes, args.seed)
        print(f"network folder: bundled + {places:,} junctions and {links:,} road links "
              f"written in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        net = corridor.load_network(folder)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        cn = compile_network(net)
        compile_s = time.perf_counter() - t
        print(f"load_network (read + validate): {load_s:.1f} s; compile: {compile_s:.1f} s; "
              f"{cn.n_nodes:,} nodes, {cn.n_edges:,} edges")
        rng = random.Random(args.seed)
        pairs = [(f"g{rng.randrange(places)}", f"g{rng.randrange(places)}")
                 for _ in range(args.queries)]
        corridor.plan_route(*pairs[0], depart="2026-07-15", optimize="time", network=net,
                            draws=0)  # JIT cache, calendar tables
        local, static, across = [], [], []
        agree = 0
        a = cn.arrays
        for origin, destination in pairs:
            t = time.perf_counter()
            route = corridor.plan_route(origin, destination, depart="2026-07-15",
                                        optimize="time", network=net, draws=0)
            local.append(time.perf_counter() - t)
            source = cn.node_index[(origin, "road")]
            t = time.perf_counter()
            dist = kernel.dijkstra(a.indptr, a.dst, a.time_h, source)
            static.append(time.perf_counter() - t)
            target = cn.node_index[(destination, "road")]
            agree += abs(dist[target] - route.summary.duration_h) < 1e-6
            t = time.perf_counter()
            corridor.plan_route(origin, "Tashkent", depart="2026-07-15", network=net, draws=0)
            across.append(time.perf_counter() - t)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    med = statistics.median
    print(f"plan_route junction → junction (time): median {med(local) * 1000:.0f} ms; "
          f"static one-to-all dijkstra on the same arrays {med(static) * 1000:.0f} ms "
          f"(ratio {med(local) / med(static):.2f}); equal travel times {agree}/{len(pairs)}")
    print(f"plan_route junction → Tashkent (generalized cost, across the corridor): median "
          f"{med(across) * 1000:.0f} ms")
    print(f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
