"""Matrix rows in columns: one block per task, computed in arrays, turned into Arrow or dicts.

A task is one origin and a run of destinations; its block holds every (destination,
departure, scenario, cargo) row of that run, in that order. Without Monte Carlo draws, the
rows come from :class:`corridor.routing.bulk.Sweep` (one search per origin, departure,
scenario and cargo, every destination in arrays); with draws, and for the rare route the
arrays cannot hold, from :func:`corridor.plan_route` one pair at a time, through
:func:`route_fields`, which gives the same fields from a :class:`~corridor.model.result.Route`.

Text columns are dictionary codes (int32, -1 for none) with their dictionary, so a block is
a few compact arrays to ship between processes, and an Arrow dictionary column for free.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor.exceptions import CorridorError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from corridor.model.result import Route
    from corridor.routing.bulk import Answers, Sweep

__all__ = ["Block", "JobSpec", "route_fields", "task_block", "task_output"]

SAME_PLACE = "origin and destination are the same place"

FLOATS: dict[str, int] = {  # column: decimals kept
    "duration_h": 2, "p50_h": 2, "p90_h": 2, "cost_usd": 2, "distance_km": 1, "risk": 3,
    "co2e_kg": 1, "border_time_h": 2, "wait_time_h": 2,
}
INTS = ("month", "border_crossings", "cost_unknown_legs", "transfers")
KEYS = ("origin", "destination", "departure", "scenario", "cargo")
TEXTS = ("corridor", "crossings", "countries", "modes", "first_crossing", "last_crossing",
         "path", "error")
_ROUTE_TEXTS = TEXTS[:-1]


@dataclass(frozen=True)
class JobSpec:
    """What every task needs besides its own origin and destinations; small, picklable."""

    origins: tuple[str, ...]  # names as the user gave them
    destinations: tuple[str, ...]
    origin_matches: tuple[Any, ...]  # resolved (gazetteer Match, aliases dropped)
    destination_matches: tuple[Any, ...]
    departures: tuple[dt.datetime, ...]
    cases: tuple[str, ...]  # "baseline" then scenario names
    cargos: tuple[str, ...]
    same: frozenset[tuple[int, int]]  # (origin, destination) indexes of identical places
    optimize: str
    draws: int
    seed: int
    token: str  # names the worker state built for this matrix
    columns: tuple[str, ...]
    paths: bool
    arrow: bool = False  # tasks return Arrow record batches (made where they run)

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        return (len(self.origins), len(self.destinations), len(self.departures),
                len(self.cases), len(self.cargos))


@dataclass
class Block:
    """Rows ``start``… of one origin's run of destinations ``j0:j1``, in key order."""

    origin: int
    j0: int
    j1: int
    floats: dict[str, np.ndarray] = field(default_factory=dict)  # NaN: none
    ints: dict[str, np.ndarray] = field(default_factory=dict)  # with ``valid``
    valid: np.ndarray | None = None  # rows with a route
    texts: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    def key_codes(self, job: JobSpec) -> dict[str, np.ndarray]:
        """The key columns as codes into the job's names (origin, destination, …)."""
        _, _, n_k, n_c, n_g = job.shape
        n_j = self.j1 - self.j0
        per = n_k * n_c * n_g
        return {
            "origin": np.full(n_j * per, self.origin, np.int32),
            "destination": np.repeat(np.arange(self.j0, self.j1, dtype=np.int32), per),
            "departure": np.tile(np.repeat(np.arange(n_k, dtype=np.int32), n_c * n_g), n_j),
            "scenario": np.tile(np.repeat(np.arange(n_c, dtype=np.int32), n_g), n_j * n_k),
            "cargo": np.tile(np.arange(n_g, dtype=np.int32), n_j * n_k * n_c),
        }

    def __len__(self) -> int:
        return len(self.valid) if self.valid is not None else 0


class _Text:
    """A dictionary-coded text column under construction."""

    def __init__(self, n: int) -> None:
        self.codes = np.full(n, -1, np.int32)
        self.values: list[str] = []
        self.index: dict[str, int] = {}
        self.memo: dict[bytes, tuple[int, ...]] = {}  # route signature → codes, per block

    def code(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.values)
            self.values.append(text)
        return found

    def done(self) -> tuple[np.ndarray, list[str]]:
        return self.codes, self.values


def _key_dictionaries(job: JobSpec) -> dict[str, list[str]]:
    return {"origin": list(job.origins), "destination": list(job.destinations),
            "departure": [d.isoformat(timespec="minutes") for d in job.departures],
            "scenario": list(job.cases), "cargo": list(job.cargos)}


# --- computing a block ---------------------------------------------------------------------

def task_output(job: JobSpec, i0: int, i1: int, j0: int, j1: int,
                state: dict[str, Any]) -> list[Any]:
    """What a task returns: the :class:`Block` of each origin ``i0:i1`` to destinations
    ``j0:j1``, or with ``job.arrow`` their Arrow record batches (built by the worker, so
    that the caller only passes them on)."""
    blocks = [task_block(job, i, j0, j1, state) for i in range(i0, i1)]
    return [block_batch(b, job) for b in blocks] if job.arrow else blocks


def task_block(job: JobSpec, origin: int, j0: int, j1: int, state: dict[str, Any], *,
               pairwise: bool = False) -> Block:
    """The block of rows from origin ``origin`` to destinations ``j0:j1`` (all of them
    unless the job has Monte Carlo draws); ``pairwise`` asks :func:`corridor.plan_route`
    for every row.

    ``state`` holds this process's networks by case (``state["cases"]``) and the
    :class:`~corridor.routing.bulk.Sweep` of each case and cargo, built on first use.
    """
    _, _, n_k, n_c, n_g = job.shape
    n_j = j1 - j0
    per = n_k * n_c * n_g
    n = n_j * per
    block = Block(origin, j0, j1)
    floats = {name: np.full(n, np.nan) for name in FLOATS}
    ints = {name: np.zeros(n, np.int64) for name in INTS}
    valid = np.zeros(n, dtype=bool)
    texts = {name: _Text(n) for name in TEXTS}
    ints["month"][:] = np.tile(np.repeat(np.array([d.month for d in job.departures]),
                                         n_c * n_g), n_j)
    js = np.arange(j0, j1)
    same = [j - j0 for j in range(j0, j1) if (origin, j) in job.same]
    for k, depart in enumerate(job.departures):
        for c, case in enumerate(job.cases):
            for g, cargo in enumerate(job.cargos):
                rows = np.arange(n_j) * per + (k * n_c + c) * n_g + g
                for j in same:
                    texts["error"].codes[rows[j]] = texts["error"].code(SAME_PLACE)
                pairs = [j for j in range(n_j) if j not in same]
                if job.draws == 0 and not pairwise:
                    sweep = sweep_for(job, state, case, cargo)
                    with sweep.lock:  # Dask thread workers share this process's sweeps
                        answers = sweep.run(job.origin_matches[origin], depart,
                                            skip=[j0 + j for j in same])
                    _fill(block, sweep, answers, js, rows, floats, ints, valid, texts, job)
                    pairs = [j - j0 for j in answers.redo]
                for j in pairs:
                    _fill_pair(job, state, origin, j0 + j, k, case, cargo, rows[j], floats,
                               ints, valid, texts)
    block.floats = {name: np.round(values, FLOATS[name]) for name, values in floats.items()}
    block.ints, block.valid = ints, valid
    block.texts = {name: t.done() for name, t in texts.items()}
    return block


def sweep_for(job: JobSpec, state: dict[str, Any], case: str, cargo: str) -> Sweep:
    """This process's :class:`~corridor.routing.bulk.Sweep` for a case and cargo of the job
    (made on first use)."""
    from corridor.routing.bulk import Sweep

    sweeps = state.setdefault("sweeps", {})
    key = (job.token, case, cargo)
    sweep = sweeps.get(key)
    if sweep is None:  # two threads may both build it: the same sweep, the last one kept
        sweep = sweeps[key] = Sweep(state["cases"][case], cargo, job.optimize,
                                    job.destination_matches, path=job.paths)
    return sweep


def _fill(block: Block, sweep: Sweep, answers: Answers, js: np.ndarray, rows: np.ndarray,
          floats: dict, ints: dict, valid: np.ndarray, texts: dict[str, _Text],
          job: JobSpec) -> None:
    """Copy the answers for destinations ``js`` into the block's ``rows``."""
    from corridor.routing import walk

    whole_run = js.size == answers.status.size  # every destination: no copies

    def pick(values: np.ndarray) -> np.ndarray:
        return values if whole_run else values[js]

    status = pick(answers.status)
    ok = status == 0
    if answers.redo:
        ok &= ~np.isin(js, answers.redo)
    at = rows[ok]
    f, i = pick(answers.f)[ok], pick(answers.i)[ok]
    valid[at] = True
    floats["duration_h"][at] = f[:, walk.F_DURATION]
    floats["cost_usd"][at] = f[:, walk.F_COST]
    floats["distance_km"][at] = f[:, walk.F_DISTANCE]
    floats["risk"][at] = f[:, walk.F_RISK]
    floats["co2e_kg"][at] = f[:, walk.F_CO2E]
    floats["border_time_h"][at] = f[:, walk.F_BORDER_H]
    floats["wait_time_h"][at] = f[:, walk.F_WAIT_H]
    ints["border_crossings"][at] = i[:, walk.I_CROSSINGS]
    ints["cost_unknown_legs"][at] = i[:, walk.I_UNKNOWN]
    ints["transfers"][at] = i[:, walk.I_TRANSFERS]
    # the text columns: one signature a row, spelled out once per distinct signature (and
    # coded once per block)
    parts = [pick(answers.seq[name])[ok] for name in ("countries", "names", "modes", "route",
                                                      "crossings")]
    if job.paths:
        parts.append(pick(answers.seq["path"])[ok].view(np.int16))
    signature = np.ascontiguousarray(np.concatenate(parts, axis=1))
    if len(signature):
        whole = signature.view(np.dtype((np.void, signature.dtype.itemsize
                                         * signature.shape[1]))).ravel()
        unique, first, inverse = np.unique(whole, return_index=True, return_inverse=True)
        spelled = sweep.spelled
        memo = texts["corridor"].memo
        widths = [p.shape[1] for p in parts]
        coded = []
        for u, raw in enumerate(unique.tolist()):
            found = memo.get(raw)
            if found is None:
                words = spelled.get(raw)
                if words is None:
                    if len(spelled) > 200_000:
                        spelled.clear()
                    words = spelled[raw] = _spell(sweep, signature[first[u]], widths)
                found = memo[raw] = tuple(-1 if text is None else texts[name].code(text)
                                          for name, text in zip(_ROUTE_TEXTS, words,
                                                                strict=True))
            coded.append(found)
        table = np.array(coded, dtype=np.int32)[inverse.ravel()]
        for col, name in enumerate(_ROUTE_TEXTS):
            texts[name].codes[at] = table[:, col]
    for j_local in np.nonzero(status != 0)[0].tolist():
        message = answers.messages.get(j_local if whole_run else int(js[j_local]))
        if message is not None:
            texts["error"].codes[rows[j_local]] = texts["error"].code(message)


def _spell(sweep: Sweep, row: np.ndarray, widths: list[int]) -> tuple[str | None, ...]:
    """The text columns of one signature row (transit countries, crossing names, modes,
    countries, crossings[, path])."""
    from corridor.model.network import MODES
    from corridor.routing.itinerary import corridor_text

    cuts = np.cumsum([0, *widths])
    seqs = [[int(v) for v in row[a:b] if v >= 0] for a, b in zip(cuts[:-1], cuts[1:],
                                                                 strict=True)]
    if len(seqs) > 5:  # the path, stored as int32 in two int16 halves
        path = np.ascontiguousarray(row[cuts[5]:cuts[6]]).view(np.int32)
        seqs[5] = [int(v) for v in path if v >= 0]
    transit, names, modes, route, crossings = seqs[:5]
    cn, network = sweep.cn, sweep.network
    mode_names = [MODES[m] for m in modes]
    ids = [network.crossings[x].crossing_id for x in crossings]
    corridor = corridor_text(network, [cn.countries[c] for c in transit],
                             [sweep.crossing_names[x] for x in names], mode_names)
    path = None
    if len(seqs) > 5:
        path = ">".join(sweep.places[p] for p in seqs[5])
    return (corridor, ";".join(ids), ">".join(cn.countries[c] for c in route),
            "+".join(mode_names or ["road"]), ids[0] if ids else None,
            ids[-1] if ids else None, path)


def _fill_pair(job: JobSpec, state: dict[str, Any], origin: int, j: int, k: int, case: str,
               cargo: str, row: int, floats: dict, ints: dict, valid: np.ndarray,
               texts: dict[str, _Text]) -> None:
    """One row from :func:`corridor.plan_route` (Monte Carlo draws, or a long route)."""
    from corridor.routing.plan import plan_route

    try:
        route = plan_route(job.origins[origin], job.destinations[j], depart=job.departures[k],
                           cargo=cargo, optimize=job.optimize, network=state["cases"][case],
                           draws=job.draws, seed=job.seed)
    except CorridorError as error:  # no route, or no access leg under this scenario
        texts["error"].codes[row] = texts["error"].code(str(error))
        return
    fields = route_fields(route, paths=job.paths)
    valid[row] = True
    for name in FLOATS:
        value = fields[name]
        floats[name][row] = np.nan if value is None else value
    for name in INTS:
        if name != "month":
            ints[name][row] = fields[name]
    for name in _ROUTE_TEXTS:
        if fields[name] is not None:
            texts[name].codes[row] = texts[name].code(fields[name])


def route_fields(route: Route, *, paths: bool = False) -> dict[str, Any]:
    """A route's matrix fields (unrounded): what :class:`~corridor.routing.bulk.Sweep`
    computes in arrays, from the itinerary."""
    from corridor.routing.itinerary import mode_distances

    s, rel = route.summary, route.reliability
    by_mode = mode_distances(route.legs)
    path: list[str] = []  # the network places passed (not an access leg's city)
    for leg in route.legs:
        for end in (leg.from_, leg.to):
            if leg.kind == "access" and end.id in (route.origin.id, route.destination.id):
                continue
            if not path or path[-1] != end.id:
                path.append(end.id)
    return {
        "duration_h": s.duration_h, "p50_h": rel.p50_h if rel else None,
        "p90_h": rel.p90_h if rel else None, "cost_usd": s.cost_usd,
        "distance_km": s.distance_km, "risk": s.risk, "co2e_kg": s.co2e_kg,
        "border_time_h": s.border_time_h, "wait_time_h": s.wait_time_h,
        "border_crossings": s.border_crossings, "cost_unknown_legs": s.cost_unknown_legs,
        "transfers": s.transfers, "corridor": route.corridor,
        "crossings": ";".join(route.crossings), "countries": ">".join(route.countries),
        "modes": "+".join(sorted(by_mode, key=lambda m: -by_mode[m]) or ["road"]),
        "first_crossing": route.crossings[0] if route.crossings else None,
        "last_crossing": route.crossings[-1] if route.crossings else None,
        "path": ">".join(path) if paths else None,
    }


# --- out of a block ------------------------------------------------------------------------

def block_columns(block: Block, job: JobSpec) -> dict[str, tuple[str, Any]]:
    """Every requested column of a block: ``(kind, data)`` with kind ``float``, ``int``,
    ``text`` (codes, dictionary) or ``key`` (codes into the job's names)."""
    keys = block.key_codes(job)
    names = _key_dictionaries(job)
    out: dict[str, tuple[str, Any]] = {}
    for name in job.columns:
        if name in KEYS:
            out[name] = ("text", (keys[name], names[name]))
        elif name in FLOATS:
            out[name] = ("float", block.floats[name])
        elif name in INTS:
            values = block.ints[name]
            out[name] = ("int", (values, np.ones(len(values), bool) if name == "month"
                                 else block.valid))
        else:
            out[name] = ("text", block.texts[name])
    return out


def block_rows(block: Block, job: JobSpec) -> list[dict[str, Any]]:
    """The block as dict rows (the columns of the job, in order)."""
    lists = []
    for _name, (kind, data) in block_columns(block, job).items():
        if kind == "float":
            lists.append([None if v != v else v for v in data.tolist()])
        elif kind == "int":
            values, ok = data
            lists.append([v if good else None for v, good in zip(values.tolist(),
                                                                 ok.tolist(), strict=True)])
        else:
            codes, dictionary = data
            table = [*dictionary, None]  # code -1 → None
            lists.append([table[c] for c in codes.tolist()])
    names = job.columns
    return [dict(zip(names, values, strict=True)) for values in zip(*lists, strict=True)]


def arrow_schema(job: JobSpec) -> Any:
    import pyarrow as pa

    def kind(name: str) -> Any:
        if name in FLOATS:
            return pa.float64()
        if name in INTS:
            return pa.int32()
        return pa.dictionary(pa.int32(), pa.string())

    return pa.schema([(name, kind(name)) for name in job.columns])


def block_batch(block: Block, job: JobSpec) -> Any:
    """The block as a :class:`pyarrow.RecordBatch` (text columns dictionary-encoded)."""
    import pyarrow as pa

    arrays = []
    for _name, (kind, data) in block_columns(block, job).items():
        if kind == "float":
            arrays.append(_numeric(pa.float64(), data, ~np.isnan(data)))
        elif kind == "int":
            values, ok = data
            arrays.append(_numeric(pa.int32(), values.astype(np.int32), ok))
        else:
            codes, dictionary = data
            indices = _numeric(pa.int32(), codes.astype(np.int32, copy=False), codes >= 0)
            arrays.append(pa.DictionaryArray.from_arrays(indices, _strings(dictionary)))
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(job))


# Arrow arrays straight over numpy's memory: pa.array() imports pandas (0.4 s a process)


def _numeric(kind: Any, values: np.ndarray, valid: np.ndarray) -> Any:
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    nulls = len(valid) - int(np.count_nonzero(valid))
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(kind, len(values), [bitmap, pa.py_buffer(values)],
                                 null_count=nulls)


def _strings(values: Sequence[str]) -> Any:
    import pyarrow as pa

    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return pa.Array.from_buffers(pa.string(), len(encoded),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])
