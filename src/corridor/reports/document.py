"""Reports an analyst can hand to a minister: one scenario question, answered on one page.

:func:`report` runs the analyses — :func:`~corridor.analysis.compare.compare` (baseline
against each scenario, with the trade impact), a year of departures with
:func:`~corridor.analysis.seasons.calendar` on today's network and under the first
scenario, the Monte Carlo reliability of each route, and the critical links for the pair's
two countries with :func:`~corridor.analysis.criticality.criticality` — and draws the map
and the calendar charts. The :class:`Report` it returns writes:

* :meth:`Report.write_html`: one self-contained HTML file. The CSS is inline and the
  pictures are embedded as ``data:`` URIs, so it opens offline and fetches nothing; the only
  URLs are the links to the cited sources.
* :meth:`Report.write_markdown`: Markdown, with the pictures as PNG files in a
  ``<stem>_files/`` folder beside it.

Both are written atomically. Sections: the question; a summary with the key numbers;
assumptions and method; the map; the comparison table; the trade impact with its range,
parameters and the competing baseline figures (they differ 2–4× by reporting side); the
calendar charts; reliability; critical links; the numbered sources; and a footer with the
versions and the date.

Pictures need the ``maps`` extra; without it (or if the criticality module is missing) the
report says what it left out instead of failing.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from corridor.limits import check_year

if TYPE_CHECKING:
    from corridor.analysis.compare import Case, Comparison
    from corridor.analysis.criticality import CriticalityResult
    from corridor.analysis.seasons import CalendarResult
    from corridor.analysis.trade import Baseline
    from corridor.model.network import Network
    from corridor.model.result import Route
    from corridor.model.scenario import Scenario

__all__ = ["Figure", "Report", "ReportSource", "report"]

CALENDAR_DRAWS = 300
"""Monte Carlo draws per departure in the report's calendars (enough for a chart)."""

CRITICAL_TOP = 5
"""How many critical links the report lists."""


@dataclass(frozen=True)
class Figure:
    """A picture of the report: a PNG and what it shows."""

    name: str  # file stem in the Markdown folder, e.g. "map"
    title: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class ReportSource:
    """One entry of the report's numbered list of sources."""

    number: int
    source_id: str
    title: str
    url: str = ""
    year: str = ""


@dataclass(frozen=True)
class Report:
    """The analyses behind one report, and the page built from them.

    Attributes
    ----------
    title, question, summary : str
        The heading, the question in words and the summary paragraph (plain text).
    comparison : Comparison
        Baseline and scenario cases, as :func:`~corridor.analysis.compare.compare` gives.
    scenarios : tuple of Scenario
        The scenarios, in order.
    calendars : tuple of (str, CalendarResult)
        Departures through the year by case title: today's network, then the first scenario.
    criticality : CriticalityResult or None
        Critical links for the pair's countries; ``None`` when skipped (see ``notes``).
    deadline : datetime or None
        What "on time" means in the reliability section: the given deadline, or today's P90
        arrival; ``None`` without draws.
    deadline_basis : str
        ``"given"`` or ``"baseline P90"`` (or ``""`` without a deadline).
    on_time : tuple of (float or None)
        Probability of arriving by ``deadline``, one per case.
    sources : tuple of ReportSource
        The numbered sources: scenarios', the routes' network sources, the trade parameters'
        and the trade figures'.
    figures : tuple of Figure
        Map and calendar charts (empty without the ``maps`` extra).
    notes : tuple of str
        What was left out and why.
    generated : datetime
        When the report was made.
    corridor_version, network_version : str
        ``corridor.__version__`` and the network's name and version.
    draws, seed : int
        The Monte Carlo draws and seed of the routes' reliability.
    """

    title: str
    question: str
    summary: str
    comparison: Comparison
    scenarios: tuple[Scenario, ...]
    calendars: tuple[tuple[str, CalendarResult], ...]
    criticality: CriticalityResult | None
    deadline: dt.datetime | None
    deadline_basis: str
    on_time: tuple[float | None, ...]
    sources: tuple[ReportSource, ...]
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]
    generated: dt.datetime
    corridor_version: str
    network_version: str
    draws: int
    seed: int | None

    def to_html(self) -> str:
        """The report as one self-contained HTML page (inline CSS, embedded PNGs)."""
        return _render_html(self, _document(self))

    def write_html(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_html` to ``path`` (UTF-8), atomically. Returns the path."""
        from corridor.io.export import atomic_write

        text = self.to_html()
        with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        return Path(path)

    def write_markdown(self, path: str | os.PathLike[str]) -> Path:
        """Write the report as Markdown, its PNGs in ``<stem>_files/`` beside it.

        Every file is written atomically; the pictures first, so the Markdown never refers
        to a missing file. Returns the path of the Markdown file.
        """
        from corridor.io.export import atomic_write

        target = Path(path)
        folder = target.parent / f"{target.stem}_files"
        if self.figures:
            if not target.parent.is_dir():
                raise FileNotFoundError(2, "the folder does not exist", str(target.parent))
            folder.mkdir(exist_ok=True)
            for figure in self.figures:
                with atomic_write(folder / f"{figure.name}.png", "wb") as handle:
                    handle.write(figure.png)
        text = _render_markdown(self, _document(self), folder.name)
        with atomic_write(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        return target


# ------------------------------------------------------------------------------ numbers


def _days(hours: float) -> str:
    """Hours as days with one decimal, the unit of the report's tables (``6.0``)."""
    return f"{hours / 24:.1f}"


def _usd(value: float) -> str:
    return f"{value:,.0f}"


def _signed(value: float, digits: int = 1) -> str:
    return f"{round(value, digits) + 0.0:+,.{digits}f}"


def _musd(value: float) -> str:
    return f"{round(value / 1e6, 1) + 0.0:,.1f}"


def _money(value: float) -> str:
    """A trade figure in words: ``USD 53.7 m``, ``USD 16.2 bn``."""
    if abs(value) >= 1e9:
        return f"USD {value / 1e9:,.1f} bn"
    return f"USD {_musd(value)} m"


def _period(base: Baseline) -> str:
    if base.period == "fiscal_year":
        return f"FY{base.year - 1}-{base.year % 100:02d}"
    return str(base.year) if base.period == "year" else f"{base.year} ({base.period})"


def _p50(route: Route) -> float:
    return route.reliability.p50_h if route.reliability else route.summary.duration_h


def _p90(route: Route) -> float:
    return route.reliability.p90_h if route.reliability else route.summary.duration_h


_OBJECTIVE_WORDS = {
    "generalized": "generalized cost (money plus the value of time, weighted by risk)",
    "time": "earliest arrival",
    "cost": "money paid",
    "distance": "shortest distance",
    "risk": "least risk exposure",
    "p90": "the lowest P90 door-to-door time",
    "reliable": "the lowest P90 door-to-door time",
}


def _objective_words(objective: str) -> str:
    return _OBJECTIVE_WORDS.get(objective, objective)


def _cargo_words(network: Network, cargo: str) -> str:
    profile = network.cargo.get(cargo)
    if profile is None:
        return cargo
    name = profile.name[:1].lower() + profile.name[1:]
    return name if profile.unit == "tonne" else f"a {name}"


def _case_label(case: Case) -> str:
    return "Today's network" if case.name == "baseline" else f"{case.title} ({case.name})"


# ------------------------------------------------------------------------------ analysis


def report(
    origin: str,
    destination: str,
    scenarios: Sequence[str | Scenario],
    *,
    depart: dt.date | dt.datetime | str | None = None,
    cargo: str = "truck",
    optimize: str = "generalized",
    network: Network | None = None,
    draws: int = 2000,
    seed: int | None = 0,
    title: str | None = None,
    critical: bool = True,
    calendar_year: int | None = None,
    deadline: dt.date | dt.datetime | str | None = None,
) -> Report:
    """Answer "what would these scenarios change for this cargo from A to B?" as a report.

    Parameters
    ----------
    origin, destination, depart, cargo, optimize, network
        As for :func:`corridor.plan_route`.
    scenarios
        Library names, file paths or :class:`~corridor.model.scenario.Scenario` objects;
        each is compared with today's network on its own.
    draws, seed
        Monte Carlo draws and seed for the routes' P10/P50/P90 (the calendars use at most
        :data:`CALENDAR_DRAWS` per departure). ``draws=0`` leaves reliability out.
    title
        The report's heading; by default origin → destination and the scenario titles.
    critical
        Rank the critical crossings and links for the pair's two countries (the pair
        itself and the bundled trade pairs between the same countries).
    calendar_year
        Year of the calendar charts; default the departure's year.
    deadline
        What "on time" means in the reliability section; default today's P90 arrival.

    Returns
    -------
    Report
        Write it with :meth:`Report.write_html` or :meth:`Report.write_markdown`.

    Raises
    ------
    corridor.exceptions.UnknownPlaceError
        An unknown place, or a scenario that is neither a file nor a library name.
    corridor.exceptions.ScenarioError
        A malformed scenario file (every problem listed).
    corridor.exceptions.InvalidOptionError
        A bad date, cargo or objective.

    Examples
    --------
    >>> r = report("Islamabad", "Kashgar", ["khunjerab-year-round"], depart="2024-02-15",
    ...            optimize="time", draws=200, critical=False)
    >>> r.question
    'What would “Khunjerab open to trade all year” change for a truckload (20 t) from Islamabad to Kashgar?'
    >>> [case.route.crossings[-1] for case in r.comparison.cases]
    ['irkeshtam', 'khunjerab']
    >>> [f.name for f in r.figures]
    ['map', 'calendar-baseline', 'calendar-khunjerab-year-round']
    """  # noqa: E501
    from corridor._version import __version__
    from corridor.analysis.compare import compare
    from corridor.exceptions import CorridorError
    from corridor.io.folder import load_network
    from corridor.io.scenarios import load_scenario
    from corridor.model.scenario import apply_scenarios
    from corridor.routing.request import parse_deadline

    base = network if network is not None else load_network()
    loaded = tuple(s if not isinstance(s, str) else load_scenario(s) for s in scenarios)
    if not loaded:
        from corridor.exceptions import InvalidOptionError

        raise InvalidOptionError("a report needs at least one scenario")
    result = compare(origin, destination, loaded, depart=depart, cargo=cargo,
                     optimize=optimize, network=base, draws=draws, seed=seed)
    nets = [base, *(apply_scenarios(base, [s]) for s in loaded)]
    notes: list[str] = []

    limit, basis = parse_deadline(deadline), "given"
    first = result.baseline.route
    if limit is None:
        basis = ""
        if first is not None and first.reliability is not None:
            limit, basis = first.reliability.arrive_p90, "baseline P90"
    on_time = tuple(_on_time(case.route, net, limit, draws, seed)
                    for case, net in zip(result.cases, nets, strict=True))

    year = check_year(calendar_year or result.depart.year, "calendar year")
    calendars = []
    for case, net in list(zip(result.cases, nets, strict=True))[:2]:
        try:
            calendars.append((case.title, _calendar(origin, destination, year, cargo,
                                                    optimize, net, draws, seed)))
        except CorridorError as error:
            notes.append(f"Calendar for {case.title} left out: {error}")

    crit = None
    if critical:
        crit = _critical(result, base, cargo, optimize, notes)

    figures = _figures(result, loaded, calendars, apply_scenarios(base, list(loaded)), notes)
    countries = _country_names(result, base)
    question = (f"What would {' and '.join(f'“{s.title}”' for s in loaded)} change for "
                f"{_cargo_words(base, cargo)} from {origin} to {destination}?")
    heading = title or f"{origin} → {destination}: " + "; ".join(s.title for s in loaded)
    return Report(
        title=heading, question=question,
        summary=_summary(result, base, cargo, countries),
        comparison=result, scenarios=loaded, calendars=tuple(calendars), criticality=crit,
        deadline=limit, deadline_basis=basis, on_time=on_time,
        sources=_sources(result, loaded, nets, crit),
        figures=tuple(figures), notes=tuple(notes), generated=dt.datetime.now(),
        corridor_version=__version__,
        network_version=f"{base.name} {base.version}", draws=draws, seed=seed,
    )


def _on_time(route: Route | None, network: Network, deadline: dt.datetime | None,
             draws: int, seed: int | None) -> float | None:
    if route is None or deadline is None or draws < 1:
        return None
    from corridor.routing.reliability import simulate

    # the same draws and seed as the route's own reliability: the same sample of trips
    return simulate(route, network=network, draws=draws, seed=seed,
                    deadline=deadline).on_time_probability


def _calendar(origin: str, destination: str, year: int, cargo: str, optimize: str,
              network: Network, draws: int, seed: int | None) -> CalendarResult:
    from corridor.analysis.seasons import calendar

    return calendar(origin, destination, year=year, cargo=cargo, optimize=optimize,
                    network=network, draws=min(draws, CALENDAR_DRAWS), seed=seed)


def _critical(result: Comparison, network: Network, cargo: str, optimize: str,
              notes: list[str]) -> CriticalityResult | None:
    """Critical items for the pair and the bundled pairs between the same two countries."""
    route = result.baseline.route
    if route is None:
        notes.append("Critical links left out: no route on today's network.")
        return None
    try:
        from corridor.analysis.criticality import (
            CRITICALITY_OBJECTIVES,
            criticality,
            load_pairs,
        )
    except ImportError as error:
        notes.append(f"Critical links left out: the criticality analysis is not available "
                     f"({error}).")
        return None
    from corridor.exceptions import CorridorError
    from corridor.io.gazetteer import resolve_name

    countries = {route.origin.country, route.destination.country}
    base = result.extras.get("trade_baseline")
    pairs = [(result.origin, result.destination, base["usd"] if base else 1.0)]
    seen = {(route.origin.name, route.destination.name)}
    if len(countries) == 2:
        try:
            bundled = load_pairs()
        except CorridorError:
            bundled = ()
        for pair in bundled:
            try:
                ends = (resolve_name(pair.origin, network), resolve_name(pair.destination,
                                                                         network))
            except CorridorError:
                continue
            names = (ends[0].name, ends[1].name)
            if {e.country for e in ends} == countries and names not in seen:
                seen.add(names)
                pairs.append((pair.origin, pair.destination, pair.weight))
    objective = optimize if optimize in CRITICALITY_OBJECTIVES else "generalized"
    if objective != optimize:
        notes.append(f"Critical links are ranked by generalized cost ({optimize!r} is not "
                     "an objective of the criticality analysis).")
    try:
        return criticality(pairs, depart=result.depart, cargo=cargo, optimize=objective,
                           network=network, top=CRITICAL_TOP)
    except CorridorError as error:
        notes.append(f"Critical links left out: {error}")
        return None


def _figures(result: Comparison, scenarios: tuple[Scenario, ...],
             calendars: list[tuple[str, CalendarResult]], union: Network,
             notes: list[str]) -> list[Figure]:
    """The map of every case's route and the calendar charts, as PNG bytes."""
    try:
        from corridor.plot import BOUNDARY_SOURCE, calendar_plot, require_matplotlib, route_map

        require_matplotlib()
    except ImportError as error:
        notes.append(f"Map and charts left out: {error}")
        return []
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        drawn = [(case, case.route) for case in result.cases if case.route is not None]
        if drawn:
            # scenarios first, so they are drawn on top; the legend says which is which
            routes = [dataclasses.replace(r, corridor=f"{_case_label(c)}: {r.corridor}")
                      for c, r in reversed(drawn)]
            path = route_map(routes, Path(folder, "map.png"), network=union,
                             title=f"{result.origin} → {result.destination}: today and "
                                   "with the scenario" + ("s" if len(scenarios) > 1 else ""))
            figures.append(Figure(
                "map", "Routes today and with the scenarios",
                "Best route on today's network and with each scenario; numbered as in the "
                "legend above the map. " + BOUNDARY_SOURCE, path.read_bytes()))
        names = ["baseline", scenarios[0].name]
        for (label, cal), name in zip(calendars, names, strict=False):
            chart = "today" if name == "baseline" else f"with {name}"
            path = calendar_plot(cal, Path(folder, f"{name}.png"),
                                 title=f"{result.origin} → {result.destination} {chart}")
            figures.append(Figure(
                f"calendar-{name}", f"Departures through {cal.entries[0].depart.year}: "
                f"{label}",
                "Door-to-door days for departures on the 1st and 15th of each month (median "
                "and P50–P90 band, Monte Carlo), coloured by the corridor taken; cost below.",
                path.read_bytes()))
    return figures


def _country_names(result: Comparison, network: Network) -> tuple[str, str] | None:
    route = result.baseline.route
    if route is None:
        return None
    a, b = route.origin.country, route.destination.country

    def name(code: str) -> str:
        country = network.countries.get(code)
        return country.name if country is not None else code

    return name(a), name(b)


def _summary(result: Comparison, network: Network, cargo: str,
             countries: tuple[str, str] | None) -> str:
    base = result.baseline.route
    what = _cargo_words(network, cargo)
    if base is None:
        text = (f"Today no route exists for {what} from {result.origin} to "
                f"{result.destination} ({result.baseline.no_route}).")
    else:
        text = (f"Today the best route for {what} from {base.origin.name} "
                f"({base.origin.country}) to {base.destination.name} "
                f"({base.destination.country}), leaving {result.depart:%a %d %b %Y}, runs "
                f"{base.corridor}: {_days(_p50(base))} days door to door at the median (P50) "
                f"and {_days(_p90(base))} days in nine shipments out of ten (P90), for USD "
                f"{_usd(base.summary.cost_usd)} per shipment.")
    for case in result.cases[1:]:
        r = case.route
        if r is None:
            text += f" With “{case.title}” no route is left: {case.no_route}."
            continue
        way = ("the best route keeps the same corridor" if base is not None
               and r.corridor == base.corridor else f"the best route runs {r.corridor}")
        text += (f" With “{case.title}”, {way}: P50 {_days(_p50(r))} days, P90 "
                 f"{_days(_p90(r))} days, USD {_usd(r.summary.cost_usd)}")
        changes = [c for c in case.changes if not c.startswith("corridor:")]
        text += f" ({', '.join(changes)})." if changes else "."
        t = case.trade
        if t is None or countries is None:
            continue
        text += (f" Estimated effect on {countries[0]}–{countries[1]} trade: "
                 f"{_signed(t.pct_change_central)} % (range {_signed(t.pct_change_low)} % to "
                 f"{_signed(t.pct_change_high)} %)")
        b = t.baseline
        if b is not None and t.delta_trade_usd_central is not None:
            text += (f", about USD {_signed(t.delta_trade_usd_central / 1e6)} m a year "
                     f"({_signed(t.delta_trade_usd_low / 1e6)} to "
                     f"{_signed(t.delta_trade_usd_high / 1e6)} m) on the {_period(b)} figure "
                     f"of {_money(b.value_usd)} reported by {b.reporter}")
            values = sorted(o.value_usd for o in b.others)
            if len(values) == 1:
                text += f"; another reporter gives {_money(values[0])}"
            elif values:
                text += (f"; other reporters give {_money(values[0])} to "
                         f"{_money(values[-1])}")
            if values:
                text += ", and the dollar effect scales with the figure chosen"
        text += "."
    return text


def _sources(result: Comparison, scenarios: tuple[Scenario, ...], nets: list[Network],
             crit: CriticalityResult | None) -> tuple[ReportSource, ...]:
    """Every source cited, numbered: scenarios, routes, trade parameters, trade figures."""
    from corridor.analysis.trade import SOURCES as TRADE_SOURCES

    found: dict[str, tuple[str, str, str]] = {}
    for scenario, net in zip(scenarios, nets[1:], strict=True):
        for sid in scenario.sources:
            s = net.sources.get(sid)
            found.setdefault(sid, (s.title, s.url, s.year) if s else (sid, "", ""))
    for case in result.cases:
        for s in case.route.sources if case.route else ():
            found.setdefault(s["id"], (s.get("title", ""), s.get("url", ""),
                                       s.get("year", "")))
    for case in result.cases:
        if case.trade is None:
            continue
        for sid in case.trade.sources:
            s = TRADE_SOURCES[sid]
            found.setdefault(sid, (s.title, s.url, s.year))
        b = case.trade.baseline
        for row in (b, *b.others) if b is not None else ():
            found.setdefault(row.source_id, (row.title, row.url, ""))
    for pair in crit.pairs if crit is not None else ():
        if pair.source_id and pair.source_id in nets[0].sources:
            s = nets[0].sources[pair.source_id]
            found.setdefault(pair.source_id, (s.title, s.url, s.year))
    return tuple(ReportSource(n, sid, title, url, year)
                 for n, (sid, (title, url, year)) in enumerate(found.items(), start=1))


# ------------------------------------------------------------------------------ document
#
# The page is built once as a list of sections of simple blocks; HTML and Markdown render
# the same blocks, so both say the same thing.


@dataclass(frozen=True)
class _Link:
    text: str
    href: str


_Text = str | _Link | tuple["str | _Link", ...]


@dataclass(frozen=True)
class _Para:
    text: _Text
    style: str = ""  # "lead", "note"


@dataclass(frozen=True)
class _Sub:
    text: str


@dataclass(frozen=True)
class _List:
    items: tuple[_Text, ...]
    ordered: bool = False
    anchor: str = ""  # "src": items get ids src-1, src-2…


@dataclass(frozen=True)
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[_Text, ...], ...]
    numeric: frozenset[int] = frozenset()
    caption: str = ""


@dataclass(frozen=True)
class _Image:
    figure: Figure


@dataclass(frozen=True)
class _Section:
    key: str
    title: str
    blocks: tuple[Any, ...]


def _refs(report: Report, ids: Sequence[str]) -> tuple[str | _Link, ...]:
    """Source ids as "[n]" links to the list of sources."""
    numbers = {s.source_id: s.number for s in report.sources}
    parts: list[str | _Link] = []
    for sid in ids:
        if sid in numbers:
            parts += [" " if parts else "", _Link(f"[{numbers[sid]}]", f"#src-{numbers[sid]}")]
    return tuple(parts)


def _document(report: Report) -> list[_Section]:
    c = report.comparison
    return [
        _Section("summary", "Summary", (_Para(report.summary),)),
        _Section("assumptions", "Assumptions", tuple(_assumption_blocks(report))),
        _Section("map", "Map", tuple(_Image(f) for f in report.figures if f.name == "map")
                 or (_Para("No map (see the notes below).", "note"),)),
        _Section("comparison", "Comparison", tuple(_comparison_blocks(c))),
        _Section("trade", "Trade impact", tuple(_trade_blocks(report))),
        _Section("calendar", "Through the year", tuple(_calendar_blocks(report))),
        _Section("reliability", "Reliability", tuple(_reliability_blocks(report))),
        _Section("critical", "Critical links", tuple(_critical_blocks(report))),
        _Section("sources", "Sources", (_List(tuple(
            _source_item(s) for s in report.sources), ordered=True, anchor="src"),)),
    ] + ([_Section("notes", "Notes", (_List(report.notes),))] if report.notes else [])


def _source_item(source: ReportSource) -> _Text:
    title = source.title or source.source_id
    head = f"{title} ({source.year})" if source.year else title
    if source.url:
        return (f"{head}. ", _Link(source.url, source.url), f" (id {source.source_id})")
    return f"{head} (id {source.source_id})"


def _assumption_blocks(report: Report) -> list[Any]:
    blocks: list[Any] = []
    for s in report.scenarios:
        blocks.append(_Sub(f"{s.title} ({s.name})"))
        if s.description:
            blocks.append(_Para(" ".join(s.description.split())))
        if s.assumptions:
            blocks.append(_List(tuple(s.assumptions)))
        if s.sources:
            blocks.append(_Para(("Based on: ", *_refs(report, s.sources), "."), "note"))
    c = report.comparison
    blocks.append(_Sub("Method"))
    draws = (f"{report.draws:,} Monte Carlo draws (seed {report.seed}) of border dwell times "
             "and disruptions give P10/P50/P90" if report.draws else "No Monte Carlo draws")
    blocks.append(_List((
        f"Departure {c.depart:%a %d %b %Y %H:%M}; cargo {c.cargo}; routes optimised for "
        f"{_objective_words(c.objective)}. Each scenario is compared with today's network "
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
            rows.append((_case_label(case), f"no route: {case.no_route}", *["–"] * 6,
                         "; ".join(case.changes) or "–"))
            continue
        s = r.summary
        rows.append((_case_label(case), r.corridor, _days(s.duration_h), _days(_p50(r)),
                     _days(_p90(r)), _usd(s.cost_usd), f"{s.risk:.2f}",
                     f"{s.co2e_kg / 1000:.1f}",
                     "baseline" if case.name == "baseline" else "; ".join(case.changes)))
    blocks: list[Any] = [_Table(
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
        blocks += [_Sub("Warnings on these routes"), _List(tuple(warnings))]
    return blocks


def _trade_blocks(report: Report) -> list[Any]:
    from corridor.analysis.trade import PARAMETER_SETS, RANGE_CASES

    cases = [case for case in report.comparison.cases[1:] if case.trade is not None]
    if not cases:
        return [_Para("No trade impact: origin and destination are in the same country, no "
                      "route exists, or the cargo has no value per shipment.", "note")]
    blocks: list[Any] = [_Para(
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
        row = [_case_label(case), _signed(t.delta_days, 2), _signed(t.delta_cost_usd, 0),
               f"{t.f0:.3f} ({t.f0_basis})", _signed(t.pct_change_central),
               _signed(t.pct_change_low), _signed(t.pct_change_high)]
        if usd:
            row += [_signed(x / 1e6) if x is not None else "–"
                    for x in (t.delta_trade_usd_central, t.delta_trade_usd_low,
                              t.delta_trade_usd_high)]
        rows.append(tuple(row))
    header = ["scenario", "Δ median time (days)", "Δ cost per shipment (USD)",
              "f0 (share of value)", "central (%)", "low (%)", "high (%)"]
    if usd:
        header += ["central (USD m/year)", "low (USD m/year)", "high (USD m/year)"]
    blocks.append(_Table(tuple(header), tuple(rows), frozenset(range(1, len(header))),
                         "Estimated change in the two countries' trade."))
    blocks.append(_Sub("Parameters"))
    blocks.append(_Table(
        ("case", "β per day", "θ", "time cost (% of value per day)", "sources", "basis"),
        tuple((p.case, f"{p.beta_day:.3f}", f"{p.theta:g}", f"{p.time_cost_pct_per_day:.2f}",
               _refs(report, p.sources), p.basis)
              for p in (PARAMETER_SETS[k] for k in RANGE_CASES)),
        frozenset({1, 2, 3})))
    base = cases[0].trade.baseline
    if base is None:
        return blocks
    blocks.append(_Sub("Baseline trade figures"))
    blocks.append(_Para(
        f"Dollar figures use {base.describe()}. Figures for the same pair differ 2–4× by "
        "reporting side; the table gives every reporter's latest annual total and what the "
        "central estimate would be in dollars with it.", "note"))
    rows = []
    for row in (base, *base.others):
        rows.append((
            "used" if row is base else "", row.reporter, _period(row), _musd(row.value_usd),
            *(_signed(row.value_usd * case.trade.pct_change_central / 100 / 1e6)
              for case in cases),
            _refs(report, [row.source_id])))
    header = ["", "reporter", "period", "two-way trade (USD m)",
              *(f"central effect, {case.name} (USD m/year)" for case in cases), "source"]
    blocks.append(_Table(tuple(header), tuple(rows), frozenset(range(3, 3 + 1 + len(cases)))))
    return blocks


def _calendar_blocks(report: Report) -> list[Any]:
    blocks: list[Any] = []
    images = [f for f in report.figures if f.name.startswith("calendar-")]
    blocks += [_Image(f) for f in images]
    for label, cal in report.calendars:
        corridors = {}
        for e in cal.entries:
            corridors.setdefault(e.corridor, []).append(e.depart)
        worst = max(cal.entries, key=lambda e: e.p90_h)
        best = min(cal.entries, key=lambda e: e.p50_h)
        slowest = max(cal.entries, key=lambda e: e.p50_h)
        if _days(best.p50_h) == _days(slowest.p50_h):
            median = f"the median is {_days(best.p50_h)} days for every departure"
        else:
            median = (f"the median runs from {_days(best.p50_h)} days (leaving "
                      f"{best.depart:%d %b}) to {_days(slowest.p50_h)} days (leaving "
                      f"{slowest.depart:%d %b})")
        used = (f"always {next(iter(corridors))}" if len(corridors) == 1 else
                "; ".join(f"{name} for {len(dates)} departure(s)"
                          for name, dates in corridors.items()))
        blocks.append(_Para(
            f"{label[:1].upper()}{label[1:]}: over {len(cal.entries)} departures {median}; "
            f"the worst P90 is {_days(worst.p90_h)} days (leaving {worst.depart:%d %b}); "
            f"corridor: {used}."))
    if not blocks:
        blocks.append(_Para("No calendar (see the notes below).", "note"))
    return blocks


def _reliability_blocks(report: Report) -> list[Any]:
    c = report.comparison
    if report.draws < 1:
        return [_Para("No Monte Carlo draws were made (draws = 0).", "note")]
    when = (f"on time by {report.deadline:%d %b %H:%M} (%)" if report.deadline
            else "on time (%)")
    rows = []
    for case, on_time in zip(c.cases, report.on_time, strict=True):
        r = case.route
        if r is None or r.reliability is None:
            rows.append((_case_label(case), "–", "–", "–", "–", "–", "–", "no route"))
            continue
        rel = r.reliability
        spread = [s for s in rel.spread if s.variance_share >= 0.01][:3]
        legs = "; ".join(f"{s.name} ({s.variance_share:.0%}, P50 {s.p50_h:.0f} h, P90 "
                         f"{s.p90_h:.0f} h)" for s in spread) or "–"
        rows.append((_case_label(case), _days(rel.p10_h), _days(rel.p50_h), _days(rel.p90_h),
                     f"{rel.arrive_p90:%d %b %H:%M}",
                     "–" if on_time is None else f"{100 * on_time:.0f}",
                     f"{100 * rel.closure_probability:.1f}", legs))
    text = f"{report.draws:,} draws, seed {report.seed}. "
    if report.deadline_basis == "given":
        text += "On time means arriving by the deadline given."
    elif report.deadline is not None:
        text += ("On time means arriving by today's P90 arrival, which 90 % of today's "
                 "shipments meet.")
    return [_Para(text, "note"), _Table(
        ("case", "P10 (days)", "P50 (days)", "P90 (days)", "P90 arrival", when,
         "closure hits (% of draws)", "legs driving the spread (share of variance)"),
        tuple(rows), frozenset({1, 2, 3, 5, 6}))]


def _critical_blocks(report: Report) -> list[Any]:
    crit = report.criticality
    if crit is None:
        return [_Para("Critical links were not ranked" + (
            " (see the notes below)." if report.notes else "."), "note")]
    pairs = "; ".join(f"{p.origin} → {p.destination}" for p in crit.pairs)
    blocks: list[Any] = [_Para(
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
                               f"({_signed(d.delta_hours / 24)} days, "
                               f"{_signed(d.delta_usd, 0)} USD)")
        rows.append((str(item.rank), item.name, item.kind, "–".join(item.countries),
                     str(item.disconnected), f"{item.extra_hours:,.1f}",
                     _usd(item.extra_usd), "; ".join(detours)))
    blocks.append(_Table(
        ("rank", "crossing or link", "kind", "countries", "pairs cut off",
         "extra time (h, weighted)", "extra cost (USD, weighted)", "detours"),
        tuple(rows), frozenset({0, 4, 5, 6})))
    return blocks


# ------------------------------------------------------------------------------ HTML

_CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #fbfaf7; color: #1d1d1f;
  font: 16px/1.55 "Segoe UI", "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main, footer { max-width: 66rem; margin: 0 auto; padding: 0 1.5rem; }
header { padding: 2rem 0 0.5rem; border-bottom: 3px solid #0072b2; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 0.6rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 0.6rem; padding-bottom: 0.2rem;
  border-bottom: 1px solid #d8d4cc; }
h3 { font-size: 1.08rem; margin: 1.4rem 0 0.4rem; }
p.lead { font-size: 1.2rem; font-weight: 600; color: #0b3d5c; margin: 0.4rem 0 0.8rem; }
p.note, figcaption, .meta { color: #55524c; font-size: 0.92rem; }
a { color: #005a8c; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 0.8rem 0 1.2rem; font-size: 0.9rem;
  background: #fff; }
caption { text-align: left; color: #55524c; padding: 0 0 0.4rem; font-size: 0.9rem; }
th, td { border: 1px solid #dcd8d0; padding: 0.35rem 0.5rem; vertical-align: top;
  text-align: left; }
th { background: #eef3f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
figure { margin: 1rem 0 1.6rem; }
figure img { width: 100%; height: auto; border: 1px solid #dcd8d0; background: #fff; }
ol.sources li { margin-bottom: 0.3rem; }
footer { margin-top: 3rem; padding-top: 0.8rem; padding-bottom: 2rem;
  border-top: 1px solid #d8d4cc; color: #55524c; font-size: 0.88rem; }
@media print { body { background: #fff; } h2 { break-after: avoid; }
  figure, table { break-inside: avoid; } }
"""


def _safe_href(href: str) -> bool:
    return href.startswith(("#", "https://", "http://"))


def _inline_html(text: _Text) -> str:
    parts = text if isinstance(text, tuple) else (text,)
    out = []
    for part in parts:
        if isinstance(part, _Link):
            if _safe_href(part.href):
                out.append(f'<a href="{html.escape(part.href, quote=True)}">'
                           f"{html.escape(part.text)}</a>")
            else:
                out.append(html.escape(part.text))
        else:
            out.append(html.escape(part))
    return "".join(out)


def _block_html(block: Any) -> str:
    if isinstance(block, _Para):
        style = f' class="{block.style}"' if block.style else ""
        return f"<p{style}>{_inline_html(block.text)}</p>"
    if isinstance(block, _Sub):
        return f"<h3>{html.escape(block.text)}</h3>"
    if isinstance(block, _List):
        tag = "ol" if block.ordered else "ul"
        style = ' class="sources"' if block.anchor == "src" else ""
        items = "".join(
            (f'<li id="{block.anchor}-{n}">' if block.anchor else "<li>")
            + _inline_html(item) + "</li>\n" for n, item in enumerate(block.items, start=1))
        return f"<{tag}{style}>\n{items}</{tag}>"
    if isinstance(block, _Table):
        def cls(i: int) -> str:
            return ' class="num"' if i in block.numeric else ""

        caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
        head = "".join(f'<th scope="col"{cls(i)}>{html.escape(h)}</th>'
                       for i, h in enumerate(block.header))
        body = "".join("<tr>" + "".join(f"<td{cls(i)}>{_inline_html(cell)}</td>"
                                        for i, cell in enumerate(row)) + "</tr>\n"
                       for row in block.rows)
        return (f"<table>{caption}\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>"
                "\n</table>")
    if isinstance(block, _Image):
        f = block.figure
        data = base64.b64encode(f.png).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(f.title)}">'
                f"<figcaption><strong>{html.escape(f.title)}.</strong> "
                f"{html.escape(f.caption)}</figcaption></figure>")
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover


def _meta_line(report: Report) -> str:
    c = report.comparison
    objective = _objective_words(c.objective).split(" (")[0]
    return (f"Departure {c.depart:%a %d %b %Y %H:%M} · cargo {c.cargo} · optimised for "
            f"{objective} · generated {report.generated:%d %b %Y}")


def _footer(report: Report) -> str:
    return (f"Generated {report.generated:%Y-%m-%d %H:%M} by corridor "
            f"{report.corridor_version} · network {report.network_version} · "
            f"{report.draws:,} Monte Carlo draws, seed {report.seed}")


def _render_html(report: Report, sections: list[_Section]) -> str:
    body = []
    for section in sections:
        blocks = "\n".join(_block_html(b) for b in section.blocks)
        body.append(f'<section id="{section.key}">\n<h2>{html.escape(section.title)}</h2>\n'
                    f"{blocks}\n</section>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="corridor {html.escape(report.corridor_version)}">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n<main>\n<header>\n"
        f"<h1>{html.escape(report.title)}</h1>\n"
        f'<p class="lead">{html.escape(report.question)}</p>\n'
        f'<p class="meta">{html.escape(_meta_line(report))}</p>\n</header>\n'
        + "\n".join(body)
        + f"\n</main>\n<footer>\n<p>{html.escape(_footer(report))}</p>\n</footer>\n"
        "</body>\n</html>\n"
    )


# ------------------------------------------------------------------------------ Markdown

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#])")


def _md_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def _inline_md(text: _Text) -> str:
    parts = text if isinstance(text, tuple) else (text,)
    out = []
    for part in parts:
        if isinstance(part, _Link):
            if part.href.startswith("#"):
                out.append(_md_escape(part.text))  # Markdown has no portable anchors
            elif _safe_href(part.href):
                out.append(f"<{part.href}>" if part.text == part.href
                           else f"[{_md_escape(part.text)}]({part.href})")
            else:
                out.append(_md_escape(part.text))
        else:
            out.append(_md_escape(part))
    return "".join(out)


def _block_md(block: Any, folder: str) -> str:
    if isinstance(block, _Para):
        text = _inline_md(block.text)
        return f"*{text}*" if block.style == "note" and text else text
    if isinstance(block, _Sub):
        return f"### {_md_escape(block.text)}"
    if isinstance(block, _List):
        return "\n".join((f"{n}. " if block.ordered else "- ") + _inline_md(item)
                         for n, item in enumerate(block.items, start=1))
    if isinstance(block, _Table):
        head = "| " + " | ".join(_md_escape(h) or " " for h in block.header) + " |"
        rule = "|" + "|".join("---:" if i in block.numeric else "---"
                              for i in range(len(block.header))) + "|"
        rows = ["| " + " | ".join(_inline_md(c) or " " for c in row) + " |"
                for row in block.rows]
        caption = [f"*{_md_escape(block.caption)}*", ""] if block.caption else []
        return "\n".join([*caption, head, rule, *rows])
    if isinstance(block, _Image):
        f = block.figure
        return (f"![{_md_escape(f.title)}]({quote(folder)}/{quote(f.name)}.png)\n\n"
                f"*{_md_escape(f.title)}.* {_md_escape(f.caption)}")
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover


def _render_markdown(report: Report, sections: list[_Section], folder: str) -> str:
    out = [f"# {_md_escape(report.title)}", "", f"**{_md_escape(report.question)}**", "",
           f"*{_md_escape(_meta_line(report))}*", ""]
    for section in sections:
        out += [f"## {_md_escape(section.title)}", ""]
        for block in section.blocks:
            out += [_block_md(block, folder), ""]
    out += ["---", "", _md_escape(_footer(report)), ""]
    return "\n".join(out)
