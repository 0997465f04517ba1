"""Origin–destination matrices: every pair × departure × scenario × cargo, in long format.

Per origin, departure, scenario and cargo, one one-to-all search answers every destination;
each destination's row (distance, duration, cost, CO2e, risk, crossings, countries, modes, …)
is computed in arrays along the search's predecessor tree
(:class:`corridor.routing.bulk.Sweep`), the same row one :func:`corridor.plan_route` per pair
gives (tested). With Monte Carlo draws each pair is routed on its own, for its P50/P90.

Rows stream in order, as Arrow record batches (:func:`iter_od_batches`, the ``matrix``
extra) or dicts (:func:`iter_od_matrix`), in bounded memory; the engines (in this process, a
process pool, Dask) are in :mod:`corridor.analysis.engines`.

An origin equal to its destination (the same resolved place) gets a row whose ``error`` says
so; no search is run. A pair without a route gets the reason in ``error`` and the other
result fields empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.analysis.blocks import JobSpec, block_rows
from corridor.analysis.engines import BASELINE, ENGINES, run_tasks
from corridor.exceptions import InvalidOptionError, UnknownPlaceError
from corridor.limits import check_year

if TYPE_CHECKING:
    from corridor.io.gazetteer import Match
    from corridor.model.network import Network
    from corridor.model.scenario import Scenario

__all__ = ["ALL_COLUMNS", "COLUMNS", "ENGINES", "iter_od_batches", "iter_od_matrix",
           "monthly_departures", "od_matrix", "read_place_list", "write_matrix"]

COLUMNS: tuple[str, ...] = (
    "origin", "destination", "departure", "scenario", "corridor", "duration_h", "p50_h",
    "p90_h", "cost_usd", "distance_km", "risk", "co2e_kg", "crossings", "error",
)
"""The default columns of :func:`od_matrix` rows, in order."""

EXTRA_COLUMNS: tuple[str, ...] = (
    "cargo", "month", "countries", "border_crossings", "first_crossing", "last_crossing",
    "modes", "cost_unknown_legs", "border_time_h", "wait_time_h", "transfers", "path",
)
"""Columns on request (``columns=``): the cargo and month of the row; the countries passed
(ISO alpha-3, ``>``-joined); how many borders are crossed, the first and last crossing's id;
the modes by kilometres (``+``-joined); legs whose cost is not in the sources; hours at
borders and waiting; transfers; and ``path``, the network places passed (``>``-joined ids),
also asked for with ``paths=True``."""

ALL_COLUMNS: tuple[str, ...] = COLUMNS + EXTRA_COLUMNS
"""Every column a matrix can have."""



def monthly_departures(year: int = 2026, months: str | Iterable[int] = "1-12",
                       day: int = 15) -> list[dt.datetime]:
    """One departure (08:00) on ``day`` of each month in ``months`` (``"1-12"``, ``"3,7"``).

    Examples
    --------
    >>> [d.isoformat() for d in monthly_departures(2026, "6-7")]
    ['2026-06-15T08:00:00', '2026-07-15T08:00:00']
    """
    check_year(year)
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
    cargo: str | Sequence[str] = "truck",
    optimize: str = "generalized",
    draws: int = 0,
    seed: int = 0,
    engine: str = "inprocess",
    workers: int | None = None,
    scheduler: Any = None,
    network: Network | None = None,
    progress: bool = False,
    columns: Sequence[str] | None = None,
    paths: bool = False,
) -> list[dict[str, Any]]:
    """The best route of every origin × destination × departure × scenario × cargo, as
    long rows.

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
    cargo
        A cargo, or several (each a case: add the ``cargo`` column to tell them apart).
    optimize, draws, seed
        As for :func:`corridor.plan_route`. With ``draws`` > 0 every route gets P50/P90 from
        a Monte Carlo run seeded with ``seed`` (the same on every engine), one pair at a
        time. With no draws, one search from each origin, departure, scenario and cargo
        answers every destination.
    engine
        ``inprocess``, ``processes`` or ``dask`` (:mod:`corridor.analysis.engines`).
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
    columns
        The columns, in order (default :data:`COLUMNS`; any of :data:`ALL_COLUMNS`).
    paths
        Add the ``path`` column (the places each route passes).

    Returns
    -------
    list of dict
        One row per key, sorted by origin, destination (input order), departure, scenario
        (baseline first), then cargo. ``crossings`` is the ids of the crossings used,
        ``;``-joined; ``p50_h``/``p90_h`` are ``None`` when ``draws`` is 0.
        :func:`iter_od_matrix` yields the same rows one by one and :func:`iter_od_batches`
        as Arrow record batches, for matrices too large to hold in memory.

    Examples
    --------
    >>> rows = od_matrix(["Karachi"], ["Almaty"], departures=["2026-07-15"])
    >>> rows[0]["scenario"], rows[0]["crossings"].count(";") >= 1
    ('baseline', True)
    """
    return list(iter_od_matrix(
        origins, destinations, departures=departures, scenarios=scenarios, cargo=cargo,
        optimize=optimize, draws=draws, seed=seed, engine=engine, workers=workers,
        scheduler=scheduler, network=network, progress=progress, columns=columns,
        paths=paths))


def iter_od_matrix(origins: Sequence[str], destinations: Sequence[str], *,
                   departures: Sequence[dt.date | dt.datetime | str],
                   **options: Any) -> Iterator[dict[str, Any]]:
    """:func:`od_matrix`, yielding the rows in order as they are computed (options are
    checked before the first row)."""
    job, blocks = _blocks(origins, destinations, departures=departures, **options)
    return (row for block in blocks for row in block_rows(block, job))


def iter_od_batches(origins: Sequence[str], destinations: Sequence[str], *,
                    departures: Sequence[dt.date | dt.datetime | str],
                    **options: Any) -> Iterator[Any]:
    """:func:`od_matrix` as :class:`pyarrow.RecordBatch` es, in order, as they are computed
    (the ``matrix`` extra). Text columns are dictionary-encoded; pass the batches to
    :func:`write_matrix`, or to ``pyarrow.Table.from_batches``.

    Examples
    --------
    >>> batches = list(iter_od_batches(["Karachi"], ["Almaty", "Kabul"],
    ...                                departures=["2026-07-15"], columns=["destination",
    ...                                "duration_h", "first_crossing"]))
    >>> batches[0].num_rows, batches[0].schema.names
    (2, ['destination', 'duration_h', 'first_crossing'])
    """
    _pyarrow("Arrow record batches")
    _job, batches = _blocks(origins, destinations, departures=departures, arrow=True,
                            **options)
    return batches


def _blocks(
    origins: Sequence[str],
    destinations: Sequence[str],
    *,
    departures: Sequence[dt.date | dt.datetime | str],
    scenarios: Sequence[str | Scenario] = (),
    cargo: str | Sequence[str] = "truck",
    optimize: str = "generalized",
    draws: int = 0,
    seed: int = 0,
    engine: str = "inprocess",
    workers: int | None = None,
    scheduler: Any = None,
    network: Network | None = None,
    progress: bool = False,
    columns: Sequence[str] | None = None,
    paths: bool = False,
    arrow: bool = False,
) -> tuple[JobSpec, Iterator[Any]]:
    """Check every option, resolve every name; the job and its blocks, lazily, in order."""
    from corridor.io.folder import load_network
    from corridor.limits import check_draws, check_seed
    from corridor.routing.plan import OBJECTIVES
    from corridor.routing.request import check_choice, parse_depart

    if scheduler is not None:
        engine = "dask"
    check_choice(engine, ENGINES, "engine")
    check_choice(optimize, OBJECTIVES, "objective")
    if optimize in ("p90", "reliable"):
        raise InvalidOptionError(f"a matrix cannot optimize {optimize!r}; use time, cost, "
                                 "distance, generalized or risk, with draws for P50/P90")
    if draws < 0:
        raise InvalidOptionError(f"draws must be 0 or more, not {draws}")
    check_draws(draws)
    check_seed(seed)
    if workers is not None and workers < 1:
        raise InvalidOptionError(f"workers must be 1 or more, not {workers}")
    origins, destinations = tuple(origins), tuple(destinations)
    for what, names in (("origins", origins), ("destinations", destinations)):
        if not names:
            raise InvalidOptionError(f"no {what}; give at least one place name")
    if not departures:
        raise InvalidOptionError("no departures; give at least one date")
    network = network if network is not None else load_network()
    cargos = (cargo,) if isinstance(cargo, str) else tuple(dict.fromkeys(cargo))
    if not cargos:
        raise InvalidOptionError("no cargo; give at least one")
    for name in cargos:
        check_choice(name, network.cargo, "cargo")
    wanted = _columns(columns, paths)
    when = tuple(sorted({parse_depart(d) for d in departures}))
    loaded = _load_scenarios(scenarios)
    case_names = (BASELINE, *(s.name for s in loaded))
    if len(set(case_names)) != len(case_names):
        raise InvalidOptionError(f"scenario names repeat: {', '.join(case_names[1:])}")
    matches = _resolve(origins + destinations, network)  # one error names every unknown
    m_o, m_d = matches[:len(origins)], matches[len(origins):]
    same = frozenset((i, j) for i, a in enumerate(m_o) for j, b in enumerate(m_d)
                     if a.id == b.id)
    token = hashlib.sha256(repr((network.content_hash, case_names, [
        repr(s) for s in loaded])).encode()).hexdigest()[:16]
    job = JobSpec(origins, destinations, tuple(m_o), tuple(m_d), when, case_names, cargos,
                  same, optimize, draws, seed, token, wanted, "path" in wanted, arrow)
    if engine != "inprocess" and not network.folder:
        raise InvalidOptionError(f"engine {engine!r} rebuilds the network on each "
                                 "worker from its folder; load it with "
                                 "corridor.load_network(folder)")
    size = 1 if engine == "inprocess" else (workers or os.cpu_count() or 1)
    tasks = _tasks(job, size, engine)
    blocks = run_tasks(job, tasks, network, loaded, engine, size, scheduler)
    if progress:
        blocks = _with_progress(blocks, math.prod(job.shape))
    return job, blocks


def _columns(columns: Sequence[str] | None, paths: bool) -> tuple[str, ...]:
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    wanted = tuple(COLUMNS if columns is None else dict.fromkeys(columns))
    unknown = [c for c in wanted if c not in ALL_COLUMNS]
    if unknown:
        raise InvalidOptionError(f"unknown column(s) {', '.join(unknown)}; use any of: "
                                 f"{', '.join(ALL_COLUMNS)}")
    if not wanted:
        raise InvalidOptionError("no columns; name at least one")
    if paths and "path" not in wanted:
        wanted += ("path",)
    return wanted


_TASK_ROWS = {"processes": 60_000, "dask": 240_000}
"""Rows a task off this process computes, about: some 0.15 s of work for a pool process
(20,000 rows cost the driver 0.5 s more on the full matrix in round trips); Dask's round
trip costs more, so its tasks are larger."""


def _tasks(job: JobSpec, workers: int,
           engine: str = "processes") -> Iterator[tuple[int, int, int, int]]:
    """Tasks ``(i0, i1, j0, j1)`` in key order. Without Monte Carlo draws one search per
    origin answers all its destinations: a task is a run of origins, one in this process,
    else about :data:`_TASK_ROWS` rows' worth but at least four tasks per worker, and a
    quarter of that for the last ``2 × workers`` tasks' worth of origins. With
    draws every pair is routed on its own: a task is one origin and a run of its
    destinations, about eight tasks per worker."""
    n_o, n_d, n_k, n_c, n_g = job.shape
    if job.draws > 0:
        run = max(1, min(n_d, math.ceil(n_o * n_d / (workers * 8) / n_o)))
        for i in range(n_o):
            for j0 in range(0, n_d, run):
                yield i, i + 1, j0, min(n_d, j0 + run)
        return
    per = 1
    if engine != "inprocess":
        per = max(1, min(_TASK_ROWS[engine] // max(1, n_d * n_k * n_c * n_g),
                         math.ceil(n_o / (4 * workers))))
    i0 = 0
    while i0 < n_o:
        # the last origins go in quarter-size tasks, so that no worker waits long at the end
        run = per if n_o - i0 > 2 * workers * per else max(1, per // 4)
        yield i0, min(n_o, i0 + run), 0, n_d
        i0 += run


def _with_progress(blocks: Iterator[Any], total: int) -> Iterator[Any]:
    bar = _progress_bar(total)
    try:
        for block in blocks:
            bar.update(getattr(block, "num_rows", None) or len(block))
            yield block
    finally:
        bar.close()


def _load_scenarios(scenarios: Sequence[str | Scenario]) -> tuple[Scenario, ...]:
    from corridor.io.scenarios import load_scenario

    if isinstance(scenarios, str):
        scenarios = [scenarios]
    return tuple(load_scenario(s) if isinstance(s, (str, os.PathLike)) else s
                 for s in scenarios)


def _resolve(names: Sequence[str], network: Network) -> list[Match]:
    """The resolved places of ``names`` (a city's long alias list left out, to travel
    light); one error lists every unknown name."""
    from corridor.io.gazetteer import resolve_name

    found, unknown = [], []
    for name in names:
        try:
            match = resolve_name(name, network, allow=("place", "city"))
        except UnknownPlaceError as error:
            unknown.append(error)
            continue
        if match.city is not None:
            match = replace(match, city=replace(match.city, aliases=()))
        found.append(match)
    if len(unknown) == 1:
        raise unknown[0]
    if unknown:
        raise UnknownPlaceError(", ".join(e.name for e in unknown),
                                [s for e in unknown for s in e.suggestions[:1]],
                                what="places")
    return found


def _progress_bar(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        raise ImportError("a progress bar needs the matrix extra: pip install "
                          "'corridor[matrix]' (tqdm is not installed)") from None
    return tqdm(total=total, unit="route", desc="matrix", leave=False, dynamic_ncols=True)


def _pyarrow(what: str) -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ImportError(f"{what} need the matrix extra: pip install 'corridor[matrix]' "
                          "(pyarrow is not installed)") from None
    return pyarrow


# --- output --------------------------------------------------------------------------------

_ROW_GROUP = 250_000


def write_matrix(rows: Iterable[dict[str, Any]] | Iterable[Any],
                 path: str | os.PathLike[str]) -> Path:
    """Write a matrix as Parquet (``.parquet``, pyarrow) or CSV (``.csv``), atomically.

    ``rows`` are the dicts of :func:`iter_od_matrix` or the record batches of
    :func:`iter_od_batches` (the fast way: straight from arrays to the file). Either is
    written as it arrives, in row groups, so a matrix need not fit in memory. Returns the
    path.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InvalidOptionError(f"cannot write {Path(path).name}: use a .parquet or .csv file")
    items = iter(rows)
    first = next(items, None)
    is_batch = first is not None and not isinstance(first, dict)
    if suffix == ".csv" and not is_batch:
        from corridor.io.export import write_rows_csv

        listed = [] if first is None else [first, *items]
        return write_rows_csv(listed, path, columns=list(first) if first else COLUMNS)
    pa = _pyarrow("Parquet files")
    if is_batch:
        batches = _chain_one(first, items)
    else:
        batches = _dict_batches(_chain_one(first, items) if first is not None else iter(()))
    if suffix == ".csv":
        return _write_csv(batches, path)
    return _write_parquet(batches, path, pa)


def _chain_one(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _dict_batches(rows: Iterator[dict[str, Any]]) -> Iterator[Any]:
    """Dict rows as record batches (the columns of the first row; text as strings)."""
    import pyarrow as pa

    from corridor.analysis.blocks import FLOATS, INTS

    def field(name: str) -> Any:
        kind = pa.float64() if name in FLOATS else pa.int32() if name in INTS else pa.string()
        return (name, kind)

    batch: list[dict[str, Any]] = []
    schema = None
    for row in rows:
        if schema is None:
            schema = pa.schema([field(c) for c in row])
        batch.append(row)
        if len(batch) >= _ROW_GROUP:
            yield pa.RecordBatch.from_pylist(batch, schema=schema)
            batch = []
    if schema is None:
        schema = pa.schema([field(c) for c in COLUMNS])
    yield pa.RecordBatch.from_pylist(batch, schema=schema)


def _write_parquet(batches: Iterator[Any], path: str | os.PathLike[str], pa: Any) -> Path:
    import pyarrow.parquet as pq

    from corridor.io.export import atomic_write

    with atomic_write(path, "wb") as handle:
        writer = None
        pending: list[Any] = []
        count = 0
        try:
            for batch in batches:
                if writer is None:
                    writer = pq.ParquetWriter(handle, batch.schema)
                pending.append(batch)
                count += batch.num_rows
                if count >= _ROW_GROUP:  # a row group of ~250,000 rows, not one a batch
                    writer.write_table(pa.Table.from_batches(pending))
                    pending, count = [], 0
            if writer is not None and (pending or count == 0):
                writer.write_table(pa.Table.from_batches(pending, schema=writer.schema))
        finally:
            if writer is not None:
                writer.close()
    return Path(path)


def _write_csv(batches: Iterator[Any], path: str | os.PathLike[str]) -> Path:
    """CSV via Arrow, UTF-8 with a byte-order mark like every corridor CSV."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from corridor.io.export import atomic_write

    with atomic_write(path, "wb") as handle:
        handle.write("\ufeff".encode())
        writer = None
        for batch in batches:
            plain = pa.RecordBatch.from_arrays(
                [c.dictionary_decode() if pa.types.is_dictionary(c.type) else c
                 for c in batch.columns], names=batch.schema.names)
            if writer is None:
                writer = pacsv.CSVWriter(handle, plain.schema,
                                         write_options=pacsv.WriteOptions(
                                             quoting_style="needed"))
            writer.write_batch(plain)
        if writer is not None:
            writer.close()
    return Path(path)
