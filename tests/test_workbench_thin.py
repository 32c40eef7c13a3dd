"""A thin workbench: it ranks what ``bidgraph detect`` stored (the same list as ``bidgraph rank``),
and its callbacks reach only the user's scoped view, never the whole graph or the cases store."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from types import FunctionType, MethodType, ModuleType, SimpleNamespace

import pandas as pd
import pytest
from conftest import as_bundle
from test_cases_world import PASSWORD, WEST, clock, load_world, people, store  # noqa: F401
from workbench_world import open_view, tiny_store

from bidgraph.cases import users
from bidgraph.cases.db import CasesStore
from bidgraph.cases.scoped_store import RegionViews, ScopedStore
from bidgraph.cli import main
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.smoke_index import smoke_scores
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.neo4j.store import Neo4jStore
from bidgraph.workbench import app as workbench_app
from bidgraph.workbench.app import create_app
from bidgraph.workbench.auth import Auth
from bidgraph.workbench.callbacks.overview import ranking
from bidgraph.workbench.casedesk import CaseDesk
from bidgraph.workbench.data import WorkbenchData
from bidgraph.workbench.views import smoke_ranking

CALLBACKS = Path(__file__).resolve().parents[1] / "workbench" / "callbacks"
# What a callback module must not import: the stores themselves, the way to open one, the cases
# store, the login machinery (which holds both), or a detector's arithmetic.
FORBIDDEN_IMPORTS = (
    "bidgraph.graph.api",
    "bidgraph.graph.embedded",
    "bidgraph.graph.neo4j",
    "bidgraph.cases.db",
    "bidgraph.workbench.auth",
    "bidgraph.detectors",
)
UNSCOPED = (EmbeddedStore, Neo4jStore, CasesStore)
BOUNDARIES = (ScopedStore, RegionViews, CaseDesk)  # hold the whole graph or cases store privately
LEAVES = (str, bytes, int, float, bool, type(None), type, ModuleType, pd.DataFrame, pd.Series, pd.Index)


# -- the ranking is the stored smoke index ------------------------------------------------------
@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """A small generated city, loaded (no detector batch yet)."""
    root = tmp_path_factory.mktemp("thin")
    assert main(["generate", str(root / "bundle"), "--scale", "small", "--seed", "3"]) == 0
    assert main(["--workspace", str(root / "ws"), "load", str(root / "bundle")]) == 0
    return root / "ws"


def _rank_json(workspace: Path, level: str, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "rank", "--by", level, "--top", "10", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_overview_and_rank_list_the_same_entities_in_the_same_order_under_workspace_settings(city, capsys):
    weights = load_settings()["smoke_index"]["weights"]
    changed = {**{d: w / 2 for d, w in weights.items()}, "price_screen": weights["price_screen"]}  # lot screens lead
    inline = ", ".join(f"{k} = {v}" for k, v in changed.items())
    (city / "settings.toml").write_text(f"[smoke_index]\nweights = {{ {inline} }}\n", encoding="utf-8")
    assert main(["--workspace", str(city), "detect", "--quiet"]) == 0

    by_level = {level: _rank_json(city, level, capsys) for level in ("lot", "project", "org", "tenderer")}
    merged = sorted(
        (r for rows in by_level.values() for r in rows),
        key=lambda r: (-r["index"], -r["findings"], -r["strongest"], r["level"], r["entity"]),
    )
    _, overview = ranking(open_view(EmbeddedStore(city)), "en", limit=10)
    assert len(overview) == 10
    assert [(r["uid"], r["score"]) for r in overview] == [(r["uid"], r["index"]) for r in merged[:10]]

    # the batch's settings are in the stored ranking ...
    weights_seen = {
        c["weight"]
        for rows in by_level.values()
        for r in rows
        for c in r["contributions"]
        if c["detector"] != "price_screen"
    }
    assert weights_seen == {weights["bid_ring"] / 2}
    # ... and differ from the defaults, so a page recomputing with them would rank differently
    others = [f for f in EmbeddedStore(city).findings() if f["detector"] != "smoke_index"]
    default = smoke_scores(others, EmbeddedStore(city).snapshot(), load_settings()["smoke_index"], top=10)
    assert list(zip(default["level"], default["entity"])) != [(r["level"], r["entity"]) for r in merged[:10]]


def test_rank_says_when_there_is_no_batch_or_no_smoke_index(tmp_path, tiny_tables, capsys):
    store = EmbeddedStore(tmp_path)
    store.load(as_bundle(tiny_tables))
    assert main(["--workspace", str(tmp_path), "rank"]) == 2
    assert "run `bidgraph detect` first" in capsys.readouterr().err
    store.save_findings([{"id": "F-000001", "detector": "shared_device", "score": 0.9, "entities": []}])
    assert main(["--workspace", str(tmp_path), "rank"]) == 2
    assert "no smoke index" in capsys.readouterr().err


def test_rank_prints_the_stored_ranking_of_one_level(tmp_path, tiny_tables, capsys):
    tiny_store(tmp_path, tiny_tables)  # stores the smoke index of B (47.0) and A (43.0)
    assert main(["--workspace", str(tmp_path), "rank", "--by", "org", "--top", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[1].split()[:4] == ["1", "B", "47.0", "3"]
    assert main(["--workspace", str(tmp_path), "rank", "--by", "lot"]) == 0
    assert "no lot reached" in capsys.readouterr().out


def test_smoke_ranking_orders_by_index_then_level_then_entity():
    def smoke(fid, level, entity, index):
        return {
            "id": fid,
            "detector": "smoke_index",
            "entities": [{"type": "company" if level in ("org", "tenderer") else level, "id": entity, "role": level}],
            "evidence": {"measured": {"index": index, "findings": 1}, "by_detector": {}, "contributions": []},
        }

    findings = [smoke("F1", "org", "B", 70.0), smoke("F2", "lot", "L1", 80.0), smoke("F3", "org", "A", 70.0)]
    findings += [smoke("F4", "lot", "L2", 70.0), {"id": "F5", "detector": "bid_ring", "entities": []}]
    assert [r["finding"] for r in smoke_ranking(findings)] == ["F2", "F4", "F3", "F1"]
    assert [r["uid"] for r in smoke_ranking(findings, "org", top=1)] == ["Organization:A"]


# -- the callbacks reach only the scoped view ---------------------------------------------------
def _imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out += [f"{node.module}.{a.name}" for a in node.names]
    return out


def test_no_callback_module_imports_a_store_or_a_detector():
    modules = sorted(CALLBACKS.glob("*.py"))
    assert len(modules) >= 6
    bad = [
        f"{path.name}: {name}"
        for path in modules
        for name in _imports(path)
        if name.startswith(FORBIDDEN_IMPORTS) or name.endswith((".open_store", ".GraphStore"))
    ]
    assert bad == []


def _children(obj) -> list[tuple[str, object]]:
    if isinstance(obj, dict):
        return [(f"[{k!r}]", v) for k, v in obj.items()]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [(f"[{i}]", v) for i, v in enumerate(obj)]
    if isinstance(obj, MethodType):
        return [("__self__", obj.__self__), ("__func__", obj.__func__)]
    if isinstance(obj, FunctionType):
        return list(zip(obj.__code__.co_freevars, (c.cell_contents for c in obj.__closure__ or ())))
    return list(vars(obj).items()) if hasattr(obj, "__dict__") else []


def unscoped_paths(root) -> list[str]:
    """Attribute paths from ``root`` to the whole graph or the cases store. Everything is
    followed (private attributes, containers, closures, bound methods) except the insides of
    the boundary objects, which are entered only through their public attributes."""
    found, seen, todo = [], set(), [("data", root)]
    while todo:
        path, obj = todo.pop()
        if isinstance(obj, LEAVES) or id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, UNSCOPED):
            found.append(path)
            continue
        for name, value in _children(obj):
            if not (isinstance(obj, BOUNDARIES) and name.startswith("_")):
                todo.append((f"{path}.{name}", value))
    return found


def _captured_data(monkeypatch, store, auth=None) -> tuple:
    """The app and the ``data`` each callback module is registered with by ``create_app``."""
    seen = []
    for module in workbench_app.CALLBACKS:
        monkeypatch.setattr(module, "register", lambda app, data: seen.append(data))
    app = create_app(store, auth=auth)
    assert len(seen) == len(workbench_app.CALLBACKS)
    return app, seen


def test_without_login_the_callbacks_data_holds_only_a_scoped_store(monkeypatch, tmp_path, tiny_tables):
    store = tiny_store(tmp_path, tiny_tables)
    _, seen = _captured_data(monkeypatch, store)
    for data in seen:
        assert isinstance(data.api, ScopedStore) and data.cases is None
        data.rows(), data.ranking()  # fill the caches, so they are walked too
        assert unscoped_paths(data) == []


def test_with_login_the_callbacks_data_holds_only_scoped_views(monkeypatch, tmp_path, store, people):  # noqa: F811
    load_world(tmp_path / "ws")
    graph = EmbeddedStore(tmp_path / "ws")
    app, seen = _captured_data(monkeypatch, graph, Auth(store))
    session = users.login(store, "west", PASSWORD)
    with app.server.test_request_context(headers={"X-CSRFToken": session.csrf_token}):
        from flask import g

        g.bidgraph_user, g.bidgraph_token = session.user, session.token
        for data in seen:
            assert data.api.scope.region_code == WEST and isinstance(data.cases, CaseDesk)
            data.findings(), data.cases.list_cases()
            assert unscoped_paths(data) == []


def test_the_walk_finds_an_unscoped_store_behind_private_names_and_closures(tmp_path, tiny_tables, store):  # noqa: F811
    graph = tiny_store(tmp_path, tiny_tables)
    scoped = RegionViews(graph).store(None)
    assert unscoped_paths(SimpleNamespace(api=scoped)) == []
    assert unscoped_paths(SimpleNamespace(api=scoped, graph=graph)) == ["data.graph"]
    assert unscoped_paths(SimpleNamespace(_auth=SimpleNamespace(cases=store))) == ["data._auth.cases"]
    assert unscoped_paths(SimpleNamespace(index=lambda: graph.info())) == ["data.index.graph"]
    with pytest.raises(TypeError, match="ScopedStore"):
        WorkbenchData(graph)
