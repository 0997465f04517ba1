"""The data model: places, links, crossings, calendars, cargo. Plain data, no I/O."""

from corridor.model.calendar import Calendar, CalendarRule
from corridor.model.network import (
    LAYERS,
    MODES,
    CargoProfile,
    CargoRule,
    Country,
    Crossing,
    Disruption,
    EmissionFactor,
    Link,
    Network,
    Parameter,
    Place,
    Source,
    Transfer,
)

__all__ = [
    "LAYERS",
    "MODES",
    "Calendar",
    "CalendarRule",
    "CargoProfile",
    "CargoRule",
    "Country",
    "Crossing",
    "Disruption",
    "EmissionFactor",
    "Link",
    "Network",
    "Parameter",
    "Place",
    "Source",
    "Transfer",
]
