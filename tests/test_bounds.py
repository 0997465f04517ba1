"""A service that holds (issue 13): bounded memory over many distinct scenarios."""

from __future__ import annotations

import pytest

import corridor
from corridor.model.scenario import parse_scenario
from corridor.routing import compile as compile_module
from corridor.routing.compile import cache_limit, cached_bytes


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.fixture
def small_cache():
    before = cache_limit()
    cache_limit(8)
    yield
    cache_limit(before / 2**20)


def test_memory_stays_flat_over_500_distinct_scenarios(tiny_network, small_cache):
    """Each compare with its own inline dwell time compiles a new network; the cache of
    compiled networks (and their calendar tables) keeps only what fits in its bound."""

    def compare(i: int) -> None:
        scenario = parse_scenario({
            "name": f"east-{i}", "title": f"East clears in {i} h", "sources": ["s1"],
            "modifications": [{"type": "crossing_time", "crossings": ["East"],
                               "dwell_h": 1 + i / 100}]})
        corridor.compare("Alpha", "Gamma", [scenario], depart="2026-07-15", draws=0,
                         network=tiny_network)

    for i in range(100):  # warm up: imports, compiled kernels, the allocator's pools
        compare(i)
    start = rss_mb()
    for i in range(100, 600):
        compare(i)
    grown = rss_mb() - start
    assert cached_bytes() <= cache_limit()
    assert len(compile_module._COMPILED) < 100
    assert grown < 40, f"RSS grew {grown:.0f} MB over 500 scenarios"


def test_the_cache_limit_is_checked():
    with pytest.raises(ValueError, match="positive"):
        cache_limit(0)


# ---------------------------------------------------------------- clean errors


@pytest.mark.parametrize("country", ["XX", "pk", "__class__"])
def test_an_unknown_holiday_country_is_refused_when_the_scenario_is_read(country):
    from corridor.exceptions import ScenarioError

    with pytest.raises(ScenarioError, match="holidays"):
        parse_scenario({"name": "h", "title": "h", "sources": ["s1"], "modifications": [
            {"type": "calendar", "crossings": ["Torkham"],
             "rules": [{"action": "close", "holidays": country}]}]})


def test_the_api_refuses_to_save_or_compare_an_unknown_holiday_country():
    from fastapi.testclient import TestClient

    from corridor.server import create_app

    client = TestClient(create_app(db=":memory:"))
    body = {"name": "bad-holidays", "title": "x", "sources": ["cpmm_pak_2023"],
            "modifications": [{"type": "calendar", "crossings": ["Torkham"],
                               "rules": [{"action": "close", "holidays": "XX"}]}]}
    assert client.put("/scenarios/bad-holidays", json=body).status_code == 422
    answer = client.post("/compare", json={"origin": "Karachi", "destination": "Kabul",
                                           "depart": "2026-07-15", "draws": 0,
                                           "scenarios": [body]})
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize("case", ["folder", "missing folder", "not a database", "damaged"])
def test_a_bad_sqlite_store_is_named_at_start(tmp_path, case):
    import sqlite3

    from corridor.server.store import StoreConnectionError, open_store

    path = tmp_path / "corridor.sqlite3"
    if case == "folder":
        path.mkdir()
    elif case == "missing folder":
        path = tmp_path / "nowhere" / "corridor.sqlite3"
    elif case == "not a database":
        path.write_bytes(bytes(range(256)) * 20)
    else:
        con = sqlite3.connect(path)
        con.execute("create table t (a)")
        con.executemany("insert into t values (?)", [("x" * 200,) for _ in range(2000)])
        con.commit()
        con.close()
        data = bytearray(path.read_bytes())
        data[4096 * 3:4096 * 3 + 2000] = b"\xff" * 2000
        path.write_bytes(bytes(data))
    with pytest.raises(StoreConnectionError, match="scenario store") as info:
        open_store(path)
    assert str(path.parent if case == "missing folder" else path) in str(info.value)
    assert not (tmp_path / "nowhere").exists()  # no new empty store


@pytest.mark.parametrize("args", [
    ["calendar", "Karachi", "Kabul", "--year", "99999"],
    ["calendar", "Karachi", "Kabul", "--year", "-1"],
    ["route", "Karachi", "Kabul", "--draws", "100000000"],
    ["route", "Karachi", "Kabul", "--depart", "2098-01-01"],
    ["report", "Islamabad", "Kashgar", "--scenario", "khunjerab-year-round",
     "--calendar-year", "99999", "--out", "r.html"],
])
def test_out_of_range_numbers_are_messages(args, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from corridor.cli import main

    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 2, out.output
    assert "out of range" in out.output and "Traceback" not in out.output


@pytest.mark.parametrize("content", [bytes(range(256)) * 4, ("a: " + "[" * 5000 + "]" * 5000)])
def test_a_binary_or_deeply_nested_scenario_file_is_a_message(tmp_path, content):
    from click.testing import CliRunner

    from corridor.cli import main

    path = tmp_path / "s.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = CliRunner().invoke(main, ["compare", "Karachi", "Kabul", "--scenario", str(path),
                                    "--draws", "0"])
    assert out.exit_code == 4, out.output  # a bad network or scenario file
    assert "not text" in out.output or "nested too deeply" in out.output


def test_a_connection_error_without_strerror_is_a_message(capsys):
    from corridor.cli import _friendly

    @_friendly
    def connect():
        raise OSError("timed out trying to connect to tcp://127.0.0.1:1 after 30 s")

    with pytest.raises(SystemExit) as info:
        connect()
    assert info.value.code == 2
    assert "cannot connect: timed out" in capsys.readouterr().err


def test_the_api_and_the_library_take_the_same_years():
    from fastapi.testclient import TestClient

    from corridor import limits
    from corridor.server import create_app

    client = TestClient(create_app(db=":memory:"))
    last = f"{limits.YEAR_MAX}-12-31"
    after = f"{limits.YEAR_MAX + 1}-01-01"
    ok = client.post("/route", json={"origin": "Karachi", "destination": "Kabul",
                                     "depart": last, "draws": 0})
    assert ok.status_code == 200, ok.text
    assert client.post("/route", json={"origin": "Karachi", "destination": "Kabul",
                                       "depart": after, "draws": 0}).status_code == 422
    with pytest.raises(corridor.InvalidOptionError, match="out of range"):
        corridor.plan_route("Karachi", "Kabul", depart=after, draws=0)


# ---------------------------------------------------------------- the API's small print


@pytest.fixture
def api():
    from fastapi.testclient import TestClient

    from corridor.server import create_app

    return TestClient(create_app(db=":memory:"))


def test_a_boolean_is_not_a_number_of_draws(api):
    answer = api.post("/route", json={"origin": "Karachi", "destination": "Kabul",
                                      "draws": False})
    assert answer.status_code == 422 and "draws" in answer.text


def test_405_lists_every_method_of_the_path(api):
    answer = api.post("/scenarios/anything", json={})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "DELETE, GET, PUT"
    assert "use DELETE, GET, PUT" in answer.json()["message"]


def test_the_api_docs_are_served_offline(api):
    page = api.get("/docs")
    assert page.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert api.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "see /docs" in api.get("/no-such-thing").json()["message"]


def test_the_401_of_analyses_names_analyses():
    from fastapi.testclient import TestClient

    from corridor.server import create_app

    client = TestClient(create_app(db=":memory:", token="secret"))
    answer = client.put("/analyses/a", json={"kind": "route", "title": "t", "request": {}})
    assert answer.status_code == 401 and "saving or deleting analyses" in answer.text


def test_without_a_token_writes_come_only_to_loopback_names():
    from fastapi.testclient import TestClient

    from corridor.server import create_app

    app = create_app(db=":memory:", write_hosts=("localhost", "127.0.0.1", "::1"))
    body = {"name": "x", "title": "x", "sources": ["cpmm_pak_2023"],
            "modifications": [{"type": "crossing_time", "crossings": ["Torkham"],
                               "dwell_h": 12}]}
    local = TestClient(app, base_url="http://127.0.0.1:8000")
    assert local.put("/scenarios/x", json=body).status_code == 201
    rebound = TestClient(app, base_url="http://attacker.example:8000")
    refused = rebound.put("/scenarios/x", json=body)
    assert refused.status_code == 403 and "--allow-host" in refused.json()["message"]
    assert rebound.get("/scenarios/x").status_code == 200  # reads stay open
