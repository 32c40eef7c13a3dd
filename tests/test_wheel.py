"""The installed package works on its own: a wheel built from the source tree, installed in a
folder and imported from there (not from the checkout), runs the demo and finds its
schema.cypher (a symlink in the tree, a real file in the wheel)."""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "test-artifacts", "*.egg-info", "__pycache__", ".*_cache", "node_modules"
)


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(site folder holding the installed package, the wheel)."""
    root = tmp_path_factory.mktemp("wheel")
    src, dist, site = root / "src", root / "dist", root / "site"
    # a copy, so that the build's own build/ and egg-info stay out of the shared checkout
    shutil.copytree(REPO, src, ignore=NOT_SOURCE, symlinks=True)
    # build isolation brings a setuptools that builds wheels by itself
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(src)])
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("bidgraph-*.whl")
    done = _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)])
    assert done.returncode == 0, done.stderr
    return site, wheel


def _env(site) -> dict:
    return {**os.environ, "PYTHONPATH": str(site), "BIDGRAPH_NEO4J_URI": ""}


def test_the_wheel_carries_the_real_schema_cypher(installed):
    _, wheel = installed
    with zipfile.ZipFile(wheel) as zf:
        shipped = zf.read("bidgraph/graph/schema.cypher").decode("utf-8")
    assert shipped == (REPO / "schema.cypher").read_text(encoding="utf-8")


def test_the_wheel_carries_every_vocabulary_file(installed):
    _, wheel = installed
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n for n in zf.namelist() if n.endswith(".toml")}
    in_tree = {
        "bidgraph/" + str(p.relative_to(REPO))
        for folder in ("graph", "detectors", "cases", "workbench")
        for p in (REPO / folder).rglob("*.toml")
    }
    assert in_tree and in_tree <= shipped
    assert any(n.startswith("bidgraph/workbench/strings/") for n in shipped)


def test_the_installed_package_finds_schema_cypher(installed, tmp_path):
    site, _ = installed
    probe = (
        "import bidgraph, importlib.resources as r\n"
        "from bidgraph.graph.schema_cypher import shipped_statements\n"
        "path = r.files('bidgraph.graph') / 'schema.cypher'\n"
        "print(bidgraph.__file__); print(path); print(len(shipped_statements()))\n"
    )
    out = _run([sys.executable, "-c", probe], cwd=tmp_path, env=_env(site))
    assert out.returncode == 0, out.stderr
    package, cypher, count = out.stdout.split("\n")[:3]
    assert package.startswith(str(site)) and cypher.startswith(str(site))
    assert not os.path.islink(cypher) and int(count) > 0


def test_the_installed_demo_runs(installed, tmp_path):
    site, _ = installed
    cwd, workspace = tmp_path / "cwd", tmp_path / "ws"
    cwd.mkdir()
    args = [sys.executable, "-m", "bidgraph.cli", "demo", "--no-serve", "--scale", "small"]
    demo = _run([*args, "--workspace", str(workspace)], cwd=cwd, env=_env(site))
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert (workspace / "findings.jsonl").stat().st_size > 0
    which = _run([sys.executable, "-c", "import bidgraph.cli; print(bidgraph.cli.__file__)"], cwd=cwd, env=_env(site))
    assert which.stdout.strip().startswith(str(site))
