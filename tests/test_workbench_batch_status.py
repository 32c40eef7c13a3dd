"""The workbench reads the stored batch record: the findings page names the detectors that
were not applicable (with what was missing) or failed, the overview what the last batch
changed, counted in the user's region."""

from __future__ import annotations

from test_cli_core import write_bundle

from bidgraph.cases.scoped_store import RegionViews
from bidgraph.cli import main
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.workbench.callbacks.findings import detector_status
from bidgraph.workbench.callbacks.overview import changes_since_last
from bidgraph.workbench.data import WorkbenchData


def texts(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    return " ".join(texts(c) for c in children) if isinstance(children, list) else texts(children)


def view(ws, region=None) -> WorkbenchData:
    return WorkbenchData(RegionViews(EmbeddedStore(ws)).store(region))


def test_findings_page_shows_a_not_applicable_detector_and_overview_the_changes(tmp_path, tiny_tables):
    ws = tmp_path / "ws"
    main(["load", str(write_bundle(tiny_tables, tmp_path / "b")), "--workspace", str(ws), "--quiet"])
    data = view(ws)
    assert detector_status(data, "zh") is None and changes_since_last(data, "zh") is None
    main(["detect", "--workspace", str(ws), "--quiet"])
    status = texts(detector_status(data, "zh"))
    assert "B-000001" in status
    assert "标书特征码相同：不适用——不适用：缺少 bid_documents 数据" in status
    assert "B-000001" in texts(changes_since_last(data, "en"))
    new = len(EmbeddedStore(ws).batches()[-1]["changes"]["new"])
    assert new > 0
    assert f"{new} new, 0 changed, 0 gone" in texts(changes_since_last(data, "en"))
    assert "0 new, 0 changed, 0 gone" in texts(changes_since_last(view(ws, "330199"), "en"))
