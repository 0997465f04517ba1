"""Benchmark OD matrices (issues 6 and 14, benchmark 3): in-process vs processes vs Dask.

    python bench/bench_matrix.py [--cities N] [--months 1-12] [--workers W] [--draws D]
                                 [--engines inprocess,processes,dask] [--write]
    python bench/bench_matrix.py --cities 300      # issue 14's 300 × 300 × 12 (≤ 10 s)
    python bench/bench_matrix.py --cities 1000     # 1,000 × 1,000 × 12 (≤ 60 s)

The N most populous cities of the region's gazetteer (distinct places, names the gazetteer
reads as one place) are both origins and destinations; each is routed to every other for a
departure on the 15th of each month, on the bundled network, by each engine, as Arrow record
batches (``--write``: into a Parquet file as well). Each engine runs in a fresh Python process
so that its peak memory (``ru_maxrss`` of the driver, and of its worker processes) is its own.
The batches of every engine are checksummed (CRC-32 of their buffers) and checked to be
identical to the in-process ones. Pairs/s counts routed (origin, destination, departure)
keys, the diagonal excluded.

The named peer, timed in the same run: :func:`corridor.plan_route` one pair at a time (no
Monte Carlo draws) on the first ``--peer-pairs`` pairs in July; ``vs peer`` is each engine's
pairs/s over the peer's.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import zlib


def region_cities(count: int) -> list[str]:
    """The ``count`` most populous gazetteer cities of the network's countries that lie within
    the access-leg reach (400 km) of a network place, so that an access leg can join them."""
    import corridor
    from corridor.exceptions import CorridorError
    from corridor.io.gazetteer import _cities, haversine_km, resolve_name
    from corridor.routing.request import ACCESS_MAX_KM as _ACCESS_MAX_KM

    net = corridor.load_network()
    places = list(net.places.values())
    names: list[str] = []
    seen: set[str] = set()
    for city in sorted(_cities(frozenset(net.countries)), key=lambda c: (-c.population,
                                                                          c.geonameid)):
        near = any(haversine_km(city.lat, city.lon, p.lat, p.lon) <= _ACCESS_MAX_KM
                   for p in places if p.kind != "border_post")
        if not near or city.name in names:
            continue
        try:  # a name the gazetteer reads as another place, or as several, is left out
            match = resolve_name(city.name, net, allow=("place", "city"))
        except CorridorError:
            continue
        if match.note or match.id in seen:
            continue
        seen.add(match.id)
        names.append(city.name)
        if len(names) == count:
            break
    return names


def run_one(engine: str, cities: int, months: str, workers: int, draws: int,
            write: bool) -> dict:
    import tempfile

    import pyarrow as pa

    from corridor.analysis.matrix import iter_od_batches, monthly_departures, write_matrix

    names = region_cities(cities)
    departures = monthly_departures(2026, months)
    started = time.perf_counter()
    # streamed: a 1,000 × 1,000 × 12 matrix (12 million rows) is checksummed, not held
    counts = {"rows": 0, "errors": 0, "crc": 0}

    def hashed(batches):
        for batch in batches:
            for column in batch.columns:  # the values, not a copy of them
                arrays = [column.indices, column.dictionary] if pa.types.is_dictionary(
                    column.type) else [column]
                for array in arrays:
                    for buffer in array.buffers():
                        if buffer is not None:
                            counts["crc"] = zlib.crc32(buffer, counts["crc"])
            counts["rows"] += batch.num_rows
            counts["errors"] += batch.num_rows - batch.column("error").null_count
            if counts["rows"] // 1_000_000 != (counts["rows"] - batch.num_rows) // 1_000_000:
                print(f"{engine}: {counts['rows']:,} rows in "
                      f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            yield batch

    batches = hashed(iter_od_batches(names, names, departures=departures, engine=engine,
                                     workers=workers, draws=draws))
    size_mb = None
    if write:
        with tempfile.TemporaryDirectory() as folder:
            path = write_matrix(batches, f"{folder}/matrix.parquet")
            size_mb = path.stat().st_size / 1e6
    else:
        for _ in batches:
            pass
    seconds = time.perf_counter() - started
    routed = len(names) * (len(names) - 1) * len(departures)
    return {
        "engine": engine, "seconds": seconds, "keys": routed, "pairs_per_s": routed / seconds,
        "no_route": counts["errors"] - len(names) * len(departures),
        "digest": f"{counts['crc']:08x}", "parquet_mb": size_mb,
        "driver_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "driver_cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
        "workers_cpu_s": sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]),
    }


def run_peer(cities: int, pairs: int) -> dict:
    """The named peer: one :func:`corridor.plan_route` per pair (no draws), for a sample of
    the same pairs in July, timed in the same run."""
    import itertools

    import corridor

    names = region_cities(cities)
    net = corridor.load_network()
    sample = list(itertools.islice(((a, b) for a in names for b in names if a != b), pairs))
    corridor.plan_route(sample[0][0], sample[0][1], depart="2026-07-15", draws=0,
                        network=net)  # compiled and cached before the clock starts
    started = time.perf_counter()
    for a, b in sample:
        try:
            corridor.plan_route(a, b, depart="2026-07-15", draws=0, network=net)
        except corridor.CorridorError:
            pass
    seconds = time.perf_counter() - started
    return {"engine": "plan_route", "seconds": seconds, "keys": len(sample),
            "pairs_per_s": len(sample) / seconds}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=20)
    parser.add_argument("--months", default="1-12")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draws", type=int, default=0)
    parser.add_argument("--engines", default="inprocess,processes,dask")
    parser.add_argument("--write", action="store_true",
                        help="also write each matrix to a Parquet file (timed)")
    parser.add_argument("--peer-pairs", type=int, default=2000,
                        help="pairs routed one by one with plan_route, the peer")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of all engines in turn; each engine's fastest is kept "
                             "(this machine is shared: its speed drifts within minutes)")
    parser.add_argument("--json", default=None, help="save the results to this file")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one == "plan_route":
        print(json.dumps(run_peer(args.cities, args.peer_pairs)))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.cities, args.months, args.workers,
                                 args.draws, args.write)))
        return
    engines = args.engines.split(",")
    best: dict[str, dict] = {}
    rounds: dict[str, list[float]] = {e: [] for e in engines}  # every round's wall time
    for round_ in range(args.repeat):
        for engine in engines:
            done = subprocess.run(
                [sys.executable, __file__, "--one", engine, "--cities", str(args.cities),
                 "--months", args.months, "--workers", str(args.workers), "--draws",
                 str(args.draws), *(["--write"] if args.write else [])],
                stdout=subprocess.PIPE, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["round"] = round_ + 1
            rounds[engine].append(result["seconds"])
            if engine not in best or result["seconds"] < best[engine]["seconds"]:
                best[engine] = result
            best[engine]["rounds_s"] = rounds[engine]
            print(f"{engine} (round {round_ + 1}): {result['seconds']:.1f} s",
                  file=sys.stderr, flush=True)
            if args.json:  # saved as each engine finishes: a run stopped later keeps them
                save(args, [best[e] for e in engines if e in best])
    results = [best[e] for e in engines]
    peer = json.loads(subprocess.run(
        [sys.executable, __file__, "--one", "plan_route", "--cities", str(args.cities),
         "--peer-pairs", str(args.peer_pairs)], stdout=subprocess.PIPE, text=True,
        check=True).stdout.strip().splitlines()[-1])
    base = results[0]
    print(f"OD matrix: {args.cities} × {args.cities} region cities × months {args.months} "
          f"({base['keys']:,} routed keys, draws={args.draws}, workers={args.workers}"
          f"{', written to Parquet' if args.write else ''}"
          f"{f', fastest of {args.repeat} rounds' if args.repeat > 1 else ''})")
    print(f"{'engine':<10} {'wall s':>8} {'pairs/s':>10} {'vs first':>9} {'vs peer':>9} "
          f"{'driver MB':>10} {'workers MB':>11} {'driver CPU s':>13} {'workers CPU s':>14} "
          f"{'rows':>11}")
    for r in results:
        same = "identical" if r["digest"] == base["digest"] else "DIFFERENT"
        print(f"{r['engine']:<10} {r['seconds']:8.1f} {r['pairs_per_s']:10.0f} "
              f"{base['seconds'] / r['seconds']:8.2f}× "
              f"{r['pairs_per_s'] / peer['pairs_per_s']:8.0f}× {r['driver_maxrss_mb']:10.0f} "
              f"{r['workers_maxrss_mb']:11.0f} {r['driver_cpu_s']:13.1f} "
              f"{r['workers_cpu_s']:14.1f} {same:>11}")
    if args.repeat > 1:  # the engines of one round ran minutes apart: less drift between them
        for engine in engines[1:]:
            ratios = [a / b for a, b in zip(rounds[engines[0]], rounds[engine], strict=True)]
            print(f"{engine} vs {engines[0]} round by round: "
                  f"{' '.join(f'{r:.2f}×' for r in ratios)} "
                  f"(median {statistics.median(ratios):.2f}×)")
    print(f"peer: plan_route one pair at a time, {peer['keys']:,} pairs in "
          f"{peer['seconds']:.1f} s ({peer['pairs_per_s']:.0f} pairs/s)")
    print(f"no route: {base['no_route']:,} keys")


def save(args: argparse.Namespace, results: list[dict]) -> None:
    """Write the results so far to ``args.json``, atomically."""
    from corridor.io.export import atomic_write

    with atomic_write(args.json, "w", encoding="utf-8") as handle:
        json.dump({"cities": args.cities, "months": args.months, "workers": args.workers,
                   "draws": args.draws, "write": args.write, "results": results}, handle,
                  indent=1)


if __name__ == "__main__":
    main()
