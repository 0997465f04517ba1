"""A bounded load test of the HTTP API on loopback: POST /route, with GET /places and /health.

Starts ``uvicorn`` serving ``create_app`` (the bundled network, an in-memory scenario store)
on 127.0.0.1 and a free port in a subprocess, waits for ``/health``, warms up, then sends a
fixed number of requests from N client threads (httpx, one client per thread), stopping
early at a time budget. Prints requests per second, p50/p95/p99 latency and errors per
endpoint, then stops the server.

    pip install -e ".[server]"
    python bench/bench_server.py                        # 2,000 routes, 4 threads, 30 s cap
    python bench/bench_server.py --requests 500 --threads 8 --draws 0

The client runs on the same machine and shares its CPUs with the server: the numbers are a
floor for what the server does alone. The server runs one uvicorn worker (FastAPI runs the
sync endpoints in its thread pool; the Monte Carlo work holds the GIL for part of the time).
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import httpx

PAIRS = [("Karachi", "Almaty"), ("Islamabad", "Kashgar"), ("Lahore", "Tashkent"),
         ("Gwadar", "Dushanbe"), ("Peshawar", "Bishkek"), ("Karachi", "Ashgabat"),
         ("Quetta", "Termez"), ("Almaty", "Karachi")]
DEPARTS = ["2026-01-15", "2026-04-20", "2026-07-15", "2026-10-05"]
QUERIES = ["kar", "alma-ata", "tashkent", "dushanbe", "khunjerab", "bishk", "peshawar", "urumqi"]

SERVER = """
import sys, uvicorn
from corridor.server import Limits, create_app
network = sys.argv[3] or None
limits = Limits(route_cache=int(sys.argv[4]))
uvicorn.run(create_app(network_dir=network, db=":memory:", limits=limits), host=sys.argv[1],
            port=int(sys.argv[2]), log_level="warning", access_log=False)
"""

DEFAULT_BODY = {"origin": "Karachi", "destination": "Almaty", "depart": "2026-07-15"}
"""POST /route's first example in the API schema (10,000 draws by default)."""
HEAVY = {"origin": "Karachi", "destination": "Almaty", "draws": 2000, "step": "week",
         "optimize": "p90"}
"""A heavy request for the mixed load: a year of weekly departures."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, network: str | None, route_cache: int = 2048) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, "127.0.0.1", str(port), network or "",
                             str(route_cache)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer /health within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


Request = Callable[[httpx.Client, int], httpx.Response]


def route_request(draws: int) -> Request:
    def send(client: httpx.Client, i: int) -> httpx.Response:
        origin, destination = PAIRS[i % len(PAIRS)]
        return client.post("/route", json={"origin": origin, "destination": destination,
                                           "depart": DEPARTS[(i // len(PAIRS)) % len(DEPARTS)],
                                           "draws": draws, "seed": i})
    return send


def default_route(client: httpx.Client, i: int) -> httpx.Response:
    return client.post("/route", json=DEFAULT_BODY)


def mixed_request(client: httpx.Client, i: int) -> httpx.Response:
    """Cheap requests in turn: the default route, a place search, /health."""
    return (default_route, places_request, health_request)[i % 3](client, i)


def places_request(client: httpx.Client, i: int) -> httpx.Response:
    return client.get("/places", params={"q": QUERIES[i % len(QUERIES)]})


def health_request(client: httpx.Client, i: int) -> httpx.Response:
    return client.get("/health")


def load(base: str, send: Request, total: int, threads: int, budget: float) -> dict:
    """Send ``total`` requests (fewer if ``budget`` seconds pass) from ``threads`` threads."""
    counter: Iterator[int] = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    stop_at = start + budget

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                with lock:
                    i = next(counter)
                if i >= total or time.perf_counter() > stop_at:
                    return
                t0 = time.perf_counter()
                try:
                    response = send(client, i)
                    bad = None if response.status_code == 200 else str(response.status_code)
                except httpx.HTTPError as exc:
                    bad = type(exc).__name__
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if bad is not None:
                        errors.append(bad)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - start
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(p / 100 * len(ms)))] if ms else float("nan")

    return dict(n=len(ms), wall=wall, rps=len(ms) / wall if wall else 0.0,
                p50=statistics.median(ms) if ms else float("nan"), p95=pct(95), p99=pct(99),
                max=ms[-1] if ms else float("nan"), errors=len(errors),
                kinds=sorted(set(errors)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="route requests (2,000)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (4)")
    parser.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (1,000)")
    parser.add_argument("--budget", type=float, default=30.0,
                        help="stop each phase after this many seconds (30)")
    parser.add_argument("--light", type=int, default=2000,
                        help="requests for /places and /health each (2,000)")
    parser.add_argument("--warmup", type=int, default=40, help="warm-up route requests (40)")
    parser.add_argument("--network", default=None, help="a network folder (default bundled)")
    args = parser.parse_args(argv)

    # POST /route with its default body: without the answer cache (before), then with it
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"server: uvicorn, 1 worker, {base}; client: {args.threads} httpx threads; "
          f"{os.cpu_count()} CPUs shared by both", flush=True)
    rows = []
    proc = start_server(port, args.network, route_cache=0)
    try:
        load(base, default_route, args.warmup, args.threads, 60)
        rows.append(("/route default, no cache", load(base, default_route, args.requests,
                                                       args.threads, args.budget)))
    finally:
        stop_server(proc)
    proc = start_server(port, args.network)
    try:
        load(base, default_route, args.warmup, args.threads, 60)
        rows.append(("/route default, cached", load(base, default_route, args.requests,
                                                     args.threads, args.budget)))
        # cheap requests while a heavy one runs
        heavy = threading.Thread(target=lambda: httpx.post(f"{base}/calendar", json=HEAVY,
                                                           timeout=120))
        heavy.start()
        time.sleep(0.5)
        rows.append(("mixed, heavy running", load(base, mixed_request, args.light,
                                                   args.threads, args.budget)))
        heavy.join()
    finally:
        stop_server(proc)
    proc = start_server(port, args.network)
    try:
        load(base, route_request(args.draws), args.warmup, args.threads, 60)
        load(base, places_request, 50, args.threads, 30)
        rows += [(f"POST /route draws={args.draws}",
                 load(base, route_request(args.draws), args.requests, args.threads,
                      args.budget)),
                ("GET /places", load(base, places_request, args.light, args.threads,
                                     args.budget)),
                ("GET /health", load(base, health_request, args.light, args.threads,
                                     args.budget))]
    finally:
        stop_server(proc)

    print(f"\n{'endpoint':26} {'requests':>8} {'seconds':>8} {'req/s':>8} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    for name, r in rows:
        print(f"{name:26} {r['n']:8d} {r['wall']:8.1f} {r['rps']:8.1f} {r['p50']:8.1f} "
              f"{r['p95']:8.1f} {r['p99']:8.1f} {r['max']:8.1f} {r['errors']:6d}"
              + (f"  {','.join(r['kinds'])}" if r["kinds"] else ""))
    return 1 if any(r["errors"] for _, r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
