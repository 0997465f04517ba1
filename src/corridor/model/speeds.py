"""Road speeds by class of road, calibrated to each country's CPMM speed.

CAREC CPMM publishes one *speed without delay* (SWOD) per country: an average over the
trucks it samples on the country's corridors. Applied to every road it makes a motorway as
slow as a mountain track (Lahore → Islamabad on the M-2 at 24.8 km/h). corridor instead
gives each class of road (``road_classes.csv``) its own speed:

* classes with a ``truck_speed_kmh`` (mountain highway, pass, urban) run at that speed in
  every country: their limits are physical (gradients, bends, city traffic);
* the others are *calibrated* per country: the ordinary trunk road (``highway``) gets a
  speed ``v`` and every other calibrated class ``truck_ratio × v`` within its
  ``truck_min_kmh``–``truck_max_kmh`` (a motorway: 1.375 × v, the ratio of the legal limits
  for heavy vehicles, never below 65 km/h). ``v`` is solved so that the country's roads in
  the network, driven at these speeds, take exactly as long as at the country's SWOD — the
  corridor-level average CPMM measured is kept. Where ``highway``'s ``truck_max_kmh`` binds,
  the country's average cannot be met; :func:`road_speeds` reports it.

Buses and cars run at each class's ``bus_speed_kmh`` everywhere. A network without
``road_classes.csv`` keeps the old rule: every road at its country's SWOD.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridor.model.network import Network, RoadClass

__all__ = ["CountryFit", "RoadSpeeds", "road_speeds"]

CALIBRATED = "highway"
"""The class whose truck speed is solved per country."""


@dataclass(frozen=True)
class CountryFit:
    """How one country's highway speed was calibrated (all speeds in km/h)."""

    iso3: str
    swod_kmh: float
    road_km: float
    calibrated_km: float  # roads of the calibrated classes (highways, motorways)
    highway_speed_kmh: float
    network_average_kmh: float  # the country's roads at the class speeds
    bound: str  # "" when the SWOD is met; else why not ("max", "no calibrated road")


@dataclass(frozen=True)
class RoadSpeeds:
    """Truck and bus speeds of every (country, road class), with the calibration."""

    truck: dict[tuple[str, str], float]
    bus: dict[tuple[str, str], float]
    fits: dict[str, CountryFit]

    def truck_kmh(self, country: str, road_class: str, default: float | None) -> float | None:
        """A truck's speed on a road of ``road_class`` in ``country``."""
        return self.truck.get((country, road_class or CALIBRATED), default)

    def bus_kmh(self, country: str, road_class: str, default: float | None) -> float | None:
        """A bus's or car's speed on a road of ``road_class`` in ``country``."""
        return self.bus.get((country, road_class or CALIBRATED), default)


def road_speeds(network: Network) -> RoadSpeeds:
    """Speeds per country and road class for ``network`` (see the module docstring).

    Examples
    --------
    >>> from corridor import load_network
    >>> speeds = road_speeds(load_network())
    >>> speeds.truck_kmh("PAK", "motorway", None) > speeds.truck_kmh("PAK", "pass", None)
    True
    >>> fit = speeds.fits["PAK"]
    >>> round(fit.network_average_kmh, 1) == fit.swod_kmh
    True
    """
    classes = network.road_classes
    truck: dict[tuple[str, str], float] = {}
    bus: dict[tuple[str, str], float] = {}
    fits: dict[str, CountryFit] = {}
    if not classes:
        return RoadSpeeds(truck, bus, fits)
    km: dict[tuple[str, str], float] = {}
    for link in network.links:
        # open and closed roads alike (a scenario that shuts a road changes no speed);
        # roads not built yet do not count
        if link.mode != "road" or link.status not in ("open", "closed") \
                or not link.distance_km:
            continue
        key = (network.places[link.from_place].country, link.road_class or CALIBRATED)
        km[key] = km.get(key, 0.0) + link.distance_km
    base = classes.get(CALIBRATED)
    top = (base.truck_max_kmh if base and base.truck_max_kmh else None) or 200.0

    def speed_of(rc: RoadClass, v: float) -> float:
        if rc.truck_speed_kmh:
            return rc.truck_speed_kmh
        speed = v * (rc.truck_ratio or 1.0)
        if rc.truck_min_kmh:
            speed = max(speed, rc.truck_min_kmh)
        if rc.truck_max_kmh:
            speed = min(speed, rc.truck_max_kmh)
        return speed

    for iso3, country in network.countries.items():
        for rc in classes.values():
            if rc.bus_speed_kmh:
                bus[(iso3, rc.road_class)] = rc.bus_speed_kmh
        swod = country.road_speed_kmh
        if not swod:
            continue
        mine = {k: d for (c, k), d in km.items() if c == iso3 and k in classes}
        road_km = sum(mine.values())

        def hours(v: float, mine: dict[str, float] = mine) -> float:
            return sum(d / speed_of(classes[k], v) for k, d in mine.items())

        bound = ""
        calibrated_km = sum(d for k, d in mine.items() if not classes[k].truck_speed_kmh)
        if calibrated_km <= 0:
            v, bound = swod, "no calibrated road"
        elif hours(top) >= road_km / swod:
            v, bound = top, "max"
        else:
            lo, hi = 0.1, top  # hours(v) falls as v rises: bisect for the SWOD
            for _ in range(100):
                mid = (lo + hi) / 2.0
                lo, hi = (mid, hi) if hours(mid) > road_km / swod else (lo, mid)
            v = (lo + hi) / 2.0
        for rc in classes.values():
            truck[(iso3, rc.road_class)] = speed_of(rc, v)
        average = road_km / hours(v) if road_km else swod
        fits[iso3] = CountryFit(iso3, swod, road_km, calibrated_km, v, average, bound)
    return RoadSpeeds(truck, bus, fits)
