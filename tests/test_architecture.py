"""The rule of docs/architecture.md: each stage imports only the stages before it.

Every import in the package (module level or inside a function) is checked against ALLOWED, so
a detector that reaches for a loader, or a workbench page that reaches for a detector's
arithmetic, fails here with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# folder in the checkout -> the package it installs as (pyproject.toml's package-dir)
STAGES = {
    "loaders": "bidgraph.loaders",
    "graph": "bidgraph.graph",
    "detectors": "bidgraph.detectors",
    "cases": "bidgraph.cases",
    "citygen": "bidgraph.citygen",
    "evaluation": "bidgraph.evaluation",
    "workbench": "bidgraph.workbench",
    "bidgraph": "bidgraph",
}

# What every stage may import: the error hierarchy, where the workspace is, and the schema vocabulary.
BASE = ("bidgraph.errors", "bidgraph.workspace", "bidgraph.graph.schema")

# stage -> the stages (package prefixes) it may import besides itself and BASE
ALLOWED = {
    "bidgraph.loaders": (),
    "bidgraph.graph": (),
    "bidgraph.detectors": ("bidgraph.graph",),
    "bidgraph.cases": ("bidgraph.graph", "bidgraph.detectors.core"),
    "bidgraph.citygen": ("bidgraph.loaders", "bidgraph.graph", "bidgraph.detectors"),
    "bidgraph.evaluation": ("bidgraph.loaders", "bidgraph.graph", "bidgraph.detectors", "bidgraph.citygen"),
    "bidgraph.workbench": ("bidgraph.graph", "bidgraph.detectors.core", "bidgraph.cases"),
    # the shell (cli.py, commands/) wires the stages together
    "bidgraph": ("bidgraph",),
}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _stage_of(module: str) -> str:
    for stage in ALLOWED:
        if stage != "bidgraph" and _within(module, stage):
            return stage
    return "bidgraph"


def _modules(repo: Path, stages: dict[str, str]) -> list[tuple[str, Path]]:
    found = []
    for folder, package in stages.items():
        for path in sorted((repo / folder).rglob("*.py")):
            parts = list(path.relative_to(repo / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((".".join([package, *parts]), path))
    return found


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] if base in {p for p in STAGES.values()} else [base]
            out += [(node.lineno, n) for n in names]
    return sorted((line, name) for line, name in out if _within(name, "bidgraph"))


def violations(repo: Path = REPO, stages: dict[str, str] = STAGES) -> list[str]:
    bad = []
    for module, path in _modules(repo, stages):
        stage = _stage_of(module)
        allowed = (stage, *BASE, *ALLOWED[stage])
        for line, imported in _imports(path, module):
            if not any(_within(imported, prefix) for prefix in allowed):
                bad.append(f"{path.relative_to(repo)}:{line} ({stage}) imports {imported}")
    return bad


def test_every_stage_imports_only_earlier_stages():
    assert violations() == []


def test_the_checker_sees_forbidden_imports(tmp_path):
    """The rule must be able to fail: a detector reaching for a loader, at module level or in a
    function, and a relative import that climbs into the workbench, are all reported."""
    fake = tmp_path / "detectors"
    fake.mkdir()
    (fake / "__init__.py").write_text("", encoding="utf-8")
    (fake / "sneaky.py").write_text(
        "from bidgraph.graph.snapshot import Snapshot\n"
        "def f():\n    from bidgraph.loaders.bundle import read_bundle\n"
        "from ..workbench import views\n",
        encoding="utf-8",
    )
    assert violations(tmp_path, {"detectors": "bidgraph.detectors"}) == [
        "detectors/sneaky.py:3 (bidgraph.detectors) imports bidgraph.loaders.bundle",
        "detectors/sneaky.py:4 (bidgraph.detectors) imports bidgraph.workbench.views",
    ]


@pytest.mark.parametrize("folder", sorted(STAGES))
def test_each_stage_folder_is_a_package(folder):
    assert (REPO / folder / "__init__.py").is_file()
