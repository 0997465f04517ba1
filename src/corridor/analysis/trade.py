"""Trade impact of a change in route time and cost, and the bilateral trade baselines.

A scenario that makes a pair's best route faster or cheaper lowers the bilateral trade-cost
factor τ. Structural gravity, holding multilateral resistance fixed (partial equilibrium),
turns that into a change in trade (policy-facts §7.1)::

    Δln τ = β_day/θ · Δdays + ln(1 + Δc / (V · (1 + f0)))
    %ΔX   = exp(−θ · Δln τ) − 1

* ``β_day``, the trade semi-elasticity per day, converts time into an ad-valorem equivalent
  ``d = β_day/θ`` per day (Hummels & Schaur 2013: 0.6–2.1 % of value per day for the
  time-sensitive goods; Djankov, Freund & Pham 2010: about 1 % of trade per day overall);
* ``θ`` is the trade-cost elasticity of the gravity literature (Head & Mayer 2014: ≈ 5);
* ``Δc / V`` is the change in money cost per shipment as a share of its value, and ``f0`` the
  baseline transport cost as a share of value, so the money change is relative to the
  transport-inclusive cost ``V · (1 + f0)``.

:func:`trade_impact` evaluates this for a chosen parameter set and always also for the
``low``, ``central`` and ``high`` sets, so every answer comes with a range.
:data:`PARAMETER_SETS` holds the sets with the sources of each value, and :data:`SOURCES` the
sources themselves.

Baseline trade figures (to turn a percentage into dollars) come from a cited table,
``data/trade_baselines.csv``, which users can replace with any CSV of the same columns.
Figures for the same pair differ 2–4× by reporting side (Kazakh statistics give USD 52.5 m
for Pakistan–Kazakhstan in 2023, Pakistani data about USD 197 m), so :func:`trade_baseline`
returns the figure it picked together with its reporter, source and the other reporters'
figures.

Route diversion (switching between the Afghan, Karakoram and Iranian corridors) belongs in
routing: pass the change of the *best available* route, so pure diversion does not create
trade. Do not add a separate distance term: kilometres are already costed in Δdays and Δc.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

from corridor.exceptions import InvalidOptionError, NetworkValidationError, Problem
from corridor.model.network import Source

__all__ = [
    "ANNUAL_PERIODS",
    "BASELINE_COLUMNS",
    "CASES",
    "DEFAULT_F0",
    "FLOWS",
    "PARAMETER_SETS",
    "PERIODS",
    "RANGE_CASES",
    "SOURCES",
    "Baseline",
    "ParameterSet",
    "TradeImpact",
    "bundled_trade_baselines_path",
    "load_trade_baselines",
    "trade_baseline",
    "trade_impact",
]

# --------------------------------------------------------------------------------------------
# Parameters and their sources (policy-facts §1a and §7.2)
# --------------------------------------------------------------------------------------------

SOURCES: Mapping[str, Source] = MappingProxyType({
    source.source_id: source
    for source in (
        Source(
            "djankov_freund_pham_2010",
            'Djankov, Freund & Pham, "Trading on Time", Review of Economics and Statistics '
            "92(1)",
            "https://openknowledge.worldbank.org/entities/publication/"
            "6be676c8-a4c7-5fc4-aa78-25403d30bf5c",
            "2010", "H",
            "Each extra day of pre-shipment delay cuts trade by more than 1 % (98 countries). "
            "Working paper WPS 3909 (2006): one day cuts exports of time-sensitive farm goods, "
            "relative to time-insensitive ones, by 6 %.",
        ),
        Source(
            "hummels_schaur_2013",
            'Hummels & Schaur, "Time as a Trade Barrier", American Economic Review '
            "103(7):2935-59",
            "https://www.aeaweb.org/articles.php?doi=10.1257/aer.103.7.2935",
            "2013", "H",
            "Each day in transit is worth an ad-valorem tariff of 0.6-2.1 %; parts and "
            "components are the most time-sensitive goods.",
        ),
        Source(
            "head_mayer_2014",
            'Head & Mayer, "Gravity Equations: Workhorse, Toolkit, and Cookbook", Handbook of '
            "International Economics vol. 4, ch. 3",
            "https://www.cepii.fr/CEPII/fr/publications/wp/abstract.asp?NoDoc=6126",
            "2014", "H",
            "Meta-analysis of 744 gravity estimates from 32 papers; preferred trade-cost "
            "elasticity about 5. The mean of 6.74 is recalled, not re-read (policy-facts §8).",
        ),
        Source(
            "limao_venables_2001",
            'Limão & Venables, "Infrastructure, geographical disadvantage, transport costs and '
            'trade"',
            "https://docplayer.net/amp/8467744-Infrastructure-geographical-disadvantage-"
            "transport-costs-and-trade.html",
            "2001", "H",
            "Trade elasticity with respect to the trade-cost factor about -3.",
        ),
        Source(
            "bajzik_et_al_2020",
            "Bajzik, Havranek, Irsova & Schwarz, meta-analysis of the Armington elasticity "
            "(3,524 estimates), Journal of International Economics",
            "https://meta-analysis.cz/armington",
            "2020", "H",
            "Corrected for publication bias, sigma 2.5-5.1 with a median of 3.8 "
            "(theta = sigma - 1, about 2.8).",
        ),
        Source(
            "freund_rocha_2011",
            'Freund & Rocha, "What Constrains Africa\'s Exports?", World Bank Economic Review '
            "25(3)",
            "http://oxfordindex.oup.com/view/10.1093/wber/lhr016",
            "2011", "H",
            "One day less of inland transit raises exports by 7 %.",
        ),
        Source(
            "corridor_judgment",
            "Parameter judgment recorded in corridor's policy facts, section 7.2 (not a "
            "published estimate)",
            "", "", "L",
            "Low-case time semi-elasticity for bulk and contracted flows (grain, metals, LPG); "
            "the point chosen for time-sensitive goods inside the Hummels-Schaur range.",
        ),
    )
})
"""Sources of the trade-impact parameters, by id: :class:`corridor.model.network.Source`."""


@dataclass(frozen=True)
class ParameterSet:
    """One set of trade-impact parameters with the sources of each value.

    Attributes
    ----------
    case : str
        Name of the set (a key of :data:`PARAMETER_SETS`).
    beta_day : float
        Trade semi-elasticity per day of door-to-door time (0.010 = 1 % of trade per day).
    theta : float
        Trade-cost elasticity (θ = σ − 1 in CES gravity).
    beta_sources, theta_sources : tuple of str
        Ids in :data:`SOURCES` behind each value.
    basis : str
        One sentence on why these values.
    """

    case: str
    beta_day: float
    theta: float
    beta_sources: tuple[str, ...]
    theta_sources: tuple[str, ...]
    basis: str

    @property
    def time_cost_pct_per_day(self) -> float:
        """The ad-valorem equivalent of one day, ``100 · β_day/θ`` (% of value per day).

        >>> round(PARAMETER_SETS["central"].time_cost_pct_per_day, 3)
        0.2
        """
        return 100.0 * self.beta_day / self.theta

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source id behind the set, without repeats, in order."""
        return tuple(dict.fromkeys(self.beta_sources + self.theta_sources))

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "beta_day": self.beta_day,
            "theta": self.theta,
            "time_cost_pct_per_day": round(self.time_cost_pct_per_day, 4),
            "beta_sources": list(self.beta_sources),
            "theta_sources": list(self.theta_sources),
            "basis": self.basis,
        }


PARAMETER_SETS: Mapping[str, ParameterSet] = MappingProxyType({
    "central": ParameterSet(
        "central", 0.010, 5.0,
        ("djankov_freund_pham_2010",), ("head_mayer_2014",),
        "About 1 % of trade per day (Djankov-Freund-Pham, economy-wide); Head-Mayer "
        "preferred trade-cost elasticity of 5. Implies 0.2 % of value per day.",
    ),
    "low": ParameterSet(
        "low", 0.005, 3.0,
        ("corridor_judgment",), ("limao_venables_2001", "bajzik_et_al_2020"),
        "Bulk and contracted flows (grain, metals, LPG) are less time-sensitive (judgment); "
        "theta 3 as in Limao-Venables and the bias-corrected Armington median 3.8 (theta 2.8).",
    ),
    "high": ParameterSet(
        "high", 0.030, 7.0,
        ("hummels_schaur_2013",), ("head_mayer_2014",),
        "5 x 0.6 %: the Hummels-Schaur lower bound per day times theta 5; theta 7 close to the "
        "Head-Mayer mean (recalled).",
    ),
    "time_sensitive": ParameterSet(
        "time_sensitive", 0.060, 5.0,
        ("hummels_schaur_2013", "freund_rocha_2011", "djankov_freund_pham_2010",
         "corridor_judgment"),
        ("head_mayer_2014",),
        "Perishables, parts, pharmaceuticals: Hummels-Schaur 0.6-2.1 % of value per day times "
        "theta 5 gives beta 0.03-0.105; 0.06 (1.2 %/day) sits near the range's geometric "
        "mean (1.1 %/day) and below Freund-Rocha's 7 % per inland day.",
    ),
})
"""Parameter sets of policy-facts §7.2, by case name."""

CASES: tuple[str, ...] = tuple(PARAMETER_SETS)
"""Valid values of ``case``."""

RANGE_CASES: tuple[str, ...] = ("low", "central", "high")
"""The cases every :class:`TradeImpact` reports as its range."""

DEFAULT_F0 = 0.25
"""Baseline transport cost as a share of value when neither f0 nor a route cost is given."""


# --------------------------------------------------------------------------------------------
# Trade impact
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TradeImpact:
    """The estimated change in bilateral trade from a change in route time and cost.

    Percentages are in percent (``1.0`` is +1 %). ``pct_change_low`` and
    ``pct_change_high`` are the low and high *parameter cases*, not numeric bounds: for a
    worsening the high case gives the largest fall.

    Attributes
    ----------
    delta_days, delta_cost_usd, shipment_value_usd : float
        The inputs: change in door-to-door days and in money cost per shipment (negative is
        faster or cheaper), and the shipment's value.
    f0 : float
        Baseline transport cost as a share of value.
    f0_basis : str
        Where ``f0`` came from: ``"given"``, ``"route"`` (``transport_cost_usd`` divided by
        the shipment value) or ``"default"`` (:data:`DEFAULT_F0`).
    transport_cost_usd : float or None
        The route's baseline transport cost per shipment, when given.
    case : str
        The parameter set of ``pct_change`` and the Δln τ terms.
    parameters : ParameterSet
        Its values and sources.
    delta_ln_tau_time, delta_ln_tau_cost, delta_ln_tau : float
        The time channel ``β_day/θ · Δdays``, the money channel
        ``ln(1 + Δc / (V · (1 + f0)))`` and their sum.
    pct_change : float
        The change in trade for ``case``.
    pct_change_low, pct_change_central, pct_change_high : float
        The same for the three cases of :data:`RANGE_CASES`.
    baseline_usd : float or None
        Baseline trade of the pair, when given.
    baseline : Baseline or None
        The baseline row, when a :class:`Baseline` was given (it says which reporter).
    """

    delta_days: float
    delta_cost_usd: float
    shipment_value_usd: float
    f0: float
    f0_basis: str
    transport_cost_usd: float | None
    case: str
    parameters: ParameterSet
    delta_ln_tau_time: float
    delta_ln_tau_cost: float
    delta_ln_tau: float
    pct_change: float
    pct_change_low: float
    pct_change_central: float
    pct_change_high: float
    baseline_usd: float | None = None
    baseline: Baseline | None = None

    @property
    def ad_valorem_equivalent_pct(self) -> float:
        """The change in trade costs as a tariff equivalent, ``100 · (exp(Δln τ) − 1)``."""
        return 100.0 * math.expm1(self.delta_ln_tau)

    def _usd(self, pct: float) -> float | None:
        return None if self.baseline_usd is None else self.baseline_usd * pct / 100.0

    @property
    def delta_trade_usd(self) -> float | None:
        """Change in the pair's trade in USD for ``case``; ``None`` without a baseline."""
        return self._usd(self.pct_change)

    @property
    def delta_trade_usd_low(self) -> float | None:
        """Change in trade in USD, low case; ``None`` without a baseline."""
        return self._usd(self.pct_change_low)

    @property
    def delta_trade_usd_central(self) -> float | None:
        """Change in trade in USD, central case; ``None`` without a baseline."""
        return self._usd(self.pct_change_central)

    @property
    def delta_trade_usd_high(self) -> float | None:
        """Change in trade in USD, high case; ``None`` without a baseline."""
        return self._usd(self.pct_change_high)

    @property
    def sources(self) -> tuple[str, ...]:
        """Source ids of every parameter used (the chosen case and the range)."""
        ids: list[str] = []
        for case in (self.case, *RANGE_CASES):
            ids.extend(PARAMETER_SETS[case].sources)
        return tuple(dict.fromkeys(ids))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: inputs, results, range, dollars, parameters and sources."""

        def usd(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return {
            "delta_days": self.delta_days,
            "delta_cost_usd": self.delta_cost_usd,
            "shipment_value_usd": self.shipment_value_usd,
            "f0": round(self.f0, 6),
            "f0_basis": self.f0_basis,
            "transport_cost_usd": self.transport_cost_usd,
            "case": self.case,
            "delta_ln_tau_time": round(self.delta_ln_tau_time, 8),
            "delta_ln_tau_cost": round(self.delta_ln_tau_cost, 8),
            "delta_ln_tau": round(self.delta_ln_tau, 8),
            "ad_valorem_equivalent_pct": round(self.ad_valorem_equivalent_pct, 4),
            "pct_change": round(self.pct_change, 4),
            "range_pct": {case: round(getattr(self, f"pct_change_{case}"), 4)
                          for case in RANGE_CASES},
            "baseline_usd": self.baseline_usd,
            "baseline": None if self.baseline is None else self.baseline.to_dict(),
            "delta_trade_usd": usd(self.delta_trade_usd),
            "delta_trade_usd_range": {case: usd(getattr(self, f"delta_trade_usd_{case}"))
                                      for case in RANGE_CASES},
            "parameters": {case: PARAMETER_SETS[case].to_dict()
                           for case in dict.fromkeys((self.case, *RANGE_CASES))},
            "sources": [{"id": sid, "title": SOURCES[sid].title, "url": SOURCES[sid].url,
                         "year": SOURCES[sid].year} for sid in self.sources],
        }


def _finite(name: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidOptionError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise InvalidOptionError(f"{name} must be a finite number, not {value!r}")
    return number


def _channels(params: ParameterSet, delta_days: float, cost_ratio: float) -> tuple[float, float]:
    """(time channel, money channel) of Δln τ."""
    return params.beta_day / params.theta * delta_days, math.log1p(cost_ratio)


def _pct(params: ParameterSet, delta_days: float, cost_ratio: float) -> float:
    time_term, cost_term = _channels(params, delta_days, cost_ratio)
    return 100.0 * math.expm1(-params.theta * (time_term + cost_term))


def trade_impact(
    delta_days: float,
    delta_cost_usd: float,
    *,
    shipment_value_usd: float,
    f0: float | None = None,
    transport_cost_usd: float | None = None,
    case: str = "central",
    baseline_usd: float | Baseline | None = None,
) -> TradeImpact:
    """Estimate the change in a pair's trade from a change in route time and money cost.

    Uses the partial-equilibrium gravity model of policy-facts §7.1::

        %ΔX = exp(−β_day·Δdays − θ·ln(1 + Δc / (V·(1 + f0)))) − 1

    Parameters
    ----------
    delta_days : float
        Change in door-to-door days for the pair (border waits, closures, route time);
        negative is faster.
    delta_cost_usd : float
        Change in money cost per shipment (freight, fees, informal payments, demurrage);
        negative is cheaper.
    shipment_value_usd : float
        Value of one shipment (V), greater than zero; USD 40,000 for corridor's 20 t truck.
    f0 : float, optional
        Baseline transport cost as a share of value. Give either this or
        ``transport_cost_usd``; with neither, :data:`DEFAULT_F0` (0.25).
    transport_cost_usd : float, optional
        The baseline route's money cost per shipment (e.g. ``route.summary.cost_usd``);
        sets ``f0 = transport_cost_usd / shipment_value_usd``.
    case : str
        Parameter set of :data:`PARAMETER_SETS` for ``pct_change``: ``central`` (default),
        ``low``, ``high`` or ``time_sensitive``. The low/central/high range is always given.
    baseline_usd : float or Baseline, optional
        The pair's baseline trade in USD, or a :class:`Baseline` from :func:`trade_baseline`
        (kept so that reports can say which reporter's figure was used), to convert the
        percentages into dollars.

    Returns
    -------
    TradeImpact

    Raises
    ------
    corridor.exceptions.InvalidOptionError
        An unknown ``case`` (the message lists the valid ones), a shipment value that is not
        greater than zero, a negative ``f0``, ``transport_cost_usd`` or baseline, both ``f0``
        and ``transport_cost_usd``, a non-finite number, or a cost cut larger than the whole
        transport-inclusive value ``V·(1 + f0)``.

    Examples
    --------
    One day faster for a USD 40,000 truck: about +1 % of trade, +0.5 % to +3 %.

    >>> impact = trade_impact(-1, 0, shipment_value_usd=40_000)
    >>> low, high = impact.pct_change_low, impact.pct_change_high
    >>> round(impact.pct_change, 1), round(low, 1), round(high, 1)
    (1.0, 0.5, 3.0)

    Ten days and USD 500 per truck less on Pakistan–Kazakhstan trade, with the latest
    Kazakh-reported total as the baseline:

    >>> base = trade_baseline("PAK", "KAZ")
    >>> base.describe()
    'PAK–KAZ 2024 total USD 53.7 m, reported by KAZ MFA (trend_kz_2025)'
    >>> impact = trade_impact(-10, -500, shipment_value_usd=40_000, baseline_usd=base)
    >>> f"{impact.pct_change:+.1f} %, USD {impact.delta_trade_usd / 1e6:+.1f} m"
    '+16.2 %, USD +8.7 m'

    With the route's own transport cost instead of the default share (a truck route
    costing USD 7,119):

    >>> impact = trade_impact(0, 300, shipment_value_usd=40_000, transport_cost_usd=7_119)
    >>> impact.f0_basis, round(impact.f0, 3), round(impact.pct_change, 2)
    ('route', 0.178, -3.12)
    """
    if case not in PARAMETER_SETS:
        raise InvalidOptionError(
            f"unknown trade-impact case {case!r}; valid cases: {', '.join(CASES)}"
        )
    delta_days = _finite("delta_days", delta_days)
    delta_cost_usd = _finite("delta_cost_usd", delta_cost_usd)
    value = _finite("shipment_value_usd", shipment_value_usd)
    if value <= 0:
        raise InvalidOptionError(
            f"shipment_value_usd must be greater than zero, not {shipment_value_usd!r}"
        )
    if f0 is not None and transport_cost_usd is not None:
        raise InvalidOptionError(
            "give f0 or transport_cost_usd, not both (f0 = transport_cost_usd / "
            "shipment_value_usd)"
        )
    if f0 is not None:
        share = _finite("f0", f0)
        if share < 0:
            raise InvalidOptionError(f"f0 must not be negative, not {f0!r}")
        basis = "given"
    elif transport_cost_usd is not None:
        transport_cost_usd = _finite("transport_cost_usd", transport_cost_usd)
        if transport_cost_usd < 0:
            raise InvalidOptionError(
                f"transport_cost_usd must not be negative, not {transport_cost_usd!r}"
            )
        share, basis = transport_cost_usd / value, "route"
    else:
        share, basis = DEFAULT_F0, "default"

    baseline: Baseline | None = None
    if isinstance(baseline_usd, Baseline):
        baseline, baseline_usd = baseline_usd, baseline_usd.value_usd
    if baseline_usd is not None:
        baseline_usd = _finite("baseline_usd", baseline_usd)
        if baseline_usd < 0:
            raise InvalidOptionError(f"baseline_usd must not be negative, not {baseline_usd!r}")

    cost_ratio = delta_cost_usd / (value * (1.0 + share))
    if cost_ratio <= -1.0:
        raise InvalidOptionError(
            f"delta_cost_usd {delta_cost_usd:,.0f} would cut more than the whole "
            f"transport-inclusive value V·(1 + f0) = {value * (1.0 + share):,.0f} USD"
        )

    params = PARAMETER_SETS[case]
    time_term, cost_term = _channels(params, delta_days, cost_ratio)
    low, central, high = (_pct(PARAMETER_SETS[c], delta_days, cost_ratio) for c in RANGE_CASES)
    return TradeImpact(
        delta_days=delta_days,
        delta_cost_usd=delta_cost_usd,
        shipment_value_usd=value,
        f0=share,
        f0_basis=basis,
        transport_cost_usd=transport_cost_usd,
        case=case,
        parameters=params,
        delta_ln_tau_time=time_term,
        delta_ln_tau_cost=cost_term,
        delta_ln_tau=time_term + cost_term,
        pct_change=_pct(params, delta_days, cost_ratio),
        pct_change_low=low,
        pct_change_central=central,
        pct_change_high=high,
        baseline_usd=baseline_usd,
        baseline=baseline,
    )


# --------------------------------------------------------------------------------------------
# Baselines (policy-facts §2)
# --------------------------------------------------------------------------------------------

BASELINE_COLUMNS: tuple[str, ...] = (
    "country_a", "country_b", "year", "period", "value_usd", "reporter", "flow",
    "source_id", "title", "url", "confidence", "notes",
)
"""Columns of a trade-baselines CSV, in order."""

FLOWS: tuple[str, ...] = ("total", "exports", "imports")
"""``total`` is two-way trade; ``exports``/``imports`` are country_a's exports to or imports
from country_b."""

ANNUAL_PERIODS: tuple[str, ...] = ("year", "fiscal_year")
"""Periods covering a whole year; only these are picked by :func:`trade_baseline`."""

_PARTS = ("q1", "q2", "q3", "q4", "h1", "h2", "7m", "9m")
PERIODS: tuple[str, ...] = (
    *ANNUAL_PERIODS, *_PARTS, *(f"fiscal_{p}" for p in _PARTS), "unspecified",
)
"""Valid ``period`` values. ``year`` is a calendar year; ``fiscal_year`` is Pakistan's fiscal
year (July–June) *ending* in ``year`` (FY2023-24 has year 2024); ``q1``… ``9m`` are parts of
the calendar year and ``fiscal_…`` parts of the fiscal year; ``unspecified`` is a figure
stated without a clear reference period."""

_CONFIDENCE = ("H", "H/M", "M", "M/L", "L", "H/L")
_CONFIDENCE_RANK = {"H": 0, "H/M": 1, "M": 2, "H/L": 2, "M/L": 3, "L": 4}
_ISO3 = re.compile(r"^[A-Z]{3}$")
_SOURCE_ID = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Baseline:
    """One bilateral trade figure and who reported it.

    Attributes
    ----------
    country_a, country_b : str
        ISO alpha-3 codes; ``flow`` is relative to ``country_a``.
    year : int
        Calendar year, or for ``fiscal_year`` the year in which Pakistan's fiscal year ends.
    period : str
        One of :data:`PERIODS`.
    value_usd : float
        The figure, in USD (not millions).
    reporter : str
        Who reported it, side first (``KAZ statistics``, ``PAK SBP``, ``UZB ambassador``,
        ``CHN GACC``, ``unstated``…).
    flow : str
        One of :data:`FLOWS`.
    source_id, title, url, confidence, notes : str
        The citation, its confidence grade (H, M, L) and remarks.
    row : int or None
        Row number in the CSV (the header is row 1).
    others : tuple of Baseline
        From :func:`trade_baseline`: the latest total of each *other* reporter for the pair,
        so reports can show how far the figures differ.
    """

    country_a: str
    country_b: str
    year: int
    period: str
    value_usd: float
    reporter: str
    flow: str
    source_id: str
    title: str
    url: str = ""
    confidence: str = ""
    notes: str = ""
    row: int | None = None
    others: tuple[Baseline, ...] = ()

    @property
    def pair(self) -> tuple[str, str]:
        """The two countries, in file order."""
        return self.country_a, self.country_b

    @property
    def side(self) -> str:
        """The first word of ``reporter``: the reporting side (``KAZ``, ``PAK``…)."""
        return self.reporter.split()[0] if self.reporter.split() else ""

    def describe(self) -> str:
        """One line for reports: pair, year, flow, value, reporter and source id.

        >>> print(trade_baseline("KAZ", "PAK", reporter="KAZ statistics").describe())
        PAK–KAZ 2023 total USD 52.5 m, reported by KAZ statistics (informkz_2023)
        """
        if self.period == "fiscal_year":
            when = f"FY{self.year - 1}-{self.year % 100:02d}"
        elif self.period == "year":
            when = str(self.year)
        else:
            when = f"{self.year} ({self.period})"
        millions = self.value_usd / 1e6
        value = f"{millions:,.2f}" if millions < 10 else f"{millions:,.1f}"
        who = ("reporting side not stated" if self.reporter == "unstated"
               else f"reported by {self.reporter}")
        return (f"{self.country_a}–{self.country_b} {when} {self.flow} USD {value} m, {who} "
                f"({self.source_id})")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "country_a": self.country_a, "country_b": self.country_b, "year": self.year,
            "period": self.period, "value_usd": self.value_usd, "reporter": self.reporter,
            "flow": self.flow, "source_id": self.source_id, "title": self.title,
            "url": self.url, "confidence": self.confidence, "notes": self.notes,
        }
        if self.others:
            out["others"] = [other.to_dict() for other in self.others]
        return out


def bundled_trade_baselines_path() -> Path:
    """The trade-baselines CSV that ships with corridor."""
    return Path(str(resources.files("corridor") / "data" / "trade_baselines.csv"))


def _parse_row(file: str, number: int, raw: Mapping[str, str | None],
               problems: list[Problem]) -> Baseline | None:
    start = len(problems)

    def text(column: str) -> str:
        return (raw.get(column) or "").strip()

    def bad(column: str, message: str) -> None:
        problems.append(Problem(file, number, column, message))

    for column in ("country_a", "country_b"):
        if not _ISO3.match(text(column)):
            bad(column, f"{text(column)!r}: use an ISO 3166 alpha-3 code such as PAK")
    if text("country_a") and text("country_a") == text("country_b"):
        bad("country_b", "must differ from country_a")
    year: int = 0
    try:
        year = int(text("year"))
        if not 1900 <= year <= 2100:
            bad("year", f"{year}: not a plausible year")
    except ValueError:
        bad("year", f"{text('year')!r}: not a whole year such as 2024")
    value = math.nan
    try:
        value = float(text("value_usd"))
        if not math.isfinite(value) or value < 0:
            bad("value_usd", f"{text('value_usd')!r}: must be a finite number, not negative")
    except ValueError:
        bad("value_usd", f"{text('value_usd')!r}: not a number (USD, not millions)")
    for column, allowed in (("period", PERIODS), ("flow", FLOWS), ("confidence", _CONFIDENCE)):
        if text(column) not in allowed:
            bad(column, f"{text(column)!r}: must be one of {', '.join(allowed)}")
    for column in ("reporter", "title"):
        if not text(column):
            bad(column, "value required")
    if not _SOURCE_ID.match(text("source_id")):
        bad("source_id", f"{text('source_id')!r}: ids are lowercase letters, digits and "
                         "underscores")
    if len(problems) > start:
        return None
    return Baseline(
        country_a=text("country_a"), country_b=text("country_b"), year=year,
        period=text("period"), value_usd=value, reporter=text("reporter"), flow=text("flow"),
        source_id=text("source_id"), title=text("title"), url=text("url"),
        confidence=text("confidence"), notes=text("notes"), row=number,
    )


def _key(row: Baseline) -> tuple[Any, ...]:
    pair = tuple(sorted(row.pair)) if row.flow == "total" else row.pair
    return (*pair, row.year, row.period, row.flow, row.reporter.casefold())


def load_trade_baselines(path: str | PathLike[str] | None = None) -> tuple[Baseline, ...]:
    """Read a trade-baselines CSV (default: the bundled one) and validate every row.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV with the columns of :data:`BASELINE_COLUMNS` (values in USD, not millions).

    Returns
    -------
    tuple of Baseline
        Every row, in file order.

    Raises
    ------
    corridor.exceptions.NetworkValidationError
        The file is missing or unreadable, or has problems; ``problems`` lists all of them
        with row and column (missing or unknown columns, bad codes, years, values, periods,
        flows, confidence grades, missing reporter or title, duplicate figures).

    Examples
    --------
    >>> rows = load_trade_baselines()
    >>> sorted({r.reporter for r in rows if set(r.pair) == {"PAK", "KAZ"}})[:3]
    ['KAZ MFA', 'KAZ ambassador', 'KAZ statistics']
    """
    file_path = Path(path) if path is not None else bundled_trade_baselines_path()
    file = file_path.name
    problems: list[Problem] = []
    if not file_path.is_file():
        raise NetworkValidationError([Problem(file, None, None, "file is missing")],
                                     folder=str(file_path))
    try:
        with file_path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            raw_rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise NetworkValidationError(
            [Problem(file, None, None, f"cannot be read as CSV: {error}")],
            folder=str(file_path),
        ) from None
    missing = [name for name in BASELINE_COLUMNS if name not in header]
    for name in missing:
        problems.append(Problem(file, 1, name, "column is missing from the header"))
    for name in header:
        if name not in BASELINE_COLUMNS:
            problems.append(Problem(file, 1, name, "unknown column; expected: "
                                    + ", ".join(BASELINE_COLUMNS)))
    rows: list[Baseline] = []
    seen: dict[tuple[Any, ...], int] = {}
    if not missing:
        for number, raw in enumerate(raw_rows, start=2):  # row 1 is the header
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            if None in raw:
                problems.append(Problem(file, number, None, "more cells than columns"))
            row = _parse_row(file, number, raw, problems)
            if row is None:
                continue
            key = _key(row)
            if key in seen:
                problems.append(Problem(
                    file, number, None,
                    f"duplicate figure: same pair, year, period, flow and reporter as row "
                    f"{seen[key]}"))
                continue
            seen[key] = number
            rows.append(row)
    if not raw_rows and not missing:
        problems.append(Problem(file, None, None, "has no rows"))
    if problems:
        raise NetworkValidationError(problems, folder=str(file_path))
    return tuple(rows)


def _order(row: Baseline) -> tuple[int, int, int]:
    """Sort key: higher confidence first (official statistics before statements), then the
    latest year, then file order."""
    return (_CONFIDENCE_RANK.get(row.confidence, 9), -row.year, row.row or 0)


def _matches_reporter(row: Baseline, reporter: str) -> bool:
    wanted = reporter.strip().casefold()
    return wanted in (row.reporter.casefold(), row.side.casefold())


def _country(name: str, value: str) -> str:
    code = str(value).strip().upper()
    if not _ISO3.match(code):
        raise InvalidOptionError(f"{name}: {value!r} is not an ISO 3166 alpha-3 code such as PAK")
    return code


def _listing(items: Iterable[str]) -> str:
    return ", ".join(sorted(set(items)))


def trade_baseline(
    a: str,
    b: str,
    *,
    year: int | None = None,
    reporter: str | None = None,
    path: str | PathLike[str] | None = None,
) -> Baseline:
    """The baseline two-way trade figure for a pair of countries, and who reported it.

    Only full-year totals (periods in :data:`ANNUAL_PERIODS`, flow ``total``) are
    considered. Among them the highest confidence grade wins (official statistics before
    officials' statements, which often count on another basis), then the latest year, then
    the first row in the file.

    Parameters
    ----------
    a, b : str
        ISO alpha-3 codes, in either order.
    year : int, optional
        Only figures for this year (a fiscal year counts as the year it ends).
    reporter : str, optional
        Only figures from this reporter: its full label (``"KAZ statistics"``) or its side,
        the first word (``"PAK"``), case-insensitive.
    path : str or path-like, optional
        Another baselines CSV (see :func:`load_trade_baselines`).

    Returns
    -------
    Baseline
        The chosen row; ``others`` holds the latest total of every other reporter for the
        pair (for the same year when ``year`` is given).

    Raises
    ------
    corridor.exceptions.InvalidOptionError
        A code that is not ISO alpha-3, or no figure for the pair, year or reporter; the
        message lists what is available.

    Examples
    --------
    >>> base = trade_baseline("KAZ", "PAK")
    >>> base.year, base.reporter, base.value_usd
    (2024, 'KAZ MFA', 53700000.0)
    >>> for other in base.others:
    ...     print(other.describe())
    PAK–KAZ 2023 total USD 52.5 m, reported by KAZ statistics (informkz_2023)
    PAK–KAZ 2023 total USD 197.0 m, reported by PAK data via KAZ ambassador (agenzianova_2023)
    PAK–KAZ 2021 total USD 95.0 m, reported by KAZ ambassador (agenzianova_2023)

    Asking for one reporter (its label, or its side):

    >>> print(trade_baseline("PAK", "AFG", reporter="PAK").describe())
    PAK–AFG FY2023-24 total USD 555.9 m, reported by PAK SBP (sbp_af_press)
    >>> trade_baseline("PAK", "AFG", reporter="SBP")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    corridor.exceptions.InvalidOptionError: no PAK–AFG trade total reported by 'SBP'; ...
    """
    a, b = _country("a", a), _country("b", b)
    rows = load_trade_baselines(path)
    pair = {a, b}
    totals = [r for r in rows if set(r.pair) == pair and r.flow == "total"
              and r.period in ANNUAL_PERIODS]
    if not totals:
        pairs = {"–".join(sorted(r.pair)) for r in rows
                 if r.flow == "total" and r.period in ANNUAL_PERIODS}
        raise InvalidOptionError(f"no annual trade total for {a}–{b}; pairs with one: "
                                 f"{_listing(pairs)}")
    if year is not None:
        in_year = [r for r in totals if r.year == year]
        if not in_year:
            raise InvalidOptionError(f"no {a}–{b} trade total for {year}; years: "
                                     f"{_listing(str(r.year) for r in totals)}")
        totals = in_year
    candidates = totals
    if reporter is not None:
        candidates = [r for r in totals if _matches_reporter(r, reporter)]
        if not candidates:
            raise InvalidOptionError(f"no {a}–{b} trade total reported by {reporter!r}"
                                     + (f" for {year}" if year is not None else "")
                                     + f"; reporters: {_listing(r.reporter for r in totals)}")
    chosen = min(candidates, key=_order)
    others: dict[str, Baseline] = {}
    for row in sorted(totals, key=_order):
        label = row.reporter.casefold()
        if label != chosen.reporter.casefold() and label not in others:
            others[label] = row
    return replace(chosen, others=tuple(sorted(others.values(), key=_order)))
