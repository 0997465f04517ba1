"""First and last mile: join a local road network (an :func:`corridor.io.osm.import_osm`
folder) to a corridor network at its places (:func:`attach`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from corridor.exceptions import InvalidOptionError, NoConnectionError
from corridor.io._tables import cell, merge_sources, network_tables, write_folder
from corridor.io.gazetteer import haversine_km
from corridor.io.osm import nearest_points
from corridor.model.network import Network

__all__ = ["attach"]


def _as_network(value: Network | str | os.PathLike[str]) -> Network:
    if isinstance(value, Network):
        return value
    from corridor.io.folder import load_network

    return load_network(value)


def attach(
    corridor_network: Network | str | os.PathLike[str],
    local_network: Network | str | os.PathLike[str],
    *,
    max_km: float = 5.0,
    out: str | os.PathLike[str] | None = None,
) -> Network:
    """Merge a local road network (from :func:`import_osm`) into a corridor network.

    Every place of the corridor network that lies within ``max_km`` (great circle) of a
    junction of the local network in the same country is joined to the nearest such
    junction by an estimated two-way road link (great-circle distance × the corridor
    manifest's ``road_circuity_factor``, at the country road speed). The corridor network
    keeps its manifest, crossings, transfers, calendars, cargo and country figures; the
    local network adds its places, links, sources and countries the corridor lacks.

    A corridor place reached only by sea, ferry, rail or air needs a transfer from
    ``road`` at that place (``transfers.csv``) for a route to continue from the connector.

    Parameters
    ----------
    corridor_network, local_network
        Networks, or folders to load them from.
    max_km
        Largest great-circle distance between a corridor place and its local junction.
    out
        The folder to write; default a new temporary folder.

    Returns
    -------
    Network
        The merged network, loaded from the written folder.

    Raises
    ------
    NoConnectionError
        No corridor place lies within ``max_km`` of a local junction.
    InvalidOptionError
        ``max_km`` is not positive, or the two networks share place or link ids.
    """
    if not max_km > 0:
        raise InvalidOptionError(f"max_km must be greater than zero, not {max_km!r}")
    main, local = _as_network(corridor_network), _as_network(local_network)
    clash = sorted(set(main.places) & set(local.places)
                   | {k.link_id for k in main.links} & {k.link_id for k in local.links})
    if clash:
        raise InvalidOptionError(
            f"the networks share {len(clash)} place or link id(s) ({', '.join(clash[:5])}); "
            "attach a local network imported with corridor import-osm")
    junctions = [p for p in local.places.values() if p.kind == "junction"]
    if not junctions:
        raise NoConnectionError(f"the local network {local.name!r} has no junctions; "
                                "import one with corridor import-osm")
    tables = network_tables(main)
    extra = network_tables(local)
    merge_sources(tables, extra.rows["sources.csv"])
    known = {row["iso3"] for row in tables.rows["countries.csv"]}
    tables.rows["countries.csv"] += [r for r in extra.rows["countries.csv"]
                                     if r["iso3"] not in known]
    tables.rows["places.csv"] += extra.rows["places.csv"]
    tables.rows["links.csv"] += extra.rows["links.csv"]
    circuity = main.parameters.get("road_circuity_factor") or local.parameters.get(
        "road_circuity_factor")
    factor = circuity.value if circuity else 1.0
    factor_sources = list(circuity.sources) if circuity else []
    merge_sources(tables, [r for r in extra.rows["sources.csv"]
                           if r["source_id"] in factor_sources])

    candidates = [p for p in main.places.values()
                  if p.kind not in ("junction", "address")]
    nearest = nearest_points([(j.lat, j.lon) for j in junctions],
                       [(p.lat, p.lon) for p in candidates]) if candidates else []
    connected, closest = 0, None
    for place, j in zip(candidates, nearest, strict=True):
        junction = _nearest_same_country(place, junctions, int(j))
        if junction is None:
            continue
        gc = haversine_km(place.lat, place.lon, junction.lat, junction.lon)
        if closest is None or gc < closest[0]:
            closest = (gc, place)
        if gc > max_km:
            continue
        connected += 1
        tables.rows["links.csv"].append({
            "link_id": f"connect_{place.place_id}", "from_place": junction.place_id,
            "to_place": place.place_id, "mode": "road",
            "distance_km": cell(round(gc * factor, 4)), "status": "open", "two_way": "true",
            "name": f"connector {junction.name} - {place.name}",
            "sources": ";".join(dict.fromkeys(["osm", *factor_sources])),
            "estimate": (f"distance_km: great-circle from {place.name} to the nearest junction "
                         f"of {local.name} x road circuity {factor:g} (manifest); speed: the "
                         "country road speed"),
            "notes": "first/last-mile connector written by corridor attach",
        })
    if not connected:
        near = (f"the nearest, {closest[1].name}, is {closest[0]:.1f} km away"
                if closest else f"none is in the country of {local.name!r}")
        raise NoConnectionError(
            f"no place of {main.name!r} lies within {max_km:g} km of a junction of "
            f"{local.name!r} ({near}); raise max_km (--max-km) or import an extract that "
            "covers a corridor place")
    tables.manifest["name"] = f"{main.name}+{local.name}"
    tables.manifest["description"] = (
        f"{main.description} With the local roads of {local.name} attached by {connected} "
        "connector(s).").strip()
    target = Path(out) if out is not None else Path(tempfile.mkdtemp()) / "attached"
    return write_folder(tables, target)


def _nearest_same_country(place: Any, junctions: list[Any], nearest: int) -> Any:
    if junctions[nearest].country == place.country:
        return junctions[nearest]
    same = [j for j in junctions if j.country == place.country]
    if not same:
        return None
    return min(same, key=lambda j: haversine_km(place.lat, place.lon, j.lat, j.lon))
