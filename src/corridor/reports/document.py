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

import dataclasses
import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.limits import check_year
from corridor.reports.html import render_html
from corridor.reports.markdown import render_markdown
from corridor.reports.structure import sections
from corridor.reports.words import (
    cargo_words,
    case_label,
    days,
    money,
    p50,
    p90,
    period,
    signed,
    usd,
)

if TYPE_CHECKING:
    from corridor.analysis.compare import Comparison
    from corridor.analysis.criticality import CriticalityResult
    from corridor.analysis.seasons import CalendarResult
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
        return render_html(self, sections(self))

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
        text = render_markdown(self, sections(self), folder.name)
        with atomic_write(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        return target


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
    from corridor.model.patch import apply_scenarios
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
                f"{cargo_words(base, cargo)} from {origin} to {destination}?")
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
        from corridor.plot import BOUNDARY_SOURCE, require_matplotlib, route_map
        from corridor.plot_calendar import calendar_plot

        require_matplotlib()
    except ImportError as error:
        notes.append(f"Map and charts left out: {error}")
        return []
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        drawn = [(case, case.route) for case in result.cases if case.route is not None]
        if drawn:
            # scenarios first, so they are drawn on top; the legend says which is which
            routes = [dataclasses.replace(r, corridor=f"{case_label(c)}: {r.corridor}")
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
    what = cargo_words(network, cargo)
    if base is None:
        text = (f"Today no route exists for {what} from {result.origin} to "
                f"{result.destination} ({result.baseline.no_route}).")
    else:
        text = (f"Today the best route for {what} from {base.origin.name} "
                f"({base.origin.country}) to {base.destination.name} "
                f"({base.destination.country}), leaving {result.depart:%a %d %b %Y}, runs "
                f"{base.corridor}: {days(p50(base))} days door to door at the median (P50) "
                f"and {days(p90(base))} days in nine shipments out of ten (P90), for USD "
                f"{usd(base.summary.cost_usd)} per shipment.")
    for case in result.cases[1:]:
        r = case.route
        if r is None:
            text += f" With “{case.title}” no route is left: {case.no_route}."
            continue
        way = ("the best route keeps the same corridor" if base is not None
               and r.corridor == base.corridor else f"the best route runs {r.corridor}")
        text += (f" With “{case.title}”, {way}: P50 {days(p50(r))} days, P90 "
                 f"{days(p90(r))} days, USD {usd(r.summary.cost_usd)}")
        changes = [c for c in case.changes if not c.startswith("corridor:")]
        text += f" ({', '.join(changes)})." if changes else "."
        t = case.trade
        if t is None or countries is None:
            continue
        text += (f" Estimated effect on {countries[0]}–{countries[1]} trade: "
                 f"{signed(t.pct_change_central)} % (range {signed(t.pct_change_low)} % to "
                 f"{signed(t.pct_change_high)} %)")
        b = t.baseline
        if b is not None and t.delta_trade_usd_central is not None:
            text += (f", about USD {signed(t.delta_trade_usd_central / 1e6)} m a year "
                     f"({signed(t.delta_trade_usd_low / 1e6)} to "
                     f"{signed(t.delta_trade_usd_high / 1e6)} m) on the {period(b)} figure "
                     f"of {money(b.value_usd)} reported by {b.reporter}")
            values = sorted(o.value_usd for o in b.others)
            if len(values) == 1:
                text += f"; another reporter gives {money(values[0])}"
            elif values:
                text += (f"; other reporters give {money(values[0])} to "
                         f"{money(values[-1])}")
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
