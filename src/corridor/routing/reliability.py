"""Monte Carlo reliability of an itinerary: P10/P50/P90 arrival and on-time probability."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from corridor.exceptions import InvalidOptionError
from corridor.limits import check_draws, check_seed
from corridor.model.network import Disruption, Link, Network
from corridor.model.result import Leg, LegSpread, Reliability, Route

__all__ = ["LegSpread", "Reliability", "lognormal_sigma", "simulate"]


Z90 = 1.2815515655446004
"""The standard normal 90th percentile: a lognormal with median m and 90th percentile p has
sigma = ln(p / m) / Z90."""


def lognormal_sigma(median: float, p90: float | None) -> float:
    """Spread of a lognormal with the given median and 90th percentile (0 when unknown).

    Examples
    --------
    >>> round(lognormal_sigma(10.0, 20.0), 4)
    0.5409
    """
    if p90 is None or median <= 0 or p90 <= median:
        return 0.0
    return math.log(p90 / median) / Z90


def _targets(network: Network) -> dict[tuple[str, str], list[Disruption]]:
    index: dict[tuple[str, str], list[Disruption]] = {}
    for d in network.disruptions:
        for target in d.target_ids:
            index.setdefault((d.target_kind, target), []).append(d)
    return index


def simulate(
    route: Route,
    *,
    network: Network,
    draws: int = 10_000,
    seed: int | None = 0,
    deadline: dt.datetime | None = None,
) -> Reliability:
    """Monte Carlo of door-to-door time for one itinerary.

    Each draw samples every border dwell from a lognormal with the crossing's median and
    P90 for that direction, and the network's disruptions (political closures, landslides,
    winter closures, ferries that sail when full) at the legs they target; calendars are
    re-evaluated at each draw's own arrival times, so a late truck can miss Friday at
    Torugart and wait for Monday. All draws advance together, one leg at a time (numpy).

    Parameters
    ----------
    route
        An itinerary from :func:`corridor.plan_route` on ``network``.
    draws, seed
        Number of draws and the seed of numpy's default generator (reproducible).
    deadline
        Report the probability of arriving no later than this.

    Examples
    --------
    >>> from corridor import load_network, plan_route
    >>> net = load_network()
    >>> route = plan_route("Peshawar", "Kabul", depart="2026-07-15", network=net)
    >>> rel = simulate(route, network=net, draws=2000, seed=1)
    >>> rel.p10_h <= rel.p50_h <= rel.p90_h
    True
    """
    from corridor.routing.compile import HORIZON_HOURS, compile_network

    check_draws(draws)
    check_seed(seed)
    if draws < 1:
        raise InvalidOptionError("draws must be at least 1")
    rng = np.random.default_rng(seed)
    cn = compile_network(network)
    base = route.depart.replace(minute=0, second=0, microsecond=0)
    next_open = cn.next_open(route.depart)
    calendar_index = {cid: i for i, cid in enumerate(cn.calendars)}
    targets = _targets(network)
    used: set[str] = set()
    start = (route.depart - base).total_seconds() / 3600.0
    t = np.full(draws, start)
    closed_any = np.zeros(draws, dtype=bool)
    per_leg: list[tuple[int, Leg, np.ndarray]] = []
    horizon = HORIZON_HOURS - 1

    for i, leg in enumerate(route.legs):
        if leg.kind == "wait":
            continue  # waits are re-derived from the calendars draw by draw
        reach = t
        extra = np.zeros(draws)
        duration = np.full(draws, leg.duration_h)
        calendar_id = None
        month = leg.depart.month
        if leg.kind == "link":
            link = _link(network, leg.details.get("link_id"))
            calendar_id = link.calendar_id if link else None
            hits = targets.get(("link", link.link_id), []) if link else []
        elif leg.kind == "border":
            crossing = network.crossings_by_id[leg.details["crossing_id"]]
            calendar_id = crossing.calendar_id
            dwell = float(leg.details["dwell_h"])
            sigma = lognormal_sigma(dwell, leg.details.get("dwell_p90_h"))
            # the road between the two posts, if any (time held at a shut post is a wait leg)
            drive = leg.duration_h - dwell
            duration = dwell * np.exp(sigma * rng.standard_normal(draws))
            hits = targets.get(("crossing", crossing.crossing_id), [])
        else:
            hits = []
        for d in hits:
            if d.disruption_id in used or (d.months and month not in d.months):
                continue
            used.add(d.disruption_id)
            hit = rng.random(draws) < d.hit_probability()
            length = rng.uniform(d.duration_h_min, d.duration_h_max, draws)
            if d.kind == "closure":
                length = length * rng.random(draws)  # the part of the closure still to come
                closed_any |= hit
            extra = extra + np.where(hit, length, 0.0)
        enter = reach + extra
        table = None if calendar_id is None else next_open[calendar_index[calendar_id]]
        if table is not None:
            enter = _next_opening(table, enter, horizon)
        t = enter + duration
        if leg.kind == "border":
            if table is not None:  # a post shut when clearance ends releases cargo on reopening
                t = _next_opening(table, t, horizon)
            t = t + drive  # then the road to the far post
        per_leg.append((i, leg, t - reach))

    total = t - start
    finite = np.isfinite(total)
    if not finite.any():
        raise InvalidOptionError("no draw reaches the destination within two years")
    p10, p50, p90 = np.percentile(total[finite], [10, 50, 90])
    variances = [float(np.var(spent[finite])) for _, _, spent in per_leg]
    total_var = sum(variances) or 1.0
    spread = sorted(
        (LegSpread(i, leg.name, leg.kind, float(np.percentile(spent[finite], 50)),
                   float(np.percentile(spent[finite], 90)), var / total_var)
         for (i, leg, spent), var in zip(per_leg, variances, strict=True)
         if var > 1e-9 * total_var),
        key=lambda s: -s.variance_share,
    )
    on_time = None
    if deadline is not None:
        limit = (deadline - route.depart).total_seconds() / 3600.0
        on_time = float(np.mean(total <= limit))
    return Reliability(
        draws=draws, seed=seed, depart=route.depart, p10_h=float(p10), p50_h=float(p50),
        p90_h=float(p90), mean_h=float(np.mean(total[finite])), deadline=deadline,
        on_time_probability=on_time, closure_probability=float(np.mean(closed_any)),
        spread=tuple(spread[:8]),
    )


def _next_opening(table: np.ndarray, t: np.ndarray, horizon: int) -> np.ndarray:
    """Each time moved to the calendar's next opening if it falls in a closed hour."""
    finite = np.isfinite(t)
    slots = np.minimum(np.where(finite, t, 0).astype(np.int64), horizon)
    opening = table[slots].astype(float)
    moved = np.where(opening > slots, opening, t)
    return np.where(finite & (opening < horizon + 1), moved, np.inf)


def _link(network: Network, link_id: str | None) -> Link | None:
    if link_id is None:
        return None
    for link in network.links:
        if link.link_id == link_id:
            return link
    return None
