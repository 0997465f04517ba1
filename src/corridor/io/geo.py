"""Networks as GIS files: GeoPackage and GeoParquet out, GeoPackage and GeoJSON in.

A GeoPackage written by :func:`export_network` holds three spatial layers in WGS 84 —
``places`` (points), ``links`` (lines through each link's ``shape``) and ``crossings``
(lines from ``place_a`` to ``place_b``) — whose columns are those of the CSV tables, plus
every other table as a plain attribute table and a ``manifest`` table holding
``manifest.yaml``. :func:`import_network` reads such a file back into a network folder
without loss, so a network can be edited in QGIS and loaded again.

:func:`import_network` also reads files made elsewhere: a GeoPackage whose point and line
layers carry the table columns, or a GeoJSON ``FeatureCollection`` of points (places) and
lines (links). Tables the file lacks (sources, countries, cargo, emission factors,
calendars, manifest parameters) come from a *base* network, by default the bundled one.
Coordinates are taken from the geometry; a link without ``distance_km`` gets the length of
its line, marked as an estimate.

Needs the ``geo`` extra (``pip install 'corridor[geo]'``: pyogrio, shapely, pyarrow).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from corridor.exceptions import GeoFileError, InvalidOptionError
from corridor.io._tables import Tables, cell, merge_sources, network_tables, write_folder
from corridor.io.gazetteer import haversine_km
from corridor.io.schema import (
    TABLES,
    parse_float,
    parse_gauge,
    parse_int,
    parse_lat,
    parse_lon,
    parse_nonneg,
    parse_positive,
)
from corridor.model.network import Network

__all__ = ["GeoFileError", "export_network", "import_network", "line_length_km"]

SPATIAL = ("places", "links", "crossings")
"""Tables written as spatial layers; every other table is an attribute table."""

EXPORT_SUFFIXES = (".gpkg", ".parquet")
IMPORT_SUFFIXES = (".gpkg", ".geojson", ".json")

_NUMERIC = (parse_float, parse_nonneg, parse_positive, parse_lat, parse_lon, parse_int, parse_gauge)
_GEOMETRY_SOURCE = "imported_geometry"





def _require(*modules: str) -> None:
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as error:
            raise ImportError(
                f"reading and writing GIS files needs the geo extra: pip install "
                f"'corridor[geo]' ({name} is not installed)"
            ) from error


def line_length_km(points: Sequence[tuple[float, float]]) -> float:
    """Length of a line of ``(lat, lon)`` points: great-circle km summed over its segments.

    Examples
    --------
    >>> round(line_length_km([(60.0, 24.0), (60.0, 25.0), (61.0, 25.0)]), 1)
    166.8
    """
    return sum(haversine_km(*a, *b) for a, b in zip(points, points[1:], strict=False))


# ---------------------------------------------------------------------------- export


def _is_numeric(file: str, column: str) -> bool:
    parse = next(c.parse for c in TABLES[file] if c.name == column)
    return parse in _NUMERIC


def _columns(file: str, rows: list[dict[str, str]]) -> tuple[list[str], list[Any]]:
    """Field names and numpy arrays: figures as float64 (NaN when empty), the rest text."""
    import numpy as np

    names = [c.name for c in TABLES[file]]
    arrays: list[Any] = []
    for name in names:
        texts = [row.get(name, "") for row in rows]
        if _is_numeric(file, name):
            arrays.append(np.array([float(t) if t else math.nan for t in texts],
                                   dtype="float64"))
        else:
            arrays.append(np.array([t if t else None for t in texts], dtype=object))
    return names, arrays


def _geometries(network: Network, table: str) -> list[list[tuple[float, float]]]:
    """Coordinates ``(lon, lat)`` of every feature of a spatial table, in row order."""
    places = network.places

    def at(place_id: str) -> tuple[float, float]:
        p = places[place_id]
        return (p.lon, p.lat)

    if table == "places":
        return [[(p.lon, p.lat)] for p in places.values()]
    if table == "links":
        return [[at(link.from_place), *((lon, lat) for lat, lon in link.shape),
                 at(link.to_place)] for link in network.links]
    return [[at(c.place_a), at(c.place_b)] for c in network.crossings]


def _wkb(table: str, coordinates: list[list[tuple[float, float]]]) -> Any:
    import numpy as np
    import shapely

    if table == "places":
        geoms = shapely.points(np.array([c[0] for c in coordinates]).reshape(-1, 2))
    else:
        geoms = np.array([shapely.linestrings(c) for c in coordinates], dtype=object)
    return shapely.to_wkb(geoms)


def export_network(network: Network, path: str | os.PathLike[str]) -> Path:
    """Write a network to a GeoPackage (``.gpkg``) or GeoParquet files (``.parquet``).

    ``.gpkg``: one file with the spatial layers ``places``, ``links`` and ``crossings``
    (WGS 84), the other tables as attribute tables and ``manifest`` (the YAML text).
    ``.parquet``: a folder of that name with one Parquet file per table; ``places``,
    ``links`` and ``crossings`` are GeoParquet 1.0 (WKB ``geometry`` column, ``geo``
    metadata, longitude/latitude), and ``manifest.yaml`` beside them. Both are written
    under a temporary name and moved into place.

    Parameters
    ----------
    network
        A network from :func:`corridor.load_network`.
    path
        The file (``.gpkg``) or folder (``.parquet``) to write; replaced if it exists.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InvalidOptionError
        ``path`` ends in another suffix.

    Examples
    --------
    >>> import tempfile, pyogrio, corridor
    >>> out = export_network(corridor.load_network(), f"{tempfile.mkdtemp()}/region.gpkg")
    >>> [str(name) for name, _ in pyogrio.list_layers(out)][:3]
    ['places', 'links', 'crossings']
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InvalidOptionError(
            f"cannot export a network to {target.name!r}: the file must end in .gpkg "
            "(GeoPackage) or .parquet (a folder of GeoParquet files)"
        )
    if not target.parent.is_dir():
        raise InvalidOptionError(f"the folder {target.parent} does not exist; create it first")
    tables = network_tables(network)
    if suffix == ".gpkg":
        _require("pyogrio", "shapely")
        writer = _write_gpkg
    else:
        _require("pyarrow", "shapely")
        writer = _write_parquet
    temp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        written = writer(network, tables, temp / target.name)
        if target.is_dir() and suffix == ".parquet":
            shutil.rmtree(target)
        os.replace(written, target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


def _write_gpkg(network: Network, tables: Tables, path: Path) -> Path:
    import numpy as np
    from pyogrio.raw import write

    for file in TABLES:
        stem = file.removesuffix(".csv")
        rows = tables.rows.get(file, [])
        names, arrays = _columns(file, rows)
        if stem in SPATIAL:
            write(path, _wkb(stem, _geometries(network, stem)), arrays, names, layer=stem,
                  driver="GPKG", geometry_type="Point" if stem == "places" else "LineString",
                  crs="EPSG:4326", append=path.exists())
        else:
            write(path, None, arrays, names, layer=stem, driver="GPKG", append=path.exists())
    text = yaml.safe_dump(tables.manifest, sort_keys=False, allow_unicode=True, width=100)
    write(path, None, [np.array([text], dtype=object)], ["yaml"], layer="manifest",
          driver="GPKG", append=True)
    return path


def _write_parquet(network: Network, tables: Tables, path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.mkdir()
    for file in TABLES:
        stem = file.removesuffix(".csv")
        rows = tables.rows.get(file, [])
        names, arrays = _columns(file, rows)
        columns = {n: pa.array(a, from_pandas=True) for n, a in zip(names, arrays, strict=True)}
        metadata = None
        if stem in SPATIAL:
            coordinates = _geometries(network, stem)
            columns["geometry"] = pa.array(list(_wkb(stem, coordinates)), type=pa.binary())
            lons = [x for feature in coordinates for x, _ in feature]
            lats = [y for feature in coordinates for _, y in feature]
            bbox = [min(lons), min(lats), max(lons), max(lats)] if lons else []
            geo = {"version": "1.0.0", "primary_column": "geometry",
                   "columns": {"geometry": {
                       "encoding": "WKB",
                       "geometry_types": ["Point" if stem == "places" else "LineString"],
                       **({"bbox": bbox} if bbox else {}),
                   }}}  # no "crs": GeoParquet's default, OGC:CRS84 (longitude, latitude)
            metadata = {b"geo": json.dumps(geo).encode()}
        table = pa.table(columns)
        if metadata:
            table = table.replace_schema_metadata(metadata)
        pq.write_table(table, path / f"{stem}.parquet")
    (path / "manifest.yaml").write_text(
        yaml.safe_dump(tables.manifest, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- import


def _text(value: Any) -> str:
    """A property value as a table cell."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, list):
        return ";".join(_text(v) for v in value)
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    return cell(value)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


_Feature = tuple[dict[str, str], str | None, list[tuple[float, float]]]  # props, type, lat/lon


def _read_geojson(path: Path) -> tuple[dict[str, list[_Feature]], dict[str, Any] | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GeoFileError(f"{path} is not a GeoJSON file: {error}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoFileError(f"{path} is not a GeoJSON FeatureCollection; export the places "
                           "(points) and links (lines) as one FeatureCollection")
    layers: dict[str, list[_Feature]] = {}
    for number, feature in enumerate(data.get("features") or [], start=1):
        geometry = (feature or {}).get("geometry") or {}
        props = {k: _text(v) for k, v in ((feature or {}).get("properties") or {}).items()}
        kind = geometry.get("type")
        coords = geometry.get("coordinates")
        if kind == "Point":
            points = [(coords[1], coords[0])]
        elif kind == "LineString":
            points = [(lat, lon) for lon, lat, *_ in coords]
        else:
            raise GeoFileError(f"{path}, feature {number}: {kind or 'no'} geometry; places "
                               "are Points and links LineStrings")
        layers.setdefault(_layer_of(props, kind), []).append((props, kind, points))
    return layers, None


def _layer_of(props: dict[str, str], kind: str | None) -> str:
    for stem in ("crossings", "links", "places"):
        if props.get(TABLES[f"{stem}.csv"][0].name):
            return stem
    return "places" if kind == "Point" else "links"


def _read_gpkg(path: Path) -> tuple[dict[str, list[_Feature]], dict[str, Any] | None]:
    import pyogrio
    import shapely
    from pyogrio.raw import read

    try:
        listed = pyogrio.list_layers(path)
    except Exception as error:  # pyogrio raises DataSourceError and friends
        raise GeoFileError(f"{path} cannot be read as a GeoPackage: {error}") from None
    layers: dict[str, list[_Feature]] = {}
    manifest: dict[str, Any] | None = None
    for name, geometry_type in listed:
        name = str(name)
        meta, _fids, geometry, fields = read(path, layer=name)
        columns = [str(f) for f in meta["fields"]]
        count = len(fields[0]) if fields else (0 if geometry is None else len(geometry))
        rows = [{c: _text(values[i]) for c, values in zip(columns, fields, strict=True)}
                for i in range(count)]
        if name == "manifest":
            if rows and rows[0].get("yaml"):
                manifest = yaml.safe_load(rows[0]["yaml"]) or {}
            continue
        if geometry is None or geometry_type is None:
            if f"{name}.csv" in TABLES:
                layers[name] = [(row, None, []) for row in rows]
            continue
        shapes = shapely.from_wkb(geometry)
        kind = "Point" if "Point" in str(geometry_type) else "LineString"
        features = []
        for row, shape in zip(rows, shapes, strict=True):
            coords = [] if shape is None else shapely.get_coordinates(shape).tolist()
            features.append((row, kind, [(y, x) for x, y in coords]))
        stem = name if name in SPATIAL else ("places" if kind == "Point" else "links")
        layers.setdefault(stem, []).extend(features)
    return layers, manifest


def import_network(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    base: Network | None = None,
) -> Network:
    """Read a GeoPackage or GeoJSON file into a network folder at ``out``, and load it.

    Points are places and lines are links (a feature with a ``crossing_id`` is a crossing);
    their properties are the table columns of ``docs/network-format.md``. Coordinates come
    from the geometry: a place's ``lat``/``lon`` from its point, a link's ``shape`` from
    the inner vertices of its line. A link without ``distance_km`` gets the great-circle
    length of its line, marked in ``estimate``. Missing ``place_id``/``link_id`` are made
    from the name or the row number.

    Tables the file does not carry (a GeoPackage written by :func:`export_network` carries
    them all) are taken from ``base``: sources, countries, cargo, emission factors,
    calendars and the manifest's parameters; crossings, transfers, disruptions and cargo
    rules are then empty.

    Parameters
    ----------
    path
        A ``.gpkg``, ``.geojson`` or ``.json`` file.
    out
        The network folder to write (created; an existing network folder is replaced).
    base
        Where missing tables come from; default the bundled network.

    Returns
    -------
    Network
        The network loaded from ``out``.

    Raises
    ------
    GeoFileError
        The file is missing, has another suffix, or cannot be read.
    NetworkValidationError
        The tables read have problems (all listed); nothing is written.

    Examples
    --------
    >>> import tempfile, corridor
    >>> folder = tempfile.mkdtemp()
    >>> gpkg = export_network(corridor.load_network(), f"{folder}/region.gpkg")
    >>> len(import_network(gpkg, f"{folder}/region").places) == len(
    ...     corridor.load_network().places)
    True
    """
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise GeoFileError(f"cannot import {source.name!r}: give a GeoPackage (.gpkg) or a "
                           "GeoJSON file (.geojson or .json)")
    if not source.is_file():
        raise GeoFileError(f"{source} does not exist; check the path")
    if suffix == ".gpkg":
        _require("pyogrio", "shapely")
        layers, manifest = _read_gpkg(source)
    else:
        layers, manifest = _read_geojson(source)
    if not layers.get("places"):
        raise GeoFileError(f"{source} holds no places (points with the columns of "
                           "places.csv); see docs/network-format.md")
    return write_folder(_tables_from_layers(source, layers, manifest, base), out)


def _tables_from_layers(source: Path, layers: dict[str, list[_Feature]],
                        manifest: dict[str, Any] | None, base: Network | None) -> Tables:
    if base is None:
        from corridor.io.folder import load_network

        base = load_network()
    fallback = network_tables(base)
    if manifest is None:
        manifest = dict(fallback.manifest, name=source.stem, version="imported",
                        description=f"imported from {source.name}")
    tables = Tables(manifest)
    for file in TABLES:
        stem = file.removesuffix(".csv")
        if stem in layers:
            tables.rows[file] = [dict(props) for props, _, _ in layers[stem]]
        elif file in ("sources.csv", "countries.csv", "cargo.csv", "emission_factors.csv",
                      "calendars.csv"):
            tables.rows[file] = fallback.rows.get(file, [])
    if "sources.csv" not in layers:
        # Parameters of the base manifest cite base sources; keep those too.
        merge_sources(tables, fallback.rows["sources.csv"])
    geometry_used = False
    features = layers.get("places", [])
    for number, (row, (_, _, points)) in enumerate(
            zip(tables.rows["places.csv"], features, strict=True), start=1):
        row["lat"], row["lon"] = repr(points[0][0]), repr(points[0][1])
        row["place_id"] = row.get("place_id") or _slug(row.get("name", "")) or f"place_{number}"
        if not row.get("sources"):
            row["sources"] = _GEOMETRY_SOURCE
            geometry_used = True
    features = layers.get("links", [])
    for number, (row, (_, _, points)) in enumerate(
            zip(tables.rows.get("links.csv", []), features, strict=True), start=1):
        row["link_id"] = row.get("link_id") or f"link_{number}"
        row["shape"] = ";".join(f"{lat!r} {lon!r}" for lat, lon in points[1:-1])
        if not row.get("distance_km") and len(points) >= 2:
            row["distance_km"] = cell(round(line_length_km(points), 3))
            note = f"distance_km: great-circle length of the line in {source.name}"
            row["estimate"] = "; ".join(filter(None, (row.get("estimate"), note)))
            row["sources"] = ";".join(filter(None, (row.get("sources"), _GEOMETRY_SOURCE)))
            geometry_used = True
    if geometry_used:
        merge_sources(tables, [{
            "source_id": _GEOMETRY_SOURCE, "title": f"Geometry of the imported file "
            f"{source.name}", "url": "", "year": "", "confidence": "M",
            "notes": "coordinates and line lengths read from the file's geometry",
        }])
    return tables
