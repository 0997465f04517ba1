"""Reading and validating network folders."""

from __future__ import annotations

import csv

import pytest

from corridor import NetworkValidationError, load_network, validate_network

from netbuilder import tiny


def _edit(path, file, row_index, **changes):
    with (path / file).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0].keys()) if rows else []
    rows[row_index].update(changes)
    with (path / file).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_tiny_network_is_valid(tmp_path):
    folder = tiny(tmp_path / "t")
    assert validate_network(folder) == []
    net = load_network(folder)
    assert set(net.places) >= {"alpha", "gamma"}
    assert net.calendars["winter"].describe() == "closed Dec–Mar"


def test_every_problem_is_reported_at_once(tmp_path):
    folder = tiny(tmp_path / "t")
    _edit(folder, "links.csv", 0, to_place="nowhere")
    _edit(folder, "links.csv", 1, mode="hovercraft")
    _edit(folder, "links.csv", 2, distance_km="far")
    _edit(folder, "crossings.csv", 1, ab_dwell_h="", sources="")
    _edit(folder, "places.csv", 0, lat="123")
    _edit(folder, "calendars.csv", 0, months="13")
    _edit(folder, "countries.csv", 0, sources="nosuchsource")
    problems = validate_network(folder)
    found = {(p.file, p.row, p.column) for p in problems}
    assert ("links.csv", 2, "to_place") in found
    assert ("links.csv", 3, "mode") in found
    assert ("links.csv", 4, "distance_km") in found
    assert ("crossings.csv", 3, "ab_dwell_h") in found
    assert ("crossings.csv", 3, "sources") in found
    assert ("places.csv", 2, "lat") in found
    assert ("calendars.csv", 2, "months") in found
    assert ("countries.csv", 2, "sources") in found
    with pytest.raises(NetworkValidationError) as info:
        load_network(folder)
    assert len(info.value.problems) == len(problems) >= 8
    assert "links.csv, row 2, column 'to_place': unknown place id 'nowhere'" in str(info.value)


def test_structural_rules(tmp_path):
    folder = tiny(tmp_path / "t")
    # a road link across a border, a crossing inside one country, a rail link without gauge
    _edit(folder, "links.csv", 0, to_place="c_pass")
    _edit(folder, "crossings.csv", 0, place_b="a_west")
    _edit(folder, "links.csv", 1, mode="rail")
    messages = [str(p) for p in validate_network(folder)]
    assert any("use crossings.csv for a border" in m for m in messages)
    assert any("a crossing joins two countries" in m for m in messages)
    assert any("rail links need a gauge" in m for m in messages)


def test_only_a_train_service_with_a_crossing_runs_through_a_border(tmp_path):
    folder = tiny(tmp_path / "t")
    _edit(folder, "links.csv", 0, to_place="c_pass", mode="rail", gauge_mm="1520",
          duration_h="3", crossing_id="pass")  # a through train: allowed
    _edit(folder, "links.csv", 1, crossing_id="nowhere")
    messages = [str(p) for p in validate_network(folder)]
    assert not any("row 2, column 'to_place'" in m for m in messages), messages
    assert any("row 3, column 'crossing_id': unknown crossing 'nowhere'" in m for m in messages)
    assert any("only a train service with its duration_h" in m for m in messages)


def test_missing_files_and_columns(tmp_path):
    folder = tiny(tmp_path / "t")
    (folder / "transfers.csv").unlink()
    text = (folder / "places.csv").read_text().replace("kind,", "sort,", 1)
    (folder / "places.csv").write_text(text)
    messages = [str(p) for p in validate_network(folder)]
    assert "transfers.csv: file is missing" in messages
    assert any("column 'kind': column is missing" in m for m in messages)
    assert any("column 'sort': unknown column" in m for m in messages)


def test_not_a_folder(tmp_path):
    problems = validate_network(tmp_path / "nope")
    assert problems and "is not a folder" in problems[0].message


def test_duplicate_ids_and_bad_manifest(tmp_path):
    folder = tiny(tmp_path / "t")
    _edit(folder, "places.csv", 1, place_id="alpha")
    (folder / "manifest.yaml").write_text("name: [unclosed\n")
    messages = [str(p) for p in validate_network(folder)]
    assert any("duplicate id 'alpha'" in m for m in messages)
    assert any(m.startswith("manifest.yaml: not valid YAML") for m in messages)
