"""Origin–destination matrices: every pair × every departure × every scenario, in long format.

Three engines give the same rows (tested):

* ``inprocess`` (default): one loop in this process.
* ``processes``: a :class:`concurrent.futures.ProcessPoolExecutor`. Its initializer receives
  the network folder path and the scenario objects **once per worker**, loads, applies and
  compiles the networks there; tasks are chunks of (origin, destination, departure, scenario)
  keys, so no network ever travels with a task.
* ``dask``: :mod:`dask.distributed` (the ``matrix`` extra). A ``LocalCluster`` of ``workers``
  processes, or an existing cluster at ``scheduler``. The network folder's files (a few hundred
  kB) and the scenarios travel in a worker plugin, installed **once per worker** (and on any
  worker that joins later); the worker rebuilds the networks and checks their content hash
  against the caller's, so a remote worker without the folder still computes the same rows.

An origin equal to its destination (the same resolved place) gets a row whose ``error`` says
so; no search is run. A pair without a route under a scenario gets a row with the reason in
``error`` and the other result fields ``None``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.exceptions import CorridorError, InvalidOptionError, UnknownPlaceError

if TYPE_CHECKING:
    from corridor.model.network import Network
    from corridor.model.scenario import Scenario
    from corridor.routing.result import Route

__all__ = ["COLUMNS", "ENGINES", "monthly_departures", "od_matrix", "read_place_list",
           "write_matrix"]

COLUMNS: tuple[str, ...] = (
    "origin", "destination", "departure", "scenario", "corridor", "duration_h", "p50_h",
    "p90_h", "cost_usd", "distance_km", "risk", "co2e_kg", "crossings", "error",
)
"""The columns of :func:`od_matrix` rows, in order."""

ENGINES: tuple[str, ...] = ("inprocess", "processes", "dask")
"""Where :func:`od_matrix` runs its searches."""

BASELINE = "baseline"
_SAME_PLACE = "origin and destination are the same place"
_TEXT_COLUMNS = frozenset({"origin", "destination", "departure", "scenario", "corridor",
                           "crossings", "error"})


@dataclass(frozen=True)
class _Job:
    """What every task needs besides its keys; small and picklable."""

    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    departures: tuple[dt.datetime, ...]
    cases: tuple[str, ...]  # "baseline" then scenario names
    same: frozenset[tuple[int, int]]  # (origin, destination) indexes of identical places
    cargo: str
    optimize: str
    draws: int
    seed: int
    token: str  # names the worker state built for this matrix


# key: (origin index, destination index, departure index, case index)
_Key = tuple[int, int, int, int]

# Networks built on a worker, by job token: {case name: network}.
_STATE: dict[str, dict[str, Network]] = {}


def monthly_departures(year: int = 2026, months: str | Iterable[int] = "1-12",
                       day: int = 15) -> list[dt.datetime]:
    """One departure (08:00) on ``day`` of each month in ``months`` (``"1-12"``, ``"3,7"``).

    Examples
    --------
    >>> [d.isoformat() for d in monthly_departures(2026, "6-7")]
    ['2026-06-15T08:00:00', '2026-07-15T08:00:00']
    """
    numbers = _parse_months(months) if isinstance(months, str) else sorted(set(months))
    if not 1 <= day <= 28:
        raise InvalidOptionError(f"day {day} must be between 1 and 28 (every month has it)")
    if not numbers or any(not 1 <= m <= 12 for m in numbers):
        raise InvalidOptionError(f"months {months!r} must be between 1 and 12")
    return [dt.datetime(year, m, day, 8, 0) for m in numbers]


def _parse_months(text: str) -> list[int]:
    out: set[int] = set()
    try:
        for part in (p.strip() for p in text.split(",") if p.strip()):
            first, _, last = part.partition("-")
            a, b = int(first), int(last or first)
            if not (1 <= a <= 12 and 1 <= b <= 12 and a <= b):
                raise ValueError
            out.update(range(a, b + 1))
    except ValueError:
        raise InvalidOptionError(
            f"months {text!r} is not a list of months; use e.g. 1-12 or 3,7,11") from None
    return sorted(out)


def read_place_list(path: str | os.PathLike[str]) -> list[str]:
    """Place names from a text file (one a line; ``#`` starts a comment) or a CSV file with a
    ``name`` column.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    columns = [c.strip().lower() for c in next(csv.reader([header]))] if header else []
    if "name" in columns and len(columns) > 1 or columns == ["name"]:
        reader = csv.DictReader(lines)
        key = next(k for k in reader.fieldnames or () if k.strip().lower() == "name")
        return [row[key].strip() for row in reader if (row.get(key) or "").strip()]
    return [s for s in (line.split("#", 1)[0].strip() for line in lines) if s]


def od_matrix(
    origins: Sequence[str],
    destinations: Sequence[str],
    *,
    departures: Sequence[dt.date | dt.datetime | str],
    scenarios: Sequence[str | Scenario] = (),
    cargo: str = "truck",
    optimize: str = "generalized",
    draws: int = 0,
    seed: int = 0,
    engine: str = "inprocess",
    workers: int | None = None,
    scheduler: Any = None,
    network: Network | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """The best route of every origin × destination × departure × scenario, as long rows.

    Parameters
    ----------
    origins, destinations
        Place names, as for :func:`corridor.plan_route`; all are resolved before any search,
        and every unknown name is reported at once.
    departures
        Dates or datetimes (a bare date leaves at 08:00); see :func:`monthly_departures`.
    scenarios
        Library names, file paths or :class:`~corridor.model.scenario.Scenario` objects; each
        is one case next to the ``baseline`` (they are not combined).
    cargo, optimize, draws, seed
        As for :func:`corridor.plan_route`. With ``draws`` > 0 every route gets P50/P90 from
        a Monte Carlo run seeded with ``seed`` (the same on every engine).
    engine
        ``inprocess``, ``processes`` or ``dask``.
    workers
        Worker processes for ``processes`` and a local Dask cluster (default: CPU count).
    scheduler
        An existing Dask scheduler (``"tcp://host:8786"``) or ``distributed.Client``; implies
        ``engine="dask"``.
    network
        Default the bundled network. The ``processes`` and ``dask`` engines rebuild it on the
        workers from its folder, so it must come from :func:`corridor.load_network`.
    progress
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    list of dict
        One row per key with the fields of :data:`COLUMNS`, sorted by origin, destination
        (input order), departure, then scenario (baseline first). ``crossings`` is the ids of
        the crossings used, ``;``-joined; ``p50_h``/``p90_h`` are ``None`` when ``draws`` is 0.

    Examples
    --------
    >>> rows = od_matrix(["Karachi"], ["Almaty"], departures=["2026-07-15"])
    >>> rows[0]["scenario"], rows[0]["crossings"].count(";") >= 1
    ('baseline', True)
    """
    from corridor.io.folder import load_network
    from corridor.routing.plan import OBJECTIVES, _choice, _parse_depart

    if scheduler is not None:
        engine = "dask"
    _choice(engine, ENGINES, "engine")
    _choice(optimize, OBJECTIVES, "objective")
    if draws < 0:
        raise InvalidOptionError(f"draws must be 0 or more, not {draws}")
    if workers is not None and workers < 1:
        raise InvalidOptionError(f"workers must be 1 or more, not {workers}")
    origins, destinations = tuple(origins), tuple(destinations)
    for what, names in (("origins", origins), ("destinations", destinations)):
        if not names:
            raise InvalidOptionError(f"no {what}; give at least one place name")
    if not departures:
        raise InvalidOptionError("no departures; give at least one date")
    network = network if network is not None else load_network()
    _choice(cargo, network.cargo, "cargo")
    when = tuple(sorted({_parse_depart(d) for d in departures}))
    loaded = _load_scenarios(scenarios)
    case_names = (BASELINE, *(s.name for s in loaded))
    if len(set(case_names)) != len(case_names):
        raise InvalidOptionError(f"scenario names repeat: {', '.join(case_names[1:])}")
    ids = _resolve(origins + destinations, network)  # one error names every unknown
    ids_o, ids_d = ids[:len(origins)], ids[len(origins):]
    same = frozenset((i, j) for i, a in enumerate(ids_o) for j, b in enumerate(ids_d)
                     if a == b)
    token = hashlib.sha256(repr((network.content_hash, case_names, [
        repr(s) for s in loaded])).encode()).hexdigest()[:16]
    job = _Job(origins, destinations, when, case_names, same, cargo, optimize, draws, seed,
               token)
    keys = [(i, j, k, c) for i in range(len(origins)) for j in range(len(destinations))
            for k in range(len(when)) for c in range(len(case_names))]
    bar = _progress_bar(len(keys)) if progress else None
    try:
        if engine == "inprocess":
            rows = _run_inprocess(job, keys, network, loaded, bar)
        else:
            if not network.folder:
                raise InvalidOptionError(f"engine {engine!r} rebuilds the network on each "
                                         "worker from its folder; load it with "
                                         "corridor.load_network(folder)")
            size = workers or os.cpu_count() or 1
            chunks = _chunks(keys, size)
            if engine == "processes":
                rows = _run_processes(job, chunks, network, loaded, size, bar)
            else:
                rows = _run_dask(job, chunks, network, loaded, size, scheduler, bar)
    finally:
        if bar is not None:
            bar.close()
    rows.sort(key=lambda pair: pair[0])
    return [row for _, row in rows]


def _load_scenarios(scenarios: Sequence[str | Scenario]) -> tuple[Scenario, ...]:
    from corridor.io.scenarios import load_scenario

    if isinstance(scenarios, str):
        scenarios = [scenarios]
    return tuple(load_scenario(s) if isinstance(s, (str, os.PathLike)) else s
                 for s in scenarios)


def _resolve(names: Sequence[str], network: Network) -> list[str]:
    """Resolved ids of ``names``; one error lists every unknown name."""
    from corridor.io.gazetteer import resolve_name

    ids, unknown = [], []
    for name in names:
        try:
            ids.append(resolve_name(name, network, allow=("place", "city")).id)
        except UnknownPlaceError as error:
            unknown.append(error)
    if len(unknown) == 1:
        raise unknown[0]
    if unknown:
        raise UnknownPlaceError(", ".join(e.name for e in unknown),
                                [s for e in unknown for s in e.suggestions[:1]],
                                what="places")
    return ids


def _progress_bar(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        raise ImportError("a progress bar needs the matrix extra: pip install "
                          "'corridor[matrix]' (tqdm is not installed)") from None
    return tqdm(total=total, unit="route", desc="matrix", leave=False, dynamic_ncols=True)


def _chunks(keys: list[_Key], workers: int) -> list[list[_Key]]:
    # About eight chunks per worker balances the load without many round trips.
    size = max(1, min(200, math.ceil(len(keys) / (workers * 8))))
    return [keys[i:i + size] for i in range(0, len(keys), size)]


def _build_cases(network: Network, scenarios: Sequence[Scenario]) -> dict[str, Network]:
    from corridor.model.scenario import apply_scenarios
    from corridor.routing.compile import compile_network

    cases = {BASELINE: network}
    for scenario in scenarios:
        cases[scenario.name] = apply_scenarios(network, [scenario])
    for net in cases.values():
        compile_network(net)  # once here, so that no task pays for it
    return cases


def _row(job: _Job, key: _Key, route: Route | None, error: str) -> dict[str, Any]:
    i, j, k, c = key
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(origin=job.origins[i], destination=job.destinations[j],
               departure=job.departures[k].isoformat(timespec="minutes"),
               scenario=job.cases[c])
    if route is None:
        row["error"] = error
        return row
    s, rel = route.summary, route.reliability
    row.update(
        corridor=route.corridor, duration_h=round(s.duration_h, 2),
        p50_h=round(rel.p50_h, 2) if rel else None, p90_h=round(rel.p90_h, 2) if rel else None,
        cost_usd=round(s.cost_usd, 2), distance_km=round(s.distance_km, 1),
        risk=round(s.risk, 3), co2e_kg=round(s.co2e_kg, 1), crossings=";".join(route.crossings),
    )
    return row


def _run_keys(job: _Job, keys: Sequence[_Key],
              cases: dict[str, Network]) -> list[tuple[_Key, dict[str, Any]]]:
    from corridor.routing.plan import plan_route

    out = []
    for key in keys:
        i, j, k, c = key
        if (i, j) in job.same:
            out.append((key, _row(job, key, None, _SAME_PLACE)))
            continue
        try:
            route = plan_route(job.origins[i], job.destinations[j], depart=job.departures[k],
                               cargo=job.cargo, optimize=job.optimize,
                               network=cases[job.cases[c]], draws=job.draws, seed=job.seed)
        except CorridorError as error:  # no route, or no access leg under this scenario
            out.append((key, _row(job, key, None, str(error))))
        else:
            out.append((key, _row(job, key, route, "")))
    return out


def _run_inprocess(job: _Job, keys: list[_Key], network: Network,
                   scenarios: Sequence[Scenario], bar: Any) -> list:
    cases = _build_cases(network, scenarios)
    rows = []
    for chunk in _chunks(keys, 1):
        rows.extend(_run_keys(job, chunk, cases))
        if bar is not None:
            bar.update(len(chunk))
    return rows


# --- workers -----------------------------------------------------------------------------

def _install(token: str, folder: str, scenarios: Sequence[Scenario], content_hash: str) -> None:
    """Build this worker's networks for ``token`` (once; later calls are free)."""
    if token in _STATE:
        return
    from corridor.io.folder import load_network

    network = load_network(folder)
    if network.content_hash != content_hash:
        raise CorridorError(f"the network at {folder} on this worker differs from the "
                            "caller's (content hash mismatch)")
    _STATE[token] = _build_cases(network, scenarios)


def _worker_chunk(job: _Job, keys: Sequence[_Key]) -> list[tuple[_Key, dict[str, Any]]]:
    cases = _STATE.get(job.token)
    if cases is None:  # pragma: no cover - the initializer or plugin did not run
        raise RuntimeError("this worker holds no network for the matrix; was it set up?")
    return _run_keys(job, keys, cases)


def _run_processes(job: _Job, chunks: list[list[_Key]], network: Network,
                   scenarios: Sequence[Scenario], workers: int, bar: Any) -> list:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    rows: list = []
    with ProcessPoolExecutor(max_workers=workers, initializer=_install,
                             initargs=(job.token, network.folder, tuple(scenarios),
                                       network.content_hash)) as pool:
        futures = [pool.submit(_worker_chunk, job, chunk) for chunk in chunks]
        for future in as_completed(futures):
            part = future.result()
            rows.extend(part)
            if bar is not None:
                bar.update(len(part))
    return rows


def _pack_folder(folder: str) -> dict[str, bytes]:
    root = Path(folder)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _install_packed(token: str, files: dict[str, bytes], scenarios: Sequence[Scenario],
                    content_hash: str) -> None:
    """Write a shipped network folder to a temporary folder and build the networks from it."""
    if token in _STATE:
        return
    with tempfile.TemporaryDirectory(prefix="corridor-net-") as temp:
        for name, data in files.items():
            target = Path(temp, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _install(token, temp, scenarios, content_hash)


def _dask_plugin(token: str, files: dict[str, bytes], scenarios: Sequence[Scenario],
                 content_hash: str) -> Any:
    from distributed import WorkerPlugin

    class MatrixNetworks(WorkerPlugin):
        """Carries the network folder and scenarios to each worker once, at setup."""

        name = f"corridor-matrix-{token}"

        def setup(self, worker: Any) -> None:
            _install_packed(token, files, scenarios, content_hash)

    return MatrixNetworks()


def _run_dask(job: _Job, chunks: list[list[_Key]], network: Network,
              scenarios: Sequence[Scenario], workers: int, scheduler: Any, bar: Any) -> list:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError("engine 'dask' needs the matrix extra: pip install "
                          "'corridor[matrix]' (dask.distributed is not installed)") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        client = Client(scheduler)
    plugin = _dask_plugin(job.token, _pack_folder(network.folder), tuple(scenarios),
                          network.content_hash)
    try:
        client.register_plugin(plugin)
        # pure=False: every chunk is its own task even when two chunks look alike
        futures = client.map(_worker_chunk, [job] * len(chunks), chunks, pure=False)
        rows: list = []
        for future in as_completed(futures):
            part = future.result()
            rows.extend(part)
            if bar is not None:
                bar.update(len(part))
        return rows
    finally:
        try:
            client.unregister_worker_plugin(plugin.name)
        except Exception:  # noqa: BLE001 - cleanup only; the cluster may be gone
            pass
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()


# --- output ------------------------------------------------------------------------------

def write_matrix(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write :func:`od_matrix` rows as Parquet (``.parquet``, pyarrow) or CSV (``.csv``),
    atomically. Returns the path.
    """
    from corridor.io.export import _atomic_write, write_rows_csv

    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return write_rows_csv(list(rows), path, columns=COLUMNS)
    if suffix != ".parquet":
        raise InvalidOptionError(f"cannot write {Path(path).name}: use a .parquet or .csv file")
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("writing Parquet needs the matrix extra: pip install "
                          "'corridor[matrix]' (pyarrow is not installed)") from None
    schema = pa.schema([(c, pa.string() if c in _TEXT_COLUMNS else pa.float64())
                        for c in COLUMNS])
    table = pa.Table.from_pylist([{c: row.get(c) for c in COLUMNS} for row in rows],
                                 schema=schema)
    with _atomic_write(path, "wb") as handle:
        pq.write_table(table, handle)
    return Path(path)

