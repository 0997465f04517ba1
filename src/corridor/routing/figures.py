"""What each edge takes and costs, from the network's tables: a crossing's dwell, its P90
and fees (by direction, for freight or a traveller), a transfer's time and fee, the waits
every trip meets, each country's risk, and unknown costs imputed from the known ones."""

from __future__ import annotations

import statistics

import numpy as np

from corridor.model.network import Crossing, Disruption, Network, Transfer

__all__ = ["KIND_CROSSING", "KIND_LINK", "KIND_TRANSFER", "STATION_KINDS", "certain_waits",
           "crossing_figures", "impute_costs", "risk_table", "transfer_figures"]

KIND_LINK, KIND_CROSSING, KIND_TRANSFER = 0, 1, 2
"""Edge kinds of the compiled network: a link, a border crossing, a transfer between layers."""


def certain_waits(network: Network) -> dict[str, tuple[float, Disruption]]:
    """Links every trip waits at (``wait`` disruptions with probability 1): the median wait
    in hours and the disruption, by link id."""
    out: dict[str, tuple[float, Disruption]] = {}
    for d in network.disruptions:
        if d.kind == "wait" and d.target_kind == "link" and (d.probability or 0) >= 1.0:
            for link_id in d.target_ids:
                out[link_id] = ((d.duration_h_min + d.duration_h_max) / 2.0, d)
    return out


def risk_table(network: Network) -> tuple[tuple[str, ...], np.ndarray, tuple[str, ...]]:
    countries = tuple(sorted(network.countries))
    known = [c.risk for c in network.countries.values() if c.risk is not None]
    fallback = statistics.median(known) if known else 0.0
    risks = []
    missing = []
    for iso3 in countries:
        risk = network.countries[iso3].risk
        if risk is None:
            missing.append(iso3)
            risk = fallback
        risks.append(risk)
    return countries, np.array(risks, dtype=float), tuple(missing)


def impute_costs(kind: np.ndarray, ref: np.ndarray, reverse: np.ndarray, mode: np.ndarray,
                  distance: np.ndarray, own: np.ndarray, drive: np.ndarray) -> np.ndarray:
    """Every edge's cost with unknown ones priced, so that the optimiser does not treat
    them as free (totals still count only known costs).

    ``own`` is an edge's own cost (a link's rate × distance or fare, a transfer's cost, a
    crossing's payment; NaN when unknown) and ``drive`` what a crossing adds for the road
    between its posts. A link with no sourced cost gets the median USD per km of the links
    of its mode with a known cost (or of all links when its mode has none: sea, ferry,
    air); a crossing without a payment the median of the known payments (each direction of
    a crossing one payment), plus its drive; a transfer the median of the known transfers.
    Medians count each row of the network once: a two-way link or transfer is one figure,
    not two directed edges.

    Examples
    --------
    >>> K = np.array([KIND_LINK, KIND_LINK, KIND_LINK, KIND_LINK])
    >>> out = impute_costs(K, np.array([0, 0, 1, 2]), np.array([False, True, False, False]),
    ...                     np.zeros(4, np.int8), np.array([100.0, 100.0, 100.0, 50.0]),
    ...                     np.array([100.0, 100.0, 300.0, np.nan]), np.zeros(4))
    >>> float(out[3])  # median of USD 1/km (link 0, once) and 3/km (link 1): 2/km x 50 km
    100.0
    """
    drive = np.nan_to_num(drive)  # a drive at an unknown rate is priced as free
    out = own + drive
    unknown = np.isnan(own)

    def once(mask: np.ndarray, by_direction: bool = False) -> np.ndarray:
        """``mask`` with only the first edge of each network row (and direction) kept."""
        keys = ref * 2 + (reverse if by_direction else 0)
        first = np.zeros(mask.shape, dtype=bool)
        idx = np.nonzero(mask)[0]
        _, pick = np.unique(keys[idx], return_index=True)
        first[idx[pick]] = True
        return first

    links = kind == KIND_LINK
    positive = distance > 0
    per_km = np.where(positive, own / np.where(positive, distance, 1), np.nan)
    known_links = once(links & ~unknown & positive)
    overall = float(np.median(per_km[known_links])) if known_links.any() else 0.0
    for m in np.unique(mode[links & unknown]):
        known = known_links & (mode == m)
        rate = float(np.median(per_km[known])) if known.any() else overall
        pick = links & (mode == m) & unknown
        out[pick] = rate * distance[pick]
    for k, by_direction in ((KIND_CROSSING, True), (KIND_TRANSFER, False)):
        pick = (kind == k) & unknown
        known = once((kind == k) & ~unknown, by_direction)
        price = float(np.median(own[known])) if known.any() else 0.0
        out[pick] = price + drive[pick]
    return out


def crossing_figures(network: Network, crossing: Crossing, *, reverse: bool,
                     passenger: bool) -> tuple[float, float | None, float | None]:
    """Dwell (h), its P90 (h, ``None`` when not given) and payment (USD, ``None`` when
    unknown) of one direction of ``crossing``: a truck's CPMM figures, or a traveller's
    processing time (``people_dwell_h``, else the manifest's ``passenger_border_h``)."""
    if passenger:
        dwell = crossing.people_dwell_h
        if dwell is None:
            dwell = network.parameter("passenger_border_h", 1.0) or 0.0
        return dwell, None, None
    if reverse:
        return crossing.ba_dwell_h, crossing.ba_dwell_p90_h, crossing.ba_cost_usd
    return crossing.ab_dwell_h, crossing.ab_dwell_p90_h, crossing.ab_cost_usd


STATION_KINDS = frozenset({"transship", "gauge_change", "port_handling"})
"""Transfers that move freight between vehicles; a traveller only boards (see
:func:`transfer_figures`)."""


def transfer_figures(network: Network, transfer: Transfer, *, passenger: bool,
                     to_layer: str) -> tuple[float, float | None]:
    """Hours and USD of ``transfer`` into ``to_layer``: its own figures, or for a traveller
    at a station or port (where freight is transshipped, changes gauge or is handled) the
    manifest's ``passenger_station_h`` to board and nothing to step off onto the road, with
    no fee beyond the fare. An airport keeps its own check-in and arrival times.

    Examples
    --------
    >>> from corridor import load_network
    >>> net = load_network()
    >>> t = next(t for t in net.transfers if t.kind == "transship")
    >>> transfer_figures(net, t, passenger=False, to_layer=t.to_layer) == (t.time_h, t.cost_usd)
    True
    >>> transfer_figures(net, t, passenger=True, to_layer="road")
    (0.0, 0.0)
    """
    if passenger and transfer.kind in STATION_KINDS:
        if to_layer == "road":
            return 0.0, 0.0
        return network.parameter("passenger_station_h", 0.0) or 0.0, 0.0
    return (0.0 if transfer.time_h is None else transfer.time_h), transfer.cost_usd
