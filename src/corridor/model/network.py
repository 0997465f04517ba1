"""Frozen records of the network and the :class:`Network` that holds them.

Records are built by :mod:`corridor.io.folder` after validation, so they trust their fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from corridor.model.calendar import Calendar

MODES: tuple[str, ...] = ("road", "rail", "sea", "ferry", "air")
"""Transport modes, in the order corridor reports them."""

GAUGES_MM: tuple[int, ...] = (1435, 1520, 1676)
"""Rail gauges of the region: standard (China, Iran), Russian (Central Asia, Afghanistan's
northern lines), and Pakistani broad gauge."""

LAYERS: tuple[str, ...] = ("road", "rail:1435", "rail:1520", "rail:1676", "sea", "ferry", "air")
"""Layers of the routing graph: a mode, and for rail its gauge."""

STATUSES: tuple[str, ...] = ("open", "planned", "under_construction", "closed")
ROAD_CLASSES: tuple[str, ...] = ("motorway", "highway", "mountain_highway", "pass", "urban")
"""Road classes with their own speeds (``road_classes.csv``)."""
TERRAINS: tuple[str, ...] = ("flat", "hill", "mountain")
CROSSING_TRAFFIC: tuple[str, ...] = ("transit", "bilateral", "people", "freight", "closed")
LINK_TRAFFIC: tuple[str, ...] = ("freight", "people")
"""What a scheduled service carries when not everything (``links.csv`` ``traffic``)."""
"""What a crossing admits: third-country transit (TIR and transit agreements), trade
between its two countries only, people only, or nothing."""
PLACE_KINDS: tuple[str, ...] = (
    "city",
    "seaport",
    "dry_port",
    "rail_terminal",
    "airport",
    "border_post",
    "junction",
    "address",
)


def layer_of(mode: str, gauge_mm: int | None) -> str:
    """The routing layer of a mode and gauge.

    Examples
    --------
    >>> layer_of("rail", 1520)
    'rail:1520'
    >>> layer_of("road", None)
    'road'
    """
    return f"rail:{gauge_mm}" if mode == "rail" else mode


@dataclass(frozen=True)
class Source:
    """A cited source: every figure in a network names one or more of these."""

    source_id: str
    title: str
    url: str = ""
    year: str = ""
    confidence: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Country:
    """Per-country defaults: CPMM speeds (km/h) and costs (USD per 500 km per 20 t), risk."""

    iso3: str
    name: str
    road_speed_kmh: float | None
    road_cost_usd_per_500km_20t: float | None
    rail_speed_kmh: float | None
    rail_cost_usd_per_500km_20t: float | None
    gpi_rank: int | None
    gpi_year: str = ""
    regimes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""
    rail_passenger_speed_kmh: float | None = None  # passenger trains (timetables)

    @property
    def risk(self) -> float | None:
        """Risk score in [0, 1]: the Global Peace Index rank over the 163 ranked countries."""
        return None if self.gpi_rank is None else self.gpi_rank / 163.0


@dataclass(frozen=True)
class RoadClass:
    """Speeds of one class of road (``road_classes.csv``).

    ``truck_speed_kmh`` empty means *calibrated*: ``truck_ratio`` × each country's highway
    speed, within ``truck_min_kmh``–``truck_max_kmh``, the highway speed being solved so that
    the country's roads average its CPMM speed without delay
    (see :func:`corridor.model.speeds.road_speeds`).
    ``bus_speed_kmh`` is what a bus or car averages (passengers).
    """

    road_class: str
    truck_speed_kmh: float | None
    bus_speed_kmh: float | None
    truck_ratio: float | None = None
    truck_min_kmh: float | None = None
    truck_max_kmh: float | None = None
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Place:
    """A city, port, terminal, airport, border post or junction of the network."""

    place_id: str
    name: str
    country: str
    lat: float
    lon: float
    kind: str
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""
    risk: float | None = None  # the area's risk (0-1) where it differs from the country's


@dataclass(frozen=True)
class Link:
    """A road, rail, sea, ferry or air connection between two places."""

    link_id: str
    from_place: str
    to_place: str
    mode: str
    gauge_mm: int | None
    distance_km: float | None
    duration_h: float | None
    speed_kmh: float | None
    cost_usd: float | None
    status: str
    calendar_id: str | None
    two_way: bool
    name: str = ""
    shape: tuple[tuple[float, float], ...] = ()
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""
    road_class: str = ""  # a road's class (ROAD_CLASSES); empty: highway
    terrain: str = ""  # flat, hill or mountain (documents how a length was estimated)
    fare_usd: float | None = None  # what one passenger pays (a flight's fare)
    risk: float | None = None  # risk (0-1) of the road's area, where it differs
    passenger_speed_kmh: float | None = None  # timetabled passenger trains on the line
    traffic: str = ""  # a service for freight or people only (LINK_TRAFFIC); empty: both
    crossing_id: str = ""  # the border crossing a cross-border train service passes

    def carries(self, *, passenger: bool) -> bool:
        """Whether the link takes travellers (``passenger``) or else freight."""
        return self.traffic != ("freight" if passenger else "people")

    @property
    def layer(self) -> str:
        """The routing layer this link lives in."""
        return layer_of(self.mode, self.gauge_mm)


@dataclass(frozen=True)
class Crossing:
    """A border crossing between two border posts, with figures per direction.

    ``ab_*`` apply from ``place_a`` to ``place_b`` and ``ba_*`` the other way.
    """

    crossing_id: str
    name: str
    place_a: str
    place_b: str
    mode: str
    gauge_mm: int | None
    distance_km: float
    ab_dwell_h: float
    ab_dwell_p90_h: float | None
    ab_cost_usd: float | None
    ba_dwell_h: float
    ba_dwell_p90_h: float | None
    ba_cost_usd: float | None
    calendar_id: str | None
    status: str
    aliases: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""
    traffic: str = "transit"  # what may cross: one of CROSSING_TRAFFIC
    people_dwell_h: float | None = None  # hours for a passenger to cross, either way
    road_country: str = ""  # where the road between the posts lies; empty: the country entered

    @property
    def layer(self) -> str:
        """The routing layer this crossing lives in."""
        return layer_of(self.mode, self.gauge_mm)

    def admits(self, *, passenger: bool, trip: frozenset[str], sides: frozenset[str]) -> bool:
        """Whether a traveller or a consignment may use this crossing.

        ``trip`` holds the origin and destination countries, ``sides`` the countries of the
        two posts. A ``transit`` crossing admits everything; a ``bilateral`` one people, and
        cargo that goes from one of its countries to the other; a ``people`` one passengers
        only; a ``freight`` one cargo only (a rail border that travellers cross only aboard a
        through train, a service of ``links.csv``); a ``closed`` one nobody.

        Examples
        --------
        >>> c = Crossing("x", "X", "a", "b", "road", None, 0.0, 1.0, None, None, 1.0, None,
        ...              None, None, "open", traffic="bilateral")
        >>> sides = frozenset({"PAK", "AFG"})
        >>> c.admits(passenger=False, trip=frozenset({"AFG", "PAK"}), sides=sides)
        True
        >>> c.admits(passenger=False, trip=frozenset({"PAK", "KAZ"}), sides=sides)
        False
        """
        if self.traffic == "transit":
            return True
        if self.traffic == "closed":
            return False
        if self.traffic == "freight":
            return not passenger
        if passenger:
            return True
        return self.traffic == "bilateral" and trip == sides


@dataclass(frozen=True)
class Transfer:
    """Moving cargo between two layers at a place (transshipment, gauge change, check-in)."""

    place_id: str
    from_layer: str
    to_layer: str
    time_h: float | None
    cost_usd: float | None
    two_way: bool
    kind: str
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""


@dataclass(frozen=True)
class CargoProfile:
    """What is moved: a unit, its weight and value, and the modes it may use."""

    cargo_id: str
    name: str
    unit: str
    tonnes: float | None
    value_usd: float | None
    cost_factor: float | None
    wait_cost_usd_per_day: float
    modes: tuple[str, ...]
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""
    dangerous: bool = False
    value_of_time_usd_per_h: float | None = None  # a traveller's time; else from value_usd

    @property
    def is_passenger(self) -> bool:
        """True for the passenger profile (costs and emissions per person)."""
        return self.unit == "passenger"


@dataclass(frozen=True)
class EmissionFactor:
    """CO2e per tonne-km (freight) and per passenger-km for one mode."""

    mode: str
    g_co2e_per_tkm: float | None
    kg_co2e_per_pax_km: float | None
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Disruption:
    """A random event on crossings or links, drawn in Monte Carlo reliability runs.

    ``kind`` is ``closure`` (events arrive at ``events_per_year`` within ``months`` and last
    ``duration_h_min``–``duration_h_max``; a traveller who arrives during one waits for the
    rest of it), ``delay`` (with ``probability`` per trip, extra time drawn uniformly in the
    duration range) or ``wait`` (the same, before the leg starts, e.g. a ferry that sails when
    full). A disruption hits an itinerary at most once, at the first leg it targets.
    """

    disruption_id: str
    name: str
    target_kind: str  # "crossing" or "link"
    target_ids: tuple[str, ...]
    kind: str
    months: frozenset[int] | None
    events_per_year: float | None
    probability: float | None
    duration_h_min: float
    duration_h_max: float
    sources: tuple[str, ...] = ()
    estimate: str = ""
    notes: str = ""

    def hit_probability(self) -> float:
        """Chance that one trip meets the disruption (for a closure: is there during one)."""
        if self.kind != "closure":
            return float(self.probability or 0.0)
        months = len(self.months) if self.months else 12
        active_h = 8766.0 * months / 12.0
        mean_h = (self.duration_h_min + self.duration_h_max) / 2.0
        return min(1.0, (self.events_per_year or 0.0) * mean_h / active_h)


@dataclass(frozen=True)
class CargoRule:
    """A rule that forbids some cargo to cross a border: ``no_export`` (leave ``country``)
    or ``no_import`` (enter it), by the ``modes`` given, between ``date_from`` and
    ``date_to`` (open-ended when empty). Scenarios can lift rules."""

    rule_id: str
    name: str
    cargo: tuple[str, ...]
    kind: str
    country: str
    modes: tuple[str, ...]
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: tuple[str, ...] = ()
    notes: str = ""

    def active(self, cargo_id: str, when: dt.date) -> bool:
        """Whether the rule applies to ``cargo_id`` on ``when``."""
        return (cargo_id in self.cargo
                and (self.date_from is None or when >= self.date_from)
                and (self.date_to is None or when <= self.date_to))


@dataclass(frozen=True)
class Parameter:
    """A number the engine uses (manifest ``parameters``), with its provenance."""

    name: str
    value: float
    sources: tuple[str, ...] = ()
    estimate: str = ""


@dataclass(frozen=True, eq=False)
class Network:
    """A validated network: every table of a network folder, indexed by id.

    Build one with :func:`corridor.load_network`; it is immutable and hashable by identity.
    ``content_hash`` identifies the folder contents (used to cache compiled forms).
    """

    name: str
    version: str
    description: str
    sources: Mapping[str, Source]
    countries: Mapping[str, Country]
    places: Mapping[str, Place]
    links: tuple[Link, ...]
    crossings: tuple[Crossing, ...]
    transfers: tuple[Transfer, ...]
    calendars: Mapping[str, Calendar]
    cargo: Mapping[str, CargoProfile]
    emission_factors: Mapping[str, EmissionFactor]
    parameters: Mapping[str, Parameter]
    content_hash: str
    folder: str = ""
    disruptions: tuple[Disruption, ...] = ()
    cargo_rules: tuple[CargoRule, ...] = ()
    road_classes: Mapping[str, RoadClass] = field(default_factory=dict)
    crossings_by_id: Mapping[str, Crossing] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (
            "sources",
            "countries",
            "places",
            "calendars",
            "cargo",
            "emission_factors",
            "parameters",
            "road_classes",
        ):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(
            self,
            "crossings_by_id",
            MappingProxyType({c.crossing_id: c for c in self.crossings}),
        )

    def parameter(self, name: str, default: float | None = None) -> float | None:
        """The value of a manifest parameter, or ``default`` when the network lacks it."""
        p = self.parameters.get(name)
        return default if p is None else p.value

    def __repr__(self) -> str:
        return (
            f"<Network {self.name!r} {self.version}: {len(self.places)} places, "
            f"{len(self.links)} links, {len(self.crossings)} crossings>"
        )


def same_crossings(network: Network, crossing_id: str) -> set[str]:
    """The ids of every row (road, rail) of the crossing ``crossing_id`` belongs to."""
    name = network.crossings_by_id[crossing_id].name
    return {c.crossing_id for c in network.crossings if c.name == name} | {crossing_id}
