"""Missing system packages: a visible skip on a developer's machine, a failure in CI."""

from __future__ import annotations

import pytest

from systemdeps import REQUIRE, missing


def test_a_missing_package_skips_with_its_reason(monkeypatch):
    monkeypatch.delenv(REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        missing("chromium is missing (sudo apt-get install -y chromium)")


def test_ci_makes_it_a_failure(monkeypatch):
    monkeypatch.setenv(REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match="CORRIDOR_REQUIRE_SYSTEM is set"):
        missing("chromium is missing (sudo apt-get install -y chromium)")
