"""Criticality: which crossings and links hurt a set of trade pairs most when closed.

For every origin–destination pair the baseline route is planned once. Only the crossings and
links that some baseline route uses can change an optimum when closed, so those are the
candidates. Each candidate is closed in turn (status ``closed``, through a ``close``
scenario modification: the baseline network is never mutated) and only the pairs whose
baseline route uses it are planned again. A candidate's impact is the trade-weighted increase
of the objective, with the extra hours and dollars and the detours each pair takes; a pair
left with no route at all ranks the candidate above any finite increase.

Weights are normalised to shares of the pairs' total weight, so ``score``, ``extra_hours``
and ``extra_usd`` read as the trade-weighted mean change per shipment over the whole pair set
(the ranking is that of Σ weight × increase).

Speed: the bundled network is compiled once (:func:`~corridor.routing.compile.compile_network`
caches it); a closed variant shares every array of the baseline's compiled form but
``edge_open``, and shares its calendar tables, so a closure costs one search per affected
pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor.deadline import check as check_deadline
from corridor.exceptions import (
    InvalidOptionError,
    NoRouteError,
    UnknownPlaceError,
)
from corridor.io.pairs import PAIR_COLUMNS, Pair, bundled_pairs_path, coerce_pairs, load_pairs

if TYPE_CHECKING:
    from corridor.model.network import Network
    from corridor.model.result import Route
    from corridor.routing.compile import CompiledNetwork
    from corridor.routing.request import Request
    from corridor.routing.search import Found

__all__ = [
    "KINDS",
    "PAIR_COLUMNS",
    "CriticalItem",
    "CriticalityResult",
    "Detour",
    "Pair",
    "bundled_pairs_path",
    "criticality",
    "load_pairs",
]

KINDS: tuple[str, ...] = ("crossing", "link")
"""What can be closed: a border crossing (every row sharing its name), or a link."""

CRITICALITY_OBJECTIVES: tuple[str, ...] = ("generalized", "time", "cost", "distance", "risk")
"""Objectives a criticality run can rank by (single searches; not ``p90``)."""

OBJECTIVE_UNITS: dict[str, str] = {"generalized": "USD", "cost": "USD", "time": "h",
                                   "distance": "km", "risk": "risk-h"}

_SCENARIO_NAME = "criticality-close"


@dataclass(frozen=True)
class Detour:
    """What one pair does when an item is closed.

    ``new_corridor`` and the deltas are ``None`` when the closure leaves the pair with no
    route at all (``disconnected``). Deltas are new minus baseline: ``delta_objective`` in the
    objective's unit (USD for ``generalized`` and ``cost``, hours for ``time``, km for
    ``distance``); ``delta_hours`` door to door; ``delta_usd`` money paid. Under a money
    objective a detour can be faster but dearer, so ``delta_hours`` may be negative.
    """

    origin: str
    destination: str
    weight: float
    share: float  # weight over the total weight of the routed pairs
    old_corridor: str
    new_corridor: str | None
    delta_objective: float | None
    delta_hours: float | None
    delta_usd: float | None
    new_crossings: tuple[str, ...] | None = None

    @property
    def disconnected(self) -> bool:
        """True when no route is left for the pair."""
        return self.new_corridor is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "destination": self.destination,
            "weight": self.weight,
            "share": round(self.share, 6),
            "old_corridor": self.old_corridor,
            "new_corridor": self.new_corridor,
            "disconnected": self.disconnected,
            "delta_objective": _round(self.delta_objective, 2),
            "delta_hours": _round(self.delta_hours, 2),
            "delta_usd": _round(self.delta_usd, 2),
            "new_crossings": None if self.new_crossings is None else list(self.new_crossings),
        }


@dataclass(frozen=True)
class CriticalItem:
    """A crossing or link, and what closing it does to the pairs that use it.

    Attributes
    ----------
    rank : int
        1 for the most critical.
    kind : str
        ``crossing`` or ``link``.
    id, name : str
        For a crossing with several rows (road and rail), the id of the first row; all rows
        of the crossing are closed together.
    countries : tuple of str
        ISO alpha-3 codes of the item's ends.
    pairs_affected : int
        Pairs whose baseline route uses the item.
    score : float
        Trade-weighted mean objective increase per shipment over all routed pairs (pairs left
        with no route count 0 here and in ``disconnected`` instead).
    extra_hours, extra_usd : float
        The same weighting of door-to-door hours and money paid.
    disconnected : int
        Pairs left with no route; ``disconnected_share`` is their share of the weight.
        Items are ranked by ``disconnected_share``, then by ``score``.
    detours : tuple of Detour
        One per affected pair, heaviest first.
    same_effect : tuple of str
        Ids of other candidates whose closure has exactly the same effect (the same pairs
        take the same detours), such as the other links of a chain; ``kind:id`` strings.
    """

    rank: int
    kind: str
    id: str
    name: str
    countries: tuple[str, ...]
    pairs_affected: int
    score: float
    extra_hours: float
    extra_usd: float
    disconnected: int
    disconnected_share: float
    detours: tuple[Detour, ...]
    same_effect: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "countries": list(self.countries),
            "pairs_affected": self.pairs_affected,
            "score": round(self.score, 4),
            "extra_hours": round(self.extra_hours, 4),
            "extra_usd": round(self.extra_usd, 4),
            "disconnected": self.disconnected,
            "disconnected_share": round(self.disconnected_share, 6),
            "same_effect": list(self.same_effect),
            "detours": [d.to_dict() for d in self.detours],
        }


@dataclass(frozen=True)
class CriticalityResult:
    """The most critical items for a set of pairs, and how the run was set up.

    ``items`` are ranked (at most ``top``); ``candidates`` is how many distinct items the
    baseline routes use (all were closed in turn); ``unrouted`` lists pairs that have no
    route even on the baseline network (``origin → destination: reason``), which are left
    out of the weights.
    """

    items: tuple[CriticalItem, ...]
    depart: dt.datetime
    cargo: str
    objective: str
    objective_unit: str
    network: str
    pairs: tuple[Pair, ...]
    baseline_corridors: tuple[str, ...]  # one per routed pair, in the order of `pairs`
    candidates: int
    unrouted: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "depart": self.depart.isoformat(timespec="minutes"),
            "cargo": self.cargo,
            "objective": self.objective,
            "objective_unit": self.objective_unit,
            "network": self.network,
            "pairs": [{"origin": p.origin, "destination": p.destination, "weight": p.weight,
                       "source_id": p.source_id or None, "baseline_corridor": c}
                      for p, c in zip(self.pairs, self.baseline_corridors, strict=True)],
            "unrouted": list(self.unrouted),
            "candidates": self.candidates,
            "items": [item.to_dict() for item in self.items],
        }

    def to_rows(self) -> list[dict[str, Any]]:
        """Long format: one row per (item, affected pair), the item's columns repeated.

        Examples
        --------
        >>> result = criticality([("Islamabad", "Kashgar", 2.0), ("Lahore", "Tashkent", 1.0)],
        ...                      depart="2026-07-15", top=3)
        >>> rows = result.to_rows()
        >>> sorted(rows[0])[:5]
        ['countries', 'delta_hours', 'delta_objective', 'delta_usd', 'destination']
        """
        rows = []
        for item in self.items:
            head = {
                "rank": item.rank, "kind": item.kind, "id": item.id, "name": item.name,
                "countries": ";".join(item.countries), "pairs_affected": item.pairs_affected,
                "score": round(item.score, 4), "extra_hours": round(item.extra_hours, 4),
                "extra_usd": round(item.extra_usd, 4), "disconnected": item.disconnected,
                "same_effect": ";".join(item.same_effect),
            }
            for d in item.detours:
                rows.append({**head, "origin": d.origin, "destination": d.destination,
                             "weight": d.weight, "share": round(d.share, 6),
                             "old_corridor": d.old_corridor, "new_corridor": d.new_corridor,
                             "delta_objective": _round(d.delta_objective, 2),
                             "delta_hours": _round(d.delta_hours, 2),
                             "delta_usd": _round(d.delta_usd, 2)})
        return rows


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# ---------------------------------------------------------------------------- closing


@dataclass(frozen=True)
class _Candidate:
    kind: str
    id: str  # a crossing's first row id, or the link id
    name: str
    countries: tuple[str, ...]


@dataclass(frozen=True)
class _Baseline:
    pair: Pair
    req: Request
    route: Route
    key: float
    items: tuple[_Candidate, ...]  # in route order


def _candidates_of(route: Route, network: Network, kinds: Iterable[str]) -> list[_Candidate]:
    """The crossings (one per name) and links a route uses, in route order."""
    out: dict[tuple[str, str], _Candidate] = {}
    rows_by_name: dict[str, str] = {}
    for c in network.crossings:
        rows_by_name.setdefault(c.name, c.crossing_id)
    links = {link.link_id: link for link in network.links}
    places = network.places
    for leg in route.legs:
        if leg.kind == "border" and "crossing" in kinds:
            crossing = network.crossings_by_id[leg.details["crossing_id"]]
            cid = rows_by_name[crossing.name]
            countries = (places[crossing.place_a].country, places[crossing.place_b].country)
            out.setdefault(("crossing", cid),
                           _Candidate("crossing", cid, crossing.name, countries))
        elif leg.kind == "link" and "link_id" in leg.details and "link" in kinds:
            link = links[leg.details["link_id"]]
            a, b = places[link.from_place], places[link.to_place]
            countries = tuple(dict.fromkeys((a.country, b.country)))
            out.setdefault(("link", link.link_id),
                           _Candidate("link", link.link_id, _link_name(link.name, a.name,
                                                                       b.name), countries))
    return list(out.values())


def _link_name(name: str, a: str, b: str) -> str:
    """``M-9, Karachi–Hyderabad``: a link's own name is often shared by the many segments
    of one road, so its ends are added unless the name already says them."""
    ends = f"{a}–{b}"
    simple = name.casefold().replace("–", "-")
    if not name or (a.casefold() in simple and b.casefold() in simple):
        return name or ends
    return f"{name}, {ends}"


def _close(network: Network, cn: CompiledNetwork,
           candidate: _Candidate) -> tuple[Network, CompiledNetwork]:
    """The network with ``candidate`` closed for good, and its compiled form.

    The closed network comes from a ``close`` scenario modification (a new object; the
    baseline is untouched). Its compiled form differs from the baseline's only in
    ``edge_open`` (status is read nowhere else by the compiler), so it is derived from the
    baseline's arrays rather than compiled again, and it shares the baseline's calendar
    tables: the calendars are unchanged, and those tables are the costly part.
    """
    from corridor.model.patch import apply_scenarios
    from corridor.model.scenario import parse_scenario
    from corridor.routing.compile import KIND_CROSSING, KIND_LINK

    field = "crossings" if candidate.kind == "crossing" else "links"
    scenario = parse_scenario({"name": _SCENARIO_NAME, "title": f"{candidate.name} closed",
                               "modifications": [{"type": "close", field: [candidate.id]}]})
    closed = apply_scenarios(network, [scenario])
    link_open = np.array([link.status == "open" for link in closed.links], dtype=bool)
    crossing_open = np.array([c.status == "open" for c in closed.crossings], dtype=bool)
    kind, ref = cn.edge_kind, cn.edge_ref
    edge_open = cn.edge_open.copy()  # a closure only shuts more edges
    is_link, is_crossing = kind == KIND_LINK, kind == KIND_CROSSING
    edge_open[is_link] &= link_open[ref[is_link]]
    edge_open[is_crossing] &= crossing_open[ref[is_crossing]]
    through = cn.edge_crossing >= 0  # services that pass a crossing shut with it
    edge_open[through] &= crossing_open[cn.edge_crossing[through]]
    derived = replace(cn, network=closed, edge_open=edge_open)
    # cached_property values live in the instance dict: share the baseline's
    object.__setattr__(derived, "_calendar_cache", cn._calendar_cache)
    object.__setattr__(derived, "hot", cn.hot)
    return closed, derived


def _path(found: Found) -> tuple[int, ...]:
    return tuple(step.edge for step in found.steps)


# ------------------------------------------------------------------------------- main


def criticality(
    pairs: Sequence[Any] | str | PathLike[str] | None = None,
    *,
    depart: dt.date | dt.datetime | str | None = None,
    cargo: str = "truck",
    optimize: str = "generalized",
    network: Network | None = None,
    top: int | None = 10,
    kinds: Sequence[str] = KINDS,
    merge_same_effect: bool = True,
) -> CriticalityResult:
    """Rank the crossings and links whose closure worsens a weighted set of pairs most.

    Every pair's baseline route is planned; each crossing or link used by some baseline
    route is closed in turn and the pairs that used it are planned again. An item's impact
    is the weighted objective increase over the pairs; an item that leaves a pair with no
    route ranks above any finite increase.

    Parameters
    ----------
    pairs
        ``(origin, destination, weight)`` tuples (or ``(origin, destination)``, weight 1,
        or :class:`Pair`), or the path of a CSV ``origin,destination,weight[,notes,
        source_id]``. Default: the bundled pairs (:func:`bundled_pairs_path`), weighted by
        the two countries' trade in USD from ``trade_baselines.csv`` (for China, whose trade
        with Pakistan moves mainly by sea, its overland share, as ``compare`` uses).
    depart, cargo, network
        As for :func:`corridor.plan_route`.
    optimize
        ``generalized`` (default), ``time``, ``cost``, ``distance`` or ``risk``: what a
        closure is measured in (USD, hours, km, risk-hours).
    top
        How many items to return (``None``: all of them).
    kinds
        What to close: ``crossing``, ``link`` or both.
    merge_same_effect
        Report candidates whose closure has exactly the same effect (the links of a chain
        that has no way round, a crossing and its access road) as one item, the others in
        ``same_effect``; a crossing represents its group when there is one.

    Returns
    -------
    CriticalityResult

    Raises
    ------
    UnknownPlaceError
        A pair names an unknown place (several unknown places: :class:`InvalidOptionError`
        listing them all).
    InvalidOptionError
        Bad objective, cargo, kinds, ``top`` or pairs; a pairs CSV with problems (all
        listed); weights that add up to 0.

    Examples
    --------
    >>> result = criticality([("Islamabad", "Kashgar", 2.0), ("Lahore", "Tashkent", 1.0)],
    ...                      depart="2026-07-15", top=3)
    >>> [item.kind for item in result.items]
    ['link', 'crossing', 'link']
    >>> khunjerab = result.items[1]
    >>> khunjerab.name, khunjerab.pairs_affected, khunjerab.disconnected
    ('Khunjerab', 1, 0)
    >>> detour = khunjerab.detours[0]
    >>> detour.old_corridor
    'direct: Khunjerab (road)'
    >>> detour.new_corridor
    'via Afghanistan, Tajikistan: Torkham, Sher Khan Bandar-Panji Poyon, Kulma-Karasu (road)'
    >>> detour.delta_hours > 24, detour.delta_usd > 0  # more than a day longer, and dearer
    (True, True)
    >>> khunjerab.same_effect[:2]  # the Karakoram Highway has no way round
    ('link:road_islamabad_hasan_abdal', 'link:road_hasan_abdal_gilgit')
    """
    from corridor.io.folder import load_network
    from corridor.routing.compile import compile_network
    from corridor.routing.itinerary import build_route
    from corridor.routing.plan import plan_route, run_search
    from corridor.routing.request import check_choice, parse_depart, prepare

    objective = check_choice(optimize, CRITICALITY_OBJECTIVES, "objective for criticality")
    kinds = tuple(kinds)
    if not kinds or any(k not in KINDS for k in kinds):
        raise InvalidOptionError(f"kinds {kinds!r}: use one or more of {', '.join(KINDS)}")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InvalidOptionError(f"top must be a whole number >= 1 or None, not {top!r}")
    pair_list = coerce_pairs(pairs)
    base = network if network is not None else load_network()
    cn = compile_network(base)
    when = parse_depart(depart)

    # -- baselines
    baselines: list[_Baseline] = []
    unrouted: list[str] = []
    unknown: list[tuple[Pair, UnknownPlaceError]] = []
    for pair in pair_list:
        try:
            req = prepare(pair.origin, pair.destination, depart=when, cargo=cargo,
                           objective=objective, via=(), avoid=(), modes=None,
                           risk_aversion=1.0, network=base)
        except UnknownPlaceError as error:
            unknown.append((pair, error))
            continue
        except InvalidOptionError as error:
            raise InvalidOptionError(f"pair {pair.origin} → {pair.destination}: {error}") \
                from None
        try:
            route = plan_route(pair.origin, pair.destination, depart=when, cargo=cargo,
                               optimize=objective, network=base, draws=0)
        except NoRouteError as error:
            unrouted.append(f"{pair.origin} → {pair.destination}: {error}")
            continue
        items = tuple(_candidates_of(route, base, kinds))
        baselines.append(_Baseline(pair, req, route, route.summary.objective_value, items))
    if len(unknown) == 1:
        raise unknown[0][1]
    if unknown:
        raise InvalidOptionError("unknown places in pairs: " + "; ".join(
            f"{p.origin} → {p.destination}: {e}" for p, e in unknown))
    total = sum(b.pair.weight for b in baselines)
    if baselines and not total > 0:
        raise InvalidOptionError("the weights of the pairs add up to 0")
    share = [b.pair.weight / total for b in baselines]

    # -- candidates, in order of first use
    users: dict[_Candidate, list[int]] = {}
    for i, b in enumerate(baselines):
        for item in b.items:
            users.setdefault(item, []).append(i)

    # -- close each candidate, re-plan the pairs that used it
    outcomes: dict[_Candidate, tuple[float, float, tuple[tuple[int, Any], ...]]] = {}
    closed_reqs: dict[_Candidate, dict[int, tuple[Request, Any, Any]]] = {}
    for item, used_by in users.items():
        check_deadline()  # stop between closures when the caller's time is up
        closed_net, closed_cn = _close(base, cn, item)
        found_by_pair: dict[int, tuple[Request, Any, Any]] = {}
        score = cut = 0.0
        signature = []
        for i in used_by:
            req = replace(baselines[i].req, network=closed_net, cn=closed_cn)
            found, access = run_search(req)
            found_by_pair[i] = (req, found, access)
            if found is None:
                cut += share[i]
                signature.append((i, None))
            else:
                score += share[i] * max(found.key - baselines[i].key, 0.0)
                signature.append((i, _path(found)))
        outcomes[item] = (cut, score, tuple(signature))
        closed_reqs[item] = found_by_pair

    # -- rank: disconnections first, then the weighted increase; merge identical effects
    groups: dict[Any, list[_Candidate]] = {}
    for item in users:  # in order of first use along the routes
        groups.setdefault(outcomes[item][2] if merge_same_effect else item, []).append(item)
    ranked = []
    for group in groups.values():
        lead = min(group, key=lambda c: KINDS.index(c.kind))  # a crossing, else the first
        ranked.append([lead, *(c for c in group if c is not lead)])
    ranked.sort(key=lambda g: (-outcomes[g[0]][0], -outcomes[g[0]][1],
                               KINDS.index(g[0].kind), g[0].name, g[0].id))
    if top is not None:
        ranked = ranked[:top]

    # -- detours of the reported items
    results = []
    for rank, group in enumerate(ranked, start=1):
        item = group[0]
        detours = []
        hours = usd = 0.0
        disconnected = 0
        for i, (req, found, access) in closed_reqs[item].items():
            b = baselines[i]
            old = b.route
            if found is None:
                disconnected += 1
                detours.append(Detour(old.origin.name, old.destination.name, b.pair.weight,
                                      share[i], old.corridor, None, None, None, None))
                continue
            new = build_route(req, found, access, None)
            dh = new.summary.duration_h - old.summary.duration_h
            du = new.summary.cost_usd - old.summary.cost_usd
            hours += share[i] * dh
            usd += share[i] * du
            detours.append(Detour(old.origin.name, old.destination.name, b.pair.weight,
                                  share[i], old.corridor, new.corridor,
                                  found.key - b.key, dh, du, new.crossings))
        detours.sort(key=lambda d: (-d.weight, d.origin, d.destination))
        cut, score, _ = outcomes[item]
        results.append(CriticalItem(
            rank=rank, kind=item.kind, id=item.id, name=item.name, countries=item.countries,
            pairs_affected=len(detours), score=score, extra_hours=hours, extra_usd=usd,
            disconnected=disconnected, disconnected_share=cut, detours=tuple(detours),
            same_effect=tuple(f"{c.kind}:{c.id}" for c in group[1:]),
        ))
    return CriticalityResult(
        items=tuple(results), depart=when, cargo=cargo, objective=objective,
        objective_unit=OBJECTIVE_UNITS[objective], network=f"{base.name} {base.version}",
        pairs=tuple(b.pair for b in baselines),
        baseline_corridors=tuple(b.route.corridor for b in baselines),
        candidates=len(users), unrouted=tuple(unrouted),
    )
