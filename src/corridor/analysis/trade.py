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
``data/trade_baselines.csv``, which users can replace with any CSV of the same columns; its
reader and :func:`trade_baseline` are in :mod:`corridor.io.trade_baselines` (and importable
from here). Figures for the same pair differ 2–4× by reporting side (Kazakh statistics give
USD 52.5 m for Pakistan–Kazakhstan in 2023, Pakistani data about USD 197 m).

Route diversion (switching between the Afghan, Karakoram and Iranian corridors) belongs in
routing: pass the change of the *best available* route, so pure diversion does not create
trade. Do not add a separate distance term: kilometres are already costed in Δdays and Δc.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from corridor.exceptions import InvalidOptionError
from corridor.io.trade_baselines import (
    ANNUAL_PERIODS,
    BASELINE_COLUMNS,
    FLOWS,
    PERIODS,
    Baseline,
    bundled_trade_baselines_path,
    load_trade_baselines,
    trade_baseline,
)
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
