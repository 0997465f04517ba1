"""The bundled road lengths are what tools/build_road_lengths.py measures along the Natural
Earth alignments (read from ../shared/data beside the clone, never committed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corridor import bundled_network_path, load_network

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "build_road_lengths.py"
NATURAL_EARTH = ROOT.parent / "shared" / "data" / "natural-earth-region-roads-rail.geojson.gz"


@pytest.mark.skipif(not NATURAL_EARTH.is_file(),
                    reason=f"needs {NATURAL_EARTH} (the shared data folder beside the clone)")
def test_applying_the_measurement_again_changes_nothing(tmp_path):
    network = tmp_path / "network"
    shutil.copytree(bundled_network_path(), network)
    done = subprocess.run([sys.executable, str(SCRIPT), "--ne", str(NATURAL_EARTH),
                           "--network", str(network), "--out", str(tmp_path / "out"),
                           "--apply"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for table in ("links.csv", "sources.csv"):
        assert (network / table).read_bytes() == \
            (bundled_network_path() / table).read_bytes(), table
    report = (tmp_path / "out" / "road_lengths_report.md").read_text(encoding="utf-8")
    assert "Natural Earth length x per-terrain factor (LOO)" in report


def test_estimated_road_lengths_say_how():
    """Every road length that is not published names its method: the Natural Earth
    measurement, a split of a published total, a difference or midpoint of published
    figures, or (where Natural Earth cannot measure the road) great-circle × the road
    circuity factor."""
    methods = {"Natural Earth": 0, "split": 0, "derived": 0, "midpoint": 0, "great-circle": 0}
    for link in load_network().links:
        if link.mode != "road" or not link.estimate.startswith("distance_km"):
            continue
        found = [m for m in methods if m in link.estimate.split(";")[0]]
        assert found, (link.link_id, link.estimate)
        methods[found[0]] += 1
    assert methods["Natural Earth"] > 50 and methods["great-circle"] <= 15
