"""Incremental loads (issue 14): ``load --append`` adds an export to the live graph, updates rows
with history, deletes explicitly, resolves entities across old and new rows; several OCDS files
load into one graph; a plain load says it replaces."""

import importlib.util
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bidgraph.cli import main
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.graph.schema import schema

BENCH = Path(__file__).resolve().parents[1] / "bench" / "daily.py"
OCDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ocds"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_daily", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world") / "small"
    assert (
        main(["--workspace", str(out.parent / "unused"), "generate", str(out), "--scale", "small", "--seed", "7"]) == 0
    )
    return out


@pytest.fixture(scope="module")
def days(world, tmp_path_factory) -> list[Path]:
    return _bench().split(world, tmp_path_factory.mktemp("days"), 3)


def bidgraph(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), *map(str, args)])


def tables_by_key(ws: Path) -> dict[str, pd.DataFrame]:
    """The live tables sorted by their key (or whole row), without the source row numbers."""
    out = {}
    for name, frame in EmbeddedStore(ws).snapshot().tables.items():
        frame = frame.drop(columns=["_row"]).astype("str")
        out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def test_appending_day_by_day_equals_loading_at_once(world, days, tmp_path, capsys):
    daily, once = tmp_path / "daily", tmp_path / "once"
    for day in days:
        assert bidgraph(daily, "load", day, "--append", "--quiet") == 0
    assert bidgraph(once, "load", world, "--quiet") == 0
    for ws in (daily, once):
        assert bidgraph(ws, "detect", "--quiet", "--out", ws / "findings.jsonl") == 0
    capsys.readouterr()
    infos = []
    for ws in (daily, once):
        bidgraph(ws, "info", "--json")
        infos.append(json.loads(capsys.readouterr().out))
    assert infos[0]["nodes"] == infos[1]["nodes"] and infos[0]["relationships"] == infos[1]["relationships"]
    assert infos[0]["loads"] == 3 and infos[0]["history"] == {}
    a, b = tables_by_key(daily), tables_by_key(once)
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    bench = _bench()
    findings = [sorted(map(bench.lead, (ws / "findings.jsonl").read_text().splitlines())) for ws in (daily, once)]
    assert findings[0] == findings[1] and len(findings[0]) > 10


def test_the_same_export_appended_twice_changes_nothing(days, tmp_path, capsys):
    ws = tmp_path / "ws"
    assert bidgraph(ws, "load", days[0], "--append", "--quiet") == 0
    before = tables_by_key(ws)
    capsys.readouterr()
    assert bidgraph(ws, "load", days[0], "--append", "--quiet") == 0
    out = capsys.readouterr().out
    assert "nothing new" in out and "unchanged" in out and "version v000001" in out
    after = tables_by_key(ws)
    assert all(before[n].equals(after[n]) for n in before)


def _orgs_export(folder: Path, rows: list[dict], **extra) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).assign(**extra).to_csv(folder / "organizations.csv", index=False)
    return folder


def test_a_correction_updates_the_row_and_keeps_its_history(days, tmp_path, capsys):
    ws = tmp_path / "ws"
    bidgraph(ws, "load", days[0], "--append", "--quiet")
    org = pd.read_csv(days[0] / "organizations.csv", dtype=str).iloc[0].to_dict()
    fix = _orgs_export(tmp_path / "fix", [{**org, "name": "更正后的名称有限公司"}])
    capsys.readouterr()
    assert bidgraph(ws, "load", fix, "--append", "--quiet") == 0
    assert "organizations" in capsys.readouterr().out
    store = EmbeddedStore(ws)
    uid = f"Organization:{org['org_id']}"
    assert store.node(uid)["properties"]["name"] == "更正后的名称有限公司"
    [line] = store.history(uid)
    assert line["action"] == "updated" and line["values"]["name"] == org["name"]
    assert (line["file"], line["row"]) == ("organizations.csv", 2)
    assert (line["by_file"], line["by_row"], line["version"]) == ("organizations.csv", 2, "v000002")
    assert store.info()["history"] == {"organizations": 1}
    assert store.history("Organization:nobody") == []


def test_a_uscc_seen_again_resolves_to_the_old_node(days, tmp_path):
    ws = tmp_path / "ws"
    bidgraph(ws, "load", days[0], "--append", "--quiet")
    org = pd.read_csv(days[0] / "organizations.csv", dtype=str).iloc[0].to_dict()
    bids = pd.read_csv(days[0] / "bids.csv", dtype=str).iloc[:1].assign(bid_id="NEWBID", org_id="NEWORG")
    later = _orgs_export(tmp_path / "later", [{"org_id": "NEWORG", "uscc": org["uscc"], "name": "另一个写法公司"}])
    bids.to_csv(later / "bids.csv", index=False)
    assert bidgraph(ws, "load", later, "--append", "--quiet") == 0
    store = EmbeddedStore(ws)
    node = store.node(f"Organization:{org['org_id']}")
    assert node["properties"]["merged_ids"] == "NEWORG"
    assert store.node("Bid:NEWBID")["properties"]["org_id"] == org["org_id"]
    # A bid naming the merged id a month later still lands on the kept node.
    again = tmp_path / "again"
    again.mkdir()
    bids.assign(bid_id="NEWBID2").to_csv(again / "bids.csv", index=False)
    assert bidgraph(ws, "load", again, "--append", "--quiet") == 0
    assert store.node("Bid:NEWBID2")["properties"]["org_id"] == org["org_id"]


def test_deletions_are_explicit_and_kept_in_history(days, tmp_path, capsys):
    ws = tmp_path / "ws"
    bidgraph(ws, "load", days[0], "--append", "--quiet")
    payment = pd.read_csv(days[0] / "payments.csv", dtype=str)["payment_id"].iloc[0]
    marked = tmp_path / "marked"
    marked.mkdir()
    pd.DataFrame({"支付编号": [payment], "删除": ["是"]}).to_csv(marked / "payments.csv", index=False)
    assert bidgraph(ws, "load", marked, "--append", "--quiet") == 0
    store = EmbeddedStore(ws)
    uid = f"Payment:{payment}"
    assert not store.index.has(uid)
    [line] = store.history(uid)
    assert (line["action"], line["by_file"], line["by_row"]) == ("deleted", "payments.csv", 2)
    # Deleting a firm that bids still name is refused, and the graph stays as it was.
    firm = pd.read_csv(days[0] / "bids.csv", dtype=str)["org_id"].iloc[0]
    gone = _orgs_export(tmp_path / "gone", [{"org_id": firm, "deleted": "1"}])
    version = store.info()["version"]
    capsys.readouterr()
    assert bidgraph(ws, "load", gone, "--append", "--quiet") == 2
    assert f"deleting organizations {firm}" in capsys.readouterr().err
    assert store.info()["version"] == version and store.index.has(f"Organization:{firm}")


def test_delete_missing_removes_rows_absent_from_the_export(days, tmp_path):
    ws = tmp_path / "ws"
    bidgraph(ws, "load", days[0], "--append", "--quiet")
    sites = pd.read_csv(days[0] / "site_personnel.csv", dtype=str)
    export = tmp_path / "export"
    export.mkdir()
    sites.iloc[:1].to_csv(export / "site_personnel.csv", index=False)
    assert bidgraph(ws, "load", export, "--append", "--quiet", "--delete-missing", "site_personnel") == 0
    store = EmbeddedStore(ws)
    assert len(store.snapshot().tables["site_personnel"]) == 1
    assert store.info()["history"] == {"site_personnel": len(sites) - 1}
    assert bidgraph(ws, "load", export, "--append", "--delete-missing", "lots") == 2


def test_two_ocds_files_load_into_one_graph(tmp_path, capsys):
    files = sorted(OCDS.glob("*.jsonl"))
    alone = []
    for i, file in enumerate(files):
        assert bidgraph(tmp_path / f"alone{i}", "load", file, "--quiet") == 0
        alone.append(EmbeddedStore(tmp_path / f"alone{i}").info()["tables"])
    assert bidgraph(tmp_path / "both", "load", *files, "--quiet") == 0
    both = EmbeddedStore(tmp_path / "both").info()["tables"]
    for table in ("projects", "bids", "ocds_releases"):
        assert both[table] == alone[0][table] + alone[1][table] > 0
    positions = EmbeddedStore(tmp_path / "both").snapshot().tables["ocds_releases"]["position"]
    assert sorted(positions) == list(range(1, len(positions) + 1))
    folder = tmp_path / "inbox"
    folder.mkdir()
    for file in files:
        shutil.copy(file, folder)
    assert bidgraph(tmp_path / "folder", "load", folder, "--quiet") == 0
    assert EmbeddedStore(tmp_path / "folder").info()["tables"] == both
    assert bidgraph(tmp_path / "appended", "load", files[0], "--quiet") == 0
    assert bidgraph(tmp_path / "appended", "load", files[1], "--append", "--quiet") == 0
    assert EmbeddedStore(tmp_path / "appended").info()["tables"] == both


def test_a_plain_load_says_it_replaces_the_graph(world, days, tmp_path, capsys):
    ws = tmp_path / "ws"
    bidgraph(ws, "load", world, "--quiet")
    live = EmbeddedStore(ws).live_tables()
    capsys.readouterr()
    assert bidgraph(ws, "load", world, "--quiet") == 0
    out = capsys.readouterr().out
    assert f"replaces the current graph ({live['organizations']} organizations, {live['bids']} bids)" in out
    assert "替换现有图谱" in out
    assert all(schema().tables[t].key is None or n > 0 for t, n in live.items())


def test_a_workspace_keeps_its_newest_versions_and_the_last_batchs(days, tmp_path, monkeypatch):
    monkeypatch.setenv("BIDGRAPH_KEEP_VERSIONS", "2")
    ws = tmp_path / "ws"
    bidgraph(ws, "load", days[0], "--append", "--quiet")
    assert bidgraph(ws, "detect", "--quiet") == 0
    org = pd.read_csv(days[0] / "organizations.csv", dtype=str).iloc[0].to_dict()
    for n, name in enumerate(["第一次更正有限公司", "第二次更正有限公司", "第三次更正有限公司"], start=2):
        bidgraph(ws, "load", _orgs_export(tmp_path / f"fix{n}", [{**org, "name": name}]), "--append", "--quiet")
    assert sorted(p.name for p in (ws / "versions").iterdir()) == ["v000001", "v000003", "v000004"]
    store = EmbeddedStore(ws)
    assert [line["values"]["name"] for line in store.history(f"Organization:{org['org_id']}")] == [
        org["name"],
        "第一次更正有限公司",
        "第二次更正有限公司",
    ]
    assert bidgraph(ws, "detect", "--quiet") == 0
    changes = store.last_batch()["changes"]
    assert len(store.findings()) > 0 and changes["new"] == changes["gone"] == []  # compared with v000001's findings


def test_a_bad_keep_versions_setting_stops_the_load_before_it_writes(days, tmp_path, monkeypatch, capsys):
    ws = tmp_path / "ws"
    bidgraph(ws, "load", days[0], "--append", "--quiet")
    monkeypatch.setenv("BIDGRAPH_KEEP_VERSIONS", "a week")
    capsys.readouterr()
    assert bidgraph(ws, "load", days[1], "--append", "--quiet") != 0
    assert "BIDGRAPH_KEEP_VERSIONS='a week'" in capsys.readouterr().err
    assert sorted(p.name for p in (ws / "versions").iterdir()) == ["v000001"]
    assert (ws / "CURRENT").read_text(encoding="utf-8") == "v000001"
