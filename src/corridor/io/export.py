"""Routes as GeoJSON for maps and as a long-format table of legs for spreadsheets.

Both take one route or several (alternatives, or a batch), number them in order, and keep
every figure of :meth:`corridor.Leg.to_dict` with its units in the name. Files are written
atomically: a reader never sees a half-written file, and a failed write leaves the old one.

>>> import corridor
>>> from corridor.io.export import legs_table, routes_geojson
>>> route = corridor.plan_route("Islamabad", "Kashgar", depart="2026-07-15", optimize="time")
>>> collection = routes_geojson(route, corridor.load_network())
>>> collection["type"], collection["features"][0]["geometry"]["type"]
('FeatureCollection', 'LineString')
>>> [row["kind"] for row in legs_table(route)][:5]
['link', 'link', 'link', 'link', 'border']
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from corridor.model.network import Link, Network
from corridor.model.result import Endpoint, Leg, Route

__all__ = [
    "LEG_COLUMNS",
    "leg_geometry",
    "legs_table",
    "network_geojson",
    "routes_geojson",
    "write_geojson",
    "write_legs_csv",
    "write_rows_csv",
]

LEG_COLUMNS: tuple[str, ...] = (
    "route", "corridor", "leg", "kind", "mode", "name",
    "from_id", "from_name", "from_country", "from_lat", "from_lon",
    "to_id", "to_name", "to_country", "to_lat", "to_lon",
    "depart", "arrive", "distance_km", "duration_h", "cost_usd", "co2e_kg", "risk",
    "link_id", "gauge_mm", "crossing_id", "dwell_h", "dwell_p90_h", "fees_usd",
    "estimate", "sources",
)
"""Columns of :func:`legs_table` and of the CSV written by :func:`write_legs_csv`, in order."""

_POINT_KINDS = ("wait", "transfer")  # legs that stay at one place


def _as_routes(routes: Route | Sequence[Route]) -> list[Route]:
    return [routes] if isinstance(routes, Route) else list(routes)


def _lonlat(lat: float, lon: float) -> list[float]:
    return [round(lon, 5), round(lat, 5)]


def leg_geometry(leg: Leg, network: Network | None = None) -> dict[str, Any]:
    """The GeoJSON geometry of one leg, coordinates in ``[lon, lat]`` order.

    A wait or transfer is a ``Point`` at its place. Any other leg is a ``LineString`` from
    its start to its end through the intermediate ``shape`` points of its link in
    ``network`` (reversed when the leg runs from the link's ``to_place`` to its
    ``from_place``); without a network, or for a link without a shape, a straight line.

    Examples
    --------
    >>> import datetime as dt
    >>> a = Endpoint("a", "A", "AAA", 40.0, 70.0)
    >>> b = Endpoint("b", "B", "AAA", 41.0, 71.0)
    >>> t = dt.datetime(2026, 7, 15, 8)
    >>> leg = Leg("link", a, b, "road", "A-B", t, t, 150.0, 3.0, 100.0, 10.0, 0.1)
    >>> leg_geometry(leg)
    {'type': 'LineString', 'coordinates': [[70.0, 40.0], [71.0, 41.0]]}
    """
    start, end = leg.from_, leg.to
    if leg.kind in _POINT_KINDS:
        return {"type": "Point", "coordinates": _lonlat(start.lat, start.lon)}
    middle: list[tuple[float, float]] = []
    link_id = leg.details.get("link_id")
    if network is not None and link_id:
        link = _links_by_id(network).get(link_id)
        if link is not None and link.shape:
            middle = list(link.shape)
            if start.id == link.to_place and end.id == link.from_place:
                middle.reverse()
    points = [(start.lat, start.lon), *middle, (end.lat, end.lon)]
    return {"type": "LineString", "coordinates": [_lonlat(lat, lon) for lat, lon in points]}


@lru_cache(maxsize=8)
def _links_by_id(network: Network) -> dict[str, Link]:
    # Networks are immutable and hash by identity, so the index can be kept per network.
    return {link.link_id: link for link in network.links}


def _endpoint_fields(prefix: str, end: Endpoint) -> dict[str, Any]:
    return {f"{prefix}_id": end.id, f"{prefix}_name": end.name, f"{prefix}_country": end.country}


def _leg_properties(index: int, route: Route, number: int, leg: Leg) -> dict[str, Any]:
    flat = leg.to_dict()
    del flat["from"], flat["to"]
    return {
        "route": index,
        "corridor": route.corridor,
        "leg": number,
        **_endpoint_fields("from", leg.from_),
        **_endpoint_fields("to", leg.to),
        **flat,
    }


def routes_geojson(
    routes: Route | Sequence[Route], network: Network | None = None
) -> dict[str, Any]:
    """Routes as a GeoJSON ``FeatureCollection`` (RFC 7946, WGS 84, ``[lon, lat]``).

    One feature per leg: a ``LineString`` for link, border and access legs (through the
    link's ``shape`` points when ``network`` is given, see :func:`leg_geometry`), a
    ``Point`` for a wait or transfer. Properties: ``route`` (index in ``routes``),
    ``corridor``, ``leg`` (index in ``route.legs``), ``from_id``/``from_name``/
    ``from_country`` and the same for ``to``, then every key of :meth:`corridor.Leg.to_dict`
    (``kind``, ``mode``, ``name``, ``depart``, ``arrive``, ``distance_km``, ``duration_h``,
    ``cost_usd``, ``co2e_kg``, ``risk``, ``sources``, ``estimate``; border legs add
    ``crossing_id``, ``dwell_h``, ``dwell_p90_h``, ``fees_usd``, ``regimes``; links add
    ``link_id``). The collection's foreign member ``routes`` holds one summary per route.

    Examples
    --------
    >>> import corridor
    >>> route = corridor.plan_route("Islamabad", "Kashgar", depart="2026-07-15")
    >>> border = [f for f in routes_geojson([route])["features"]
    ...           if f["properties"]["kind"] == "border"][0]
    >>> border["properties"]["crossing_id"]
    'khunjerab'
    """
    features: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    for index, route in enumerate(_as_routes(routes)):
        summaries.append({
            "route": index,
            "corridor": route.corridor,
            "origin": route.origin.to_dict(),
            "destination": route.destination.to_dict(),
            "depart": route.depart.isoformat(timespec="minutes"),
            "arrive": route.arrive.isoformat(timespec="minutes"),
            "cargo": route.cargo,
            "objective": route.objective,
            "best_for": list(route.best_for),
            "summary": route.summary.to_dict(),
            "countries": list(route.countries),
            "crossings": list(route.crossings),
            "network": route.network,
        })
        for number, leg in enumerate(route.legs):
            features.append({
                "type": "Feature",
                "geometry": leg_geometry(leg, network),
                "properties": _leg_properties(index, route, number, leg),
            })
    return {"type": "FeatureCollection", "features": features, "routes": summaries}


def network_geojson(network: Network) -> dict[str, Any]:
    """A GeoJSON ``FeatureCollection`` (RFC 7946, ``[lon, lat]``) of the whole network.

    Features carry ``feature`` (``place``, ``link`` or ``crossing``) and ``id``. Places are
    ``Point``\\ s with ``name``, ``country``, ``kind`` and ``aliases``; links are
    ``LineString``\\ s through their ``shape`` with ``name``, ``mode``, ``gauge_mm``,
    ``status``, ``distance_km``, ``two_way`` and ``calendar_id``; crossings are
    ``LineString``\\ s from ``place_a`` to ``place_b`` with ``name``, ``mode``, ``status``,
    ``countries``, ``calendar_id`` and the median dwell and payment each way.

    Examples
    --------
    >>> from corridor import load_network
    >>> collection = network_geojson(load_network())
    >>> sorted({f["properties"]["feature"] for f in collection["features"]})
    ['crossing', 'link', 'place']
    """
    places = network.places
    features: list[dict[str, Any]] = []
    for p in places.values():
        features.append({"type": "Feature", "id": f"place:{p.place_id}",
                         "geometry": {"type": "Point", "coordinates": _lonlat(p.lat, p.lon)},
                         "properties": {"feature": "place", "id": p.place_id, "name": p.name,
                                        "country": p.country, "kind": p.kind,
                                        "aliases": list(p.aliases)}})
    for link in network.links:
        a, b = places[link.from_place], places[link.to_place]
        points = [(a.lat, a.lon), *link.shape, (b.lat, b.lon)]
        features.append({
            "type": "Feature", "id": f"link:{link.link_id}",
            "geometry": {"type": "LineString",
                         "coordinates": [_lonlat(lat, lon) for lat, lon in points]},
            "properties": {"feature": "link", "id": link.link_id, "name": link.name,
                           "from_id": link.from_place, "to_id": link.to_place,
                           "mode": link.mode, "gauge_mm": link.gauge_mm,
                           "status": link.status, "distance_km": link.distance_km,
                           "duration_h": link.duration_h, "two_way": link.two_way,
                           "calendar_id": link.calendar_id},
        })
    for c in network.crossings:
        a, b = places[c.place_a], places[c.place_b]
        features.append({
            "type": "Feature", "id": f"crossing:{c.crossing_id}",
            "geometry": {"type": "LineString",
                         "coordinates": [_lonlat(a.lat, a.lon), _lonlat(b.lat, b.lon)]},
            "properties": {"feature": "crossing", "id": c.crossing_id, "name": c.name,
                           "from_id": c.place_a, "to_id": c.place_b, "mode": c.mode,
                           "status": c.status, "countries": [a.country, b.country],
                           "calendar_id": c.calendar_id, "ab_dwell_h": c.ab_dwell_h,
                           "ba_dwell_h": c.ba_dwell_h, "ab_cost_usd": c.ab_cost_usd,
                           "ba_cost_usd": c.ba_cost_usd},
        })
    return {"type": "FeatureCollection",
            "network": {"name": network.name, "version": network.version},
            "features": features}


def legs_table(routes: Route | Sequence[Route]) -> list[dict[str, Any]]:
    """Every leg of every route as one flat row (long format), columns :data:`LEG_COLUMNS`.

    Missing values are ``None``; ``sources`` are joined by ``;``. The rows load straight
    into a DataFrame (``pandas.DataFrame(legs_table(routes))``) or a CSV writer.

    Examples
    --------
    >>> import corridor
    >>> route = corridor.plan_route("Islamabad", "Kashgar", depart="2026-07-15")
    >>> row = legs_table(route)[0]
    >>> row["from_name"], row["mode"], row["route"], row["leg"]
    ('Islamabad', 'road', 0, 0)
    """
    rows = []
    for index, route in enumerate(_as_routes(routes)):
        for number, leg in enumerate(route.legs):
            props = _leg_properties(index, route, number, leg)
            props.update({
                "from_lat": round(leg.from_.lat, 5), "from_lon": round(leg.from_.lon, 5),
                "to_lat": round(leg.to.lat, 5), "to_lon": round(leg.to.lon, 5),
                "sources": ";".join(leg.sources),
                "estimate": leg.estimate or None,
            })
            rows.append({column: props.get(column) for column in LEG_COLUMNS})
    return rows


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb",
                  **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` in one step.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the folder does not exist", str(target.parent))
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_geojson(
    routes: Route | Sequence[Route],
    path: str | os.PathLike[str],
    network: Network | None = None,
) -> Path:
    """Write :func:`routes_geojson` to ``path`` (UTF-8 JSON), atomically. Returns the path."""
    text = json.dumps(routes_geojson(routes, network), ensure_ascii=False,
                      separators=(",", ":"))
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text + "\n")
    return Path(path)


def write_legs_csv(routes: Route | Sequence[Route], path: str | os.PathLike[str]) -> Path:
    """Write :func:`legs_table` to ``path`` as CSV, atomically. Returns the path.

    The file is UTF-8 with a byte-order mark, so that spreadsheet programs read names such
    as *Pul-e Khumrī* correctly; Python reads it with ``encoding="utf-8-sig"``.
    """
    return write_rows_csv(legs_table(routes), path, columns=LEG_COLUMNS)


def write_rows_csv(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str], *,
                   columns: Sequence[str] | None = None) -> Path:
    """Write long-format rows (dicts) as CSV, atomically; lists become ``;``-joined cells.

    UTF-8 with a byte-order mark, like :func:`write_legs_csv`. Returns the path.
    """
    fields = list(columns) if columns is not None else list(rows[0]) if rows else []
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else ";".join(map(str, v))
                         if isinstance(v, (list, tuple)) else v for k, v in row.items()})
    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(buffer.getvalue())
    return Path(path)
