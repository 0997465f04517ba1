"""The year's calendar as a chart: P50/P90 days and cost for each departure (a PNG)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:

    from corridor.analysis.seasons import CalendarResult

from corridor.plot import DPI, ROUTE_COLORS, WIDTH_PX, new_figure, require_matplotlib, save_png

__all__ = ["calendar_plot"]


def calendar_plot(
    result: CalendarResult,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
) -> Path:
    """Chart a :class:`~corridor.analysis.seasons.CalendarResult` and write it as a PNG.

    Departure date on the x axis (month ticks). Top: door-to-door days, the median (P50)
    as a line with the P50–P90 band shaded, each departure a point coloured by the
    corridor it takes. Bottom: cost in USD per departure, same colours. 1,600 px wide.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ImportError
        Without matplotlib (the ``maps`` extra).
    ValueError
        When the result has no departures.
    """
    entries = sorted(result.entries, key=lambda e: e.depart)
    if not entries:
        raise ValueError("the calendar has no departures to plot")
    require_matplotlib()
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    corridors = list(dict.fromkeys(e.corridor or "—" for e in entries))
    colors = {c: ROUTE_COLORS[i % len(ROUTE_COLORS)] for i, c in enumerate(corridors)}
    header_in = 1.1 + 0.27 * max(len(corridors), 3) + 0.2
    height_in = 7.2 + header_in
    fig = new_figure(WIDTH_PX / DPI, height_in)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 2)})
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - header_in / height_in,
                        bottom=0.8 / height_in, hspace=0.08)
    dates = [e.depart for e in entries]
    p50 = np.array([e.p50_h / 24 for e in entries])
    p90 = np.array([e.p90_h / 24 for e in entries])
    cost = np.array([e.cost_usd for e in entries])
    point_colors = [colors[e.corridor or "—"] for e in entries]

    top.fill_between(dates, p50, p90, color="#9DB8D2", alpha=0.45, linewidth=0)
    top.plot(dates, p90, color="#6F8FAF", linewidth=1, linestyle=(0, (4, 2)))
    top.plot(dates, p50, color="#333333", linewidth=1.8, zorder=3)
    top.scatter(dates, p50, c=point_colors, s=60, zorder=4, edgecolors="white",
                linewidths=1.2)
    top.set_ylabel("door-to-door time (days)", fontsize=12)
    top.set_ylim(0, max(p90.max(), p50.max(), 1 / 24) * 1.12)
    top.grid(True, color="#DDDDDD", linewidth=0.8)

    bottom.plot(dates, cost, color="#777777", linewidth=1.2, zorder=2)
    bottom.scatter(dates, cost, c=point_colors, s=50, zorder=3, edgecolors="white",
                   linewidths=1.2)
    unit = {"bulk": "tonne", "teu": "TEU", "feu": "FEU"}.get(result.cargo, result.cargo)
    bottom.set_ylabel(f"cost (USD per {unit})", fontsize=12)
    bottom.set_ylim(0, cost.max() * 1.15 if cost.max() > 0 else 1)
    bottom.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    bottom.grid(True, color="#DDDDDD", linewidth=0.8)
    bottom.set_xlabel("departure date", fontsize=12)

    span = (dates[-1] - dates[0]).days
    bottom.xaxis.set_major_locator(mdates.MonthLocator(interval=1 if span <= 550 else 3))
    if span > 60:
        def month(value: float, position: int | None) -> str:
            when = mdates.num2date(value)
            return f"{when:%b}\n{when:%Y}" if when.month == 1 or position == 0 else f"{when:%b}"

        bottom.xaxis.set_major_formatter(FuncFormatter(month))
    else:
        bottom.xaxis.set_major_locator(mdates.AutoDateLocator())
        bottom.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    pad = dt.timedelta(days=max(3, span // 60))
    bottom.set_xlim(dates[0] - pad, dates[-1] + pad)
    for ax in (top, bottom):
        ax.tick_params(labelsize=11)

    head = title or f"{result.origin} → {result.destination}"
    fig.text(0.07, 1 - 0.25 / height_in, head, fontsize=20, fontweight="bold", va="top")
    fig.text(0.07, 1 - 0.68 / height_in,
             f"cargo: {result.cargo} · optimised for {result.objective} · "
             f"{len(entries)} departures, {dates[0]:%d %b %Y} – {dates[-1]:%d %b %Y}",
             fontsize=12, va="top", color="#333333")
    legend_y = 1 - 1.05 / height_in
    corridor_handles = [Line2D([], [], marker="o", linestyle="none", markersize=9,
                               markerfacecolor=colors[c], markeredgecolor="white",
                               label=c) for c in corridors]
    fig.legend(handles=corridor_handles, title="corridor taken (point colour)",
               loc="upper left", bbox_to_anchor=(0.07, legend_y), frameon=False, fontsize=11,
               title_fontsize=11, alignment="left", borderaxespad=0, borderpad=0)
    band_handles = [
        Line2D([], [], color="#333333", linewidth=1.8, label="P50, median (days)"),
        Patch(facecolor="#9DB8D2", alpha=0.45, label="P50–P90 band (Monte Carlo)"),
        Line2D([], [], color="#6F8FAF", linewidth=1, linestyle=(0, (4, 2)), label="P90"),
    ]
    fig.legend(handles=band_handles, loc="upper right", bbox_to_anchor=(0.98, legend_y),
               frameon=False, fontsize=11, borderaxespad=0, borderpad=0)
    return save_png(fig, path)
