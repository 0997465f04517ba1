"""Benchmark OD matrices (issue 6, benchmark 3): in-process vs processes vs Dask.

    python bench/bench_matrix.py [--cities N] [--months 1-12] [--workers W] [--draws D]
                                 [--engines inprocess,processes,dask]
    python bench/bench_matrix.py --cities 1000     # the issue's 1,000 × 1,000 × 12

The N most populous cities of the region's gazetteer (distinct names) are both origins and
destinations; each is routed to every other for a departure on the 15th of each month, on the
bundled network, by each engine. Each engine runs in a fresh Python process so that its peak
memory (``ru_maxrss`` of the driver, and of its worker processes) is its own. The rows of every
engine are checked to be identical to the in-process ones. Pairs/s counts routed
(origin, destination, departure) keys, the diagonal excluded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time


def region_cities(count: int) -> list[str]:
    """The ``count`` most populous gazetteer cities of the network's countries that lie within
    the access-leg reach (400 km) of a network place, so that an access leg can join them."""
    import corridor
    from corridor.io.gazetteer import _cities, haversine_km
    from corridor.routing.plan import _ACCESS_MAX_KM

    from corridor.exceptions import CorridorError
    from corridor.io.gazetteer import resolve_name

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


def run_one(engine: str, cities: int, months: str, workers: int, draws: int) -> dict:
    from corridor.analysis.matrix import iter_od_matrix, monthly_departures

    names = region_cities(cities)
    departures = monthly_departures(2026, months)
    started = time.perf_counter()
    # streamed: a 1,000 × 1,000 × 12 matrix (12 million rows) is hashed, not held
    digest = hashlib.sha256()
    errors = count = 0
    for row in iter_od_matrix(names, names, departures=departures, engine=engine,
                              workers=workers, draws=draws):
        digest.update(json.dumps(row, sort_keys=True).encode())
        errors += bool(row["error"])
        count += 1
        if count % 1_000_000 == 0:  # progress of a long run, on stderr
            print(f"{engine}: {count:,} rows in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    routed = len(names) * (len(names) - 1) * len(departures)
    return {
        "engine": engine, "seconds": seconds, "keys": routed, "pairs_per_s": routed / seconds,
        "no_route": errors - len(names) * len(departures),
        "digest": digest.hexdigest()[:12],
        "driver_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=20)
    parser.add_argument("--months", default="1-12")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draws", type=int, default=0)
    parser.add_argument("--engines", default="inprocess,processes,dask")
    parser.add_argument("--json", default=None, help="save the results to this file")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.cities, args.months, args.workers,
                                 args.draws)))
        return
    results = []
    for engine in args.engines.split(","):
        done = subprocess.run(
            [sys.executable, __file__, "--one", engine, "--cities", str(args.cities),
             "--months", args.months, "--workers", str(args.workers), "--draws",
             str(args.draws)], stdout=subprocess.PIPE, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{engine}: {results[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
        if args.json:  # saved as each engine finishes: a long run stopped later keeps them
            save(args, results)
    base = results[0]
    print(f"OD matrix: {args.cities} × {args.cities} region cities × months {args.months} "
          f"({base['keys']} routed keys, draws={args.draws}, workers={args.workers})")
    print(f"{'engine':<10} {'wall s':>8} {'pairs/s':>9} {'vs first':>9} "
          f"{'driver MB':>10} {'workers MB':>11} {'rows':>13}")
    for r in results:
        same = "identical" if r["digest"] == base["digest"] else "DIFFERENT"
        print(f"{r['engine']:<10} {r['seconds']:8.1f} {r['pairs_per_s']:9.1f} "
              f"{base['seconds'] / r['seconds']:8.2f}× {r['driver_maxrss_mb']:10.0f} "
              f"{r['workers_maxrss_mb']:11.0f} {same:>13}")
    print(f"no route: {base['no_route']} keys")


def save(args: argparse.Namespace, results: list[dict]) -> None:
    """Write the results so far to ``args.json``, atomically."""
    from corridor.io.export import _atomic_write

    with _atomic_write(args.json, "w", encoding="utf-8") as handle:
        json.dump({"cities": args.cities, "months": args.months, "workers": args.workers,
                   "draws": args.draws, "results": results}, handle, indent=1)


if __name__ == "__main__":
    main()
