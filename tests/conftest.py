from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corridor import load_network  # noqa: E402

from netbuilder import tiny  # noqa: E402


@pytest.fixture
def tiny_network(tmp_path):
    return load_network(tiny(tmp_path / "tiny"))


@pytest.fixture(scope="session")
def region():
    return load_network()
