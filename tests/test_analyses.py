"""Named analyses over HTTP on the SQLite store: save, list, read, run, delete, auth, limits.

The tiny hand-made network (tests/netbuilder.py): in July Alpha → Gamma crosses the Pass.
The same endpoints on PostgreSQL are in tests/test_store_postgres.py.
"""

from __future__ import annotations

import sqlite3

import pytest

pytest.importorskip("fastapi", reason="needs the server extra: pip install -e '.[server]'")

from fastapi.testclient import TestClient  # noqa: E402

from corridor.server import Limits, create_app  # noqa: E402
from corridor.server.store import open_store  # noqa: E402

from netbuilder import tiny  # noqa: E402

TOKEN = "s3cret-token"
ROUTE = {"origin": "alpha", "destination": "gamma", "depart": "2026-07-15", "draws": 0}
PASS_OPEN = {"name": "pass-open", "title": "The Pass open all year",
             "modifications": [{"type": "calendar", "crossings": ["pass"],
                                "always_open": True}]}


@pytest.fixture
def tiny_dir(tmp_path):
    return tiny(tmp_path / "tiny")


@pytest.fixture
def client(tiny_dir):
    return TestClient(create_app(network_dir=tiny_dir, db=":memory:"))


def test_round_trip(client):
    assert client.get("/analyses").json() == {"analyses": []}
    created = client.put("/analyses/alpha-gamma-july",
                         json={"kind": "route", "title": "Alpha–Gamma, July", "request": ROUTE})
    assert created.status_code == 201
    first = created.json()
    assert first["kind"] == "route" and first["title"] == "Alpha–Gamma, July"
    assert first["request"] == ROUTE  # what was given; defaults are left to the endpoint
    assert client.get("/analyses/alpha-gamma-july").json() == first
    replaced = client.put("/analyses/alpha-gamma-july",
                          json={"kind": "calendar", "title": "Year",
                                "request": {"origin": "alpha", "destination": "gamma",
                                            "draws": 0}})
    assert replaced.status_code == 200
    assert replaced.json()["kind"] == "calendar"
    assert replaced.json()["created_at"] == first["created_at"]
    assert client.put("/analyses/a-1", json={"kind": "critical", "request": {
        "pairs": [{"origin": "alpha", "destination": "gamma"}], "depart": "2026-07-15"},
    }).status_code == 201
    listed = client.get("/analyses").json()["analyses"]
    assert [(a["name"], a["kind"]) for a in listed] == [("a-1", "critical"),
                                                         ("alpha-gamma-july", "calendar")]
    assert set(listed[0]) == {"name", "kind", "title", "created_at", "updated_at"}
    assert client.delete("/analyses/alpha-gamma-july").status_code == 204
    missing = client.get("/analyses/alpha-gamma-july")
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_analysis"
    assert client.delete("/analyses/alpha-gamma-july").status_code == 404
    assert client.post("/analyses/alpha-gamma-july/run").status_code == 404
    assert client.get("/analyses/a.json").status_code == 422  # never a path


@pytest.mark.parametrize("kind, endpoint, request_", [
    ("route", "/route", ROUTE),
    ("route", "/route", {**ROUTE, "alternatives": True}),
    ("compare", "/compare", {**ROUTE, "depart": "2026-01-15", "scenarios": ["pass-open"]}),
    ("critical", "/critical", {"pairs": [{"origin": "alpha", "destination": "gamma"}],
                               "depart": "2026-07-15", "top": 3}),
])
def test_run_answers_as_the_endpoint(client, kind, endpoint, request_):
    assert client.put("/scenarios/pass-open", json=PASS_OPEN).status_code == 201
    assert client.put("/analyses/saved", json={"kind": kind, "request": request_}
                      ).status_code == 201
    run = client.post("/analyses/saved/run")
    direct = client.post(endpoint, json=request_)
    assert run.status_code == direct.status_code == 200
    assert run.json() == direct.json()
    if kind == "route" and "alternatives" not in request_:
        assert run.json()["crossings"] == ["pass"]


def test_run_errors_are_the_endpoints(client):
    # saved while the scenario exists, run after it is gone: the endpoint's 404
    assert client.put("/scenarios/pass-open", json=PASS_OPEN).status_code == 201
    body = {"kind": "compare", "request": {**ROUTE, "scenarios": ["pass-open"]}}
    assert client.put("/analyses/c", json=body).status_code == 201
    assert client.delete("/scenarios/pass-open").status_code == 204
    gone = client.post("/analyses/c/run")
    assert gone.status_code == 404 and gone.json()["error"] == "unknown_scenario"
    nowhere = {"kind": "route", "request": {**ROUTE, "destination": "atlantis"}}
    assert client.put("/analyses/r", json=nowhere).status_code == 201
    assert client.post("/analyses/r/run").status_code == 404


@pytest.mark.parametrize("body, code, where", [
    ({"kind": "route", "request": {**ROUTE, "draws": -1}}, "invalid_request",
     "body.request.draws"),
    ({"kind": "route", "request": {**ROUTE, "teleport": True}}, "invalid_request",
     "body.request.teleport"),
    ({"kind": "route", "request": {"origin": "alpha"}}, "invalid_request",
     "body.request.destination"),
    ({"kind": "route", "request": {**ROUTE, "draws": 20_001}}, "invalid_option", "max_draws"),
    ({"kind": "compare", "request": {**ROUTE, "scenarios": ["a"] * 9}}, "invalid_option",
     "max_scenarios"),
    ({"kind": "compare", "request": {**ROUTE, "scenarios": ["../etc/passwd"]}},
     "invalid_option", "scenario name"),
    ({"kind": "compare", "request": {**ROUTE, "scenarios": [{"name": "x", "title": "t",
                                                               "modifications": []}]}},
     "invalid_scenario", "modifications"),
    ({"kind": "critical", "request": {"pairs": [{"origin": "a", "destination": "b"}] * 51}},
     "invalid_option", "max_pairs"),
    ({"kind": "teleport", "request": ROUTE}, "invalid_request", "body.kind"),
    ({"kind": "route", "request": ROUTE, "extra": 1}, "invalid_request", "body.extra"),
])
def test_invalid_requests_save_nothing(client, body, code, where):
    answer = client.put("/analyses/x1", json=body)
    assert answer.status_code == 422, answer.json()
    assert answer.json()["error"] == code
    assert where in str(answer.json())
    assert client.get("/analyses/x1").status_code == 404
    assert client.get("/analyses").json() == {"analyses": []}


def test_bad_names_are_422(client):
    for name in ("Bad.Name", "-x", "a" * 65):
        assert client.put(f"/analyses/{name}", json={"kind": "route", "request": ROUTE}
                          ).status_code == 422


def test_store_limit(tiny_dir):
    small = TestClient(create_app(network_dir=tiny_dir, db=":memory:",
                                  limits=Limits(max_saved_analyses=1)))
    body = {"kind": "route", "request": ROUTE}
    assert small.put("/analyses/a1", json=body).status_code == 201
    assert small.put("/analyses/a1", json=body).status_code == 200
    full = small.put("/analyses/a2", json=body)
    assert full.status_code == 409 and full.json()["error"] == "store_full"
    assert "analyses" in full.json()["message"]
    assert small.get("/version").json()["limits"]["max_saved_analyses"] == 1


def test_writes_need_the_token(tiny_dir):
    client = TestClient(create_app(network_dir=tiny_dir, db=":memory:", token=TOKEN))
    body = {"kind": "route", "request": ROUTE}
    missing = client.put("/analyses/a1", json=body)
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    wrong = client.put("/analyses/a1", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"
    assert client.get("/analyses/a1").status_code == 404  # nothing saved
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert client.put("/analyses/a1", json=body, headers=right).status_code == 201
    # reads and runs stay open
    assert client.get("/analyses").status_code == 200
    assert client.get("/analyses/a1").status_code == 200
    assert client.post("/analyses/a1/run").status_code == 200
    assert client.delete("/analyses/a1").status_code == 401
    assert client.delete("/analyses/a1",
                         headers={"Authorization": "Bearer nope"}).status_code == 403
    assert client.delete("/analyses/a1", headers=right).status_code == 204


def test_persists_across_apps(tiny_dir, tmp_path):
    db = tmp_path / "store" / "corridor.sqlite3"
    db.parent.mkdir()  # a store in a folder that does not exist is an error
    first = TestClient(create_app(network_dir=tiny_dir, db=db))
    assert first.put("/analyses/a1", json={"kind": "route", "title": "T",
                                           "request": ROUTE}).status_code == 201
    assert first.put("/scenarios/pass-open", json=PASS_OPEN).status_code == 201
    second = TestClient(create_app(network_dir=tiny_dir, db=str(db)))
    saved = second.get("/analyses/a1")
    assert saved.status_code == 200 and saved.json()["request"] == ROUTE
    assert second.post("/analyses/a1/run").json()["crossings"] == ["pass"]
    with sqlite3.connect(db) as conn:  # a second table beside the scenarios
        assert conn.execute("SELECT name, kind FROM analyses").fetchall() == [("a1", "route")]
        assert conn.execute("SELECT count(*) FROM scenarios").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_methods_and_unicode(tmp_path):
    store = open_store(tmp_path / "s.sqlite3")
    assert store.put_analysis("a", "route", {"origin": "Алматы"}, title="x\x00y") is True
    assert store.put_analysis("a", "route", {"origin": "Almaty"}, title="x") is False
    assert store.count_analyses() == 1
    assert store.get_analysis("a").request == {"origin": "Almaty"}
    assert store.delete_analysis("a") is True and store.delete_analysis("a") is False
    assert store.get_analysis("a") is None and store.list_analyses() == []
    store.close()


def test_openapi_documents_the_analyses(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/analyses", "/analyses/{name}", "/analyses/{name}/run"} <= set(paths)
    assert {"get", "put", "delete"} <= set(paths["/analyses/{name}"])
    assert {"201", "401", "403", "409", "422"} <= set(paths["/analyses/{name}"]["put"][
        "responses"])
