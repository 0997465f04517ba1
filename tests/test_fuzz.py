"""Property-based fuzzing of the HTTP API's OpenAPI schema with schemathesis.

Every operation of ``/openapi.json`` is called, in process (ASGI), with requests generated
from its schema: valid ones, and (schemathesis' negative mode) ones that break it. The
server must never answer 5xx, and the bodies of documented statuses must match their schema
(status-code conformance is not checked: a body that is not JSON gets an undocumented 400).

The app serves the tiny hand-made network (tests/netbuilder.py) with small limits, so that
route, calendar, compare and critical queries stay fast: expensive inputs are bounded by the
server's own limits (more draws, pairs, labels or scenarios than allowed get 422), not by
skipping operations. A token is set, and each case is sent with the right token, a wrong one
or none, so that the write paths' 401/403 and their authorized paths are both exercised.

Environment knobs for longer runs by hand::

    CORRIDOR_FUZZ_EXAMPLES=300 CORRIDOR_FUZZ_NETWORK=bundled \\
        pytest tests/test_fuzz.py -p no:cacheprovider -s

(``CORRIDOR_FUZZ_NETWORK=bundled`` serves the regional network with the default limits;
the summary of statuses per operation is printed at the end with ``-s``.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    response_schema_conformance,
    status_code_conformance,
)

from corridor.server import Limits, create_app  # noqa: E402

from netbuilder import tiny  # noqa: E402

TOKEN = "fuzz-token"
EXAMPLES = int(os.environ.get("CORRIDOR_FUZZ_EXAMPLES", "40"))
BUNDLED = os.environ.get("CORRIDOR_FUZZ_NETWORK", "tiny") == "bundled"


FOLDER = Path(tempfile.mkdtemp(prefix="corridor-fuzz-"))


def _app():
    if BUNDLED:
        return create_app(db=":memory:", token=TOKEN)
    folder = tiny(FOLDER / "tiny")
    # small bounds keep the heaviest operations cheap; past them the server answers 422
    limits = Limits(max_draws=10_000, max_pairs=3, max_labels=4, max_scenarios=2,
                    max_saved_scenarios=20, max_body_bytes=64 * 1024)
    return create_app(network_dir=folder, db=":memory:", token=TOKEN, limits=limits)


class _OneLifespan:
    """The app without its ASGI lifespan.

    schemathesis' pytest plugin starts the app's lifespan for each operation's test and shuts
    it down after it; corridor's lifespan closes the scenario store on shutdown, and an app is
    not meant to start again (``corridor serve`` runs one lifespan). Rejecting the lifespan
    scope is how an app says it has none; the store is closed by the module's teardown.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan")
        await self.app(scope, receive, send)


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", _OneLifespan(APP))


@pytest.fixture(scope="module", autouse=True)
def _close_store():
    yield
    APP.state.corridor.store.close()
    shutil.rmtree(FOLDER, ignore_errors=True)


# operation -> Counter of statuses; printed by the last test, checked to be non-trivial
SEEN: dict[str, Counter] = defaultdict(Counter)
# every response must be a documented status with a body that matches the schema, and no 5xx
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
AUTH = {"valid": f"Bearer {TOKEN}", "wrong": "Bearer not-the-token", "none": None}


def _digest(case) -> int:
    """A deterministic function of the case's data, so a failing case replays the same."""
    return zlib.crc32(repr((case.method, case.path, case.path_parameters, case.query,
                            case.body)).encode())


# Random strings are almost never places of the network, so most generated queries would stop
# at "unknown place"; in half the cases that name places, real ones (or a real date) are put
# in, so that the engine itself is fuzzed with the rest of the generated request.
if BUNDLED:
    PLACES = (("Karachi", "Almaty"), ("islamabad", "Kashgar"), ("Alma-Ata", "Lahore"),
              ("Tashkent", "tashkent"))
    CROSSING = "khunjerab"
else:
    PLACES = (("Alpha", "Gamma"), ("alfa", "beta"), ("Gamma", "Old Alpha"), ("alpha", "alpha"))
    CROSSING = "pass"
DATES = ("2026-07-15", "2026-01-15T08:00", "2026-02-29", "2026-12-31T23:59")


def _realistic(case, digest: int) -> bool:
    body = case.body
    if not isinstance(body, dict) or digest % 2:
        return False
    origin, destination = PLACES[(digest >> 1) % len(PLACES)]
    if "origin" in body:
        body["origin"] = origin
    if "destination" in body:
        body["destination"] = destination
    for key in ("depart", "deadline"):
        if key in body and (digest >> 3) % 2:
            body[key] = DATES[(digest >> 4) % len(DATES)]
    if case.operation.method.upper() == "PUT":  # a scenario: give it a valid modification
        for key in [k for k in body if k not in ("title", "description", "assumptions")]:
            del body[key]  # `name` may be left out: it is the URL's
        body.setdefault("title", "A fuzzed scenario")
        body["modifications"] = [{"type": "calendar", "crossings": [CROSSING],
                                  "always_open": True}]
    if isinstance(body.get("scenarios"), list):  # /compare: one inline scenario that applies
        body["scenarios"] = [{"name": "fuzz-open", "title": "Open all year",
                              "modifications": [{"type": "calendar", "crossings": [CROSSING],
                                                 "always_open": True}]}]
    pairs = body.get("pairs")
    if isinstance(pairs, list):
        for pair in pairs:
            if isinstance(pair, dict):
                pair["origin"], pair["destination"] = origin, destination
    return True


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, print_blob=True,
          suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case):
    digest = _digest(case)
    header = AUTH[("valid", "wrong", "none")[digest % 3]]
    if _realistic(case, digest) and case.method == "PUT":
        header = AUTH["valid"]  # so that some saves succeed
    if header is not None:
        case.headers = {**(case.headers or {}), "Authorization": header}
    elif case.headers:
        case.headers.pop("Authorization", None)
    response = case.call()
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    # the coverage phase also sends methods the path does not have (answered 405)
    SEEN[operation if operation.startswith(f"{case.method.upper()} ") else "(other methods)"][
        response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


REACHABLE = ("GET /health", "GET /version", "GET /places", "GET /network.geojson",
             "GET /scenarios", "GET /scenarios/{name}", "POST /route",
             "PUT /scenarios/{name}", "POST /compare")


def test_zz_fuzzing_reached_the_app():
    """The generated cases got past validation often enough to mean something."""
    if not SEEN:
        pytest.skip("the fuzzing tests did not run")
    total = sum(sum(c.values()) for c in SEEN.values())
    lines = [f"{op:32} {sum(c.values()):6}  " + " ".join(f"{s}:{n}" for s, n in sorted(c.items()))
             for op, c in sorted(SEEN.items())]
    print(f"\nfuzzed {total} cases over {len(SEEN)} operations\n" + "\n".join(lines))
    assert not any(s >= 500 for c in SEEN.values() for s in c)
    # the reads, and a route, are answered 2xx at least once: the fuzzing got past validation
    missing = [op for op in REACHABLE if not any(200 <= s < 300 for s in SEEN.get(op, ()))]
    assert not missing, "\n".join(lines)
