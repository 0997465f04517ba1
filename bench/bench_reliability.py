"""Benchmark alternatives and 10,000-draw reliability on the bundled network.

    python bench/bench_reliability.py [--queries N] [--draws D] [--seed S]

Two comparisons, each against a named baseline measured in the same run, interleaved:

* **alternatives** — :func:`corridor.routing.pareto.alternatives` (multi-criteria,
  time-dependent label setting; Pareto set on time, money, risk; one per corridor; route
  building) against networkx's :func:`~networkx.shortest_simple_paths` (Yen's k shortest
  paths on the static time-weighted graph of bench_route.py), taking as many paths as
  corridor returned alternatives. Yen's paths are alternatives of the simplest kind: one
  criterion, no calendars, often near-duplicates of each other.
* **reliability** — :func:`corridor.routing.reliability.simulate` with 10,000 draws
  (vectorised over draws with numpy) against the same model run draw by draw in plain
  Python (``random``/``math``), which is how a Monte Carlo is usually first written. The two
  must agree on P50/P90 within sampling error; the script checks it.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from itertools import islice
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_route import endpoint_nodes, reference_graph  # noqa: E402

import corridor  # noqa: E402
from corridor.routing.compile import compile_network  # noqa: E402
from corridor.routing.pareto import alternatives  # noqa: E402
from corridor.routing.reliability import lognormal_sigma, simulate  # noqa: E402

PAIRS = [
    ("Islamabad", "Almaty"), ("Karachi", "Almaty"), ("Lahore", "Tashkent"),
    ("Peshawar", "Dushanbe"), ("Quetta", "Ashgabat"), ("Islamabad", "Kashgar"),
    ("Karachi", "Bishkek"), ("Lahore", "Urumqi"), ("Gwadar", "Tashkent"),
    ("Peshawar", "Astana"),
]


def loop_simulate(route, network, draws: int, seed: int) -> np.ndarray:
    """The reliability model draw by draw in plain Python (baseline)."""
    cn = compile_network(network)
    base = route.depart.replace(minute=0, second=0, microsecond=0)
    tables = {cid: t.tolist() for cid, t in zip(cn.calendars, cn.next_open(route.depart),
                                                 strict=True)}
    links = {link.link_id: link for link in network.links}
    hits = {}
    for d in network.disruptions:
        for target in d.target_ids:
            hits.setdefault((d.target_kind, target), []).append(d)
    rng = random.Random(seed)
    start = (route.depart - base).total_seconds() / 3600.0
    out = []
    for _ in range(draws):
        t = start
        used = set()
        for leg in route.legs:
            if leg.kind == "wait":
                continue
            duration = leg.duration_h
            calendar = None
            found = []
            if leg.kind == "link":
                link = links.get(leg.details.get("link_id"))
                calendar = link.calendar_id if link else None
                found = hits.get(("link", link.link_id), []) if link else []
            elif leg.kind == "border":
                crossing = network.crossings_by_id[leg.details["crossing_id"]]
                calendar = crossing.calendar_id
                dwell = leg.details["dwell_h"]
                sigma = lognormal_sigma(dwell, leg.details.get("dwell_p90_h"))
                drive = leg.duration_h - dwell - leg.details.get("held_h", 0.0)
                duration = drive + dwell * math.exp(sigma * rng.gauss(0, 1))
                found = hits.get(("crossing", crossing.crossing_id), [])
            for d in found:
                if d.disruption_id in used or (d.months and leg.depart.month not in d.months):
                    continue
                used.add(d.disruption_id)
                if rng.random() < d.hit_probability():
                    length = rng.uniform(d.duration_h_min, d.duration_h_max)
                    if d.kind == "closure":
                        length *= rng.random()
                    t += length
            if calendar is not None:
                table = tables[calendar]
                slot = min(int(t), len(table) - 1)
                if table[slot] > slot:
                    t = float(table[slot])
            t += duration
            if calendar is not None and leg.kind == "border":
                slot = min(int(t), len(table) - 1)
                if table[slot] > slot:
                    t = float(table[slot])
        out.append(t - start)
    return np.array(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=len(PAIRS))
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--depart", default="2026-07-15")
    args = parser.parse_args(argv)

    net = corridor.load_network()
    cn = compile_network(net)
    graph = reference_graph(cn)
    pairs = PAIRS[: args.queries]
    print(f"network: {net!r}; {len(pairs)} pairs; depart {args.depart}; "
          f"{args.draws:,} draws")

    rows = []
    agree = 0
    for origin, destination in pairs:
        o = corridor.find_places(origin, net, limit=1)[0].id
        d = corridor.find_places(destination, net, limit=1)[0].id
        alternatives(origin, destination, depart=args.depart, network=net)  # warm caches
        t0 = time.perf_counter()
        options = alternatives(origin, destination, depart=args.depart, network=net)
        t_alt = time.perf_counter() - t0
        k = len(options)
        sources = [(n, 0) for n in endpoint_nodes(cn, o)]
        graph.add_edge("__source__", sources[0], weight=0.0)
        t0 = time.perf_counter()
        paths = list(islice(nx.shortest_simple_paths(graph, "__source__", ("sink", d),
                                                     weight="weight"), k))
        t_yen = time.perf_counter() - t0
        graph.remove_node("__source__")
        del paths

        route = corridor.plan_route(origin, destination, depart=args.depart, network=net,
                                    draws=0)
        simulate(route, network=net, draws=100, seed=args.seed)  # warm
        t0 = time.perf_counter()
        rel = simulate(route, network=net, draws=args.draws, seed=args.seed)
        t_vec = time.perf_counter() - t0
        t0 = time.perf_counter()
        loop = loop_simulate(route, net, args.draws, args.seed)
        t_loop = time.perf_counter() - t0
        p50, p90 = np.percentile(loop, [50, 90])
        close = (abs(p50 - rel.p50_h) <= 0.03 * rel.p50_h + 1
                 and abs(p90 - rel.p90_h) <= 0.05 * rel.p90_h + 2)
        agree += close
        rows.append((f"{origin} -> {destination}", k, t_alt * 1e3, t_yen * 1e3,
                     t_vec * 1e3, t_loop * 1e3, rel.p50_h, p50, rel.p90_h, p90))

    print()
    print(f"{'pair':<24}{'k':>3}{'alt ms':>9}{'yen ms':>9}{'mc ms':>8}{'loop ms':>9}"
          f"{'P50 vec/loop h':>17}{'P90 vec/loop h':>17}")
    for r in rows:
        print(f"{r[0]:<24}{r[1]:>3}{r[2]:>9.1f}{r[3]:>9.1f}{r[4]:>8.1f}{r[5]:>9.1f}"
              f"{r[6]:>9.1f}/{r[7]:<7.1f}{r[8]:>9.1f}/{r[9]:<7.1f}")
    med = statistics.median
    alt, yen = med(r[2] for r in rows), med(r[3] for r in rows)
    vec, loop = med(r[4] for r in rows), med(r[5] for r in rows)
    print()
    print(f"median alternatives {alt:.1f} ms vs networkx Yen k-shortest {yen:.1f} ms: "
          f"ratio {alt / yen:.2f}")
    print(f"median {args.draws:,}-draw reliability {vec:.1f} ms vs plain-Python loop "
          f"{loop:.1f} ms: speed-up {loop / vec:.0f}x")
    print(f"vectorised and loop percentiles agree on {agree}/{len(rows)} pairs")
    return 0 if agree == len(rows) else 2


if __name__ == "__main__":
    raise SystemExit(main())
