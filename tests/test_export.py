"""GeoJSON and CSV export of routes: structure, values worked by hand, shapes, atomic writes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

import corridor
from corridor.io.export import (
    LEG_COLUMNS,
    atomic_write,
    legs_table,
    routes_geojson,
    write_geojson,
    write_legs_csv,
)

from netbuilder import road, tiny

# The tiny network's links, with intermediate points on Alpha → Pass (from_place → to_place).
SHAPED_LINKS = [
    road("alpha_pass", "alpha", "a_pass", 100, shape="40.2 70.4;40.4 70.8"),
    road("pass_gamma", "c_pass", "gamma", 100),
    road("alpha_west", "alpha", "a_west", 50),
    road("west_beta", "b_west", "beta", 100),
    road("beta_east", "beta", "b_east", 50),
    road("east_gamma", "c_east", "gamma", 100),
]


@pytest.fixture
def shaped(tmp_path):
    return corridor.load_network(tiny(tmp_path / "shaped", links=SHAPED_LINKS))


@pytest.fixture
def summer(tiny_network):
    return corridor.plan_route("Alpha", "Gamma", depart="2026-07-15", network=tiny_network)


def _features(collection, kind):
    return [f for f in collection["features"] if f["properties"]["kind"] == kind]


def test_geojson_structure_and_values_worked_by_hand(summer, tiny_network):
    collection = routes_geojson(summer, tiny_network)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["properties"]["kind"] for f in features] == ["link", "border", "link"]
    assert [f["properties"]["leg"] for f in features] == [0, 1, 2]
    assert {f["properties"]["route"] for f in features} == {0}
    assert all(f["type"] == "Feature" for f in features)

    first = features[0]
    # [lon, lat]: Alpha is at lat 40, lon 70; the pass post at lat 40.5, lon 71
    assert first["geometry"] == {"type": "LineString",
                                 "coordinates": [[70.0, 40.0], [71.0, 40.5]]}
    props = first["properties"]
    assert (props["from_id"], props["from_name"], props["from_country"]) == (
        "alpha", "Alpha", "AAA")
    assert (props["to_id"], props["to_country"]) == ("a_pass", "AAA")
    assert props["mode"] == "road"
    assert props["link_id"] == "alpha_pass"
    assert props["distance_km"] == 100.0
    assert props["duration_h"] == 2.0  # 100 km at 50 km/h
    assert props["cost_usd"] == 100.0  # 500 USD per 500 km
    assert props["depart"] == "2026-07-15T08:00"
    assert props["arrive"] == "2026-07-15T10:00"
    assert props["sources"] and all(isinstance(s, str) for s in props["sources"])
    assert props["estimate"] is None
    assert props["corridor"] == summer.corridor

    border = features[1]["properties"]
    assert border["crossing_id"] == "pass"
    assert border["dwell_h"] == 1.0
    assert border["fees_usd"] == 10.0
    assert "dwell_p90_h" in border
    assert features[1]["geometry"]["coordinates"] == [[71.0, 40.5], [71.1, 40.6]]

    assert collection["routes"][0]["summary"]["duration_h"] == 4.0
    json.dumps(collection)  # plain JSON all the way down


def test_shape_points_followed_and_reversed(shaped):
    there = corridor.plan_route("Alpha", "Gamma", depart="2026-07-15", network=shaped)
    back = corridor.plan_route("Gamma", "Alpha", depart="2026-07-15", network=shaped)
    forward = _features(routes_geojson(there, shaped), "link")[0]
    assert forward["properties"]["link_id"] == "alpha_pass"
    assert forward["geometry"]["coordinates"] == [
        [70.0, 40.0], [70.4, 40.2], [70.8, 40.4], [71.0, 40.5]]
    backward = [f for f in _features(routes_geojson(back, shaped), "link")
                if f["properties"]["link_id"] == "alpha_pass"][0]
    assert backward["properties"]["from_id"] == "a_pass"
    assert backward["geometry"]["coordinates"] == [
        [71.0, 40.5], [70.8, 40.4], [70.4, 40.2], [70.0, 40.0]]
    # without the network, a straight line
    plain = _features(routes_geojson(there), "link")[0]
    assert plain["geometry"]["coordinates"] == [[70.0, 40.0], [71.0, 40.5]]


def test_wait_is_a_point_at_its_place(tiny_network):
    # The pass opens at midnight on 1 April: reached at 22:00 on 31 March, the truck waits 2 h.
    route = corridor.plan_route("Alpha", "Gamma", depart="2026-03-31T20:00", optimize="time",
                                network=tiny_network)
    waits = _features(routes_geojson(route, tiny_network), "wait")
    assert len(waits) == 1
    assert waits[0]["geometry"] == {"type": "Point", "coordinates": [71.0, 40.5]}
    assert waits[0]["properties"]["duration_h"] == 2.0
    assert waits[0]["properties"]["calendar_id"] == "winter"


def test_several_routes_are_numbered(summer, tiny_network):
    other = corridor.plan_route("Gamma", "Alpha", depart="2026-07-15", network=tiny_network)
    collection = routes_geojson([summer, other], tiny_network)
    assert [s["route"] for s in collection["routes"]] == [0, 1]
    routes = [f["properties"]["route"] for f in collection["features"]]
    assert routes == [0] * len(summer.legs) + [1] * len(other.legs)
    assert collection["routes"][1]["origin"]["id"] == "gamma"


def test_bundled_route_follows_the_karakoram_highway(region):
    route = corridor.plan_route("Islamabad", "Kashgar", depart="2026-07-15", optimize="time",
                                network=region)
    collection = routes_geojson(route, region)
    kkh = [f for f in collection["features"]
           if f["properties"].get("link_id") == "road_hasan_abdal_gilgit"][0]
    coords = kkh["geometry"]["coordinates"]
    assert len(coords) > 5  # Haripur, Abbottabad, ..., Chilas, Jaglot
    assert [74.10407, 35.41287] in coords  # Chilas, GeoNames
    assert coords[0] == [72.69, 33.82] and coords[-1] == [74.312, 35.919]  # Hasan Abdal→Gilgit
    for feature in collection["features"]:  # every point in the region, lon first
        for lon, lat in (feature["geometry"]["coordinates"]
                         if feature["geometry"]["type"] == "LineString"
                         else [feature["geometry"]["coordinates"]]):
            assert 60 < lon < 90 and 20 < lat < 50

    back = corridor.plan_route("Kashgar", "Islamabad", depart="2026-07-15", optimize="time",
                               network=region)
    reverse = [f for f in routes_geojson(back, region)["features"]
               if f["properties"].get("link_id") == "road_hasan_abdal_gilgit"][0]
    assert reverse["geometry"]["coordinates"] == coords[::-1]


def test_every_shape_point_of_the_bundled_network_is_near_its_link(region):
    # A shape point far off the straight line between its link's ends is a typo (lat/lon
    # swapped, a namesake town elsewhere).
    from corridor.io.gazetteer import haversine_km

    for link in region.links:
        if not link.shape:
            continue
        a, b = region.places[link.from_place], region.places[link.to_place]
        direct = haversine_km(a.lat, a.lon, b.lat, b.lon)
        for lat, lon in link.shape:
            detour = haversine_km(a.lat, a.lon, lat, lon) + haversine_km(lat, lon, b.lat, b.lon)
            assert detour < 1.6 * direct + 30, (link.link_id, lat, lon)


def test_legs_table_rows(summer):
    rows = legs_table(summer)
    assert len(rows) == len(summer.legs)
    assert all(list(row) == list(LEG_COLUMNS) for row in rows)
    link, border, _ = rows
    assert (link["route"], link["leg"], link["kind"]) == (0, 0, "link")
    assert (link["from_lat"], link["from_lon"]) == (40.0, 70.0)
    assert link["sources"] == ";".join(summer.legs[0].sources)
    assert link["crossing_id"] is None and link["link_id"] == "alpha_pass"
    assert (border["crossing_id"], border["fees_usd"], border["dwell_h"]) == ("pass", 10.0, 1.0)


def test_csv_round_trip(summer, tmp_path):
    path = write_legs_csv(summer, tmp_path / "legs.csv")
    assert path == tmp_path / "legs.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: spreadsheets read UTF-8
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == LEG_COLUMNS
        rows = list(reader)
    table = legs_table(summer)
    assert len(rows) == len(table)
    for written, original in zip(rows, table, strict=True):
        for column in LEG_COLUMNS:
            value = original[column]
            if value is None:
                assert written[column] == ""
            elif isinstance(value, float):
                assert float(written[column]) == pytest.approx(value)
            else:
                assert written[column] == str(value)


def test_csv_keeps_non_ascii_names(region, tmp_path):
    route = corridor.plan_route("Kabul", "Mazar-i-Sharif", depart="2026-07-15", network=region)
    path = write_legs_csv([route], tmp_path / "legs.csv")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        names = {row["to_name"] for row in csv.DictReader(handle)}
    assert names == {leg.to.name for leg in route.legs}


def test_geojson_file_round_trip(summer, tiny_network, tmp_path):
    path = write_geojson([summer], tmp_path / "route.geojson", tiny_network)
    assert json.loads(path.read_text(encoding="utf-8")) == routes_geojson(summer, tiny_network)


def test_atomic_writes_leave_no_temporary_files(summer, tiny_network, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    write_geojson(summer, folder / "a.geojson", tiny_network)
    write_geojson(summer, folder / "a.geojson", tiny_network)  # replaces
    write_legs_csv(summer, folder / "a.csv")
    assert sorted(os.listdir(folder)) == ["a.csv", "a.geojson"]
    mask = os.umask(0)
    os.umask(mask)
    assert (folder / "a.csv").stat().st_mode & 0o777 == 0o666 & ~mask


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "kept.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write("half a fi")
        raise RuntimeError("disk full")
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["kept.txt"]
    with pytest.raises(FileNotFoundError):
        write_legs_csv([], tmp_path / "missing-folder" / "legs.csv")


def test_export_and_plot_modules_do_not_import_matplotlib():
    code = ("import sys, corridor, corridor.io.export, corridor.plot; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'mpl_toolkits', 'PIL')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
