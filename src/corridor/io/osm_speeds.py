"""Truck speeds for imported OpenStreetMap roads: each road's posted limit where it has one,
else the median limit of its class, else the country's speed (:func:`calibrate`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.io.osm import OsmLink

__all__ = ["Calibration", "calibrate", "weighted_median"]


def weighted_median(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Median of values weighted by length: ``pairs`` of (value, weight)."""
    items = sorted(pairs)
    total = sum(w for _, w in items)
    if not items or total <= 0:
        return None
    running = 0.0
    for value, weight in items:
        running += weight
        if running >= total / 2:
            return value
    return items[-1][0]  # pragma: no cover - rounding


@dataclass(frozen=True)
class Calibration:
    country_speed_kmh: float | None
    reference_kmh: float | None
    class_limits_kmh: dict[str, float]
    tagged_km: float
    total_km: float

    def speed(self, link: OsmLink) -> tuple[float | None, str]:
        """The link's speed (``None``: the country's) and how it was obtained."""
        if self.country_speed_kmh is None or self.reference_kmh is None:
            return None, ("speed_kmh: none (no speed limit tagged in the extract or no "
                          "country road speed); the country road speed applies")
        if link.limit_kmh is not None:
            limit, which = link.limit_kmh, f"tagged limit {link.limit_kmh:g}"
        elif link.highway in self.class_limits_kmh:
            limit = self.class_limits_kmh[link.highway]
            which = f"median tagged limit of {link.highway} {limit:g}"
        else:
            return None, (f"speed_kmh: none (no {link.highway} road has a tagged limit in "
                          "the extract); the country road speed applies")
        scaled = self.country_speed_kmh * limit / self.reference_kmh
        speed = round(min(limit, scaled), 1)
        return speed, (f"speed_kmh: country road speed {self.country_speed_kmh:g} x "
                       f"{which} / extract median tagged limit {self.reference_kmh:g} km/h, "
                       "capped at the limit")

    def notes(self) -> str:
        classes = ", ".join(f"{k} {v:g}" for k, v in sorted(self.class_limits_kmh.items()))
        return (f"Reference limit {self.reference_kmh or 'none'} km/h = length-weighted "
                f"median tagged limit over {self.tagged_km:.1f} of {self.total_km:.1f} km of "
                f"kept roads; class medians (km/h): {classes or 'none'}")


def calibrate(links: list[OsmLink], country_speed_kmh: float | None) -> Calibration:
    tagged = [(link.limit_kmh, link.distance_km) for link in links
              if link.limit_kmh is not None]
    by_class: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for link in links:
        if link.limit_kmh is not None:
            by_class[link.highway].append((link.limit_kmh, link.distance_km))
    class_limits = {k: v for k, pairs in by_class.items()
                    if (v := weighted_median(pairs)) is not None}
    return Calibration(country_speed_kmh, weighted_median(tagged), class_limits,
                        sum(w for _, w in tagged), sum(link.distance_km for link in links))
