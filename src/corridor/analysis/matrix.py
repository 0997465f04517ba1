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

import collections
import csv
import datetime as dt
import hashlib
import itertools
import math
import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.exceptions import CorridorError, InvalidOptionError, UnknownPlaceError
from corridor.limits import check_year

if TYPE_CHECKING:
    import numpy as np

    from corridor.model.network import Network
    from corridor.model.scenario import Scenario
    from corridor.routing.result import Route

__all__ = ["COLUMNS", "ENGINES", "iter_od_matrix", "monthly_departures", "od_matrix",
           "read_place_list", "write_matrix"]

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
        a Monte Carlo run seeded with ``seed`` (the same on every engine). With no draws, one
        search from each origin and departure answers every destination (the same rows as
        one :func:`corridor.plan_route` per pair, tested).
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
        :func:`iter_od_matrix` yields the same rows one by one, for matrices too large to
        hold in memory.

    Examples
    --------
    >>> rows = od_matrix(["Karachi"], ["Almaty"], departures=["2026-07-15"])
    >>> rows[0]["scenario"], rows[0]["crossings"].count(";") >= 1
    ('baseline', True)
    """
    return list(iter_od_matrix(
        origins, destinations, departures=departures, scenarios=scenarios, cargo=cargo,
        optimize=optimize, draws=draws, seed=seed, engine=engine, workers=workers,
        scheduler=scheduler, network=network, progress=progress))


def iter_od_matrix(
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
) -> Iterator[dict[str, Any]]:
    """:func:`od_matrix`, yielding the rows in order as they are computed (options are
    checked before the first row)."""
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
    shape = (len(origins), len(destinations), len(when), len(case_names))
    if engine != "inprocess" and not network.folder:
        raise InvalidOptionError(f"engine {engine!r} rebuilds the network on each "
                                 "worker from its folder; load it with "
                                 "corridor.load_network(folder)")
    size = 1 if engine == "inprocess" else (workers or os.cpu_count() or 1)
    # chunks are consecutive runs of the sorted keys, made as they are needed, answered
    # and yielded in order
    chunks = _chunks(shape, size, by_origin=job.draws == 0)
    return _stream(job, chunks, network, loaded, engine, size, scheduler, progress,
                   math.prod(shape))


def _stream(job: _Job, chunks: Iterator[list[_Key]], network: Network,
            scenarios: Sequence[Scenario], engine: str, size: int, scheduler: Any,
            progress: bool, total: int) -> Iterator[dict[str, Any]]:
    bar = _progress_bar(total) if progress else None
    try:
        if engine == "inprocess":
            parts = _run_inprocess(job, chunks, network, scenarios)
        elif engine == "processes":
            parts = _run_processes(job, chunks, network, scenarios, size)
        else:
            parts = _run_dask(job, chunks, network, scenarios, size, scheduler)
        for part in parts:
            part.sort(key=lambda pair: pair[0])
            for _, row in part:
                yield row
            if bar is not None:
                bar.update(len(part))
    finally:
        if bar is not None:
            bar.close()


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


def _chunks(shape: tuple[int, int, int, int], workers: int, *,
            by_origin: bool = False) -> Iterator[list[_Key]]:
    """Tasks, as consecutive runs of the sorted keys (origin, destination, departure,
    case): all the keys of one origin each (``by_origin``: one search answers them), or
    about eight chunks per worker, which balances the load without many round trips. Made
    one at a time, so that 12 million keys are never all in memory."""
    n_o, n_d, n_k, n_c = shape
    if by_origin:
        for i in range(n_o):
            yield [(i, j, k, c) for j in range(n_d) for k in range(n_k) for c in range(n_c)]
        return
    size = max(1, min(200, math.ceil(math.prod(shape) / (workers * 8))))
    keys = itertools.product(range(n_o), range(n_d), range(n_k), range(n_c))
    while chunk := list(itertools.islice(keys, size)):
        yield chunk


def _in_order(submit: Any, chunks: Iterator[list[_Key]], window: int) -> Iterator[list]:
    """Submit chunks with at most ``window`` in flight; yield their results in order."""
    pending: collections.deque = collections.deque()
    for chunk in chunks:
        pending.append(submit(chunk))
        if len(pending) >= window:
            yield _result(pending.popleft())
    while pending:
        yield _result(pending.popleft())


def _result(future: Any) -> list:
    part = future.result()
    release = getattr(future, "release", None)  # a Dask future: drop it from the cluster
    if release is not None:
        release()
    return part


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
    """Rows for ``keys``. Without Monte Carlo draws, the keys that share an origin, a
    departure and a case are answered by one one-to-all search (:func:`_one_to_all`);
    otherwise, and for any pair that search cannot answer, by :func:`corridor.plan_route`."""
    out: list[tuple[_Key, dict[str, Any]]] = []
    groups: dict[tuple[int, int, int], list[int]] = {}
    for i, j, k, c in keys:
        groups.setdefault((i, k, c), []).append(j)
    for (i, k, c), js in groups.items():
        todo = [j for j in js if (i, j) not in job.same]
        answered = _one_to_all(job, i, k, c, todo, cases) if job.draws == 0 and todo else {}
        for j in js:
            key = (i, j, k, c)
            if (i, j) in job.same:
                out.append((key, _row(job, key, None, _SAME_PLACE)))
            elif j in answered:
                out.append((key, answered[j]))
            else:
                out.append((key, _pair_row(job, key, cases)))
    return out


def _pair_row(job: _Job, key: _Key, cases: dict[str, Network]) -> dict[str, Any]:
    from corridor.routing.plan import plan_route

    i, j, k, c = key
    try:
        route = plan_route(job.origins[i], job.destinations[j], depart=job.departures[k],
                           cargo=job.cargo, optimize=job.optimize,
                           network=cases[job.cases[c]], draws=job.draws, seed=job.seed)
    except CorridorError as error:  # no route, or no access leg under this scenario
        return _row(job, key, None, str(error))
    return _row(job, key, route, "")


# A destination's resolved name, end nodes and access legs, by (network, name, objective,
# cargo): the same for every origin and departure, so worked out once per worker.
_TARGETS: dict[tuple[int, str, str, str], Any] = {}


def _destination(req: Any, name: str) -> Any:
    from dataclasses import replace

    from corridor.io.gazetteer import resolve_name
    from corridor.routing.plan import _target_table

    key = (id(req.network), name, req.objective, req.cargo.cargo_id)
    found = _TARGETS.get(key)
    if found is None:
        if len(_TARGETS) > 100_000:
            _TARGETS.clear()
        match = resolve_name(name, req.network, allow=("place", "city"))
        found = _TARGETS[key] = (match, *_target_table(replace(req, destination=match)))
    return found


def _one_to_all(job: _Job, i: int, k: int, c: int, js: Sequence[int],
                cases: dict[str, Network]) -> dict[int, dict[str, Any]]:
    """Rows from origin ``i`` to every destination in ``js`` from one search.

    One label-setting search with no target labels every state reachable from the origin;
    each destination then takes, among the settled labels at its end nodes, the least key
    plus its access leg, ties to the label settled first — the label the one-to-one search
    of :func:`corridor.plan_route` stops at. The itinerary to each such end label is built
    once (:func:`~corridor.routing.itinerary.build_route`) and a destination's access leg
    is added to its totals as ``build_route`` would add it; a destination without a route
    gets the error ``plan_route`` would raise. Destinations left out (a name the gazetteer
    does not resolve) are asked of ``plan_route`` by the caller.
    """
    from dataclasses import replace

    import numpy as np

    from corridor.routing import kernel
    from corridor.routing.itinerary import _co2e_kg, build_route, corridor_label, mode_distances
    from corridor.routing.plan import (
        _edge_mask,
        _explain_no_route,
        _no_access_message,
        _objective_arrays,
        _origin_table,
        _prepare,
    )
    from corridor.routing.search import Found, path_of

    network = cases[job.cases[c]]
    try:
        req = _prepare(job.origins[i], job.destinations[js[0]], depart=job.departures[k],
                       cargo=job.cargo, objective=job.optimize, via=(), avoid=(), modes=None,
                       risk_aversion=1.0, network=network)
    except CorridorError:
        return {}
    cn = req.cn
    origins, origin_access = _origin_table(req)
    if not origins:  # the origin city lies too far from every network place
        out: dict[int, dict[str, Any]] = {}
        for j in js:
            try:
                match = _destination(req, job.destinations[j])[0]
            except CorridorError:
                continue
            message = _no_access_message(replace(req, destination=match))
            if message is not None:
                out[j] = _error_row(job, (i, j, k, c), message)
        return out
    key, wait = _objective_arrays(req)
    a = cn.arrays
    o_nodes = np.fromiter(origins, dtype=np.int64, count=len(origins))
    o_time = np.array([origins[o][0] for o in origins], dtype=np.float64)
    o_key = np.array([origins[o][1] for o in origins], dtype=np.float64)
    no_via = np.zeros((0, cn.n_nodes), dtype=np.bool_)
    # The usable edges depend on the destination's country (a crossing open to trade between
    # its two countries only): one search per distinct edge mask, most often one.
    masks: dict[str, np.ndarray] = {}
    searches: dict[bytes, _Search] = {}

    def search_for(match: Any) -> _Search:
        mask = masks.get(match.country)
        if mask is None:
            mask = masks[match.country] = _edge_mask(replace(req, destination=match))
        signature = np.packbits(mask).tobytes()
        if signature not in searches:
            labels = kernel.label_search(
                a.indptr, a.dst, a.time_h, a.calendar, a.exit_calendar, a.transfer_from,
                a.transfer_to, a.rail_code, mask, np.asarray(key, dtype=np.float64),
                np.asarray(wait, dtype=np.float64), cn.next_open_table(req.depart), no_via,
                np.zeros((0, cn.n_edges), dtype=np.bool_), o_nodes, o_time, o_key,
                np.zeros(cn.n_nodes, dtype=np.bool_), np.zeros(cn.n_nodes, dtype=np.float64),
                exit_drive_h=a.drive_h)
            searches[signature] = _Search(*labels[:7])
        return searches[signature]

    empty: dict[int, Any] = {}

    def core(found_in: _Search, label: int) -> Any:
        if label not in found_in.cores:
            steps, first = path_of(label, found_in.pred, found_in.edge, found_in.time,
                                   found_in.enter)
            found = Found(int(found_in.state[first] >> 3), int(found_in.state[label] >> 3),
                          steps, float(found_in.key[label]), float(found_in.time[label]))
            route = build_route(req, found, {"origin": origin_access, "destination": empty},
                                None)
            found_in.cores[label] = (route, _crossing_names(route), mode_distances(route.legs))
        return found_in.cores[label]

    factor = req.cargo.cost_factor
    out = {}
    for j in js:
        try:
            match, targets, access = _destination(req, job.destinations[j])
        except CorridorError:
            continue
        if not targets:  # the destination city lies too far from every network place
            message = _no_access_message(replace(req, destination=match), origin_ok=True)
            if message is not None:
                out[j] = _error_row(job, (i, j, k, c), message)
            continue
        found_in = search_for(match)
        best = None
        for node, (_extra_t, extra_k) in targets.items():
            label = found_in.best_at.get(node)
            if label is None:
                continue
            total = float(found_in.key[label]) + extra_k
            rank = int(found_in.rank[label])
            if best is None or (total, rank) < best[0]:
                best = ((total, rank), node, label)
        if best is None:  # no route: explained as plan_route explains it
            out[j] = _error_row(job, (i, j, k, c),
                                _explain_no_route(replace(req, destination=match)))
            continue
        _, node, label = best
        route, crossing_names, by_mode = core(found_in, label)
        s = route.summary
        duration, distance, cost, co2e = s.duration_h, s.distance_km, s.cost_usd, s.co2e_kg
        weighted = s.risk_exposure
        countries = list(route.countries)
        corridor = route.corridor
        leg = access.get(node)
        if leg is not None:
            city = match.city
            country = network.countries[city.country]
            duration += leg.time_h
            distance += leg.distance_km
            if leg.cost_usd is not None and factor is not None:
                cost += leg.cost_usd * factor
            co2e += _co2e_kg(req, "road", leg.distance_km)  # depends on the cargo only
            weighted += float(country.risk if country.risk is not None else 0.0) * leg.time_h
            if not countries or countries[-1] != city.country:
                countries.append(city.country)
            modes = dict(by_mode)
            modes["road"] = modes.get("road", 0.0) + leg.distance_km
            corridor = corridor_label(network, countries, crossing_names, modes)
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row.update(
            origin=job.origins[i], destination=job.destinations[j],
            departure=job.departures[k].isoformat(timespec="minutes"), scenario=job.cases[c],
            corridor=corridor, duration_h=round(duration, 2), cost_usd=round(cost, 2),
            distance_km=round(distance, 1),
            risk=round(weighted / duration if duration > 0 else 0.0, 3),
            co2e_kg=round(co2e, 1), crossings=";".join(route.crossings))
        out[j] = row
    return out


class _Search:
    """The labels of one one-to-all search, the least-key settled label per node, and the
    routes built from it so far."""

    def __init__(self, key, time, state, pred, edge, enter, rank) -> None:
        import numpy as np

        self.key, self.time, self.state, self.pred = key, time, state, pred
        self.edge, self.enter, self.rank = edge, enter, rank
        settled = np.nonzero(rank >= 0)[0]
        order = settled[np.lexsort((rank[settled], key[settled]))]
        nodes = state[order] >> 3
        first = np.unique(nodes, return_index=True)  # ties: the label settled first
        self.best_at = dict(zip(first[0].tolist(), order[first[1]].tolist(), strict=True))
        self.cores: dict[int, Any] = {}


def _error_row(job: _Job, key: _Key, error: str) -> dict[str, Any]:
    return _row(job, key, None, error)


def _crossing_names(route: Route) -> list[str]:
    names: list[str] = []
    for leg in route.legs:
        if leg.kind == "border" and leg.name not in names:
            names.append(leg.name)
    return names


def _run_inprocess(job: _Job, chunks: Iterator[list[_Key]], network: Network,
                   scenarios: Sequence[Scenario]) -> Iterator[list]:
    cases = _build_cases(network, scenarios)
    for chunk in chunks:
        yield _run_keys(job, chunk, cases)


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


def _dask_chunk(job: _Job, keys: np.ndarray) -> bytes:
    """:func:`_worker_chunk` for Dask, which walks a list argument item by item (looking for
    futures) and serializes a returned list item by item (a header per row; a fifth of the
    workers' time on 12,000-row tasks): the keys come as an integer array, the rows go back
    as one pickle."""
    rows = _worker_chunk(job, [tuple(key) for key in keys.tolist()])
    return pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)


def _run_processes(job: _Job, chunks: Iterator[list[_Key]], network: Network,
                   scenarios: Sequence[Scenario], workers: int) -> Iterator[list]:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=_install,
                             initargs=(job.token, network.folder, tuple(scenarios),
                                       network.content_hash)) as pool:
        yield from _in_order(lambda chunk: pool.submit(_worker_chunk, job, chunk), chunks,
                             4 * workers)


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


def _run_dask(job: _Job, chunks: Iterator[list[_Key]], network: Network,
              scenarios: Sequence[Scenario], workers: int, scheduler: Any) -> Iterator[list]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("engine 'dask' needs the matrix extra: pip install "
                          "'corridor[matrix]' (dask.distributed is not installed)") from None
    import numpy as np

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
    shared = None
    try:
        client.register_plugin(plugin)
        n_workers = len(client.scheduler_info().get("workers", {})) or workers
        # the job (every origin and destination name) goes to each worker once: sent with
        # every task it grew the driver (the local scheduler's home) by ~100 kB a task, to a
        # 925 MB peak on the 1,000 × 1,000 × 12 matrix
        shared = client.scatter(job, broadcast=True, hash=False)
        # pure=False: every chunk is its own task even when two chunks look alike
        parts = _in_order(
            lambda chunk: client.submit(_dask_chunk, shared, np.array(chunk, dtype=np.int64),
                                        pure=False),
            chunks, 4 * n_workers)
        yield from map(pickle.loads, parts)
    finally:
        try:
            if shared is not None:
                shared.release()
            client.unregister_worker_plugin(plugin.name)
        except Exception:  # noqa: BLE001 - cleanup only; the cluster may be gone
            pass
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()


# --- output ------------------------------------------------------------------------------

def write_matrix(rows: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write :func:`od_matrix` rows as Parquet (``.parquet``, pyarrow) or CSV (``.csv``),
    atomically. Returns the path. Parquet is written as rows arrive (pass
    :func:`iter_od_matrix` for a matrix larger than memory).
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
    with _atomic_write(path, "wb") as handle, pq.ParquetWriter(handle, schema) as writer:
        batch: list[dict[str, Any]] = []
        written = False
        for row in rows:  # in row groups, so that a matrix need not fit in memory
            batch.append({c: row.get(c) for c in COLUMNS})
            if len(batch) >= 200_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch, written = [], True
        if batch or not written:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return Path(path)

