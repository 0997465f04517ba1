"""The one set of limits on dates, years, draws and seeds, for the library, the command line
and the HTTP API alike.

* Departures from 1 January 2000 to 31 December 2097: calendars are evaluated two years
  ahead of a departure and the holiday tables end in 2099.
* Calendar, matrix and report years from 2000 to 2097.
* Up to 100,000 Monte Carlo draws a route (a server may allow fewer per request, see
  ``corridor.server.Limits``); seeds from 0 to 2**32 - 1.
"""

from __future__ import annotations

import datetime as dt

from corridor.exceptions import InvalidOptionError

__all__ = ["DEPART_MAX", "DEPART_MIN", "MAX_DRAWS", "MAX_SEED", "YEAR_MAX", "YEAR_MIN",
           "check_depart", "check_draws", "check_seed", "check_year"]

DEPART_MIN = dt.datetime(2000, 1, 1)
DEPART_MAX = dt.datetime(2097, 12, 31, 23, 59)
YEAR_MIN, YEAR_MAX = DEPART_MIN.year, DEPART_MAX.year
MAX_DRAWS = 100_000
MAX_SEED = 2**32 - 1


def check_depart(when: dt.datetime) -> dt.datetime:
    """``when``, or an error naming the range of departures.

    Examples
    --------
    >>> check_depart(dt.datetime(2026, 7, 15, 8)).year
    2026
    """
    if not DEPART_MIN <= when <= DEPART_MAX:
        raise InvalidOptionError(
            f"departure {when:%Y-%m-%d} is out of range; use a date between "
            f"{DEPART_MIN:%Y-%m-%d} and {DEPART_MAX:%Y-%m-%d}")
    return when


def check_year(year: int, what: str = "year") -> int:
    """``year``, or an error naming the range.

    Examples
    --------
    >>> check_year(2026)
    2026
    """
    if not isinstance(year, int) or isinstance(year, bool) or not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidOptionError(f"{what} {year!r} is out of range; use a year from "
                                 f"{YEAR_MIN} to {YEAR_MAX}")
    return year


def check_draws(draws: int) -> int:
    """``draws``, or an error naming the range (0 skips the Monte Carlo).

    Examples
    --------
    >>> check_draws(10_000)
    10000
    """
    if not isinstance(draws, int) or isinstance(draws, bool) or not 0 <= draws <= MAX_DRAWS:
        raise InvalidOptionError(f"draws {draws!r} is out of range; use 0 to {MAX_DRAWS:,}")
    return draws


def check_seed(seed: int | None) -> int | None:
    """``seed`` (None for a random one), or an error naming the range.

    Examples
    --------
    >>> check_seed(0)
    0
    """
    if seed is None:
        return None
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise InvalidOptionError(f"seed {seed!r} is out of range; use 0 to {MAX_SEED}")
    return seed
