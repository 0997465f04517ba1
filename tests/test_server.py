"""The HTTP API: every endpoint through FastAPI's test client, bad input, auth and the store.

Most tests serve the tiny hand-made network (tests/netbuilder.py), whose answers are worked
out by hand: in July Alpha → Gamma crosses the Pass (4 h, $210); the Pass is closed
December–March, and the long way runs through BBB (west and east crossings).
"""

from __future__ import annotations

import inspect
import json
import sqlite3
import subprocess
import sys
import threading

import pytest

pytest.importorskip("fastapi", reason="needs the server extra: pip install -e '.[server]'")

from fastapi.testclient import TestClient  # noqa: E402

import corridor  # noqa: E402
from corridor.server import Limits, create_app  # noqa: E402
from corridor.server.store import open_store  # noqa: E402

from netbuilder import tiny  # noqa: E402

TOKEN = "s3cret-token"

PASS_OPEN = {
    "name": "pass-open",
    "title": "The Pass open all year",
    "modifications": [{"type": "calendar", "crossings": ["pass"], "always_open": True}],
}


@pytest.fixture
def tiny_dir(tmp_path):
    return tiny(tmp_path / "tiny")


@pytest.fixture
def client(tiny_dir):
    return TestClient(create_app(network_dir=tiny_dir, db=":memory:"))


@pytest.fixture(scope="module")
def region_client():
    return TestClient(create_app(db=":memory:"))


def trip(**extra):
    return {"origin": "alpha", "destination": "gamma", "depart": "2026-07-15", "draws": 0,
            **extra}


# --------------------------------------------------------------------------- meta


def test_health_and_version(client):
    health = client.get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert body["network"]["name"] == "tiny"
    assert body["network"]["crossings"] == 3
    assert body["store"].startswith("sqlite")
    version = client.get("/version").json()
    assert version["corridor"] == corridor.__version__
    assert version["limits"]["max_draws"] == Limits().max_draws


def test_openapi_documents_every_endpoint(client):
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "corridor"
    assert {"/health", "/version", "/places", "/route", "/calendar", "/compare", "/critical",
            "/network.geojson", "/scenarios", "/scenarios/{name}"} <= set(schema["paths"])
    route_request = schema["components"]["schemas"]["RouteRequest"]
    assert route_request["examples"][0]["origin"] == "Karachi"
    assert "bearer" in json.dumps(schema["components"]["securitySchemes"]).lower()


def test_heavy_endpoints_run_in_the_threadpool(client):
    # plain `def` endpoints run in a worker thread, leaving the event loop free
    for r in client.app.routes:
        if getattr(r, "path", "") in ("/route", "/calendar", "/compare", "/critical"):
            assert not inspect.iscoroutinefunction(r.endpoint), r.path


def test_import_corridor_does_not_import_the_server():
    code = "import sys, corridor; print('fastapi' in sys.modules, 'corridor.server' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- places


def test_places_search_finds_aliases(client):
    hits = client.get("/places", params={"q": "Alfa", "limit": 3}).json()
    assert hits[0]["id"] == "alpha"
    assert hits[0]["matched"].lower() == "alfa"
    assert (hits[0]["lat"], hits[0]["lon"]) == (40.0, 70.0)
    crossing = client.get("/places", params={"q": "pass"}).json()
    assert any(h["kind"] == "crossing" and h["lat"] is not None for h in crossing)
    assert client.get("/places", params={"q": "zzzzqqq"}).json() == []


def test_places_bad_queries(client):
    assert client.get("/places", params={"q": ""}).status_code == 422
    assert client.get("/places").status_code == 422
    too_many = client.get("/places", params={"q": "al", "limit": 51})
    assert too_many.status_code == 422
    assert "max_places" in too_many.json()["message"]


# --------------------------------------------------------------------------- route


def test_route_is_the_json_contract(client, tiny_dir):
    answer = client.post("/route", json=trip(draws=200, seed=3))
    assert answer.status_code == 200
    expected = corridor.plan_route("alpha", "gamma", depart="2026-07-15", draws=200, seed=3,
                                   network=corridor.load_network(tiny_dir)).to_dict()
    assert answer.json() == json.loads(json.dumps(expected))
    assert answer.json()["crossings"] == ["pass"]
    assert answer.json()["summary"]["duration_h"] == 4.0


def test_route_options_reach_the_engine(client):
    winter = client.post("/route", json=trip(depart="2026-01-15", optimize="time")).json()
    assert winter["crossings"] == ["west", "east"]  # the Pass is shut in January
    via = client.post("/route", json=trip(via=["Beta"])).json()
    assert via["countries"] == ["AAA", "BBB", "CCC"]


def test_route_modes_pick_the_cargo_as_the_library_does(region_client):
    """No cargo and rail only: a TEU, said in the warnings; the calendar the same."""
    body = {"origin": "Almaty", "destination": "Tashkent", "depart": "2026-07-15",
            "draws": 0, "modes": ["rail"]}
    answer = region_client.post("/route", json=body)
    assert answer.status_code == 200
    assert answer.json()["cargo"] == "teu"
    assert any("chosen for the modes rail" in w for w in answer.json()["warnings"])
    truck = region_client.post("/route", json={**body, "cargo": "truck"})
    assert truck.status_code == 422 and "use cargo 'teu'" in truck.text
    year = region_client.post("/calendar", json={"origin": "Almaty", "destination": "Tashkent",
                                                 "modes": ["rail"], "year": 2026, "draws": 0})
    assert year.status_code == 200 and year.json()["cargo"] == "teu"


def test_route_alternatives(client):
    answer = client.post("/route", json=trip(alternatives=True, deadline="2026-07-16",
                                             draws=100))
    assert answer.status_code == 200
    options = answer.json()["alternatives"]
    assert options and all(o["best_for"] for o in options)
    assert options[0]["reliability"]["on_time_probability"] is not None


def test_unknown_place_is_404_with_suggestions(client):
    answer = client.post("/route", json=trip(destination="Gamaa"))
    assert answer.status_code == 404
    body = answer.json()
    assert body["error"] == "unknown_place"
    assert "Gamma" in body["suggestions"]
    assert "did you mean" in body["message"]


@pytest.mark.parametrize("change, where", [
    ({"cargo": "camel"}, "truck"),  # the message lists the valid cargo
    ({"optimize": "fastest"}, "generalized"),
    ({"modes": ["hovercraft"]}, "road"),
    ({"depart": "2026-02-30"}, "YYYY-MM-DD"),
    ({"deadline": "soon"}, "YYYY-MM-DD"),
])
def test_bad_option_is_422(client, change, where):
    answer = client.post("/route", json=trip(**change))
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid_option"
    assert where in answer.json()["message"]


@pytest.mark.parametrize("change", [
    {"depart": "9999-12-31"}, {"seed": -1}, {"risk_aversion": -1}, {"draws": -5},
    {"origin": ""}, {"origin": "x" * 201}, {"via": ["a"] * 11}, {"max_labels": 0},
    {"unknown_field": 1}, {"alternatives": "maybe"},
])
def test_malformed_requests_are_422_not_500(client, change):
    answer = client.post("/route", json=trip(**change))
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "invalid_request"
    assert body["problems"] and body["problems"][0]["location"].startswith("body")


def test_bad_json_and_wrong_types(client):
    broken = client.post("/route", content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 422
    assert client.post("/route", json=["alpha", "gamma"]).status_code == 422
    nan = client.post("/route", content=b'{"origin": "alpha", "destination": "gamma", '
                                        b'"risk_aversion": NaN}',
                      headers={"content-type": "application/json"})
    assert nan.status_code == 422


def test_too_many_draws_is_422(client, tiny_dir):
    answer = client.post("/route", json=trip(draws=20_001))
    assert answer.status_code == 422
    assert "max_draws" in answer.json()["message"]
    small = TestClient(create_app(network_dir=tiny_dir, db=":memory:",
                                  limits=Limits(max_draws=100, max_labels=4)))
    assert small.post("/route", json=trip(draws=101)).status_code == 422
    assert small.post("/route", json=trip(draws=100)).status_code == 200
    labels = small.post("/route", json=trip(alternatives=True, max_labels=5))
    assert labels.status_code == 422 and "max_labels" in labels.json()["message"]


def test_no_route_is_422_with_the_reason(client):
    answer = client.post("/route", json=trip(avoid=["BBB", "pass"]))
    assert answer.status_code == 422
    assert answer.json()["error"] == "no_route"
    assert "no route" in answer.json()["message"]


def test_oversized_body_is_413(tiny_dir):
    small = TestClient(create_app(network_dir=tiny_dir, db=":memory:",
                                  limits=Limits(max_body_bytes=1024)))
    answer = small.post("/route", json=trip(origin="alpha" + " " * 2000))
    assert answer.status_code == 413
    assert answer.json()["error"] == "body_too_large"

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(10):
            yield b" " * 200

    chunked = small.post("/route", content=chunks(),
                         headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    assert small.post("/route", json=trip()).status_code == 200  # under the limit


def test_default_body_limit(client):
    answer = client.put("/scenarios/big", json={**PASS_OPEN, "name": "big",
                                                "description": "x" * 300_000})
    assert answer.status_code == 413


def test_unknown_endpoint_and_method_are_json(client):
    missing = client.get("/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = client.delete("/health")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_unexpected_errors_are_500_without_traceback(tiny_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals at /srv/corridor")

    monkeypatch.setattr(corridor, "plan_route", broken)
    app = create_app(network_dir=tiny_dir, db=":memory:")
    answer = TestClient(app, raise_server_exceptions=False).post("/route", json=trip())
    assert answer.status_code == 500
    assert answer.json()["error"] == "internal_error"
    assert "secret" not in answer.text and "Traceback" not in answer.text


# --------------------------------------------------------------------------- analyses


def test_calendar(client):
    answer = client.post("/calendar", json={"origin": "alpha", "destination": "gamma",
                                            "optimize": "time", "draws": 0})
    assert answer.status_code == 200
    departures = answer.json()["departures"]
    assert len(departures) == 24
    by_month = {d["depart"][:7]: d["crossings"] for d in departures}
    assert by_month["2026-07"] == ["pass"]
    assert by_month["2026-01"] == ["west", "east"]
    weekly = client.post("/calendar", json={"origin": "alpha", "destination": "gamma",
                                            "step": "week", "draws": 0, "year": 2027})
    assert len(weekly.json()["departures"]) == 52
    assert client.post("/calendar", json={"origin": "alpha", "destination": "gamma",
                                          "step": "day"}).status_code == 422
    assert client.post("/calendar", json={"origin": "alpha", "destination": "gamma",
                                          "draws": 50_000}).status_code == 422


def test_compare_inline_and_saved_scenarios(client):
    assert client.put("/scenarios/pass-open", json=PASS_OPEN).status_code == 201
    inline = {**PASS_OPEN, "name": "west-fast",
              "modifications": [{"type": "crossing_time", "crossings": ["west"],
                                 "dwell_h": 1}]}
    answer = client.post("/compare", json=trip(depart="2026-01-15", optimize="time",
                                               scenarios=["pass-open", inline],
                                               combined=True))
    assert answer.status_code == 200
    cases = {c["name"]: c for c in answer.json()["cases"]}
    assert list(cases) == ["baseline", "pass-open", "west-fast", "pass-open + west-fast"]
    assert cases["baseline"]["route"]["crossings"] == ["west", "east"]
    assert cases["pass-open"]["route"]["crossings"] == ["pass"]
    assert cases["west-fast"]["duration_h"] == cases["baseline"]["duration_h"] - 4
    assert "trade_impact" in cases["pass-open"]


def test_compare_bad_scenarios(client, tiny_dir, tmp_path, monkeypatch):
    # library scenarios name places of the bundled network, not of the tiny one
    library = client.post("/compare", json=trip(scenarios=["customs-cooperation"]))
    assert library.status_code == 422
    assert library.json()["error"] == "invalid_scenario"
    assert library.json()["problems"]
    bad_inline = client.post("/compare", json=trip(scenarios=[{"name": "x", "title": "x",
                                                               "modifications": []}]))
    assert bad_inline.status_code == 422
    assert bad_inline.json()["problems"][0]["location"] == "modifications"
    unknown = client.post("/compare", json=trip(scenarios=["pass-opne"]))
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_scenario"
    small = TestClient(create_app(network_dir=tiny_dir, db=":memory:",
                                  limits=Limits(max_scenarios=2)))
    assert small.post("/compare", json=trip(scenarios=[PASS_OPEN] * 3)).status_code == 422
    assert client.post("/compare", json=trip(scenarios=[])).status_code == 422


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "pass-open.yaml",
                                  "C:\\scenarios\\x", "~root", ".hidden", "A-Upper"])
def test_path_like_scenario_names_are_422(client, name):
    answer = client.post("/compare", json=trip(scenarios=[name]))
    assert answer.status_code == 422
    assert "not a scenario name" in answer.json()["message"]


def test_scenario_names_never_open_files(client, tmp_path, monkeypatch):
    # a valid scenario file named like a scenario, in the server's working directory
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil").write_text(json.dumps({**PASS_OPEN, "name": "evil"}))
    answer = client.post("/compare", json=trip(scenarios=["evil"]))
    assert answer.status_code == 404
    assert client.get("/scenarios/evil").status_code == 404


def test_critical(client, tiny_dir):
    answer = client.post("/critical", json={"depart": "2026-07-15",
                                            "pairs": [{"origin": "alpha",
                                                       "destination": "gamma"}]})
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert items[0]["kind"] in ("crossing", "link")
    assert "pass" in {i["id"] for i in items}
    small = TestClient(create_app(network_dir=tiny_dir, db=":memory:",
                                  limits=Limits(max_pairs=2)))
    pairs = [{"origin": "alpha", "destination": "gamma"}] * 3
    too_many = small.post("/critical", json={"pairs": pairs})
    assert too_many.status_code == 422 and "max_pairs" in too_many.json()["message"]
    assert client.post("/critical", json={"pairs": []}).status_code == 422
    # the default pairs are the bundled network's: unknown places on the tiny one
    assert client.post("/critical", json={}).status_code in (404, 422)
    unknown = client.post("/critical", json={"pairs": [{"origin": "alpha",
                                                        "destination": "nowhere"}]})
    assert unknown.status_code in (404, 422)


def test_network_geojson(client):
    answer = client.get("/network.geojson")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    collection = answer.json()
    kinds = [f["properties"]["feature"] for f in collection["features"]]
    assert (kinds.count("place"), kinds.count("link"), kinds.count("crossing")) == (9, 6, 3)
    alpha = next(f for f in collection["features"] if f["id"] == "place:alpha")
    assert alpha["geometry"] == {"type": "Point", "coordinates": [70.0, 40.0]}
    line = next(f for f in collection["features"] if f["id"] == "crossing:pass")
    assert line["geometry"]["type"] == "LineString"
    assert client.get("/network.geojson").json() == collection  # cached, same answer


# --------------------------------------------------------------------------- scenarios


def test_scenario_library_is_listed_and_readable(client):
    listed = client.get("/scenarios").json()["scenarios"]
    library = {s["name"] for s in listed if s["source"] == "library"}
    assert {"customs-cooperation", "khunjerab-year-round"} <= library
    one = client.get("/scenarios/khunjerab-year-round")
    assert one.status_code == 200
    assert one.json()["scenario"]["modifications"][0]["type"] == "calendar"
    missing = client.get("/scenarios/khunjerab-year-rond")
    assert missing.status_code == 404
    assert "khunjerab-year-round" in missing.json()["suggestions"]
    assert client.get("/scenarios/a.yaml").status_code == 422


def test_store_round_trip(client):
    created = client.put("/scenarios/pass-open", json={k: v for k, v in PASS_OPEN.items()
                                                       if k != "name"})
    assert created.status_code == 201
    first = created.json()
    assert first["source"] == "saved" and first["scenario"]["name"] == "pass-open"
    assert client.get("/scenarios/pass-open").json()["scenario"] == first["scenario"]
    replaced = client.put("/scenarios/pass-open", json={**PASS_OPEN, "title": "Open"})
    assert replaced.status_code == 200
    assert replaced.json()["title"] == "Open"
    assert replaced.json()["created_at"] == first["created_at"]
    assert replaced.json()["digest"] != first["digest"]
    saved = [s for s in client.get("/scenarios").json()["scenarios"] if s["source"] == "saved"]
    assert [s["name"] for s in saved] == ["pass-open"]
    assert client.delete("/scenarios/pass-open").status_code == 204
    assert client.get("/scenarios/pass-open").status_code == 404
    assert client.delete("/scenarios/pass-open").status_code == 404


@pytest.mark.parametrize("body, problem", [
    ({"name": "x1", "title": "no modifications", "modifications": []}, "modifications"),
    ({"name": "x1", "title": "t", "modifications": [{"type": "teleport"}]}, "modifications"),
    ({"name": "x1", "title": "t", "modifications": [
        {"type": "calendar", "crossings": ["atlantis"], "always_open": True}]}, "atlantis"),
    ({"name": "other", "title": "t", "modifications": PASS_OPEN["modifications"]}, "differs"),
])
def test_invalid_scenarios_save_nothing(client, body, problem):
    answer = client.put("/scenarios/x1", json=body)
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid_scenario"
    assert problem in json.dumps(answer.json()["problems"])
    assert client.get("/scenarios/x1").status_code == 404
    assert all(s["source"] == "library" for s in client.get("/scenarios").json()["scenarios"])


def test_library_scenarios_are_read_only(client):
    assert client.put("/scenarios/customs-cooperation", json=PASS_OPEN).status_code == 409
    assert client.delete("/scenarios/customs-cooperation").status_code == 409
    assert client.put("/scenarios/Bad.Name", json=PASS_OPEN).status_code == 422


def test_store_limit(tiny_dir):
    small = TestClient(create_app(network_dir=tiny_dir, db=":memory:",
                                  limits=Limits(max_saved_scenarios=1)))
    assert small.put("/scenarios/a1", json=PASS_OPEN | {"name": "a1"}).status_code == 201
    assert small.put("/scenarios/a1", json=PASS_OPEN | {"name": "a1"}).status_code == 200
    full = small.put("/scenarios/a2", json=PASS_OPEN | {"name": "a2"})
    assert full.status_code == 409 and full.json()["error"] == "store_full"


def test_writes_need_the_token(tiny_dir):
    app = create_app(network_dir=tiny_dir, db=":memory:", token=TOKEN)
    client = TestClient(app)
    missing = client.put("/scenarios/pass-open", json=PASS_OPEN)
    assert missing.status_code == 401
    assert missing.json()["error"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    basic = client.put("/scenarios/pass-open", json=PASS_OPEN,
                       headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401
    wrong = client.put("/scenarios/pass-open", json=PASS_OPEN,
                       headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"
    assert client.get("/scenarios/pass-open").status_code == 404  # nothing saved
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert client.put("/scenarios/pass-open", json=PASS_OPEN, headers=right).status_code == 201
    # reads stay open
    assert client.get("/scenarios/pass-open").status_code == 200
    assert client.post("/compare", json=trip(scenarios=["pass-open"])).status_code == 200
    assert client.delete("/scenarios/pass-open").status_code == 401
    assert client.delete("/scenarios/pass-open",
                         headers={"Authorization": "Bearer nope"}).status_code == 403
    assert client.delete("/scenarios/pass-open", headers=right).status_code == 204


def test_store_persists_across_apps(tiny_dir, tmp_path):
    db = tmp_path / "store" / "corridor.sqlite3"
    db.parent.mkdir()  # a store in a folder that does not exist is an error
    first = TestClient(create_app(network_dir=tiny_dir, db=db))
    assert first.put("/scenarios/pass-open", json=PASS_OPEN).status_code == 201
    second = TestClient(create_app(network_dir=tiny_dir, db=str(db)))
    saved = second.get("/scenarios/pass-open")
    assert saved.status_code == 200
    assert saved.json()["scenario"]["modifications"] == PASS_OPEN["modifications"]
    assert second.post("/compare", json=trip(scenarios=["pass-open"])).status_code == 200
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert first.app.state.corridor.store.journal_mode == "wal"


def test_store_concurrent_writes(tmp_path):
    store = open_store(tmp_path / "s.sqlite3")

    def write(i):
        store.put(f"s{i}", {"name": f"s{i}"}, title=str(i), description="", digest="d")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s.name for s in store.list()) == sorted(f"s{i}" for i in range(16))
    store.close()


def test_acknowledged_writes_survive_a_kill(tmp_path):
    db = tmp_path / "kill.sqlite3"
    code = (
        "from corridor.server.store import open_store\n"
        f"store = open_store({str(db)!r})\n"
        "for i in range(100_000):\n"
        "    store.put(f's{i}', {'i': i}, title='t', description='', digest='d')\n"
        "    print(i, flush=True)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              text=True)
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) >= 50:
            break
    writer.kill()  # SIGKILL, in the middle of the next writes
    acknowledged += [int(line) for line in writer.stdout if line.strip()]
    writer.wait()
    store = open_store(db)
    names = {s.name for s in store.list()}
    assert {f"s{i}" for i in acknowledged} <= names
    store.close()


def test_store_refuses_database_urls():
    with pytest.raises(ValueError, match="only SQLite"):
        open_store("mysql://localhost/corridor")


# ------------------------------------------------------------------ bundled network


def test_region_route_karachi_almaty(region_client):
    answer = region_client.post("/route", json={"origin": "Karachi", "destination": "Almaty",
                                                "depart": "2026-07-15", "draws": 1000})
    assert answer.status_code == 200
    route = answer.json()
    assert route["countries"][0] == "PAK" and route["countries"][-1] == "KAZ"
    assert route["reliability"]["draws"] == 1000
    alias = region_client.post("/route", json={"origin": "Karachi", "destination": "Alma-Ata",
                                               "depart": "2026-07-15", "draws": 0})
    assert alias.json()["destination"]["id"] == "almaty"


def test_region_compare_with_a_library_scenario(region_client):
    answer = region_client.post("/compare", json={
        "origin": "Islamabad", "destination": "Kashgar", "depart": "2024-02-15",
        "optimize": "time", "scenarios": ["khunjerab-year-round"], "draws": 0})
    assert answer.status_code == 200
    baseline, year_round = answer.json()["cases"]
    assert "khunjerab" not in baseline["route"]["crossings"]
    assert "khunjerab" in year_round["route"]["crossings"]


def test_region_compare_restricted_to_rail(region_client):
    answer = region_client.post("/compare", json={
        "origin": "Karachi", "destination": "Tashkent", "depart": "2026-07-15",
        "scenarios": ["trans-afghan-railway"], "modes": ["rail"], "draws": 0})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["cargo"] == "teu" and body["modes"] == ["rail"]
    baseline, opened = body["cases"]
    assert "taftan_rail" in baseline["route"]["crossings"]
    assert "kharlachi_rail" in opened["route"]["crossings"]
    bad = region_client.post("/compare", json={
        "origin": "Karachi", "destination": "Tashkent", "scenarios": ["trans-afghan-railway"],
        "modes": ["rail"], "cargo": "truck", "draws": 0})
    assert bad.status_code == 422 and "teu" in bad.text


def test_app_can_start_twice():
    """After a shutdown (a test client closed, a restart) the store opens again."""
    app = create_app(db=":memory:", token="t")
    with TestClient(app):
        pass
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/scenarios").status_code == 200
        assert client.put("/scenarios/x", headers={"Authorization": "Bearer t"},
                          json={"title": "X", "modifications": [
                              {"type": "value_of_time", "pct_per_day": 0.5}]}).status_code == 201
