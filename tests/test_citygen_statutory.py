"""The statutory tables of issue 13: each scheme and decoy planted, deterministic, loaded clean."""

from __future__ import annotations

import hashlib

import pytest

from bidgraph.citygen.city import generate_city
from bidgraph.citygen.statutory import STATUTORY_TABLES
from bidgraph.evaluation.statutory import _collusive_groups, score_statutory
from bidgraph.loaders.bundle import read_bundle


@pytest.fixture(scope="module", params=["default", "hard"])
def world(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    truth = generate_city(out, "small", seed=7, realism=request.param)
    return out, truth, read_bundle(out)


def _digests(folder) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


def test_same_seed_same_files(tmp_path, world):
    out, truth, _ = world
    generate_city(tmp_path, "small", seed=7, realism=truth["meta"].get("realism", "default"))
    assert _digests(tmp_path) == _digests(out)


def test_every_statutory_table_loads_with_nothing_quarantined(world):
    _, truth, bundle = world
    for name in STATUTORY_TABLES:
        assert bundle.counts[name]["quarantined"] == 0
        assert bundle.counts[name]["taken"] == truth["meta"]["counts"]["rows"][name] > 0
    assert len(bundle.quarantine) == 0


def test_contract_changes_and_settlements_are_planted_as_described(world):
    _, truth, bundle = world
    t = bundle.tables
    amount = t["contracts"].set_index("contract_id")["amount"]
    delta = t["contract_changes"].groupby("contract_id")["amount_delta"]
    kinds = {c["kind"] for c in truth["contract_change"]}
    assert kinds == {"large", "repeated", "low_bid_high_settlement"}
    for c in (c for c in truth["contract_change"] if c["kind"] != "low_bid_high_settlement"):
        share = delta.sum()[c["contract_id"]] / amount[c["contract_id"]]
        n = delta.count()[c["contract_id"]]
        assert share > 0.10 or n >= 3, c
    for c in truth["decoys"]["small_change_orders"]:
        assert delta.sum()[c["contract_id"]] / amount[c["contract_id"]] < 0.10 and len(c["change_ids"]) == 1
    settled = t["settlements"].set_index("contract_id")["settled_amount"]
    varied = amount.add(delta.sum(), fill_value=0)
    ratio = (settled / varied.reindex(settled.index)).dropna()
    growth = {c["contract_id"] for c in truth["quantity_growth"]}
    assert (ratio[list(growth)] > 1.15).all()
    assert (ratio.drop(list(growth)).between(0.97, 1.0301)).all()


def test_low_bidder_grows_back_past_the_runner_up(world):
    _, truth, bundle = world
    t = bundle.tables
    low = [c for c in truth["contract_change"] if c["kind"] == "low_bid_high_settlement"]
    assert low
    contracts = t["contracts"].set_index("contract_id")
    settled = t["settlements"].set_index("contract_id")["settled_amount"]
    for c in low:
        lot = contracts.at[c["contract_id"], "lot_id"]
        prices = t["bids"][(t["bids"]["lot_id"] == lot) & t["bids"]["is_valid"].fillna(False)]["price"].sort_values()
        assert contracts.at[c["contract_id"], "amount"] == prices.iloc[0]
        assert settled[c["contract_id"]] > prices.iloc[1]


def test_personnel_changes_early_concurrent_and_late_decoys(world):
    _, truth, bundle = world
    t = bundle.tables
    changes = t["personnel_changes"].merge(t["contracts"][["contract_id", "signed_on"]], on="contract_id")
    days = (changes["changed_on"] - changes["signed_on"]).dt.days
    by_lot = dict(zip(changes["lot_id"], days))
    early = [p for p in truth["personnel_change"] if p["kind"] == "early"]
    assert early and all(by_lot[p["lot_id"]] < truth["meta"]["thresholds"]["early_replacement_days"] for p in early)
    site = t["site_personnel"]
    for p in (p for p in truth["personnel_change"] if p["kind"] == "concurrent"):
        there = site[(site["person_id"] == p["person_id"]) & (site["lot_id"] == p["other_lot_id"])]
        on = changes.loc[changes["lot_id"] == p["lot_id"], "changed_on"].iloc[0]
        assert (there["first_seen"] <= on).all() and (there["last_seen"] > on).all() and len(there)
    reasons = dict(zip(changes["lot_id"], changes["reason"]))
    late = truth["decoys"]["late_replacements"]
    assert late and all(by_lot[d["lot_id"]] >= 60 and "经" in reasons[d["lot_id"]] for d in late)


def test_bid_file_presumptions_are_planted_on_competing_bids(world):
    _, truth, bundle = world
    t = bundle.tables
    bonds = t["bid_bonds"].set_index("bid_id")["payer_account"]
    texts = t["bid_texts"].pivot(index="bid_id", columns="section", values="text")
    bids = t["bids"].set_index("bid_id")
    statutory = truth["statutory"]
    for kind in ("same_bond_account", "same_compiler", "same_project_manager"):
        assert statutory[kind]
        for item in statutory[kind]:
            assert set(bids.loc[item["bid_ids"], "lot_id"]) == {item["lot_id"]}
            assert len(set(bids.loc[item["bid_ids"], "org_id"])) == len(item["bid_ids"])
    assert all(bonds[i["bid_ids"]].nunique() == 1 for i in statutory["same_bond_account"])
    compiler = texts["cover"].str.extract(r"编制人[:：](.+)")[0]
    assert all(compiler[i["bid_ids"]].nunique() == 1 for i in statutory["same_compiler"])
    assert all(texts.loc[i["bid_ids"], "project_manager"].nunique() == 1 for i in statutory["same_project_manager"])
    assert {i["kind"] for i in truth["identical_errors"]} == {"near_duplicate", "shared_errors"}
    for item in truth["identical_errors"]:
        tech = texts.loc[item["bid_ids"], "technical"]
        assert tech.str.contains("本项目为").all() if item["kind"] == "shared_errors" else tech.str.len().nunique() == 1


def test_boilerplate_decoys_share_standard_clauses_and_masked_accounts_are_distinct(world):
    _, truth, bundle = world
    t = bundle.tables
    tech = t["bid_texts"][t["bid_texts"]["section"] == "technical"].merge(t["bids"][["bid_id", "lot_id", "org_id"]])
    on_decoys = tech[tech["lot_id"].isin(truth["decoys"]["boilerplate_lots"])]
    assert len(on_decoys) >= 3 * len(truth["decoys"]["boilerplate_lots"])
    assert on_decoys["text"].str.contains("按招标文件第五章技术标准和要求").all()
    accounts = t["bid_bonds"].merge(t["bids"][["bid_id", "org_id"]])[["org_id", "payer_account"]].drop_duplicates()
    shared = {a for i in truth["statutory"]["same_bond_account"] for a in [i["account"]]}
    honest = accounts[~accounts["payer_account"].isin(shared)]
    assert honest["payer_account"].str.fullmatch(r"\d{4}\*{4}\d{4}").all()
    assert honest.groupby("payer_account")["org_id"].nunique().max() == 1


def test_scoring_names_each_scheme_and_decoy(world):
    _, truth, _ = world

    def finding(detector, *ids):
        return {"detector": detector, "score": 1.0, "entities": [{"type": "x", "id": i} for i in ids]}

    found = {
        "contract_change": [finding("contract_change", c["contract_id"]) for c in truth["contract_change"]],
        "statutory_presumption": [
            finding("statutory_presumption", *i["org_ids"]) for i in truth["statutory"]["same_bond_account"]
        ],
        "personnel_change": [
            finding("personnel_change", d["lot_id"], d["person_id"]) for d in truth["decoys"]["late_replacements"]
        ],
    }
    report = score_statutory(truth, found)
    assert report["schemes"]["contract_change"] | {"detectors": None} == {
        "detectors": None,
        "planted": len(truth["contract_change"]),
        "findings": len(truth["contract_change"]),
        "true_findings": len(truth["contract_change"]),
        "precision": 1.0,
        "recall": 1.0,
    }
    assert report["schemes"]["same_bond_account"]["recall"] == 1.0
    assert report["schemes"]["same_compiler"]["recall"] == 0.0
    assert report["schemes"]["personnel_change"]["precision"] == 0.0
    assert report["decoys"]["late_replacements"]["flagged"] == len(truth["decoys"]["late_replacements"])


def test_collusion_truth_records_elsewhere_is_a_true_presumption(world):
    """A ring's shared author (Art. 40(1)) is true collusion, not a false alarm; two honest firms are."""
    _, truth, _ = world

    def members(*orgs):
        return {
            "detector": "statutory_presumption",
            "score": 0.8,
            "entities": [{"type": "company", "id": o, "role": "member"} for o in orgs],
        }

    ring = truth["rings"][0]["members"][:2]
    colluding = set().union(*_collusive_groups(truth))
    honest = sorted(set(truth["decoys"]["small_county"]["org_ids"]) - colluding)[:2]
    report = score_statutory(truth, {"statutory_presumption": [members(*ring), members(*honest)]})
    scored = report["schemes"]["same_compiler"]
    assert (scored["true_findings"], scored["precision"]) == (1, 0.5)
    assert truth["statutory"]["same_bond_account"][0]["law"].endswith("第四十条(六)")


def test_knocked_out_tenders_and_one_contentious_lot(world):
    """A planted tenderer loses more than a third of its lots' bids at opening, every lot; a decoy
    tenderer loses most of one lot's bids and none beyond chance elsewhere."""
    _, truth, bundle = world
    bids = bundle.tables["bids"]
    invalid = 1 - bids.groupby("lot_id")["is_valid"].agg(lambda v: v.fillna(True).astype(bool).mean())
    assert truth["efficiency_anomaly"] or truth["meta"].get("realism") == "hard"
    for item in truth["efficiency_anomaly"]:
        assert len(item["lot_ids"]) >= 6 and (invalid[item["lot_ids"]] > 1 / 3).all()
        assert bids[bids["lot_id"].isin(item["lot_ids"])].groupby("lot_id")["is_valid"].sum().min() >= 3
    for decoy in truth["decoys"]["contentious_lots"]:
        assert (invalid[decoy["lot_ids"]] >= 0.4).sum() == 1


def test_an_efficiency_finding_on_a_rigged_unit_is_true(world):
    _, truth, _ = world

    def unit(org, role):
        return {
            "detector": "efficiency_anomaly",
            "score": 0.5,
            "entities": [{"type": "company", "id": org, "role": role}],
        }

    if not truth["efficiency_anomaly"]:
        pytest.skip("the small hard world leaves no tenderer with six free lots in one cell")
    planted = truth["efficiency_anomaly"][0]
    honest = "ORG-HONEST"
    found = [
        unit(planted["tenderer_id"], "tenderer"),
        unit(planted["agency_ids"][0], "agency"),
        unit(honest, "tenderer"),
    ]
    scored = score_statutory(truth, {"efficiency_anomaly": found})["schemes"]["efficiency_anomaly"]
    assert (scored["true_findings"], scored["recall"]) == (2, 1 / len(truth["efficiency_anomaly"]))
