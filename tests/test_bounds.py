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
    ["matrix", "--origins", "places.txt", "--destinations", "places.txt", "--year", "-1",
     "--out", "m.csv"],
])
def test_out_of_range_numbers_are_messages(args, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from corridor.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "places.txt").write_text("Karachi\nKabul\n")
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
    from corridor.cli import friendly as _friendly

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


# ---------------------------------------------------------------- CPU: budgets, deadline


def _client(**limits):
    from fastapi.testclient import TestClient

    from corridor.server import Limits, create_app

    return TestClient(create_app(db=":memory:", limits=Limits(**limits)))


def test_work_budgets_are_422_naming_the_limit():
    client = _client(max_vias=2, max_calendar_cells=1000, max_selectors=3)
    trip = {"origin": "Karachi", "destination": "Almaty", "depart": "2026-07-15", "draws": 0}
    answer = client.post("/route", json={**trip, "via": ["Kabul", "Termez", "Tashkent"]})
    assert answer.status_code == 422 and "max_vias" in answer.json()["message"]
    answer = client.post("/calendar", json={"origin": "Karachi", "destination": "Kabul",
                                            "draws": 100, "step": "month"})
    assert answer.status_code == 422 and "max_calendar_cells" in answer.json()["message"]
    scenario = {"name": "s", "title": "s", "sources": ["cpmm_pak_2023"], "modifications": [
        {"type": "close", "crossings": ["Torkham", "Chaman", "Ghulam Khan", "Kharlachi"]}]}
    answer = client.post("/compare", json={**trip, "scenarios": [scenario]})
    assert answer.status_code == 422 and "max_selectors" in answer.json()["message"]
    described = client.get("/openapi.json").json()["info"]["description"]
    assert "at most 2 vias" in described and "1,000" in described


def _slow_departures(monkeypatch, seconds: float) -> None:
    """Each route a calendar plans takes ``seconds`` longer: 52 weekly departures then take
    longer than any test's timing, however fast the searches become."""
    import time

    from corridor.routing import plan

    planned = plan.plan_route

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return planned(*args, **kwargs)

    monkeypatch.setattr(plan, "plan_route", slow)


def test_a_heavy_request_stops_at_its_deadline(monkeypatch):
    _slow_departures(monkeypatch, 0.1)  # all 52 departures: over 5 s
    client = _client(deadline_s=1)
    started = __import__("time").monotonic()
    answer = client.post("/calendar", json={"origin": "Karachi", "destination": "Almaty",
                                            "draws": 2000, "step": "week"})
    elapsed = __import__("time").monotonic() - started
    assert answer.status_code == 503, answer.text[:200]
    assert answer.json()["error"] == "deadline_exceeded" and "Retry-After" in answer.headers
    assert elapsed < 4  # stopped between departures, not after the 52 of them


def test_health_answers_and_extra_heavy_work_is_turned_away_while_heavy_work_runs(
        monkeypatch):
    import threading
    import time

    _slow_departures(monkeypatch, 0.1)  # the calendar outlasts the checks below
    client = _client(heavy_slots=1, deadline_s=60)
    heavy = {"origin": "Karachi", "destination": "Almaty", "draws": 2000, "step": "week"}
    done = []
    worker = threading.Thread(target=lambda: done.append(client.post("/calendar", json=heavy)))
    worker.start()
    time.sleep(1.0)  # the calendar is running in the only heavy slot
    assert worker.is_alive()
    started = time.monotonic()
    assert client.get("/health").status_code == 200
    assert time.monotonic() - started < 2.0
    cheap = client.post("/route", json={"origin": "Lahore", "destination": "Islamabad",
                                        "depart": "2026-07-15", "draws": 0})
    assert cheap.status_code == 200
    busy = client.post("/compare", json={"origin": "Karachi", "destination": "Kabul",
                                         "depart": "2026-07-15", "draws": 0,
                                         "scenarios": ["afghanistan-closed"]})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    assert busy.json()["error"] == "busy"
    worker.join(120)
    assert done and done[0].status_code == 200


def test_the_deadline_module_does_nothing_outside_a_limit():
    from corridor import deadline

    deadline.check()  # no limit set: library calls are never stopped
    cancel = __import__("threading").Event()
    with deadline.limit(60, cancel):
        deadline.check()
        cancel.set()
        with pytest.raises(deadline.Stopped, match="cancelled"):
            deadline.check()


def test_work_its_client_abandoned_stops_and_frees_its_slot():
    """Under uvicorn: a client asks for a year of weekly departures (the most reliable
    route, 20,000 draws each) and hangs up after half a second; the calendar stops and its
    only heavy slot is free again in less than half the time the whole year takes."""
    import json
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from corridor.server import Limits, create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    request = {"origin": "Karachi", "destination": "Almaty", "draws": 20_000, "step": "week",
               "optimize": "p90"}
    started = time.monotonic()
    corridor.calendar(**{k: v for k, v in request.items()})
    whole = time.monotonic() - started
    app = create_app(db=":memory:", limits=Limits(heavy_slots=1, deadline_s=120,
                                                  max_calendar_cells=2_000_000))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        body = json.dumps(request).encode()
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"POST /calendar HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/json\r\nContent-Length: "
                       + str(len(body)).encode() + b"\r\n\r\n" + body)
        time.sleep(0.5)
        client.close()  # gone
        started = time.monotonic()
        answer = None
        while time.monotonic() - started < whole / 2:
            answer = httpx.post(f"http://127.0.0.1:{port}/compare", timeout=60, json={
                "origin": "Lahore", "destination": "Islamabad", "depart": "2026-07-15",
                "draws": 0, "scenarios": ["afghanistan-closed"]})
            if answer.status_code != 503:
                break
            time.sleep(0.25)
        assert answer is not None and answer.status_code == 200, answer.text[:200]
        assert time.monotonic() - started < whole / 2
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_slow_clients_are_cut_after_a_few_seconds():
    """Under uvicorn with corridor's protocol: headers that never finish close the
    connection after the header deadline; a body that stalls gets 408."""
    import socket
    import threading
    import time

    import uvicorn

    from corridor.server import Limits, create_app
    from corridor.server.protocol import header_timeout_protocol

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(db=":memory:", limits=Limits(body_timeout_s=1))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                           http=header_timeout_protocol(1.0)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        half_headers = socket.create_connection(("127.0.0.1", port))
        half_headers.sendall(b"POST /route HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        half_headers.settimeout(10)
        started = time.monotonic()
        assert half_headers.recv(100) == b""  # closed
        assert time.monotonic() - started < 4
        half_body = socket.create_connection(("127.0.0.1", port))
        half_body.sendall(b"POST /route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                          b"application/json\r\nContent-Length: 100\r\n\r\n{\"orig")
        half_body.settimeout(10)
        started = time.monotonic()
        answer = b""
        while b"body_timeout" not in answer:
            chunk = half_body.recv(300)
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408") and b"body_timeout" in answer
        assert time.monotonic() - started < 4
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_a_repeated_route_is_answered_from_the_cache_byte_for_byte():
    from corridor.server.routers import queries

    client = _client()
    body = {"origin": "Karachi", "destination": "Almaty", "depart": "2026-07-15", "draws": 100}
    first = client.post("/route", json=body)
    state = client.app.state.corridor
    assert first.status_code == 200 and len(state.answers) == 1
    again = client.post("/route", json={**body})
    assert again.content == first.content and len(state.answers) == 1
    other = client.post("/route", json={**body, "seed": 1})
    assert other.status_code == 200 and len(state.answers) == 2
    assert first.json()["summary"] == client.post(
        "/route", json={**body, "optimize": "generalized"}).json()["summary"]
    no_cache = _client(route_cache=0)
    assert no_cache.post("/route", json=body).content == first.content
    assert not no_cache.app.state.corridor.answers
    assert queries._answer_key  # the key: the network's hash, the request, today if needed


def test_serve_keeps_its_store_in_the_user_data_folder(tmp_path, monkeypatch):
    import uvicorn
    from click.testing import CliRunner

    from corridor.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    out = CliRunner().invoke(main, ["serve", "--port", "8123"])
    assert out.exit_code == 0, out.output
    store = tmp_path / "data" / "corridor" / "corridor.sqlite3"
    assert f"scenario store: {store}" in out.output and store.exists()
    assert not (tmp_path / "corridor.sqlite3").exists()  # not the current folder
    assert started["port"] == 8123


def test_calendar_defaults_to_the_twelve_months_from_today():
    import datetime as dt
    import json

    from click.testing import CliRunner

    from corridor.cli import main

    out = CliRunner().invoke(main, ["calendar", "Lahore", "Islamabad", "--draws", "0",
                                    "--json"])
    assert out.exit_code == 0, out.output
    days = [dt.date.fromisoformat(d["depart"][:10]) for d in json.loads(out.output)["departures"]]
    today = dt.date.today()
    assert len(days) == 24 and today <= days[0] and days[-1] < today.replace(year=today.year + 1)
