"""Distances on the Earth: the geodesy every layer shares (no imports of its own)."""

from __future__ import annotations

import math

__all__ = ["haversine_km"]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (mean Earth radius 6,371 km).

    Examples
    --------
    >>> round(haversine_km(33.55, 72.83, 43.35, 77.04))
    1149
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
