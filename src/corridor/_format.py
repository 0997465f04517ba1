"""Plain-text rendering of results for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from corridor.analysis.compare import Comparison
from corridor.analysis.seasons import CalendarResult
from corridor.io.gazetteer import Match
from corridor.model.result import Route


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "?"
    return f"{value:,.{digits}f}"


def _km(value: float) -> str:
    """Kilometres: whole above 10 km, one decimal below (street-level legs)."""
    return _num(value, 1 if value < 10 else 0)


def _hours(h: float) -> str:
    if h >= 48:
        return f"{h / 24:.1f} d"
    if h < 0.95:
        return f"{h * 60:.0f} min"  # street-level legs
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
        *(f"note: {w}" for w in route.warnings if " read '" in w),  # a name taken as another
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
            note = f"{leg.name}: dwell {leg.details['dwell_h']:.1f} h" + (
                f" (P90 {p90:.0f} h)" if p90 is not None else "")
            if leg.details.get("fees_usd") is not None:
                note += f", fees ${leg.details['fees_usd']:,.0f}"
        elif leg.kind == "wait":
            note = leg.details.get("reason", leg.name)
        if leg.estimate:
            note += " [est.]"
        lines.append(
            f"{i:>2}  {leg.kind:<8} {span:<46} {leg.mode:<5} "
            f"{_km(leg.distance_km) if leg.distance_km else '':>6} "
            f"{_hours(leg.duration_h):>8} {_num(leg.cost_usd):>7}  {note}"
        )
    lines += [
        "",
        f"distance {_km(s.distance_km)} km  ·  time {_hours(s.duration_h)} "
        f"(moving {_hours(s.moving_time_h)}, borders {_hours(s.border_time_h)}, "
        f"waiting {_hours(s.wait_time_h)})",
        f"cost ${_num(s.cost_usd)}  ·  CO2e {_num(s.co2e_kg)} kg  ·  risk {s.risk:.2f} "
        f"(0 = most peaceful, 1 = least; GPI)  ·  {s.border_crossings} border crossing(s)",
    ]
    if route.reliability is not None:
        lines += ["", *format_reliability(route)]
    if route.warnings:
        lines += ["", "warnings:"]
        lines += [f"  ! {w}" for w in route.warnings]
    lines += ["", "sources: " + ", ".join(src["id"] for src in route.sources)]
    return "\n".join(lines)


def format_reliability(route: Route) -> list[str]:
    """Lines on the spread of arrival times (Monte Carlo)."""
    rel = route.reliability
    assert rel is not None
    lines = [
        f"reliability ({rel.draws:,} draws, seed {rel.seed}): arrive P10 "
        f"{rel.arrive_p10:%d %b %H:%M} · P50 {rel.arrive_p50:%d %b %H:%M} · P90 "
        f"{rel.arrive_p90:%d %b %H:%M}  ({_hours(rel.p10_h)} / {_hours(rel.p50_h)} / "
        f"{_hours(rel.p90_h)})"
    ]
    if rel.on_time_probability is not None and rel.deadline is not None:
        lines.append(f"on time by {rel.deadline:%a %d %b %Y %H:%M}: "
                     f"{rel.on_time_probability:.0%}")
    if rel.closure_probability > 0:
        lines.append(f"a closure hits this route in {rel.closure_probability:.1%} of draws")
    top = [s for s in rel.spread if s.variance_share >= 0.01][:3]
    if top:
        lines.append("spread comes from: " + ", ".join(
            f"{s.name} ({s.variance_share:.0%}, P50 {_hours(s.p50_h)}, P90 {_hours(s.p90_h)})"
            for s in top))
    return lines


def format_alternatives(routes: Sequence[Route]) -> str:
    """One line per alternative, then the legs of none (use --json for details)."""
    first = routes[0]
    lines = [
        f"{first.origin.name} ({first.origin.country}) → {first.destination.name} "
        f"({first.destination.country})  ·  cargo {first.cargo}  ·  depart "
        f"{first.depart:%a %d %b %Y %H:%M}",
        f"{len(routes)} alternative(s): Pareto-optimal on time, money and risk, one per corridor",
        "",
    ]
    header = (f"{'#':>2}  {'best for':<15} {'time':>7} {'P50':>7} {'P90':>7} {'USD':>8} "
              f"{'risk':>5} {'risk-h':>6} {'CO2e t':>6}  corridor")
    lines += [header, "-" * 110]
    for i, r in enumerate(routes, start=1):
        s, rel = r.summary, r.reliability
        lines.append(
            f"{i:>2}  {', '.join(r.best_for) or '-':<15} {_hours(s.duration_h):>7} "
            f"{_hours(rel.p50_h) if rel else '':>7} {_hours(rel.p90_h) if rel else '':>7} "
            f"{_num(s.cost_usd):>8} {s.risk:>5.2f} {s.risk_exposure:>6.0f} "
            f"{s.co2e_kg / 1000:>6.1f}  {r.corridor}"
        )
        if rel is not None and rel.on_time_probability is not None:
            lines[-1] += f"  [on time {rel.on_time_probability:.0%}]"
    warnings: list[str] = []
    for r in routes:
        for w in r.warnings:
            if "estimated figures" not in w and w not in warnings:
                warnings.append(w)
    if warnings:
        lines += ["", "warnings:"] + [f"  ! {w}" for w in warnings]
    lines += ["", "time = with median border dwell; P50/P90 = Monte Carlo door-to-door; risk = "
              "time-weighted GPI risk (0–1); risk-h = hours × risk, what 'best for risk' "
              "minimises. Use --json for every leg."]
    return "\n".join(lines)


def format_calendar(result: CalendarResult) -> str:
    """One line per departure: corridor, P50/P90 days, cost, waits."""
    lines = [
        f"{result.origin} → {result.destination}  ·  cargo {result.cargo}  ·  optimised for "
        f"{result.objective}",
        "",
        f"{'depart':<11} {'time':>7} {'P50':>7} {'P90':>7} {'USD':>8} {'wait':>7}  corridor",
        "-" * 110,
    ]
    years = {e.depart.year for e in result.entries}
    when = "%a %d %b" if len(years) <= 1 else "%d %b %Y"  # twelve months from today
    for e in result.entries:
        lines.append(
            f"{e.depart.strftime(when):<11} {_hours(e.duration_h):>7} {_hours(e.p50_h):>7} "
            f"{_hours(e.p90_h):>7} {_num(e.cost_usd):>8} "
            f"{_hours(e.wait_h) if e.wait_h else '':>7}  {e.corridor}"
        )
    return "\n".join(lines)


def format_comparison(result: Comparison) -> str:
    """Baseline and scenarios side by side, then what changed in each."""
    lines = [
        f"{result.origin} → {result.destination}  ·  cargo {result.cargo}  ·  depart "
        f"{result.depart:%a %d %b %Y %H:%M}  ·  optimised for {result.objective}",
        "",
        f"{'case':<28} {'time':>7} {'P50':>7} {'P90':>7} {'USD':>8} {'risk':>5} "
        f"{'CO2e t':>6}  corridor",
        "-" * 110,
    ]
    for case in result.cases:
        r = case.route
        if r is None:
            lines.append(f"{case.name[:28]:<28} no route: {case.no_route}")
            continue
        rel = r.reliability
        lines.append(
            f"{case.name[:28]:<28} {_hours(r.summary.duration_h):>7} "
            f"{_hours(rel.p50_h) if rel else '':>7} {_hours(rel.p90_h) if rel else '':>7} "
            f"{_num(r.summary.cost_usd):>8} {r.summary.risk:>5.2f} "
            f"{r.summary.co2e_kg / 1000:>6.1f}  {r.corridor}")
    for case in result.cases[1:]:
        lines += ["", f"{case.name}: {case.title}"]
        lines += [f"  · {c}" for c in case.changes]
        t = case.trade
        if t is not None:
            def pct(x: float) -> str:
                return f"{round(x, 1) + 0.0:+.1f}"

            def musd(x: float) -> str:
                return f"{round(x / 1e6, 1) + 0.0:+,.1f}"

            line = (f"  · trade {pct(t.pct_change_central)} % (range {pct(t.pct_change_low)} "
                    f"to {pct(t.pct_change_high)} %)")
            if t.delta_trade_usd_central is not None:
                line += (f": {musd(t.delta_trade_usd_central)} m USD a year if every "
                         f"shipment fared like this one ({musd(t.delta_trade_usd_low)} to "
                         f"{musd(t.delta_trade_usd_high)})")
            lines.append(line)
        elif case.route is None or result.baseline.route is None:
            lines.append("  · trade impact not estimated: no route in one of the cases")
    base = result.extras.get("trade_baseline")
    if base:
        lines += ["", f"trade baseline: {base['describe']}"
                  + (f" — {base['notes']}" if base.get("notes") else ""),
                  "trade impact: partial-equilibrium gravity on the change in median days and "
                  "cost per shipment on this departure date (policy facts §7; see "
                  "docs/scenarios.md); the dollar figure assumes the pair's whole trade fares "
                  "like this shipment"]
    modes = result.extras.get("modes")
    if modes:
        lines.append(f"modes: {', '.join(modes)} only; the trade figures then assume the "
                     "pair's trade moves this way, which it may not today")
    return "\n".join(lines)


def format_criticality(result) -> str:
    """The ranked critical crossings and links, with their detours."""
    lines = [
        f"critical crossings and links · {len(result.pairs)} weighted pairs · depart "
        f"{result.depart:%a %d %b %Y} · cargo {result.cargo} · optimised for "
        f"{result.objective} · {result.candidates} candidates tested",
        "(closing each item in turn; Δ are trade-weighted means per shipment over all pairs)",
        "",
        f"{'#':>2}  {'kind':<8} {'name':<36} {'pairs':>5} {'cut':>4} {'Δ h':>7} {'Δ USD':>8}",
        "-" * 80,
    ]
    for item in result.items:
        lines.append(f"{item.rank:>2}  {item.kind:<8} {item.name[:36]:<36} "
                     f"{item.pairs_affected:>5} {item.disconnected:>4} "
                     f"{item.extra_hours:>+7.1f} {item.extra_usd:>+8,.0f}")
        for d in item.detours[:4]:
            if d.new_corridor is None:
                lines.append(f"      {d.origin} → {d.destination}: no route left (no "
                             "alternative in the network: a real chokepoint, or a gap in the "
                             "data)")
            else:
                lines.append(f"      {d.origin} → {d.destination}: {d.old_corridor} → "
                             f"{d.new_corridor} ({d.delta_hours:+.1f} h, "
                             f"{d.delta_usd:+,.0f} USD)")
        if len(item.detours) > 4:
            lines.append(f"      … and {len(item.detours) - 4} more pairs")
        if item.same_effect:
            lines.append(f"      same effect: {', '.join(item.same_effect)}")
    if result.unrouted:
        lines += ["", "pairs with no baseline route: " + ", ".join(result.unrouted)]
    return "\n".join(lines)


def format_matches(matches: Sequence[Match]) -> str:
    """One line per search hit."""
    lines = [f"{'id':<28} {'name':<28} {'country':<8} {'kind':<9} detail"]
    for m in matches:
        lines.append(f"{m.id:<28} {m.name[:28]:<28} {m.country:<8} {m.kind:<9} {m.detail}"
                     + (f"  (matched {m.matched!r})" if m.matched != m.name else ""))
    return "\n".join(lines)
