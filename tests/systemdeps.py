"""Tests that need a system package (Debian's chromium, PostgreSQL's server binaries).

Where the package is absent the test is skipped, with the reason and the install command
in pytest's summary (``-ra``), so that the README's test command passes on a fresh machine
without them. CI sets ``CORRIDOR_REQUIRE_SYSTEM=1``: there a missing package fails the test
instead, so CI never skips them.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE = "CORRIDOR_REQUIRE_SYSTEM"


def missing(reason: str) -> NoReturn:
    """Skip the running test for ``reason`` (a system package is absent), or fail it when
    ``CORRIDOR_REQUIRE_SYSTEM`` is set."""
    if os.environ.get(REQUIRE, "").strip() not in ("", "0"):
        pytest.fail(f"{reason} ({REQUIRE} is set, so this is required)", pytrace=False)
    pytest.skip(reason)
