"""Benchmark corridor's compiled engine against graph libraries on a large road graph.

    python bench/bench_engine.py [--nodes N] [--sources K] [--seed S] [--only LIBS]
                                 [--bench 1,2,4] [--json OUT]

Issue #6 ("Engine speed"). The graph is :func:`graphs.road_graph` (seeded, ~1.05 million
directed edges at the default 262,144 nodes). Three benchmarks, each printed as a table with
ratios against peers measured in the same run:

1. one-to-all shortest distances from the same K random sources: corridor's
   ``kernel.dijkstra`` vs ``scipy.sparse.csgraph.dijkstra``, igraph's ``Graph.distances``,
   networkit's ``distance.Dijkstra`` and networkx's ``single_source_dijkstra_path_length``
   (fewer sources: it is pure Python). Median time per source, graph build time apart,
   and every library's distances checked against scipy's;
2. corridor's time-dependent ``kernel.td_earliest_arrival`` (2 % of the edges behind
   calendars) vs its static ``kernel.dijkstra`` on the same graph and sources, and a
   correctness check of the former against a pure-Python reference on a small graph;
4. peak memory (``ru_maxrss``) of each library, each in a fresh child process that loads
   the graph from an ``.npz``, builds the library's graph and runs one search, against a
   baseline child that only loads the arrays.

See bench/README.md.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from graphs import CALENDARS, RoadGraph, road_graph  # noqa: E402

LIBS = ("corridor", "scipy", "igraph", "networkit", "networkx")
PEERS = LIBS[1:]
RTOL = 1e-9  # distances agree when |a - b| <= RTOL * max(1, |b|) (or both are inf)


def load_kernel():
    """corridor's compiled kernel, or the reason it is not there."""
    try:
        from corridor.routing import kernel
    except Exception as error:  # not written yet, or numba missing
        return None, f"{type(error).__name__}: {error}"
    return kernel, None


# --------------------------------------------------------------------------- adapters
# Each library: build(graph) -> handle (timed apart), run(handle, source) -> whatever the
# library hands back to Python (timed: the search and fetching its distances), and
# to_array(result, n) -> float64[n] with inf for unreachable (not timed).


def _build_corridor(g: RoadGraph):
    kernel, why = load_kernel()
    if kernel is None:
        raise RuntimeError(why)
    arrays = (np.ascontiguousarray(g.indptr, np.int64), np.ascontiguousarray(g.dst, np.int64),
              np.ascontiguousarray(g.weight, np.float64))
    return kernel, arrays


def _run_corridor(handle, source: int):
    kernel, (indptr, dst, weight) = handle
    return kernel.dijkstra(indptr, dst, weight, source)


def _build_scipy(g: RoadGraph):
    from scipy.sparse import csr_matrix

    # Built from the CSR triplet, not from COO: the COO constructor would *sum* parallel
    # edges, and csgraph keeps explicit zeros of a sparse matrix as zero-weight edges.
    # (road_graph has neither, but a real extract can.) int32 indices: what csgraph uses,
    # so that no call converts them again.
    return csr_matrix((g.weight.astype(np.float64), g.dst.astype(np.int32),
                       g.indptr.astype(np.int32)), shape=(g.n, g.n))


def _run_scipy(matrix, source: int):
    from scipy.sparse.csgraph import dijkstra

    return dijkstra(matrix, directed=True, indices=source)


def _build_igraph(g: RoadGraph):
    import igraph as ig

    graph = ig.Graph(n=g.n, edges=np.column_stack([g.src(), g.dst]), directed=True)
    graph.es["weight"] = g.weight
    return graph


def _run_igraph(graph, source: int):
    return graph.distances(source=source, weights="weight", mode="out")[0]


def _build_networkit(g: RoadGraph):
    import networkit as nk

    graph = nk.Graph(g.n, weighted=True, directed=True)
    graph.addEdges((g.weight.astype(np.float64), (g.src(), g.dst)))
    return graph


def _run_networkit(graph, source: int):
    import networkit as nk

    search = nk.distance.Dijkstra(graph, source, storePaths=False)
    search.run()
    return search.getDistances()


def _networkit_array(result, n: int) -> np.ndarray:
    out = np.asarray(result, dtype=np.float64)
    out[out >= np.finfo(np.float64).max] = np.inf  # networkit's "unreachable"
    return out


def _build_networkx(g: RoadGraph):
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(range(g.n))
    # a DiGraph keeps one edge per pair: keep the lightest (road_graph has no parallels)
    for u, v, w in zip(g.src().tolist(), g.dst.tolist(), g.weight.tolist(), strict=True):
        old = graph.get_edge_data(u, v)
        if old is None or old["weight"] > w:
            graph.add_edge(u, v, weight=w)
    return graph


def _run_networkx(graph, source: int):
    import networkx as nx

    return nx.single_source_dijkstra_path_length(graph, source, weight="weight")


def _dict_array(result: dict, n: int) -> np.ndarray:
    out = np.full(n, np.inf)
    if result:
        out[np.fromiter(result.keys(), np.int64, len(result))] = np.fromiter(
            result.values(), np.float64, len(result))
    return out


def _plain_array(result, n: int) -> np.ndarray:
    return np.asarray(result, dtype=np.float64).reshape(n)


ADAPTERS: dict[str, tuple[Callable, Callable, Callable]] = {
    "corridor": (_build_corridor, _run_corridor, _plain_array),
    "scipy": (_build_scipy, _run_scipy, _plain_array),
    "igraph": (_build_igraph, _run_igraph, _plain_array),
    "networkit": (_build_networkit, _run_networkit, _networkit_array),
    "networkx": (_build_networkx, _run_networkx, _dict_array),
}


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for module in ("corridor", "numba", "scipy", "igraph", "networkit", "networkx"):
        try:
            out[module] = __import__(module).__version__
        except Exception as error:
            out[module] = f"not available ({type(error).__name__})"
    kernel, why = load_kernel()
    out["corridor.routing.kernel"] = "available" if kernel else f"not available ({why})"
    return out


def environment() -> dict[str, object]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {"platform": platform.platform(), "processor": platform.processor() or "?",
            "cpu_count": os.cpu_count(), "cpus_usable": usable, "versions": versions()}


# --------------------------------------------------------------------------- helpers


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def agreement(values: np.ndarray, reference: np.ndarray) -> tuple[int, float]:
    """(how many nodes agree, max abs difference over nodes both reach)."""
    both_inf = np.isinf(values) & np.isinf(reference)
    finite = np.isfinite(values) & np.isfinite(reference)
    diff = np.abs(values[finite] - reference[finite])
    ok = np.zeros(len(values), dtype=bool)
    ok[both_inf] = True
    ok[finite] = diff <= RTOL * np.maximum(1.0, np.abs(reference[finite]))
    return int(ok.sum()), float(diff.max()) if diff.size else 0.0


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:9.1f}"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}"


# --------------------------------------------------------------------------- benchmark 1


def bench_static(g: RoadGraph, libs: list[str], sources: list[int], nx_sources: int,
                 warm_source: int, repeat: int) -> dict:
    print("\n== Benchmark 1: one-to-all shortest distances (static Dijkstra) ==")
    print(f"{len(sources)} sources ({nx_sources} for networkx), {repeat} timed run(s) each, "
          "libraries interleaved in a shuffled order per source; graph build timed apart")
    handles: dict[str, object] = {}
    rows: dict[str, dict] = {}
    for lib in libs:
        build, run, _ = ADAPTERS[lib]
        row = rows[lib] = {"available": False, "times_s": [], "build_s": None}
        try:
            row["build_s"], handles[lib] = timed(lambda build=build: build(g))
            row["warmup_s"], _ = timed(lambda run=run, h=handles[lib]: run(h, warm_source))
        except Exception as error:
            row["why"] = f"{type(error).__name__}: {error}".splitlines()[0][:100]
            print(f"  {lib}: not available ({row['why']})", file=sys.stderr)
            continue
        row["available"] = True

    reference = "scipy" if rows.get("scipy", {}).get("available") else next(
        (lib for lib in libs if rows[lib]["available"]), None)
    shuffle = random.Random(len(sources))
    results: dict[str, list[np.ndarray]] = {lib: [] for lib in libs}
    rounds: list[dict[str, float]] = []  # per source and repeat: each library's time
    for i, source in enumerate(sources):
        order = [lib for lib in libs if rows[lib]["available"]
                 and (lib != "networkx" or i < nx_sources)]
        for _ in range(repeat):
            shuffle.shuffle(order)
            rounds.append({})
            for lib in order:
                _, run, to_array = ADAPTERS[lib]
                seconds, result = timed(lambda run=run, h=handles[lib], s=source: run(h, s))
                rows[lib]["times_s"].append(seconds)
                rounds[-1][lib] = seconds
                if len(results[lib]) <= i:
                    results[lib].append(to_array(result, g.n))

    for lib in libs:
        row = rows[lib]
        if not row["available"]:
            continue
        row["median_s"] = statistics.median(row["times_s"])
        row["sources"] = len(results[lib])
        agree = total = 0
        max_diff = 0.0
        for mine, ref in zip(results[lib], results[reference], strict=False):
            k, d = agreement(mine, ref)
            agree, total, max_diff = agree + k, total + len(ref), max(max_diff, d)
        row.update(agree=agree, compared=total, max_abs_diff=max_diff)
        row["reachable_mean"] = float(np.mean([np.isfinite(r).sum() for r in results[lib]]))

    available_peers = [lib for lib in PEERS if rows.get(lib, {}).get("available")]
    fastest = min(available_peers, key=lambda lib: rows[lib]["median_s"], default=None)
    fastest_s = rows[fastest]["median_s"] if fastest else None
    print(f"\n{'library':10} {'build s':>8} {'warm-up ms':>10} {'median ms':>9} "
          f"{'vs fastest':>10}  agree with {reference} (max |diff| h)")
    for lib in libs:
        row = rows[lib]
        if not row["available"]:
            print(f"{lib:10} {'not available':>30}  {row.get('why', '')}")
            continue
        print(f"{lib:10} {row['build_s']:8.2f} {ms(row['warmup_s']):>10} "
              f"{ms(row['median_s'])} {ratio(row['median_s'], fastest_s):>10}  "
              f"{row['agree']:,}/{row['compared']:,} ({row['max_abs_diff']:.2e})")
    mean_reach = rows[reference]["reachable_mean"] if reference else 0
    print(f"(nodes reached per source, mean: {mean_reach:,.0f} of {g.n:,})")

    corridor = rows.get("corridor", {})
    c_s = corridor.get("median_s")
    summary = {"fastest_peer": fastest, "reference": reference}
    if "corridor" in libs:
        print()
        paired = {}
        for peer in available_peers:
            both = [r["corridor"] / r[peer] for r in rounds if "corridor" in r and peer in r]
            paired[peer] = statistics.median(both) if both else None
            note = f"   (paired, median over runs: {paired[peer]:.2f})" if both else ""
            print(f"corridor / {peer:9} = {ratio(c_s, rows[peer]['median_s'])}{note}")
        summary["paired_ratio"] = paired
        if c_s is None:
            line = "corridor / fastest = n/a (corridor.routing.kernel not available)"
        else:
            line = f"corridor / fastest = {c_s / fastest_s:.2f} (target ≤ 1.5; fastest: {fastest})"
            summary["corridor_over_fastest"] = c_s / fastest_s
        print(line)
        disagree = corridor.get("available") and corridor["agree"] != corridor["compared"]
        if disagree:
            print(f"corridor DISAGREES with {reference} on "
                  f"{corridor['compared'] - corridor['agree']:,} node distances")
        summary["corridor_agrees"] = bool(corridor.get("available") and not disagree)
    return {"rows": rows, **summary}


# --------------------------------------------------------------------------- benchmark 2


def reference_td(indptr, dst, time_h, calendar, next_open, source: int, t0: float) -> list:
    """Earliest arrival, pure Python: Dijkstra on arrival times, waiting before entering an
    edge whose calendar is shut in the hour reached until it opens (FIFO, so label-setting
    is exact). Unreachable: inf; an edge whose calendar never opens again is not taken."""
    horizon = next_open.shape[1]
    indptr, dst, time_h = indptr.tolist(), dst.tolist(), time_h.tolist()
    calendar, table = calendar.tolist(), next_open.tolist()
    best = [float("inf")] * (len(indptr) - 1)
    best[source] = t0
    heap = [(t0, source)]
    while heap:
        t, u = heapq.heappop(heap)
        if t > best[u]:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            enter = t
            cal = calendar[e]
            if cal >= 0:
                slot = int(t)
                if slot >= horizon or table[cal][slot] >= horizon:
                    continue
                enter = max(t, float(table[cal][slot]))
            arrive = enter + time_h[e]
            v = dst[e]
            if arrive < best[v]:
                best[v] = arrive
                heapq.heappush(heap, (arrive, v))
    return best


def check_td_small(kernel, seed: int) -> dict:
    """kernel.td_earliest_arrival vs reference_td on a small graph with many calendars
    (one that never opens), several departures; arrivals stay far inside the horizon."""
    g = road_graph(400, seed=seed, calendar_share=0.3, never_open_calendar=True)
    rng = np.random.default_rng(seed)
    agree = total = 0
    worst = 0.0
    cases = 0
    for source in rng.choice(g.n, 5, replace=False).tolist():
        for t0 in (0.0, 7.5, 17.25, 4 * 24 + 16.9, 5 * 24 + 3.0):
            ref = np.array(reference_td(g.indptr, g.dst, g.weight, g.calendar, g.next_open,
                                        source, t0))
            got = np.asarray(kernel.td_earliest_arrival(
                g.indptr, g.dst, g.weight, g.calendar, g.next_open, source, t0), dtype=float)
            k, d = agreement(got, ref)
            agree, total, worst, cases = agree + k, total + g.n, max(worst, d), cases + 1
    return {"graph": g.describe(), "cases": cases, "agree": agree, "compared": total,
            "max_abs_diff": worst}


def bench_td(g: RoadGraph, sources: list[int], warm_source: int, t0: float,
             repeat: int, seed: int) -> dict:
    print("\n== Benchmark 2: time-dependent earliest arrival vs static Dijkstra (corridor) ==")
    kernel, why = load_kernel()
    if kernel is None:
        print(f"skipped: corridor.routing.kernel not available ({why})")
        return {"available": False, "why": why}
    args = (np.ascontiguousarray(g.indptr), np.ascontiguousarray(g.dst),
            np.ascontiguousarray(g.weight))
    calendar, table = np.ascontiguousarray(g.calendar), np.ascontiguousarray(g.next_open)
    no_calendar = np.full_like(calendar, -1)

    def static(s):
        return kernel.dijkstra(*args, s)

    def td(s, cal=calendar):
        return kernel.td_earliest_arrival(*args, cal, table, s, t0)

    warm = {"static_s": timed(lambda: static(warm_source))[0],
            "td_s": timed(lambda: td(warm_source))[0]}
    times: dict[str, list[float]] = {"static": [], "td": []}
    delayed, reached, worst_free, lower_bound_ok = [], [], 0.0, True
    order = ["static", "td"]
    shuffle = random.Random(seed)
    for source in sources:
        for _ in range(repeat):
            shuffle.shuffle(order)
            for name in order:
                seconds, result = timed(lambda name=name, s=source:
                                        static(s) if name == "static" else td(s))
                times[name].append(seconds)
                if name == "static":
                    base = np.asarray(result)
                else:
                    arrival = np.asarray(result)
        both = np.isfinite(base) & np.isfinite(arrival)
        lower_bound_ok &= bool(np.all(arrival[both] >= t0 + base[both] - 1e-9))
        delayed.append(int(np.count_nonzero(arrival[both] > t0 + base[both] + 1e-9)))
        reached.append(int(np.isfinite(arrival).sum()))
        free = np.asarray(td(source, no_calendar))  # no calendars: must be t0 + static
        k, d = agreement(free - t0, base)
        worst_free = max(worst_free, d if k == g.n else float("inf"))

    multi = bench_label_searches(kernel, g, sources[:max(1, min(3, len(sources)))], t0)
    static_s, td_s = statistics.median(times["static"]), statistics.median(times["td"])
    print(f"departure t0 = {t0:g} h after Monday 00:00 (calendars: "
          f"{'; '.join(name for name, _, _ in CALENDARS)})")
    print(f"{'search':28} {'warm-up ms':>10} {'median ms':>9}")
    print(f"{'static kernel.dijkstra':28} {ms(warm['static_s']):>10} {ms(static_s)}")
    print(f"{'td_earliest_arrival':28} {ms(warm['td_s']):>10} {ms(td_s)}")
    print(f"nodes whose arrival the calendars delayed, mean per source: "
          f"{statistics.mean(delayed):,.0f} of {statistics.mean(reached):,.0f} reached")
    print(f"td ≥ t0 + static everywhere: {'yes' if lower_bound_ok else 'NO'}; "
          f"td with no calendars = t0 + static: "
          f"{'yes' if worst_free <= 1e-6 else 'NO'} (max |diff| {worst_free:.1e} h)")
    small = check_td_small(kernel, seed)
    ok = small["agree"] == small["compared"]
    print(f"small-graph check vs a pure-Python reference ({small['cases']} source/departure "
          f"cases): {small['agree']:,}/{small['compared']:,} node arrivals agree "
          f"(max |diff| {small['max_abs_diff']:.1e} h){'' if ok else '  <-- DISAGREES'}")
    print(f"td / static = {td_s / static_s:.2f} (target ≤ 3)")
    for name, seconds in multi.items():
        print(f"{name:>52}: {ms(seconds)} ms, {seconds / static_s:.2f}× static")
    return {"available": True, "t0": t0, "warmup": warm, "static_median_s": static_s,
            "label_searches_median_s": multi,
            "td_median_s": td_s, "td_over_static": td_s / static_s,
            "delayed_mean": statistics.mean(delayed), "lower_bound_ok": lower_bound_ok,
            "no_calendar_max_abs_diff": worst_free, "small_check": small}


def bench_label_searches(kernel, g: RoadGraph, sources: list[int], t0: float) -> dict:
    """One-to-all runs of the searches behind plan_route and alternatives on the same graph:
    ``label_search`` (time-dependent, waiting-aware dominance, up to 8 labels per node) for
    time and for money with costed waiting, and ``pareto_search`` (time, money, risk)."""
    n, m = g.n, g.dst.size
    cal = np.ascontiguousarray(g.calendar)
    table = np.ascontiguousarray(g.next_open)
    zeros_m = np.zeros(m, np.int64)
    common = (np.ascontiguousarray(g.indptr), np.ascontiguousarray(g.dst),
              np.ascontiguousarray(g.weight), cal, np.full(m, -1, np.int64), zeros_m, zeros_m,
              np.zeros(9, np.bool_), np.ones(m, np.bool_))
    money = g.length_km * 1.89 / 1.0  # USD per km of a truck (CPMM-like rate), illustrative
    no_via_n, no_via_m = np.zeros((0, n), np.bool_), np.zeros((0, m), np.bool_)
    none = np.zeros(n, np.bool_)
    out: dict[str, float] = {}

    def label(key, wait):
        def run(s):
            return kernel.label_search(*common, key, wait, table, no_via_n, no_via_m,
                                       np.array([s], np.int64), np.array([t0]),
                                       np.array([0.0]), none, np.zeros(n), max_labels=8)
        return run

    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(g.indptr))
    reverse = (np.concatenate([[0], np.cumsum(np.bincount(g.dst, minlength=n))]),
               np.argsort(g.dst, kind="stable"), src)
    far = {s: int((s + n // 2) % n) for s in sources}  # a target half the grid away

    def to_target(key, wait):
        def run(s):
            is_target = np.zeros(n, np.bool_)
            is_target[far[s]] = True
            return kernel.label_search(*common, key, wait, table, no_via_n, no_via_m,
                                       np.array([s], np.int64), np.array([t0]),
                                       np.array([0.0]), is_target, np.zeros(n), max_labels=8,
                                       reverse=reverse)
        return run

    def pareto(s):
        return kernel.pareto_search(*common, money, g.weight * 0.5, np.full(n, 0.5), 40.0 / 24,
                                    table, no_via_n, no_via_m, np.array([s], np.int64),
                                    np.array([t0]), np.array([0.0]), np.array([0.0]), none,
                                    np.zeros(n), np.zeros(n), np.zeros(n), max_labels=4,
                                    max_total=50_000_000)

    runs = {
        "label_search one-to-all, time (plan_route's engine)": label(
            np.ascontiguousarray(g.weight), np.ones(n)),
        "label_search one-to-all, money + costed waits": label(money, np.full(n, 40.0 / 24)),
        "pareto_search one-to-all, 3 criteria, ≤4 labels/node": pareto,
        "label_search to one target (A*), money + costed waits": to_target(
            money, np.full(n, 40.0 / 24)),
    }
    for name, run in runs.items():
        run(sources[0])  # compile or load from the cache
        out[name] = statistics.median(timed(lambda s=s, run=run: run(s))[0] for s in sources)
    return out


# --------------------------------------------------------------------------- benchmark 4


def maxrss_mb() -> float:
    # Linux reports kilobytes (macOS bytes)
    scale = 1.0 / (1 << 20) if sys.platform == "darwin" else 1.0 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def child(lib: str, npz: str, source: int) -> int:
    """Run in a fresh process: peak RSS after each stage, as one JSON line."""
    stages = {"start": maxrss_mb()}
    g = RoadGraph.load(npz)
    stages["load"] = maxrss_mb()
    if lib != "baseline":
        build, run, to_array = ADAPTERS[lib]
        if lib == "corridor":
            kernel, why = load_kernel()
            if kernel is None:
                print(json.dumps({"error": why}))
                return 0
            stages["import"] = maxrss_mb()
            tiny = (np.array([0, 1, 1], np.int64), np.array([1], np.int64), np.array([1.0]))
            kernel.dijkstra(*tiny, 0)  # compile outside the build/search stages
            stages["compile"] = maxrss_mb()
        else:
            __import__(lib)
            stages["import"] = maxrss_mb()
        handle = build(g)
        stages["build"] = maxrss_mb()
        result = to_array(run(handle, source), g.n)
        stages["search"] = maxrss_mb()
        stages["reached"] = int(np.isfinite(result).sum())
    print(json.dumps(stages))
    return 0


def bench_memory(g: RoadGraph, libs: list[str], source: int) -> dict:
    print("\n== Benchmark 4: peak memory (ru_maxrss of a fresh child process, MB) ==")
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        npz = str(Path(tmp) / "graph.npz")
        g.save(npz)
        print(f"graph arrays: {os.path.getsize(npz) / 2**20:.1f} MB on disk; each child loads "
              "them, imports its library, builds its graph and runs one search")
        for lib in ["baseline", *libs]:
            cmd = [sys.executable, __file__, "--child", "--only", lib, "--npz", npz,
                   "--source", str(source)]
            # Through a shell that forks again: on Linux a child's ru_maxrss starts at its
            # parent's resident size when it was forked (kept across exec), and this
            # process holds the graph; the shell is small.
            cmd = ["/bin/sh", "-c", '"$@"; exit $?', "sh", *cmd]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            try:
                out[lib] = json.loads(proc.stdout.strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                out[lib] = {"error": f"exit {proc.returncode}: {tail[:100]}"}
    base = out["baseline"].get("load")
    print(f"\n{'library':10} {'peak':>7} {'over baseline':>13} {'import':>7} {'compile':>7} "
          f"{'build':>7} {'search':>7} {'build+search':>12}")
    if base is not None:
        print(f"{'baseline':10} {base:7.0f} {'':>13}   (python + numpy + the graph arrays)")
    for lib in libs:
        row = out[lib]
        if "error" in row:
            print(f"{lib:10} {'not available':>21}  {row['error']}")
            continue
        before = row["load"]
        cells = []
        for stage in ("import", "compile", "build", "search"):
            if stage in row:
                cells.append(f"{row[stage] - before:7.0f}")
                before = row[stage]
            else:
                cells.append(f"{'-':>7}")
        row["peak_mb"] = row["search"]
        row["over_baseline_mb"] = row["search"] - base if base is not None else None
        row["build_search_mb"] = row["search"] - row.get("compile", row["import"])
        print(f"{lib:10} {row['search']:7.0f} {row['over_baseline_mb']:13.0f} {' '.join(cells)} "
              f"{row['build_search_mb']:12.0f}")
    print("(stage columns: how much the peak grew in that stage; compile: corridor's JIT, "
          "run on a 2-node graph before the build)")
    return out


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=262_144,
                        help="junctions of the synthetic road graph (default 262144: "
                             "~1.05 million directed edges)")
    parser.add_argument("--sources", type=int, default=10, help="random sources (default 10)")
    parser.add_argument("--nx-sources", type=int, default=2,
                        help="how many of them networkx runs (default 2: it is slow)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per source")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--only", default=",".join(LIBS),
                        help=f"comma-separated libraries (default all: {','.join(LIBS)})")
    parser.add_argument("--bench", default="1,2,4", help="which benchmarks (default 1,2,4)")
    parser.add_argument("--t0", type=float, default=4 * 24 + 16.0,
                        help="departure for benchmark 2, hours after Monday 00:00 "
                             "(default Friday 16:00)")
    parser.add_argument("--json", metavar="OUT", help="save the figures as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--npz", help=argparse.SUPPRESS)
    parser.add_argument("--source", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        return child(args.only, args.npz, args.source)
    libs = [lib.strip() for lib in args.only.split(",") if lib.strip()]
    unknown = set(libs) - set(LIBS)
    if unknown:
        parser.error(f"unknown libraries {sorted(unknown)}; known: {', '.join(LIBS)}")
    benches = {b.strip() for b in args.bench.split(",")}

    env = environment()
    print("environment:", f"{env['platform']}, {env['cpu_count']} CPUs "
          f"({env['cpus_usable']} usable)")
    print("  " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()))

    seconds, g = timed(lambda: road_graph(args.nodes, seed=args.seed))
    print(f"graph: {g.describe()}; generated in {seconds:.2f} s (seed {args.seed})")
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(g.n, args.sources + 1, replace=False).tolist()
    warm_source, sources = picks[0], picks[1:]
    report: dict[str, object] = {"environment": env, "args": vars(args),
                                 "graph": {"nodes": g.n, "edges": g.m,
                                           "describe": g.describe(), "sources": sources}}
    if "1" in benches:
        report["bench1"] = bench_static(g, libs, sources, min(args.nx_sources, len(sources)),
                                        warm_source, args.repeat)
    if "2" in benches:
        report["bench2"] = bench_td(g, sources, warm_source, args.t0, args.repeat, args.seed)
    if "4" in benches:
        report["bench4"] = bench_memory(g, libs, sources[0])
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
        print(f"\nfigures saved to {args.json}")
    bad = report.get("bench1", {}).get("corridor_agrees") is False
    small = report.get("bench2", {}).get("small_check")
    bad |= bool(small and small["agree"] != small["compared"])
    return 2 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
