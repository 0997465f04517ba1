"""Say what the user meant: names, guesses and their notes, ids that never collide, and a
crossing named in ``--via`` (issue 12)."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from corridor import plan_route
from corridor.cli import main
from corridor.exceptions import AmbiguousPlaceError, UnknownPlaceError
from corridor.io.gazetteer import find_places, resolve_name, strict_key

from netbuilder import place, road, tiny

JULY = "2026-07-15"


def _append(path, *rows):
    with path.open(newline="", encoding="utf-8") as handle:
        fields = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, fieldnames=fields).writerows(rows)


@pytest.mark.parametrize("typed", ["Karchi", "Karach", "Karachx"])
def test_a_misspelt_city_is_read_as_the_one_clearly_meant_and_the_answer_says_so(
        region, typed):
    # 'Karchi' is a transliteration of Karshi (UZB) and 'Karach' one of Karaj (IRN): both
    # used to win silently over Karachi
    route = plan_route(typed, "Almaty", depart=JULY, draws=0, network=region)
    assert route.origin.id == "karachi"
    assert f"Origin: read '{typed}' as Karachi (PAK)." in route.warnings


def test_own_names_resolve_silently(region):
    for name, expected in [("Karachi", "karachi"), ("Karshi", "karshi"), ("Alma-Ata", "almaty"),
                           ("Nur-Sultan", "astana"), ("Jalalabad", "jalalabad"),
                           ("Jalal-Abad", "jalal_abad"), ("Karshi (UZB)", "karshi")]:
        match = resolve_name(name, region, allow=("place", "city"))
        assert (match.id, match.note) == (expected, ""), name


def test_the_web_autocomplete_ranks_karachi_first(region):
    names = [m.name for m in find_places("Karach", region, limit=3)]
    assert names[0] == "Karachi" and "Karaj" in names


def test_the_cli_prints_the_reading_under_the_header():
    out = CliRunner().invoke(main, ["route", "Karchi", "Almaty", "--depart", JULY,
                                    "--draws", "0"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[3] == "note: Origin: read 'Karchi' as Karachi (PAK)."


def test_a_near_tie_is_an_error_that_lists_the_candidates(tmp_path):
    import corridor

    folder = tiny(tmp_path / "t")
    _append(folder / "places.csv", place("alphaville", "AAA", 40.1, 70.1, name="Alphaville"),
            place("alphavilla", "AAA", 40.2, 70.2, name="Alphavilla"))
    _append(folder / "links.csv", road("a1", "alpha", "alphaville", 10),
            road("a2", "alpha", "alphavilla", 10))
    net = corridor.load_network(folder)
    with pytest.raises(AmbiguousPlaceError) as info:
        plan_route("Alphavillx", "Gamma", network=net, draws=0)
    assert set(info.value.suggestions) == {"Alphaville (AAA)", "Alphavilla (AAA)"}
    assert "may be any of" in str(info.value)
    assert isinstance(info.value, UnknownPlaceError)  # API and CLI handle it as one
    # far-fetched names are not guessed at all
    with pytest.raises(UnknownPlaceError, match="did you mean 'Alpha'"):
        plan_route("Alpah", "Gamma", network=net, draws=0)


def test_every_place_and_crossing_name_reaches_its_own(region):
    """Normalisation keeps distinct places distinct: every id, name and alias of the bundled
    network resolves to its own place (or crossing), and no two places share one."""
    owners: dict[str, set[str]] = {}
    for p in region.places.values():
        for label in (p.place_id, p.name, *p.aliases):
            owners.setdefault(strict_key(label), set()).add(p.place_id)
    posts = [{c.place_a, c.place_b} for c in region.crossings]
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    unrelated = {k: v for k, v in shared.items() if not any(v <= pair for pair in posts)}
    assert set(unrelated) == {"alat"}  # Alat (UZB) and the port of Alat (AZE)
    with pytest.raises(AmbiguousPlaceError, match="Alat"):
        resolve_name("Alat", region)
    assert resolve_name("Alat (AZE)", region).id == "alat_az"
    for p in region.places.values():
        for label in (p.place_id, p.name, *p.aliases):
            if strict_key(label) in unrelated:
                continue
            match = resolve_name(label, region, allow=("place",))
            # a crossing's name on both its posts stands for the crossing (either side)
            mine = shared.get(strict_key(label), {p.place_id})
            assert match.id in mine and match.note == "", (label, match.id)
    for c in region.crossings:
        for label in (c.crossing_id, c.name, *c.aliases):
            match = resolve_name(label, region, allow=("crossing",))
            assert match.crossing is not None and match.crossing.name == c.name, label
            assert match.note == ""


def test_via_a_crossing_means_crossing_there(region):
    same_id = [c.crossing_id for c in region.crossings if c.crossing_id in region.places]
    assert len(same_id) >= 10  # chaman, dostyk, korday, taftan, ...
    for cid in same_id:
        assert resolve_name(cid, region, allow=("crossing", "place")).kind == "crossing", cid
    route = plan_route("Gilgit", "Birjand", via=["chaman"], depart=JULY, draws=0,
                       network=region)
    assert "chaman" in route.crossings


def test_the_api_says_how_it_read_a_name(region):
    from fastapi.testclient import TestClient

    from corridor.server import create_app

    client = TestClient(create_app(db=":memory:"))
    answer = client.post("/route", json={"origin": "Karchi", "destination": "Almaty",
                                         "depart": JULY, "draws": 0})
    assert answer.status_code == 200, answer.text
    assert "Origin: read 'Karchi' as Karachi (PAK)." in answer.json()["warnings"]


def test_the_api_lists_the_candidates_of_an_ambiguous_name(region):
    from fastapi.testclient import TestClient

    from corridor.server import create_app

    client = TestClient(create_app(db=":memory:"))
    answer = client.post("/route", json={"origin": "Alat", "destination": "Almaty",
                                         "depart": JULY, "draws": 0})
    assert answer.status_code == 404, answer.text
    body = answer.json()
    assert body["error"] == "unknown_place" and "may be any of" in body["message"]
    assert len(body["suggestions"]) == 2
