"""Portraits (graph/profiles.py, cases/portrait_links.py, the portraits page's sections and PDF)
on a generated city's real detector output: the numbers against the bundle's own rows, region
scope (a county user gets no portrait of another county's firm, and the refusal is audited;
a firm active in both counties is cut to its part), the page's languages and the PDF's text."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess

import pytest
from test_workbench_language import foreign
from workbench_world import open_view

from bidgraph.cases.db import CasesStore
from bidgraph.cases.portrait_links import touching
from bidgraph.cases.scoped_store import RegionViews
from bidgraph.cases.users import User, add_user
from bidgraph.citygen import generate_city
from bidgraph.detectors.core.batches import record_batch
from bidgraph.detectors.core.settings import load_settings
from bidgraph.errors import NotFound
from bidgraph.graph import profiles
from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.loaders.bundle import read_bundle
from bidgraph.workbench.callbacks.portraits import finding_links, portrait, portrait_pdf, search_links
from bidgraph.workbench.portrait_sections import cell_text


def detected_city(root) -> EmbeddedStore:
    """A small generated city (seed 3) loaded under ``root`` with one detector batch recorded."""
    generate_city(root / "city", scale="small", seed=3)
    store = EmbeddedStore(root / "ws")
    store.load(read_bundle(root / "city"))
    record_batch(store, store.snapshot(), load_settings(), progress=False)
    return store


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    return detected_city(tmp_path_factory.mktemp("profiles"))


@pytest.fixture(scope="module")
def data(graph):
    return open_view(graph)


def _ring_firm(data) -> str:
    ring = next(f for f in data.findings() if f["detector"] == "bid_ring")
    return next(e["id"] for e in ring["entities"] if e["type"] == "company")


def test_a_firm_portrait_counts_its_bids_wins_and_co_bidders(graph, data):
    org = _ring_firm(data)
    p = profiles.firm_profile(data.api, org, data.findings())
    bids = graph.snapshot()["bids"]
    mine = bids[bids["org_id"] == org]
    assert p["totals"]["bids"] == len(mine) > 0
    assert p["totals"]["wins"] == int(mine["is_winner"].fillna(False).sum())
    assert sum(y["bids"] for y in p["per_year"]) == len(mine)
    assert sum(y["wins"] for y in p["per_year"]) == p["totals"]["wins"]
    assert sum(r["wins"] for r in p["won_with"] if r["role"] == "tenderer") == p["totals"]["wins"]
    # co-bidders: the firms on its lots, with how many lots they met on
    others = bids[bids["lot_id"].isin(mine["lot_id"]) & (bids["org_id"] != org)]
    expected = others.groupby("org_id")["lot_id"].nunique().sort_values(ascending=False)
    assert p["co_bidders"][0]["lots"] == int(expected.iloc[0])
    assert {r["org_id"]: r["lots"] for r in p["co_bidders"]}.items() <= expected.to_dict().items()
    assert {r["person_id"] for r in p["persons"]} == set(
        graph.snapshot()["person_roles"].query("org_id == @org")["person_id"]
    )
    # the ring's members share traces; every finding it is in is listed, strongest first
    assert p["traces"] and all(r["firms"] for r in p["traces"])
    named = [f["id"] for f in data.findings() if f["detector"] != "smoke_index" and org in json.dumps(f["entities"])]
    assert sorted(named) == sorted(f["id"] for f in p["findings"])
    assert [f["score"] for f in p["findings"]] == sorted((f["score"] for f in p["findings"]), reverse=True)
    assert p["smoke"]["index"] > 0 and p["smoke"]["trend"][-1][1] == p["smoke"]["index"]


def test_an_expert_portrait_measures_each_score_against_the_rest_of_its_panel(graph, data):
    bias = next(f for f in data.findings() if f["detector"] == "expert_bias")
    expert = next(e["id"] for e in bias["entities"] if e["type"] == "expert")
    p = profiles.expert_profile(data.api, expert, data.findings())
    scores = graph.snapshot()["expert_scores"]
    mine = scores[scores["expert_id"] == expert]
    rest = scores[scores["expert_id"] != expert].groupby("bid_id")["score"].mean()
    deviation = (mine["score"] - mine["bid_id"].map(rest)).mean()
    assert p["totals"]["scores"] == len(mine)
    assert p["totals"]["panels"] == mine["lot_id"].nunique() == len(p["panels"])
    assert p["totals"]["mean_deviation"] == pytest.approx(deviation, abs=0.01)
    assert abs(p["totals"]["mean_deviation"]) > 3  # the planted biased expert
    assert bias["id"] in {f["id"] for f in p["findings"]}
    assert all(f["mean_deviation"] > 0 for f in p["firms_high"])


def test_a_project_archive_puts_its_lifecycle_on_one_timeline(graph, data):
    snap = graph.snapshot()
    project = snap["contract_changes"].merge(snap["contracts"], on="contract_id")["lot_id"].iloc[0].rsplit("-", 1)[0]
    p = profiles.project_profile(data.api, project, data.findings())
    events = p["timeline"]
    stages = [e["stage"] for e in events]
    assert stages[0] == "approved"
    assert {"published", "submitted", "opened", "awarded", "signed", "change", "payment"} <= set(stages)
    dates = [e["date"] for e in events if e["date"]]
    assert dates == sorted(dates)
    contracts = snap["contracts"][snap["contracts"]["lot_id"].isin(p["lots"])]
    payments = snap["payments"][snap["payments"]["contract_id"].isin(contracts["contract_id"])]
    assert stages.count("payment") == len(payments) and stages.count("signed") == len(contracts)
    assert stages.count("awarded") == int(
        snap["bids"][snap["bids"]["lot_id"].isin(p["lots"])]["is_winner"].fillna(False).sum()
    )
    lots = set(p["lots"])
    touching_lots = [
        f for f in data.findings() if f["detector"] != "smoke_index" and {e["id"] for e in f["entities"]} & lots
    ]
    assert {f["id"] for f in touching_lots} <= {f["id"] for f in p["findings"]}


def test_a_cut_smoke_index_shows_only_its_current_part():
    whole = {"detector": "smoke_index", "id": "S", "score": 0.5, "last_seen": "t2"}
    whole["entities"] = [{"type": "company", "id": "A", "role": "company"}]
    whole["scores"] = [["t1", 0.7], ["t2", 0.8]]  # the city-wide history; the county's part is 50
    assert profiles.smoke_trend([whole], "company", "A")["trend"] == [["t2", 50.0]]
    assert profiles.smoke_trend([{**whole, "score": 0.8}], "company", "A")["trend"] == [["t1", 70.0], ["t2", 80.0]]


def test_cases_dispatches_and_complaints_touching_a_portrait_are_picked():
    keys = {("company", "A")}
    finding = {"id": "F1", "entities": [{"type": "company", "id": "A"}]}
    other = {"id": "F2", "entities": [{"type": "company", "id": "B"}]}
    cases = [
        {"id": "C1", "findings": [finding]},
        {"id": "C2", "findings": [other]},
        {"id": "C3", "findings": [], "nodes": ["Organization:A"]},
    ]
    dispatches = [
        {"id": "D1", "subject_kind": "finding", "subject_id": "F1", "subject": finding},
        {"id": "D2", "subject_kind": "case", "subject_id": "C3", "subject": {}},
        {"id": "D3", "subject_kind": "case", "subject_id": "C2", "subject": {}},
    ]
    complaints = [{"id": "Q1", "complainant_org_id": "A"}, {"id": "Q2", "findings": ["F1"]}, {"id": "Q3"}]
    hit = touching(keys, {"F1"}, cases, dispatches, complaints)
    assert [c["id"] for c in hit["cases"]] == ["C1", "C3"]
    assert [d["id"] for d in hit["dispatches"]] == ["D1", "D2"]
    assert [q["id"] for q in hit["complaints"]] == ["Q1", "Q2"]


def _county_views(graph, tmp_path, region):
    cases = CasesStore(tmp_path / "cases")
    user = add_user(cases, User("setup", "admin", None), "county", "county-password-1", "investigator", region)
    return cases, RegionViews(graph, cases, user=lambda: user).store(region)


def _audited(cases, action):
    rows = cases.connection().execute("SELECT detail FROM audit WHERE user = 'county' AND action = ?", (action,))
    return [json.loads(r["detail"]) for r in rows]


def test_a_county_user_gets_no_portrait_of_another_countys_firm_and_the_refusal_is_audited(graph, tmp_path):
    snap = graph.snapshot()
    bids = snap["bids"].merge(snap["lots"], on="lot_id").merge(snap["projects"], on="project_id")
    regions = bids.groupby("org_id")["region_code"].agg(set)
    here = "360122"
    elsewhere = next(o for o, r in sorted(regions.items()) if here not in r)
    both = next(o for o, r in sorted(regions.items()) if here in r and len(r) > 1)
    cases, api = _county_views(graph, tmp_path, here)
    findings = api.findings()
    with pytest.raises(NotFound):
        profiles.firm_profile(api, elsewhere, findings)
    assert {"node": f"Organization:{elsewhere}", "action": "view"} in _audited(cases, "denied")
    cut = profiles.firm_profile(api, both, findings)
    whole = profiles.firm_profile(open_view(graph).api, both, open_view(graph).findings())
    assert cut["totals"]["bids"] == int((bids["org_id"].eq(both) & bids["region_code"].eq(here)).sum())
    assert cut["totals"]["bids"] < whole["totals"]["bids"]
    own_lots = set(snap["lots"].merge(snap["projects"], on="project_id").query("region_code == @here")["lot_id"])
    co = {r["org_id"] for r in cut["co_bidders"]}
    assert co <= set(bids[bids["lot_id"].isin(own_lots)]["org_id"])
    assert {"node": f"Organization:{both}"} in _audited(cases, "view")
    project = snap["projects"].query("region_code != @here")["project_id"].iloc[0]
    with pytest.raises(NotFound):
        profiles.project_profile(api, project, findings)


def _texts(parts) -> list[str]:
    return [p.title for p in parts] + [h for p in parts for h in p.header] + [p.note for p in parts]


def test_portraits_speak_one_language(data):
    refs = [f"firm:{_ring_firm(data)}", "expert:EXP00044", "project:PRJ000002"]
    for ref in refs:
        _, parts, note = portrait(data, ref, "zh")
        cells = [cell_text(c) for p in parts for row in p.rows for c in row]
        assert foreign(_texts(parts) + [note] + cells, "zh") == [], ref
        _, parts, note = portrait(data, ref, "en")
        labels = [cell_text(row[1]) for p in parts if p.header and p.header[1] == "Step" for row in p.rows]
        assert foreign(_texts(parts) + [note] + labels, "en") == [], ref


def test_portrait_links_from_a_finding_and_search_results(data):
    ring = next(f for f in data.findings() if f["detector"] == "bid_ring")
    hrefs = [c.href for c in finding_links(data, ring["id"], "zh")[1:]]
    assert f"?portrait=firm:{_ring_firm(data)}" in hrefs
    assert any(h.startswith("?portrait=project:") for h in hrefs)
    rows = [{"id": "Organization:ORG1", "name": "甲"}, {"id": "IP:1.2.3.4"}, {"id": "Project:P1", "name": "路"}]
    assert [c.href for c in search_links(rows, "zh")[1:]] == ["?portrait=firm:ORG1", "?portrait=project:P1"]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_the_pdf_holds_the_portrait_in_chinese(data, tmp_path):
    download, filename = portrait_pdf(data, "project:PRJ000002", "zh")
    assert filename == "bidgraph-project-PRJ000002.pdf" and download["base64"]
    path = tmp_path / filename
    path.write_bytes(base64.b64decode(download["content"]))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "项目档案" in text and "全过程时间线" in text and "签订合同" in text and "PRJ000002" in text
