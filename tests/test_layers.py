"""The package's layers, read from its imports (ast): model ← io ← routing ← analysis ←
presentation ← shells. A module may import from its own layer and the layers below it, never
from above (type-only imports included: they are dependencies too), and never a ``_private``
name of another module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

LAYERS = ("model", "io", "routing", "analysis", "presentation", "shell")
"""From the bottom up."""

PLACES = {  # the second part of a module's name → its layer
    "model": "model", "exceptions": "model", "limits": "model", "deadline": "model",
    "_version": "model",
    "io": "io", "data": "io",
    "routing": "routing",
    "analysis": "analysis",
    "plot": "presentation", "plot_labels": "presentation", "plot_calendar": "presentation",
    "_format": "presentation", "reports": "presentation",
    "cli": "shell", "cli_networks": "shell", "server": "shell", "__main__": "shell",
}


def layer_of(module: str) -> str | None:
    """The layer of a ``corridor`` module (the package itself is the outermost shell)."""
    parts = module.split(".")
    if parts[0] != "corridor":
        return None
    if len(parts) == 1:
        return "shell"
    return PLACES.get(parts[1], "unplaced")


def module_name(path: Path, root: Path) -> str:
    name = ".".join(path.relative_to(root).with_suffix("").parts)
    return name.removesuffix(".__init__")


def problems(root: Path) -> list[str]:
    """Every import of the package under ``root`` that breaks the rules, in words."""
    found = []
    for path in sorted((root / "corridor").rglob("*.py")):
        here = module_name(path, root)
        mine = layer_of(here)
        if mine == "unplaced":
            found.append(f"{here} is in no layer: give it one in PLACES")
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [(node.module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [(a.name, "") for a in node.names]
            else:
                continue
            for module, name in targets:
                theirs = layer_of(module)
                if theirs is None:
                    continue
                if theirs == "unplaced" or LAYERS.index(theirs) > LAYERS.index(mine):
                    found.append(f"{here} ({mine}) imports {module} ({theirs}), line "
                                 f"{node.lineno}")
                if name.startswith("_") and not name.startswith("__") and module != here:
                    found.append(f"{here} imports the private name {name} of {module}, "
                                 f"line {node.lineno}")
    return found


def test_every_import_follows_the_layers():
    assert problems(SRC) == []


@pytest.mark.parametrize(("module", "source", "expected"), [
    # the kinds of leak this test was written against
    ("model/scenario.py", "from corridor.routing.plan import plan_route",
     "corridor.model.scenario (model) imports corridor.routing.plan (routing)"),
    ("model/scenario.py", "def f():\n    from corridor.io.gazetteer import haversine_km",
     "corridor.model.scenario (model) imports corridor.io.gazetteer (io)"),
    ("io/export.py", "from corridor.routing.result import Route",
     "corridor.io.export (io) imports corridor.routing.result (routing)"),
    ("analysis/report.py", "import corridor.plot",
     "corridor.analysis.report (analysis) imports corridor.plot (presentation)"),
    ("analysis/matrix.py", "from corridor.routing.plan import _prepare",
     "corridor.analysis.matrix imports the private name _prepare of corridor.routing.plan"),
    ("routing/plan.py", "from corridor.cli import main",
     "corridor.routing.plan (routing) imports corridor.cli (shell)"),
])
def test_each_kind_of_leak_is_caught(tmp_path, module, source, expected):
    target = tmp_path / "corridor" / module
    target.parent.mkdir(parents=True)
    target.write_text(source + "\n", encoding="utf-8")
    (tmp_path / "corridor" / "__init__.py").write_text("", encoding="utf-8")
    found = problems(tmp_path)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_allowed_imports_pass(tmp_path):
    for module, source in (("analysis/a.py", "from corridor.routing.plan import plan_route"),
                           ("io/b.py", "from corridor.model.result import Route"),
                           ("cli.py", "from corridor.reports import report"),
                           ("routing/c.py", "from corridor.routing.d import _own_layer_ok")):
        target = tmp_path / "corridor" / module
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source + "\n", encoding="utf-8")
    found = problems(tmp_path)
    assert found == ["corridor.routing.c imports the private name _own_layer_ok of "
                     "corridor.routing.d, line 1"]


def test_error_types_live_in_exceptions():
    """Every exception class is defined in corridor/exceptions.py, where a user finds them
    all (the HTTP server's own answer type, ApiError, is the shell's)."""
    outside = []
    for path in sorted((SRC / "corridor").rglob("*.py")):
        if path.name == "exceptions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception"))
                    or getattr(b, "id", "") == "Stopped" for b in node.bases):
                outside.append(f"{module_name(path, SRC)}.{node.name}")
    assert outside == ["corridor.server.errors.ApiError"]


def test_public_names_are_exactly_the_exported_ones():
    import corridor

    assert dir(corridor) == sorted(corridor.__all__)
    for name in corridor.__all__:  # each resolves, the lazy analyses included
        assert getattr(corridor, name) is not None, name
    assert set(corridor._LAZY) <= set(corridor.__all__)


def test_no_module_is_over_600_lines():
    """A module holds one concept: none runs past 600 lines (split it by concept)."""
    long = {module_name(p, SRC): n for p in (SRC / "corridor").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}
