"""Networks as GeoPackage, GeoParquet and GeoJSON: round trips and clear errors."""

from __future__ import annotations

import json

import pytest

pyogrio = pytest.importorskip("pyogrio")
shapely = pytest.importorskip("shapely")
pytest.importorskip("pyarrow")

from click.testing import CliRunner  # noqa: E402

from corridor import load_network, plan_route, validate_network  # noqa: E402
from corridor.cli import main  # noqa: E402
from corridor.exceptions import (  # noqa: E402
    CorridorError,
    InvalidOptionError,
    NetworkValidationError,
)
from corridor.io._tables import network_tables  # noqa: E402
from corridor.io.geo import (  # noqa: E402
    GeoFileError,
    export_network,
    import_network,
    line_length_km,
)


@pytest.fixture(scope="module")
def gpkg(region, tmp_path_factory):
    return export_network(region, tmp_path_factory.mktemp("geo") / "region.gpkg")


def _same(a, b) -> None:
    ta, tb = network_tables(a), network_tables(b)
    assert ta.rows == tb.rows
    assert ta.manifest == tb.manifest


def test_gpkg_layers(gpkg, region):
    layers = dict((str(n), t) for n, t in pyogrio.list_layers(gpkg))
    assert layers["places"] == "Point" and layers["links"] == "LineString"
    assert layers["crossings"] == "LineString" and layers["sources"] is None
    assert "manifest" in layers
    info = pyogrio.read_info(gpkg, layer="links")
    assert info["crs"] == "EPSG:4326" and info["features"] == len(region.links)
    assert "distance_km" in list(info["fields"])
    _, _, wkb, fields = pyogrio.raw.read(gpkg, layer="links")
    ids = list(fields[list(info["fields"]).index("link_id")])
    for link in region.links[:20]:  # the line runs through the link's shape
        line = shapely.from_wkb(wkb[ids.index(link.link_id)])
        assert len(line.coords) == len(link.shape) + 2
        start = region.places[link.from_place]
        assert line.coords[0] == (start.lon, start.lat)


def test_gpkg_round_trip_is_lossless(gpkg, region, tmp_path):
    back = import_network(gpkg, tmp_path / "back")
    assert validate_network(tmp_path / "back") == []
    assert len(back.places) == len(region.places) == 167
    assert len(back.links) == len(region.links) == 253
    _same(region, back)
    kw = dict(depart="2026-07-15", draws=0, optimize="time")
    a = plan_route("Karachi", "Almaty", network=region, **kw)
    b = plan_route("Karachi", "Almaty", network=back, **kw)
    assert a.summary == b.summary
    assert [(leg.kind, leg.to.id) for leg in a.legs] == [(leg.kind, leg.to.id) for leg in b.legs]


def test_geoparquet_export(region, tmp_path):
    import pyarrow.parquet as pq

    out = export_network(region, tmp_path / "region.parquet")
    assert out.is_dir() and (out / "manifest.yaml").is_file()
    assert {p.name for p in out.glob("*.parquet")} >= {"places.parquet", "links.parquet",
                                                       "crossings.parquet", "sources.parquet"}
    table = pq.read_table(out / "places.parquet")
    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["primary_column"] == "geometry"
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    assert geo["columns"]["geometry"]["geometry_types"] == ["Point"]
    assert table.num_rows == len(region.places)
    karachi = table.column("place_id").to_pylist().index("karachi")
    point = shapely.from_wkb(table.column("geometry")[karachi].as_py())
    assert (point.x, point.y) == (region.places["karachi"].lon, region.places["karachi"].lat)
    assert pq.read_table(out / "sources.parquet").num_rows == len(region.sources)
    export_network(region, out)  # replacing an export works
    geopandas = pytest.importorskip("geopandas")
    assert geopandas.read_parquet(out / "links.parquet").crs.to_string() == "OGC:CRS84"


def _collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _point(lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def _line(coords, **props):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": props}


def test_geojson_import_fills_distance_from_geometry(tmp_path):
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps(_collection(
        _point(67.0, 24.9, name="Depot A", country="PAK", kind="city"),
        _point(67.2, 25.1, place_id="depot_b", name="Depot B", country="PAK", kind="city",
               sources="geonames"),
        _line([[67.0, 24.9], [67.1, 25.0], [67.2, 25.1]], from_place="depot_a",
              to_place="depot_b", mode="road", status="open", two_way=True),
    )))
    net = import_network(path, tmp_path / "net")
    assert set(net.places) == {"depot_a", "depot_b"}
    assert net.places["depot_a"].sources == ("imported_geometry",)
    assert net.places["depot_b"].sources == ("geonames",)
    (link,) = net.links
    assert link.link_id == "link_1" and link.shape == ((25.0, 67.1),)
    expected = line_length_km([(24.9, 67.0), (25.0, 67.1), (25.1, 67.2)])
    assert link.distance_km == pytest.approx(expected, abs=1e-3)
    assert "great-circle length of the line in roads.geojson" in link.estimate
    assert "imported_geometry" in link.sources and "imported_geometry" in net.sources
    assert "PAK" in net.countries and "truck" in net.cargo  # from the bundled base
    route = plan_route("Depot A", "Depot B", network=net, draws=0, depart="2026-07-15")
    assert route.summary.distance_km == pytest.approx(link.distance_km)


def test_geojson_with_problems_lists_them_all(tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(_collection(
        _point(67.0, 24.9, name="A", country="XXX", kind="castle"),
        _line([[67.0, 24.9], [67.2, 25.1]], from_place="a", to_place="nowhere", mode="road",
              status="open", two_way="true"),
    )))
    with pytest.raises(NetworkValidationError) as info:
        import_network(path, tmp_path / "net")
    text = str(info.value)
    assert "'XXX' not in countries.csv" in text and "kind" in text and "'nowhere'" in text
    assert not (tmp_path / "net").exists()


@pytest.mark.parametrize("name, content, message", [
    ("missing.gpkg", None, "does not exist"),
    ("roads.shp", b"", "give a GeoPackage"),
    ("broken.gpkg", b"not a database", "cannot be read as a GeoPackage"),
    ("broken.geojson", b"{", "not a GeoJSON file"),
    ("list.json", b"[1, 2]", "not a GeoJSON FeatureCollection"),
    ("empty.geojson", json.dumps(_collection()).encode(), "holds no places"),
])
def test_import_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(GeoFileError, match=message) as info:
        import_network(path, tmp_path / "out")
    assert isinstance(info.value, CorridorError) and isinstance(info.value, ValueError)


def test_export_errors(region, tmp_path):
    with pytest.raises(InvalidOptionError, match=r"must end in \.gpkg"):
        export_network(region, tmp_path / "region.shp")
    with pytest.raises(InvalidOptionError, match="does not exist"):
        export_network(region, tmp_path / "no" / "region.gpkg")


def test_import_refuses_a_folder_of_other_files(gpkg, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    with pytest.raises(InvalidOptionError, match="not a network folder"):
        import_network(gpkg, tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "precious"


def test_cli_export_and_import(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["export-network", "--out", str(tmp_path / "r.gpkg")])
    assert out.exit_code == 0, out.output
    assert "167 places, 253 links, 48 crossings" in out.output
    out = runner.invoke(main, ["import-network", str(tmp_path / "r.gpkg"), "--out",
                               str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    assert load_network(tmp_path / "r").name == "corridor-region"
    assert runner.invoke(main, ["validate", str(tmp_path / "r")]).exit_code == 0
    for args in (["export-network", "--out", str(tmp_path / "r.shp")],
                 ["import-network", str(tmp_path / "none.gpkg"), "--out", str(tmp_path / "x")]):
        out = runner.invoke(main, args)
        assert out.exit_code == 2 and out.output.startswith("error: ")
        assert "Traceback" not in out.output


def test_optional_dependencies_load_lazily():
    import subprocess
    import sys

    code = ("import sys, corridor, corridor.io.osm, corridor.io.geo, corridor.cli; "
            "heavy = {'pyrosm', 'pyogrio', 'geopandas', 'shapely', 'pyarrow'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
