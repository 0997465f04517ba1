"""Benchmark corridor's route search against networkx's Dijkstra on the same graph.

    python bench/bench_route.py [--queries N] [--repeat R] [--seed S]
                                [--network DIR | --synthetic N_PLACES]

For N random (seeded) pairs of cities it times, interleaved and repeated:

* ``raw``  — :func:`corridor.routing.search.search` for objective *time*, time-dependent
  (calendars evaluated at the departure), on the compiled arrays;
* ``static`` — the same search with calendars ignored (``next_open=None``);
* ``plan`` — :func:`corridor.plan_route` with ``optimize="time"``: name resolution, masks,
  the search, and building the :class:`~corridor.Route` (legs, warnings, sources);
* ``nx``   — :func:`networkx.multi_source_dijkstra` on a ``DiGraph`` of the same static
  graph (compiled nodes, each split in two to encode corridor's "no rail → road → rail
  at one place" rule; compiled edges that are open, weight = edge time in hours) from the origin's
  endpoint to a sink joined to the destination's endpoint (the road node, as in
  ``plan_route``).

It also checks that the search with calendars ignored (``next_open=None``) finds the same
travel time as networkx for every pair. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np

import corridor
from corridor.routing.compile import CompiledNetwork, compile_network, transfer_allowed
from corridor.routing.search import search

TESTS = Path(__file__).resolve().parent.parent / "tests"


# --------------------------------------------------------------------------- networks


def synthetic_network(folder: Path, n_places: int, seed: int) -> corridor.Network:
    """A random road grid of about ``n_places`` places in three countries.

    Columns are split into three country bands; the places on either side of a band edge
    are border posts, and every third row has a crossing between them. Some crossings close
    in winter or at weekends, a few roads close in winter, and a few links are only planned.
    """
    sys.path.insert(0, str(TESTS))
    from netbuilder import country, crossing, place, road, write_network

    rng = random.Random(seed)
    width = max(6, round(math.sqrt(n_places * 4 / 3)))
    height = max(2, math.ceil(n_places / width))
    codes = ("AAA", "BBB", "CCC")
    edges = (width // 3, 2 * width // 3)  # first column of BBB, of CCC

    def code(col: int) -> str:
        return codes[(col >= edges[0]) + (col >= edges[1])]

    def pid(col: int, row: int) -> str:
        return f"g{col}_{row}"

    posts = {c for e in edges for c in (e - 1, e)}
    places = [
        place(pid(c, r), code(c), 35.0 + 0.3 * r, 60.0 + 0.4 * c,
              "border_post" if c in posts else "city")
        for c in range(width) for r in range(height)
    ]
    links = []
    for c in range(width):
        for r in range(height):
            here = pid(c, r)
            neighbours = [(c, r + 1)]
            if c + 1 < width and code(c + 1) == code(c):
                neighbours.append((c + 1, r))
                if r + 1 < height and rng.random() < 0.3:
                    neighbours.append((c + 1, r + 1))
            for nc, nr in neighbours:
                if nr >= height or rng.random() < 0.05:
                    continue
                status = "planned" if rng.random() < 0.03 else "open"
                calendar = "winter" if rng.random() < 0.05 else None
                links.append(road(f"l{len(links)}", here, pid(nc, nr), rng.randint(20, 200),
                                  status=status, calendar_id=calendar))
    crossings = []
    for e in edges:
        for r in range(0, height, 3):
            calendar = rng.choice((None, None, "winter", "weekend"))
            crossings.append(crossing(f"x{len(crossings)}", pid(e - 1, r), pid(e, r),
                                      rng.randint(1, 30), rng.randint(1, 30),
                                      calendar_id=calendar))
    calendars = [
        dict(calendar_id="winter", seq=1, action="close", months="12-3", sources="s1"),
        dict(calendar_id="weekend", seq=1, action="close", weekdays="Sat;Sun", sources="s1"),
    ]
    countries = [country(c, s, 600, 20 + 30 * i)
                 for i, (c, s) in enumerate(zip(codes, (60, 50, 70), strict=True))]
    path = write_network(folder / "grid", name="synthetic-grid", countries=countries,
                         places=places, links=links, crossings=crossings, calendars=calendars)
    return corridor.load_network(path)


def pick_network(args: argparse.Namespace, tmp: Path) -> tuple[corridor.Network, str]:
    if args.network:
        return corridor.load_network(args.network), f"folder {args.network}"
    if args.synthetic:
        net = synthetic_network(tmp, args.synthetic, args.seed)
        return net, f"synthetic grid of {len(net.places)} places (seed {args.seed})"
    try:
        return corridor.load_network(), "bundled"
    except corridor.CorridorError as error:
        first = str(error).splitlines()[0]
        print(f"note: the bundled network did not load ({first}); using a synthetic grid of "
              "300 places instead", file=sys.stderr)
        net = synthetic_network(tmp, 300, args.seed)
        return net, f"synthetic grid of {len(net.places)} places (bundled did not load)"


# --------------------------------------------------------------------------- peers


def endpoint_nodes(cn: CompiledNetwork, place_id: str) -> tuple[int, ...]:
    """Where plan_route starts and ends a trip at a place: its road node, if it has one."""
    road = cn.node_index.get((place_id, "road"))
    return (road,) if road is not None else cn.place_nodes[place_id]


def reference_graph(cn: CompiledNetwork) -> nx.DiGraph:
    """The static graph: compiled nodes, open edges weighted by their time (h).

    corridor's search remembers the layer a transfer just left: the next transfer may not
    go straight back to it, nor from rail back into rail (``transfer_allowed``). So each
    compiled node ``n`` is up to eight graph nodes ``(n, last)``, ``last`` being 0 (the start,
    or arrived by a link or crossing) or the code of the layer the arriving transfer left.
    Each place also gets a sink node,
    ``("sink", place_id)``, joined at no cost from its endpoint nodes, so that "any endpoint
    of the destination" is one target.
    """
    graph = nx.DiGraph()
    src, dst = cn.edge_src.tolist(), cn.edge_dst.tolist()
    weight, usable = cn.edge_time_h.tolist(), cn.edge_open.tolist()
    hot = cn.hot

    def add(a, b, w: float) -> None:
        if not graph.has_edge(a, b) or graph[a][b]["weight"] > w:
            graph.add_edge(a, b, weight=w)

    for e in range(cn.n_edges):
        w = weight[e]
        if not usable[e] or not math.isfinite(w):
            continue
        a, b = src[e], dst[e]
        for last in range(8):
            if transfer_allowed(hot, last, e):
                add((a, last), (b, hot.transfer_from[e]), w)
    for place_id in cn.place_nodes:
        for n in endpoint_nodes(cn, place_id):
            for last in range(8):
                if (n, last) in graph:
                    add((n, last), ("sink", place_id), 0.0)
    return graph


def networkx_time(graph: nx.DiGraph, origin: str, destination: str, cn: CompiledNetwork):
    sources = {(n, 0) for n in endpoint_nodes(cn, origin)} & set(graph)
    target = ("sink", destination)
    if not sources or target not in graph:
        return None
    try:
        length, _path = nx.multi_source_dijkstra(graph, sources, target=target)
    except nx.NetworkXNoPath:
        return None
    return float(length)


def time_us(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e6


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=100, help="origin/destination pairs")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query and method")
    parser.add_argument("--seed", type=int, default=20260715)
    parser.add_argument("--depart", default="2026-01-15T08:00",
                        help="departure for the time-dependent runs (a winter weekday)")
    parser.add_argument("--cargo", default="truck", help="cargo for plan_route")
    parser.add_argument("--network", help="a network folder instead of the bundled network")
    parser.add_argument("--synthetic", type=int, metavar="N_PLACES",
                        help="benchmark a random grid of about N_PLACES places")
    parser.add_argument("--budget", type=float, default=50.0,
                        help="stop taking new queries after this many seconds")
    parser.add_argument("--show", type=int, default=15, help="per-query rows to print")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp:
        net, what = pick_network(args, Path(tmp))
    cn = compile_network(net)
    graph = reference_graph(cn)
    depart = dt.datetime.fromisoformat(args.depart)
    next_open = cn.next_open(depart)  # what plan_route uses (cached per departure hour)
    t0 = depart.minute / 60.0  # search times are hours after the departure's hour
    ok = cn.edge_open & np.isfinite(cn.edge_time_h)
    key = np.where(np.isfinite(cn.edge_time_h), cn.edge_time_h, np.inf).tolist()
    wait = [1.0] * cn.n_nodes  # objective time: an hour of waiting costs an hour

    cities = sorted(p.place_id for p in net.places.values()
                    if p.kind == "city" and p.place_id in cn.place_nodes)
    if len(cities) < 2:
        print(f"{what}: fewer than two cities with nodes; nothing to benchmark", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    pairs = [tuple(rng.sample(cities, 2)) for _ in range(args.queries)]
    cargo = args.cargo if args.cargo in net.cargo else next(iter(net.cargo))

    def raw(o: str, d: str, calendars: bool):
        return search(cn, origins={n: (t0, 0.0) for n in endpoint_nodes(cn, o)},
                      targets={n: (0.0, 0.0) for n in endpoint_nodes(cn, d)},
                      edge_ok=ok, edge_key=key, node_wait_rate=wait,
                      next_open=next_open if calendars else None)

    def plan(o: str, d: str):
        try:
            return corridor.plan_route(o, d, depart=depart, optimize="time", cargo=cargo, draws=0,
                                       network=net)
        except corridor.NoRouteError:
            return None

    # warm up: name index, gazetteer, compiled arrays, calendar tables
    plan(*pairs[0])

    rows = []
    agree = disagree = 0
    mismatches: list[str] = []
    calendar_changed = 0
    for o, d in pairs:
        if time.perf_counter() - started > args.budget:
            break
        static = raw(o, d, calendars=False)
        peer = networkx_time(graph, o, d, cn)
        ours = None if static is None else static.arrive_h - t0
        if (ours is None) == (peer is None) and (
            ours is None or math.isclose(ours, peer, rel_tol=1e-9, abs_tol=1e-6)
        ):
            agree += 1
        else:
            disagree += 1
            mismatches.append(f"{o} -> {d}: corridor {ours}, networkx {peer}")
        timed = raw(o, d, calendars=True)
        if timed is not None and ours is not None and timed.arrive_h - t0 > ours + 1e-9:
            calendar_changed += 1

        methods = {
            "raw": lambda o=o, d=d: raw(o, d, calendars=True),
            "static": lambda o=o, d=d: raw(o, d, calendars=False),
            "plan": lambda o=o, d=d: plan(o, d),
            "nx": lambda o=o, d=d: networkx_time(graph, o, d, cn),
        }
        samples: dict[str, list[float]] = {m: [] for m in methods}
        order = list(methods)
        for _ in range(args.repeat):
            rng.shuffle(order)  # interleaved, in a different order each round
            for m in order:
                samples[m].append(time_us(methods[m]))
        medians = {m: statistics.median(v) for m, v in samples.items()}
        rows.append((o, d, medians, peer))

    # ------------------------------------------------------------------ report
    print(f"network: {what} — {net!r}")
    print(f"compiled: {cn.n_nodes} nodes, {cn.n_edges} edges; networkx DiGraph: "
          f"{graph.number_of_nodes()} nodes (2 per compiled node + sinks), "
          f"{graph.number_of_edges()} edges")
    print(f"queries: {len(rows)} of {args.queries} city pairs (seed {args.seed}), "
          f"{args.repeat} interleaved runs each; depart {depart:%Y-%m-%d %H:%M}, "
          f"objective time; plan_route cargo {cargo!r}")
    print()
    head = (f"{'origin -> destination':<34} {'raw µs':>8} {'static µs':>9} {'plan µs':>8} "
            f"{'nx µs':>8} {'raw/nx':>7} {'hours':>7}")
    print(head)
    print("-" * len(head))
    for o, d, med, peer in rows[: args.show]:
        hours = "-" if peer is None else f"{peer:.1f}"
        print(f"{(o + ' -> ' + d)[:34]:<34} {med['raw']:>8.0f} {med['static']:>9.0f} "
              f"{med['plan']:>8.0f} {med['nx']:>8.0f} {med['raw'] / med['nx']:>7.2f} "
              f"{hours:>7}")
    if len(rows) > args.show:
        print(f"... {len(rows) - args.show} more")
    print("-" * len(head))
    for label, fn in (("median", statistics.median),
                      ("p90", lambda v: float(np.percentile(v, 90)))):
        r, s, p, x = (fn([m[k] for _, _, m, _ in rows]) for k in ("raw", "static", "plan", "nx"))
        print(f"{label + ' over queries':<34} {r:>8.0f} {s:>9.0f} {p:>8.0f} {x:>8.0f} "
              f"{r / x:>7.2f}")
    print()
    n = agree + disagree
    print(f"static travel time (calendars ignored), corridor vs networkx: "
          f"agree {agree}/{n}" + ("" if not disagree else f", DISAGREE {disagree}"))
    for line in mismatches[:10]:
        print("  " + line)
    print(f"calendars at the departure lengthened {calendar_changed}/{n} fastest routes")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0 if disagree == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
