"""The documentation site builds, offline, with every warning an error (mkdocs --strict):
the pages' links, the navigation and the API reference from the docstrings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_docs_site_builds_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="needs the docs extra: pip install -e '.[docs]'")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "api" / "index.html").read_text(encoding="utf-8").count(
        "plan_route") > 3
    assert (tmp_path / "matrix" / "index.html").exists()


def test_readme_is_short_and_links_to_the_pages():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 250
    for page in ("getting-started", "commands", "network", "matrix", "server", "engine"):
        assert f"docs/{page}.md" in readme
        assert (ROOT / "docs" / f"{page}.md").exists()
