"""The network as GeoJSON, for a map: places as points, links and crossings as lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.model.network import Network

__all__ = ["network_geojson"]


def _lonlat(lat: float, lon: float) -> list[float]:
    return [round(lon, 5), round(lat, 5)]


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
