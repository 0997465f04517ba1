"""Plain-text rendering of results for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from corridor.io.gazetteer import Match
from corridor.routing.result import Route


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "?"
    return f"{value:,.{digits}f}"


def _hours(h: float) -> str:
    if h >= 48:
        return f"{h / 24:.1f} d"
    return f"{h:.1f} h"


def format_route(route: Route) -> str:
    """A readable table of legs, then totals and warnings."""
    s = route.summary
    lines = [
        f"{route.origin.name} ({route.origin.country}) → {route.destination.name} "
        f"({route.destination.country})  ·  cargo {route.cargo}  ·  optimised for "
        f"{route.objective}",
        f"depart {route.depart:%a %d %b %Y %H:%M}  →  arrive {route.arrive:%a %d %b %Y %H:%M}"
        f"  ({_hours(s.duration_h)})",
        f"countries: {' → '.join(route.countries)}",
        "",
    ]
    header = (f"{'#':>2}  {'kind':<8} {'from → to':<46} {'mode':<5} {'km':>6} "
              f"{'time':>8} {'USD':>7}  note")
    lines += [header, "-" * len(header)]
    for i, leg in enumerate(route.legs, start=1):
        span = f"{leg.from_.name} → {leg.to.name}" if leg.kind != "wait" else leg.from_.name
        if len(span) > 46:
            span = span[:45] + "…"
        note = leg.name
        if leg.kind == "border":
            p90 = leg.details.get("dwell_p90_h")
            note = f"{leg.name}: dwell {leg.duration_h:.1f} h" + (
                f" (P90 {p90:.0f} h)" if p90 is not None else "")
            if leg.details.get("fees_usd") is not None:
                note += f", fees ${leg.details['fees_usd']:,.0f}"
        elif leg.kind == "wait":
            note = leg.details.get("reason", leg.name)
        if leg.estimate:
            note += " [est.]"
        lines.append(
            f"{i:>2}  {leg.kind:<8} {span:<46} {leg.mode:<5} "
            f"{_num(leg.distance_km) if leg.distance_km else '':>6} "
            f"{_hours(leg.duration_h):>8} {_num(leg.cost_usd):>7}  {note}"
        )
    lines += [
        "",
        f"distance {_num(s.distance_km)} km  ·  time {_hours(s.duration_h)} "
        f"(moving {_hours(s.moving_time_h)}, borders {_hours(s.border_time_h)}, "
        f"waiting {_hours(s.wait_time_h)})",
        f"cost ${_num(s.cost_usd)}  ·  CO2e {_num(s.co2e_kg)} kg  ·  risk {s.risk:.2f} "
        f"(0 = most peaceful, 1 = least; GPI)  ·  {s.border_crossings} border crossing(s)",
    ]
    if route.warnings:
        lines += ["", "warnings:"]
        lines += [f"  ! {w}" for w in route.warnings]
    lines += ["", "sources: " + ", ".join(src["id"] for src in route.sources)]
    return "\n".join(lines)


def format_matches(matches: Sequence[Match]) -> str:
    """One line per search hit."""
    lines = [f"{'id':<28} {'name':<28} {'country':<8} {'kind':<9} detail"]
    for m in matches:
        lines.append(f"{m.id:<28} {m.name[:28]:<28} {m.country:<8} {m.kind:<9} {m.detail}"
                     + (f"  (matched {m.matched!r})" if m.matched != m.name else ""))
    return "\n".join(lines)
