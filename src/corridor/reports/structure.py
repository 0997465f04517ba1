"""The report as a document: sections of simple blocks (paragraphs, lists, tables,
images, links), built once and rendered by :mod:`corridor.reports.html` and
:mod:`corridor.reports.markdown`, so both say the same thing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.analysis.compare import Comparison
    from corridor.reports.document import Figure, Report, ReportSource
from corridor.reports.words import (
    case_label,
    days,
    musd,
    objective_words,
    p50,
    p90,
    period,
    signed,
    usd,
)


@dataclass(frozen=True)
class Link:
    text: str
    href: str


Text = str | Link | tuple["str | Link", ...]


@dataclass(frozen=True)
class Para:
    text: Text
    style: str = ""  # "lead", "note"


@dataclass(frozen=True)
class Sub:
    text: str


@dataclass(frozen=True)
class ListBlock:
    items: tuple[Text, ...]
    ordered: bool = False
    anchor: str = ""  # "src": items get ids src-1, src-2…


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    numeric: frozenset[int] = frozenset()
    caption: str = ""


@dataclass(frozen=True)
class Image:
    figure: Figure


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[Any, ...]


def refs(report: Report, ids: Sequence[str]) -> tuple[str | Link, ...]:
    """Source ids as "[n]" links to the list of sources."""
    numbers = {s.source_id: s.number for s in report.sources}
    parts: list[str | Link] = []
    for sid in ids:
        if sid in numbers:
            parts += [" " if parts else "", Link(f"[{numbers[sid]}]", f"#src-{numbers[sid]}")]
    return tuple(parts)


def sections(report: Report) -> list[Section]:
    c = report.comparison
    return [
        Section("summary", "Summary", (Para(report.summary),)),
        Section("assumptions", "Assumptions", tuple(_assumption_blocks(report))),
        Section("map", "Map", tuple(Image(f) for f in report.figures if f.name == "map")
                 or (Para("No map (see the notes below).", "note"),)),
        Section("comparison", "Comparison", tuple(_comparison_blocks(c))),
        Section("trade", "Trade impact", tuple(_trade_blocks(report))),
        Section("calendar", "Through the year", tuple(_calendar_blocks(report))),
        Section("reliability", "Reliability", tuple(_reliability_blocks(report))),
        Section("critical", "Critical links", tuple(_critical_blocks(report))),
        Section("sources", "Sources", (ListBlock(tuple(
            source_item(s) for s in report.sources), ordered=True, anchor="src"),)),
    ] + ([Section("notes", "Notes", (ListBlock(report.notes),))] if report.notes else [])


def source_item(source: ReportSource) -> Text:
    title = source.title or source.source_id
    head = f"{title} ({source.year})" if source.year else title
    if source.url:
        return (f"{head}. ", Link(source.url, source.url), f" (id {source.source_id})")
    return f"{head} (id {source.source_id})"


def _assumption_blocks(report: Report) -> list[Any]:
    blocks: list[Any] = []
    for s in report.scenarios:
        blocks.append(Sub(f"{s.title} ({s.name})"))
        if s.description:
            blocks.append(Para(" ".join(s.description.split())))
        if s.assumptions:
            blocks.append(ListBlock(tuple(s.assumptions)))
        if s.sources:
            blocks.append(Para(("Based on: ", *refs(report, s.sources), "."), "note"))
    c = report.comparison
    blocks.append(Sub("Method"))
    draws = (f"{report.draws:,} Monte Carlo draws (seed {report.seed}) of border dwell times "
             "and disruptions give P10/P50/P90" if report.draws else "No Monte Carlo draws")
    blocks.append(ListBlock((
        f"Departure {c.depart:%a %d %b %Y %H:%M}; cargo {c.cargo}; routes optimised for "
        f"{objective_words(c.objective)}. Each scenario is compared with today's network "
        "on its own.",
        "Time is door to door with median border dwell, waits for closed crossings "
        f"included; {draws}.",
        "Cost is money paid per shipment in USD (freight, border payments, transfers, "
        "demurrage); CO2e in tonnes per shipment; risk is the time-weighted Global Peace "
        "Index rank / 163 (0 = most peaceful, 1 = least).",
        "Trade impact: partial-equilibrium gravity on the change in median days and money "
        "cost per shipment, with a low, central and high parameter set (see Trade impact).",
    )))
    return blocks


def _comparison_blocks(c: Comparison) -> list[Any]:
    rows = []
    for case in c.cases:
        r = case.route
        if r is None:
            rows.append((case_label(case), f"no route: {case.no_route}", *["–"] * 6,
                         "; ".join(case.changes) or "–"))
            continue
        s = r.summary
        rows.append((case_label(case), r.corridor, days(s.duration_h), days(p50(r)),
                     days(p90(r)), usd(s.cost_usd), f"{s.risk:.2f}",
                     f"{s.co2e_kg / 1000:.1f}",
                     "baseline" if case.name == "baseline" else "; ".join(case.changes)))
    blocks: list[Any] = [Table(
        ("case", "corridor", "time (days)", "P50 (days)", "P90 (days)", "cost (USD)",
         "risk (0–1)", "CO2e (t)", "changes against today"),
        tuple(rows), frozenset(range(2, 8)),
        "Best route for each case. Time uses median border dwell; P50/P90 are Monte Carlo "
        "door-to-door times.")]
    warnings: list[str] = []
    for case in c.cases:
        for w in case.route.warnings if case.route else ():
            if "estimated figures" not in w and w not in warnings:
                warnings.append(w)
    if warnings:
        blocks += [Sub("Warnings on these routes"), ListBlock(tuple(warnings))]
    return blocks


def _trade_blocks(report: Report) -> list[Any]:
    from corridor.analysis.trade import PARAMETER_SETS, RANGE_CASES

    cases = [case for case in report.comparison.cases[1:] if case.trade is not None]
    if not cases:
        return [Para("No trade impact: origin and destination are in the same country, no "
                      "route exists, or the cargo has no value per shipment.", "note")]
    blocks: list[Any] = [Para(
        "The change in median door-to-door days and in money cost per shipment lowers the "
        "trade-cost factor τ; structural gravity with multilateral resistance held fixed "
        "turns that into a change in the two countries' trade: Δln τ = β_day/θ · Δdays + "
        "ln(1 + Δc / (V · (1 + f0))), %ΔX = exp(−θ · Δln τ) − 1, where V is the value of one "
        "shipment and f0 the baseline transport cost as a share of it. The low and high "
        "cases are parameter sets, not statistical bounds.")]
    usd = any(case.trade.baseline_usd is not None for case in cases)
    rows = []
    for case in cases:
        t = case.trade
        row = [case_label(case), signed(t.delta_days, 2), signed(t.delta_cost_usd, 0),
               f"{t.f0:.3f} ({t.f0_basis})", signed(t.pct_change_central),
               signed(t.pct_change_low), signed(t.pct_change_high)]
        if usd:
            row += [signed(x / 1e6) if x is not None else "–"
                    for x in (t.delta_trade_usd_central, t.delta_trade_usd_low,
                              t.delta_trade_usd_high)]
        rows.append(tuple(row))
    header = ["scenario", "Δ median time (days)", "Δ cost per shipment (USD)",
              "f0 (share of value)", "central (%)", "low (%)", "high (%)"]
    if usd:
        header += ["central (USD m/year)", "low (USD m/year)", "high (USD m/year)"]
    blocks.append(Table(tuple(header), tuple(rows), frozenset(range(1, len(header))),
                         "Estimated change in the two countries' trade."))
    blocks.append(Sub("Parameters"))
    blocks.append(Table(
        ("case", "β per day", "θ", "time cost (% of value per day)", "sources", "basis"),
        tuple((p.case, f"{p.beta_day:.3f}", f"{p.theta:g}", f"{p.time_cost_pct_per_day:.2f}",
               refs(report, p.sources), p.basis)
              for p in (PARAMETER_SETS[k] for k in RANGE_CASES)),
        frozenset({1, 2, 3})))
    base = cases[0].trade.baseline
    if base is None:
        return blocks
    blocks.append(Sub("Baseline trade figures"))
    blocks.append(Para(
        f"Dollar figures use {base.describe()}. Figures for the same pair differ 2–4× by "
        "reporting side; the table gives every reporter's latest annual total and what the "
        "central estimate would be in dollars with it.", "note"))
    rows = []
    for row in (base, *base.others):
        rows.append((
            "used" if row is base else "", row.reporter, period(row), musd(row.value_usd),
            *(signed(row.value_usd * case.trade.pct_change_central / 100 / 1e6)
              for case in cases),
            refs(report, [row.source_id])))
    header = ["", "reporter", "period", "two-way trade (USD m)",
              *(f"central effect, {case.name} (USD m/year)" for case in cases), "source"]
    blocks.append(Table(tuple(header), tuple(rows), frozenset(range(3, 3 + 1 + len(cases)))))
    return blocks


def _calendar_blocks(report: Report) -> list[Any]:
    blocks: list[Any] = []
    images = [f for f in report.figures if f.name.startswith("calendar-")]
    blocks += [Image(f) for f in images]
    for label, cal in report.calendars:
        corridors = {}
        for e in cal.entries:
            corridors.setdefault(e.corridor, []).append(e.depart)
        worst = max(cal.entries, key=lambda e: e.p90_h)
        best = min(cal.entries, key=lambda e: e.p50_h)
        slowest = max(cal.entries, key=lambda e: e.p50_h)
        if days(best.p50_h) == days(slowest.p50_h):
            median = f"the median is {days(best.p50_h)} days for every departure"
        else:
            median = (f"the median runs from {days(best.p50_h)} days (leaving "
                      f"{best.depart:%d %b}) to {days(slowest.p50_h)} days (leaving "
                      f"{slowest.depart:%d %b})")
        used = (f"always {next(iter(corridors))}" if len(corridors) == 1 else
                "; ".join(f"{name} for {len(dates)} departure(s)"
                          for name, dates in corridors.items()))
        blocks.append(Para(
            f"{label[:1].upper()}{label[1:]}: over {len(cal.entries)} departures {median}; "
            f"the worst P90 is {days(worst.p90_h)} days (leaving {worst.depart:%d %b}); "
            f"corridor: {used}."))
    if not blocks:
        blocks.append(Para("No calendar (see the notes below).", "note"))
    return blocks


def _reliability_blocks(report: Report) -> list[Any]:
    c = report.comparison
    if report.draws < 1:
        return [Para("No Monte Carlo draws were made (draws = 0).", "note")]
    when = (f"on time by {report.deadline:%d %b %H:%M} (%)" if report.deadline
            else "on time (%)")
    rows = []
    for case, on_time in zip(c.cases, report.on_time, strict=True):
        r = case.route
        if r is None or r.reliability is None:
            rows.append((case_label(case), "–", "–", "–", "–", "–", "–", "no route"))
            continue
        rel = r.reliability
        spread = [s for s in rel.spread if s.variance_share >= 0.01][:3]
        legs = "; ".join(f"{s.name} ({s.variance_share:.0%}, P50 {s.p50_h:.0f} h, P90 "
                         f"{s.p90_h:.0f} h)" for s in spread) or "–"
        rows.append((case_label(case), days(rel.p10_h), days(rel.p50_h), days(rel.p90_h),
                     f"{rel.arrive_p90:%d %b %H:%M}",
                     "–" if on_time is None else f"{100 * on_time:.0f}",
                     f"{100 * rel.closure_probability:.1f}", legs))
    text = f"{report.draws:,} draws, seed {report.seed}. "
    if report.deadline_basis == "given":
        text += "On time means arriving by the deadline given."
    elif report.deadline is not None:
        text += ("On time means arriving by today's P90 arrival, which 90 % of today's "
                 "shipments meet.")
    return [Para(text, "note"), Table(
        ("case", "P10 (days)", "P50 (days)", "P90 (days)", "P90 arrival", when,
         "closure hits (% of draws)", "legs driving the spread (share of variance)"),
        tuple(rows), frozenset({1, 2, 3, 5, 6}))]


def _critical_blocks(report: Report) -> list[Any]:
    crit = report.criticality
    if crit is None:
        return [Para("Critical links were not ranked" + (
            " (see the notes below)." if report.notes else "."), "note")]
    pairs = "; ".join(f"{p.origin} → {p.destination}" for p in crit.pairs)
    blocks: list[Any] = [Para(
        f"Each crossing and link used by the baseline routes of these pairs was closed in "
        f"turn ({crit.candidates} candidates), weighted by trade: {pairs}. Extra hours and "
        f"cost are trade-weighted means per shipment over the pairs; items are ranked by the "
        f"weighted increase in {crit.objective} ({crit.objective_unit}), a closure that "
        "leaves a pair with no route first.", "note")]
    rows = []
    for item in crit.items:
        detours = []
        for d in item.detours:
            if d.disconnected:
                detours.append(f"{d.origin} → {d.destination}: no route left")
            else:
                detours.append(f"{d.origin} → {d.destination}: {d.new_corridor} "
                               f"({signed(d.delta_hours / 24)} days, "
                               f"{signed(d.delta_usd, 0)} USD)")
        rows.append((str(item.rank), item.name, item.kind, "–".join(item.countries),
                     str(item.disconnected), f"{item.extra_hours:,.1f}",
                     usd(item.extra_usd), "; ".join(detours)))
    blocks.append(Table(
        ("rank", "crossing or link", "kind", "countries", "pairs cut off",
         "extra time (h, weighted)", "extra cost (USD, weighted)", "detours"),
        tuple(rows), frozenset({0, 4, 5, 6})))
    return blocks


def safe_href(href: str) -> bool:
    return href.startswith(("#", "https://", "http://"))


def meta_line(report: Report) -> str:
    c = report.comparison
    objective = objective_words(c.objective).split(" (")[0]
    return (f"Departure {c.depart:%a %d %b %Y %H:%M} · cargo {c.cargo} · optimised for "
            f"{objective} · generated {report.generated:%d %b %Y}")


def footer(report: Report) -> str:
    return (f"Generated {report.generated:%Y-%m-%d %H:%M} by corridor "
            f"{report.corridor_version} · network {report.network_version} · "
            f"{report.draws:,} Monte Carlo draws, seed {report.seed}")
