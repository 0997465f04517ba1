"""Where an OD matrix's tasks run: in this process, a process pool, or Dask.

A task is a run of origins and a run of destinations
(:func:`corridor.analysis.blocks.task_output`); for each origin it returns a
:class:`~corridor.analysis.blocks.Block`, a few compact arrays (or, for Arrow output, the
record batch the worker makes of it, so the caller only passes it on). Every engine yields
the blocks in task order, with a bounded number of tasks in flight, so rows stream out in
order in bounded memory.

* ``inprocess``: one loop here.
* ``processes``: a :class:`concurrent.futures.ProcessPoolExecutor` whose initializer receives
  the network folder, the scenarios and the job **once per worker**, and builds the networks
  there; a task is four integers.

* ``dask``: :mod:`dask.distributed` (the ``matrix`` extra): a ``LocalCluster`` of ``workers``
  processes, or an existing cluster at ``scheduler``. The network folder's files (a few
  hundred kB) and the scenarios travel in a worker plugin, installed once per worker (and on
  any worker that joins later), which checks the rebuilt network's content hash against the
  caller's; the job is scattered to every worker once.

Workers on this machine (the pool, and a local Dask cluster started here) hand their record
batches back through a RAM-backed spool folder (Linux's ``/dev/shm``): a task writes its
batches as one Arrow IPC stream and returns the file's name, which this process maps into
memory and reads without copying. A pickled gigabyte through a pipe cost the driver a core's
worth of copying on a 2-core machine; elsewhere (no ``/dev/shm``, a remote cluster), or
when the spool is full, the batches travel pickled.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.analysis.blocks import Block, JobSpec, task_output
from corridor.exceptions import CorridorError

if TYPE_CHECKING:
    from corridor.model.network import Network
    from corridor.model.scenario import Scenario

__all__ = ["ENGINES", "run_tasks"]

ENGINES: tuple[str, ...] = ("inprocess", "processes", "dask")
"""Where :func:`corridor.od_matrix` runs its searches."""

BASELINE = "baseline"

Task = tuple[int, int, int, int]  # origins i0:i1, destinations j0:j1

# This process's state by job token: {"job", "cases": {case: network}, "sweeps": {...}}.
_STATE: dict[str, dict[str, Any]] = {}


def build_cases(network: Network, scenarios: Sequence[Scenario]) -> dict[str, Network]:
    """The baseline and each scenario's network, compiled once here."""
    from corridor.model.patch import apply_scenarios
    from corridor.routing.compile import compile_network

    cases = {BASELINE: network}
    for scenario in scenarios:
        cases[scenario.name] = apply_scenarios(network, [scenario])
    for net in cases.values():
        compile_network(net)  # once here, so that no task pays for it
    return cases


def run_tasks(job: JobSpec, tasks: Iterator[Task], network: Network,
              scenarios: Sequence[Scenario], engine: str, workers: int,
              scheduler: Any) -> Iterator[Block]:
    """The blocks of ``tasks``, in order, computed by ``engine``."""
    if engine == "inprocess":
        state = {"job": job, "cases": build_cases(network, scenarios)}
        for task in tasks:
            yield from task_output(job, *task, state)
    elif engine == "processes":
        yield from _run_processes(job, tasks, network, scenarios, workers)
    else:
        yield from _run_dask(job, tasks, network, scenarios, workers, scheduler)


def _in_order(submit: Any, tasks: Iterator[Task], window: int) -> Iterator[Any]:
    """Submit tasks with at most ``window`` in flight; yield their results in order."""
    pending: collections.deque = collections.deque()
    for task in tasks:
        pending.append(submit(task))
        if len(pending) >= window:
            yield _result(pending.popleft())
    while pending:
        yield _result(pending.popleft())


def _result(future: Any) -> Any:
    part = future.result()
    release = getattr(future, "release", None)  # a Dask future: drop it from the cluster
    if release is not None:
        release()
    return part


# --- workers -------------------------------------------------------------------------------

def _install(job: JobSpec | None, token: str, folder: str, scenarios: Sequence[Scenario],
             content_hash: str) -> None:
    """Build this worker's networks for ``token`` (once; later calls are free)."""
    if token in _STATE:
        if job is not None:
            _STATE[token]["job"] = job
        return
    from corridor.io.folder import load_network

    network = load_network(folder)
    if network.content_hash != content_hash:
        raise CorridorError(f"the network at {folder} on this worker differs from the "
                            "caller's (content hash mismatch)")
    if len(_STATE) > 4:  # an old matrix's networks: a long-lived worker keeps a few
        _STATE.pop(next(iter(_STATE)))
    _STATE[token] = {"job": job, "cases": build_cases(network, scenarios)}


def _worker_task(token: str, task: Task, spool: str | None = None) -> list[Any] | str:
    state = _STATE.get(token)
    if state is None or state.get("job") is None:  # pragma: no cover - set-up did not run
        raise RuntimeError("this worker holds no network for the matrix; was it set up?")
    return _spooled(task_output(state["job"], *task, state), spool, task)


# --- handing record batches back through shared memory -------------------------------------

_SPOOL = "corridor-matrix-"  # + the driver's pid + a random part: /dev/shm/corridor-matrix-…


@contextlib.contextmanager
def _spool_folder(job: JobSpec) -> Iterator[str | None]:
    """A fresh folder in RAM (``/dev/shm``) for workers on this machine to hand back Arrow
    output in, removed afterwards; None where there is none or the job is not Arrow."""
    root = Path("/dev/shm")
    if not job.arrow or not root.is_dir() or not os.access(root, os.W_OK):
        yield None
        return
    for old in root.glob(f"{_SPOOL}*-*"):  # left by a run that was killed
        with contextlib.suppress(ValueError, OSError):
            if not _alive(int(old.name.removeprefix(_SPOOL).split("-")[0])):
                shutil.rmtree(old, ignore_errors=True)
    folder = tempfile.mkdtemp(prefix=f"{_SPOOL}{os.getpid()}-", dir=root)
    try:
        yield folder
    finally:  # files a stopped run left; batches already read keep their mappings
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def _spooled(output: list[Any], spool: str | None, task: Task) -> list[Any] | str:
    """The task's output, or with a spool folder the name of the Arrow IPC stream its
    record batches were written to there (the output itself when the spool is full)."""
    if spool is None or not output:
        return output
    import pyarrow as pa

    path = os.path.join(spool, "{}-{}-{}-{}.arrows".format(*task))
    try:
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink,
                                                              output[0].schema) as writer:
            for batch in output:  # each batch its own dictionaries: the stream replaces them
                writer.write_batch(batch)
    except OSError:  # full (a container's /dev/shm may hold 64 MB): the pipe it is
        with contextlib.suppress(OSError):
            os.unlink(path)
        return output
    return path


def _unspooled(part: list[Any] | str) -> list[Any]:
    """The record batches a worker handed back: read in place from the memory-mapped
    stream (whose file is then unlinked; the mapping lives as long as the batches)."""
    if not isinstance(part, str):
        return part
    import pyarrow as pa

    try:
        return list(pa.ipc.open_stream(pa.memory_map(part)))
    finally:
        os.unlink(part)


def _run_processes(job: JobSpec, tasks: Iterator[Task], network: Network,
                   scenarios: Sequence[Scenario], workers: int) -> Iterator[Block]:
    """The process pool. Where processes can be forked (Linux), the networks, the sweeps,
    their calendar tables and the compiled kernels are made here once, before the pool
    starts, and every worker inherits them warm; elsewhere each worker builds them in its
    initializer."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    built = _build_to_fork(job, network, scenarios)
    context = multiprocessing.get_context("fork") if built else None
    try:
        with _spool_folder(job) as spool, ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=_install,
                initargs=(job, job.token, network.folder, tuple(scenarios),
                          network.content_hash)) as pool:
            parts = _in_order(lambda task: pool.submit(_worker_task, job.token, task, spool),
                              tasks, 4 * workers)
            for part in parts:
                yield from _unspooled(part)
    finally:
        if built:
            _STATE.pop(job.token, None)


def _build_to_fork(job: JobSpec, network: Network, scenarios: Sequence[Scenario]) -> bool:
    """Where processes can be forked, make this job's state here for workers to inherit;
    whether it did (the caller then drops it from ``_STATE`` when done)."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or job.token in _STATE:
        return False
    _install(job, job.token, network.folder, tuple(scenarios), network.content_hash)
    warm(job, _STATE[job.token])
    return True


def warm(job: JobSpec, state: dict[str, Any]) -> None:
    """Make every sweep of the job, its calendar tables and the compiled kernels ready (one
    tiny search), so that processes forked from here start with them."""
    from corridor.analysis.blocks import sweep_for

    for case in job.cases:
        for cargo in job.cargos:
            sweep = sweep_for(job, state, case, cargo)
            sweep.warm(job.departures, job.origin_matches[0])


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
        _install(None, token, temp, scenarios, content_hash)


def _dask_plugin(token: str, files: dict[str, bytes], scenarios: Sequence[Scenario],
                 content_hash: str) -> Any:
    from distributed import WorkerPlugin

    class MatrixNetworks(WorkerPlugin):
        """Carries the network folder and scenarios to each worker once, at setup."""

        name = f"corridor-matrix-{token}"

        def setup(self, worker: Any) -> None:
            _install_packed(token, files, scenarios, content_hash)

    return MatrixNetworks()


def _dask_task(job: JobSpec, i0: int, i1: int, j0: int, j1: int,
               spool: str | None = None) -> bytes | str:
    """:func:`_worker_task` for Dask; the blocks go back as one pickle, or spooled."""
    state = _STATE[job.token]
    state["job"] = job
    output = _spooled(task_output(job, i0, i1, j0, j1, state), spool, (i0, i1, j0, j1))
    return output if isinstance(output, str) else pickle.dumps(
        output, protocol=pickle.HIGHEST_PROTOCOL)


_QUIET_CLUSTER = {
    # a cluster with no dashboard has no use for the profile its workers sample every 10 ms,
    # nor for readings of memory and load many times a second: on two cores they cost the
    # matrix about a second in sixteen
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    # the tasks are alike and taken in order: moving them between workers gains nothing
    "distributed.scheduler.work-stealing": False,
}


class _ShutdownRace(logging.Filter):
    """Drops a worker's traceback for a heartbeat that found the scheduler already closed:
    a race of a local cluster's shutdown (dask/distributed#7105), not a failure; a matrix
    whose scheduler dies mid-run fails in the driver all the same."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to communicate with scheduler")


_SHUTDOWN_RACE = _ShutdownRace()


def _run_dask(job: JobSpec, tasks: Iterator[Task], network: Network,
              scenarios: Sequence[Scenario], workers: int, scheduler: Any) -> Iterator[Block]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("engine 'dask' needs the matrix extra: pip install "
                          "'corridor[matrix]' (dask.distributed is not installed)") from None

    cluster = None
    built = False
    if scheduler is None:
        import dask

        # the local cluster's workers are forked from here with the networks, sweeps,
        # calendar tables and kernels made once (the plugin then finds them ready)
        built = _build_to_fork(job, network, scenarios)
        method = "fork" if built else "spawn"
        # workers forked from here inherit the filter; it goes when the cluster does
        logging.getLogger("distributed.worker").addFilter(_SHUTDOWN_RACE)
        with dask.config.set({"distributed.worker.multiprocessing-method": method,
                              **_QUIET_CLUSTER}):
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
    cleanup = contextlib.ExitStack()
    try:
        # a cluster started here shares this machine's memory: results come back spooled
        spool = cleanup.enter_context(_spool_folder(job)) if cluster is not None else None
        client.register_plugin(plugin)
        n_workers = len(client.scheduler_info().get("workers", {})) or workers
        # the job (every origin and destination) goes to each worker once, not with every
        # task: sent with each task it grew the driver by ~100 kB a task
        shared = client.scatter(job, broadcast=True, hash=False)
        # pure=False: every task is its own even when two look alike
        parts = _in_order(lambda task: client.submit(_dask_task, shared, *task, spool,
                                                     pure=False), tasks, 4 * n_workers)
        for part in parts:
            yield from _unspooled(part if isinstance(part, str) else pickle.loads(part))
    finally:
        cleanup.close()
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
        logging.getLogger("distributed.worker").removeFilter(_SHUTDOWN_RACE)
        if built:
            _STATE.pop(job.token, None)
