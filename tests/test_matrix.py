"""OD matrices on the tiny network: hand-checked rows, engines agree, Parquet/CSV, CLI."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import corridor
from corridor.analysis.matrix import (
    ALL_COLUMNS,
    COLUMNS,
    monthly_departures,
    od_matrix,
    read_place_list,
    write_matrix,
)
from corridor.model.scenario import parse_scenario

from netbuilder import tiny

CORRIDOR = str(Path(sys.executable).parent / "corridor")
PASS_OPEN = parse_scenario({
    "name": "pass-open", "title": "The pass open all year",
    "modifications": [{"type": "calendar", "crossings": ["pass"], "always_open": True}]})


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tiny(tmp_path_factory.mktemp("matrix") / "tiny")


@pytest.fixture(scope="module")
def net(folder):
    return corridor.load_network(folder)


def _matrix(net, **options):
    return od_matrix(["Alpha", "Gamma"], ["Gamma", "Alpha"],
                     departures=monthly_departures(2026, "1,7"), scenarios=[PASS_OPEN],
                     network=net, draws=50, **options)


@pytest.fixture(scope="module")
def rows(net):
    return _matrix(net)


def _find(rows, origin, destination, month, scenario="baseline"):
    (row,) = [r for r in rows if (r["origin"], r["destination"], r["scenario"])
              == (origin, destination, scenario) and r["departure"][5:7] == f"{month:02d}"]
    return row


def test_hand_checked_rows(rows):
    # 2 origins × 2 destinations × 2 months × (baseline + 1 scenario)
    assert len(rows) == 16 and all(list(r) == list(COLUMNS) for r in rows)
    july = _find(rows, "Alpha", "Gamma", 7)
    assert (july["duration_h"], july["cost_usd"], july["distance_km"], july["crossings"]) \
        == (4.0, 210.0, 200.0, "pass")
    assert july["departure"] == "2026-07-15T08:00" and july["error"] is None
    january = _find(rows, "Alpha", "Gamma", 1)  # the pass is closed December to March
    assert (january["duration_h"], january["cost_usd"], january["crossings"]) \
        == (13.0, 500.0, "west;east")
    assert january["p50_h"] == 13.0 and january["p90_h"] >= january["p50_h"]


def test_scenario_against_baseline(rows):
    opened = _find(rows, "Alpha", "Gamma", 1, "pass-open")
    assert (opened["duration_h"], opened["crossings"]) == (4.0, "pass")
    back = _find(rows, "Gamma", "Alpha", 1)
    assert back["crossings"] == "east;west"


def test_same_place_is_an_error_row(rows):
    same = _find(rows, "Alpha", "Alpha", 7)
    assert same["error"] == "origin and destination are the same place"
    assert same["duration_h"] is None and same["crossings"] is None


def test_rows_are_sorted_in_input_order(rows):
    keys = [(r["origin"], r["destination"], r["departure"], r["scenario"]) for r in rows]
    assert keys[:4] == [("Alpha", "Gamma", "2026-01-15T08:00", "baseline"),
                        ("Alpha", "Gamma", "2026-01-15T08:00", "pass-open"),
                        ("Alpha", "Gamma", "2026-07-15T08:00", "baseline"),
                        ("Alpha", "Gamma", "2026-07-15T08:00", "pass-open")]


def test_no_draws_leaves_percentiles_empty(net):
    (row,) = od_matrix(["Alpha"], ["Gamma"], departures=["2026-07-15"], network=net)
    assert row["p50_h"] is None and row["p90_h"] is None and row["duration_h"] == 4.0


def test_processes_give_identical_rows(net, rows):
    assert _matrix(net, engine="processes", workers=2) == rows


def test_dask_gives_identical_rows(net, rows):
    # a real LocalCluster of 2 worker processes; the network travels in a worker plugin
    assert _matrix(net, engine="dask", workers=2) == rows


def test_dask_on_an_existing_scheduler(net, rows):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert _matrix(net, scheduler=cluster.scheduler_address) == rows
        assert _matrix(net, scheduler=client) == rows
        # nothing is left on the user's cluster: tasks and the shared job are released
        deadline = time.monotonic() + 10
        while (left := client.run_on_scheduler(_scheduler_tasks)) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        assert left == 0


def _scheduler_tasks(dask_scheduler) -> int:
    return len(dask_scheduler.tasks)


def test_parquet_round_trip(rows, tmp_path):
    import pyarrow.parquet as pq

    path = write_matrix(rows, tmp_path / "m.parquet")
    table = pq.read_table(path)
    assert table.column_names == list(COLUMNS)
    assert table.to_pylist() == rows


def test_csv(rows, tmp_path):
    path = write_matrix(rows, tmp_path / "m.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        back = list(csv.DictReader(handle))
    assert len(back) == len(rows) and list(back[0]) == list(COLUMNS)
    assert back[0]["crossings"] == "west;east" and back[0]["error"] == ""


def test_bad_inputs(net, tmp_path):
    with pytest.raises(corridor.InvalidOptionError, match="no origins"):
        od_matrix([], ["Gamma"], departures=["2026-07-15"], network=net)
    with pytest.raises(corridor.UnknownPlaceError, match="Alphx"):
        od_matrix(["Alphx"], ["Gamma"], departures=["2026-07-15"], network=net)
    with pytest.raises(corridor.UnknownPlaceError, match="Alphx, Gammx"):
        od_matrix(["Alphx"], ["Gammx"], departures=["2026-07-15"], network=net)
    with pytest.raises(ValueError, match="inprocess, processes, dask"):
        od_matrix(["Alpha"], ["Gamma"], departures=["2026-07-15"], network=net,
                  engine="spark")
    with pytest.raises(corridor.InvalidOptionError, match="no departures"):
        od_matrix(["Alpha"], ["Gamma"], departures=[], network=net)
    with pytest.raises(corridor.InvalidOptionError, match="months"):
        monthly_departures(2026, "13")
    with pytest.raises(corridor.InvalidOptionError, match=".parquet or .csv"):
        write_matrix([], tmp_path / "m.xlsx")


def test_read_place_list(tmp_path):
    text = tmp_path / "o.txt"
    text.write_text("Alpha\n\n# a comment\nGamma  # trailing\n", encoding="utf-8")
    assert read_place_list(text) == ["Alpha", "Gamma"]
    table = tmp_path / "o.csv"
    table.write_text("name,country\nAlpha,AAA\nGamma,CCC\n", encoding="utf-8")
    assert read_place_list(table) == ["Alpha", "Gamma"]


def test_cli_end_to_end(folder, tmp_path):
    import pyarrow.parquet as pq

    places = tmp_path / "places.txt"
    places.write_text("Alpha\nGamma\n", encoding="utf-8")
    out = tmp_path / "m.parquet"
    done = subprocess.run(
        [CORRIDOR, "matrix", "--origins", places, "--destinations", places, "--months", "1,7",
         "--scenario", str(tmp_path / "missing.yaml"), "--network", folder, "--out", out,
         "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "error:" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "corridor", "matrix", "--origins", places, "--destinations",
         places, "--months", "1,7", "--network", folder, "--out", out],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "4 pairs × 2 departures × 1 scenarios = 8 rows (4 without a route)" in done.stdout
    table = pq.read_table(out).to_pylist()
    assert [r["duration_h"] for r in table if r["origin"] == "Alpha"
            and r["destination"] == "Gamma"] == [13.0, 4.0]


def test_one_search_per_origin_gives_the_rows_of_one_route_per_pair(monkeypatch):
    """The one-to-all path of od_matrix against plan_route for every pair, on the bundled
    network, every column, for a truck and a traveller, with cities the network reaches,
    cities too far from it (no access leg) and pairs that no road joins, in winter and
    summer. The pairwise rows come from each Route's own legs (blocks.route_fields)."""
    from corridor.analysis import blocks
    from corridor.routing.bulk import Sweep

    origins = ["Karachi", "Faisalabad", "Tehran", "Osh", "Kokand", "Zahedan", "Torkham"]
    destinations = ["Almaty", "Kashgar", "Tabriz", "Herat", "Bukhara", "Gwadar", "Khorog",
                    "Karachi", "Turkmenbashi", "Baku", "Urumqi", "Chaman"]
    options = {"departures": ["2026-01-15", "2026-07-15"], "cargo": ["truck", "passenger"],
               "columns": ALL_COLUMNS}
    calls = []
    real = Sweep.run

    def counting(self, *args, **kwargs):
        calls.append(args[1])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Sweep, "run", counting)
    batch = od_matrix(origins, destinations, **options)
    # one search per origin × departure × cargo (and per distinct edge mask within it)
    assert len(calls) == len(origins) * 2 * 2
    monkeypatch.setattr(Sweep, "run", real)
    one_by_one = blocks.task_block
    monkeypatch.setattr(blocks, "task_block",
                        lambda *args, **kwargs: one_by_one(*args, **kwargs, pairwise=True))
    pairwise = od_matrix(origins, destinations, **options)
    assert len(batch) == len(pairwise) == 7 * 12 * 2 * 2
    for fast, slow in zip(batch, pairwise, strict=True):
        assert fast == slow
    errors = " ".join(row["error"] for row in batch if row["error"])
    assert "so no access leg can join it" in errors  # both explanations are exercised
    assert "are not connected" in errors
    routed = [row for row in batch if not row["error"]]
    assert len(routed) >= len(batch) // 2
    assert {row["cargo"] for row in routed} == {"truck", "passenger"}
    assert any(row["path"].count(">") > 5 for row in routed)
    assert any(row["first_crossing"] != row["last_crossing"] for row in routed)


def test_routes_too_long_for_the_arrays_are_routed_one_by_one(monkeypatch):
    """A route with more crossings than the arrays hold is asked of plan_route: with room
    for one crossing, every multi-crossing row still equals the one computed pair by pair."""
    from corridor.routing.bulk import Sweep

    names = ["Karachi", "Almaty", "Kabul", "Tashkent"]
    options = {"departures": ["2026-07-15"], "columns": ALL_COLUMNS}
    wide = od_matrix(names, names, **options)
    monkeypatch.setattr(Sweep, "width", 1)
    narrow = od_matrix(names, names, **options)
    assert narrow == wide
    assert any(row["border_crossings"] and row["border_crossings"] > 1 for row in narrow)


def test_one_to_all_respects_crossings_open_to_bilateral_trade_only():
    """From Bannu, Afghan destinations may use the bilateral Ghulam Khan crossing, Central
    Asian ones may not (transit goes by Torkham or Chaman): the one-to-all search gives the
    rows plan_route gives, whichever destination comes first."""
    from corridor import plan_route

    for destinations in (["Khost", "Tashkent"], ["Tashkent", "Khost"]):
        rows = od_matrix(["Bannu"], destinations, departures=["2026-07-15"])
        by = {r["destination"]: r for r in rows}
        for name in destinations:
            route = plan_route("Bannu", name, depart="2026-07-15", draws=0)
            assert by[name]["crossings"] == ";".join(route.crossings), name
            assert by[name]["duration_h"] == round(route.summary.duration_h, 2), name
        assert "ghulam_khan" in by["Khost"]["crossings"]
        assert "ghulam_khan" not in by["Tashkent"]["crossings"]


def test_cli_columns_paths_and_several_cargos(folder, tmp_path):
    import pyarrow.parquet as pq

    places = tmp_path / "places.txt"
    places.write_text("Alpha\nGamma\n", encoding="utf-8")
    out = tmp_path / "m.parquet"
    done = subprocess.run(
        [CORRIDOR, "matrix", "--origins", places, "--destinations", places, "--months", "7",
         "--cargo", "truck,teu", "--columns", "origin,destination,cargo,month,"
         "first_crossing,duration_h,error", "--paths", "--network", folder, "--out", out,
         "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "× 2 cargos = 8 rows (4 without a route)" in done.stdout
    rows = pq.read_table(out).to_pylist()
    assert list(rows[0]) == ["origin", "destination", "cargo", "month", "first_crossing",
                             "duration_h", "error", "path"]
    truck = [r for r in rows if (r["origin"], r["destination"], r["cargo"])
             == ("Alpha", "Gamma", "truck")]
    assert truck == [{"origin": "Alpha", "destination": "Gamma", "cargo": "truck", "month": 7,
                      "first_crossing": "pass", "duration_h": 4.0, "error": None,
                      "path": truck[0]["path"]}]
    assert truck[0]["path"].split(">")[0] == "alpha"
    done = subprocess.run(
        [CORRIDOR, "matrix", "--origins", places, "--destinations", places, "--columns",
         "origin,bogus", "--network", folder, "--out", out, "--quiet"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "unknown column(s) bogus" in done.stderr


def test_batches_and_dict_rows_agree(net):
    """iter_od_batches (Arrow, dictionary-encoded text) and od_matrix (dicts) give the same
    rows, every column."""
    import pyarrow as pa

    from corridor.analysis.matrix import iter_od_batches

    options = {"departures": monthly_departures(2026, "1,7"), "scenarios": [PASS_OPEN],
               "network": net, "columns": ALL_COLUMNS}
    rows = od_matrix(["Alpha", "Gamma"], ["Gamma", "Alpha"], **options)
    table = pa.Table.from_batches(list(iter_od_batches(["Alpha", "Gamma"], ["Gamma", "Alpha"],
                                                       **options)))
    assert table.to_pylist() == rows
    assert table.schema.field("corridor").type == pa.dictionary(pa.int32(), pa.string())


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no /dev/shm on this system")
@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_workers_hand_batches_back_through_shared_memory(net, engine, monkeypatch):
    """Workers on this machine write their record batches to /dev/shm and the driver maps
    them: the batches equal the in-process ones, every spooled file is gone afterwards, and
    a spool folder a killed run left behind is swept."""
    import pyarrow as pa

    from corridor.analysis import engines
    from corridor.analysis.matrix import iter_od_batches

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = Path("/dev/shm", f"corridor-matrix-{dead.pid}-left")
    stale.mkdir()
    (stale / "0-1-0-2.arrows").write_bytes(b"x" * 1000)
    handed: list[str] = []
    unspooled = engines._unspooled
    monkeypatch.setattr(engines, "_unspooled",
                        lambda part: handed.append(type(part).__name__) or unspooled(part))
    options = {"departures": monthly_departures(2026, "1,7"), "scenarios": [PASS_OPEN],
               "network": net, "columns": ALL_COLUMNS}
    places = ["Alpha", "Gamma", "Beta"]
    alone = pa.Table.from_batches(list(iter_od_batches(places, places, **options)))
    spooled = pa.Table.from_batches(list(iter_od_batches(places, places, engine=engine,
                                                         workers=2, **options)))
    assert spooled.equals(alone) and spooled.num_rows == 3 * 3 * 2 * 2
    assert handed and set(handed) == {"str"}  # every task came back as a file's name
    assert not stale.exists()
    assert not list(Path("/dev/shm").glob(f"corridor-matrix-{os.getpid()}-*"))


def test_a_full_spool_hands_the_batches_back_through_the_pipe(tmp_path):
    """When the shared-memory spool cannot take a task's output (full, or gone), the worker
    returns the batches themselves and leaves no partial file."""
    import pyarrow as pa

    from corridor.analysis import engines

    batch = pa.RecordBatch.from_pydict({"x": [1.0, 2.0]})
    assert engines._spooled([batch], str(tmp_path / "gone"), (0, 1, 0, 2)) == [batch]
    path = engines._spooled([batch], str(tmp_path), (0, 1, 0, 2))
    assert isinstance(path, str) and engines._unspooled(path)[0].equals(batch)
    assert not list(tmp_path.iterdir())  # read, then unlinked


def test_tasks_cover_every_origin_once_in_order_with_a_fine_tail():
    """Off-process tasks are runs of origins in order, each origin once; the last ones are
    smaller, so that no worker idles long at the end; in-process a task is one origin."""
    from corridor.analysis.matrix import _tasks

    class Job:  # the two fields _tasks reads
        shape = (1000, 1000, 12, 1, 1)
        draws = 0

    for engine, workers in (("processes", 2), ("dask", 2), ("dask", 8)):
        tasks = list(_tasks(Job, workers, engine))
        assert [t[0] for t in tasks[1:]] == [t[1] for t in tasks[:-1]]
        assert tasks[0][0] == 0 and tasks[-1][1] == 1000 and {t[2:] for t in tasks} == {
            (0, 1000)}
        sizes = [t[1] - t[0] for t in tasks]
        assert len(tasks) >= 4 * workers and sizes[-1] < sizes[0]
    assert len(list(_tasks(Job, 1, "inprocess"))) == 1000


def test_a_local_clusters_shutdown_race_is_not_shown_and_the_filter_goes_with_it(net):
    """A worker whose last heartbeat finds the scheduler closed logs a traceback
    (dask/distributed#7105); the cluster corridor starts drops that one message, and only
    while it runs."""
    import logging

    from corridor.analysis import engines

    race = logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1,
                             "Failed to communicate with scheduler during heartbeat.", (),
                             None)
    other = logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1,
                              "Compute Failed", (), None)
    assert not engines._SHUTDOWN_RACE.filter(race) and engines._SHUTDOWN_RACE.filter(other)
    _matrix(net, engine="dask", workers=2)
    assert engines._SHUTDOWN_RACE not in logging.getLogger("distributed.worker").filters
