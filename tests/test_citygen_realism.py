"""The hard world (``bidgraph generate --realism hard``): what it adds is really in the bundle,
honestly recorded in truth.json, and the default world does not change."""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pandas as pd
import pytest

from bidgraph.citygen import generate_city
from bidgraph.citygen.city import HARD_TABLES
from bidgraph.cli import main
from bidgraph.loaders.bundle import read_bundle


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    out = tmp_path_factory.mktemp("hard")
    start = time.perf_counter()
    truth = generate_city(out, scale="city", seed=1, realism="hard")
    elapsed = time.perf_counter() - start
    tables = {
        name: pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("organizations", "person_roles", "lots", "bids", "bid_uploads", "bid_documents", "experts")
        + ("expert_scores", "contracts", "payments", "contract_changes")
        + HARD_TABLES
    }
    return out, truth, tables, elapsed


def _digest(folder) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_hard_city_is_fast_deterministic_and_loads_without_quarantine(hard, tmp_path):
    out, truth, _, elapsed = hard
    assert elapsed < 30
    assert truth["meta"]["realism"] == "hard"
    again = tmp_path / "again"
    generate_city(again, scale="city", seed=1, realism="hard")
    assert _digest(again) == _digest(out)
    bundle = read_bundle(out)
    assert bundle.quarantine.empty
    assert {name: len(bundle.tables[name]) for name in HARD_TABLES} == {
        name: truth["meta"]["counts"]["rows"][name] for name in HARD_TABLES
    }


def test_default_world_has_no_hard_tables_nor_realism_mark(tmp_path):
    truth = generate_city(tmp_path, scale="small", seed=7)
    assert "realism" not in truth["meta"] and "same_compiler" not in truth
    assert not any((tmp_path / f"{name}.csv").exists() for name in HARD_TABLES)


def test_unknown_realism_is_refused(tmp_path):
    with pytest.raises(ValueError, match="realism"):
        generate_city(tmp_path, realism="extreme")


def test_niche_firms_meet_on_nearly_every_lot_and_the_leader_wins_most(hard):
    _, truth, t, _ = hard
    bids = t["bids"]
    for niche in truth["decoys"]["niche_firms"]:
        firms = set(niche["org_ids"])
        mine = bids[bids["org_id"].isin(firms)]
        per_lot = mine.groupby("lot_id")["org_id"].nunique()
        niche_lots = per_lot[per_lot >= 3].index
        assert len(niche_lots) >= 50
        # any two niche firms meet on a large share of the niche's lots
        present = mine[mine["lot_id"].isin(niche_lots)].groupby("org_id")["lot_id"].nunique() / len(niche_lots)
        assert present.median() > 0.5
        wins = mine[(mine["is_winner"] == "true") & mine["lot_id"].isin(niche_lots)]["org_id"].value_counts()
        assert wins.index[0] == niche["leader"]


def test_small_expert_pools_sit_on_most_panels(hard):
    _, truth, t, _ = hard
    scores = t["expert_scores"]
    for pool in truth["decoys"]["small_pool_experts"]:
        assert len(pool["expert_ids"]) == 8
        assert set(t["experts"].loc[t["experts"]["expert_id"].isin(pool["expert_ids"]), "specialty"]) == {
            pool["specialty"]
        }
        seats = scores[scores["expert_id"].isin(pool["expert_ids"])].groupby("expert_id")["lot_id"].nunique()
        all_seats = scores.groupby("expert_id")["lot_id"].nunique()
        assert seats.min() > all_seats.quantile(0.9)


def test_consultancy_template_spans_unrelated_clients_and_same_lot_is_deemed_collusion(hard):
    _, truth, t, _ = hard
    bids = t["bids"].merge(t["bid_documents"], on="bid_id")
    for cons in truth["decoys"]["consultancy_clients"]:
        marked = bids[bids["fingerprint"] == cons["fingerprint"]]
        assert set(marked["org_id"]) <= set(cons["org_ids"]) and marked["org_id"].nunique() >= 3
        assert marked["lot_id"].nunique() > len(marked) / 2  # mostly on different lots
    compiled = truth["same_compiler"]
    assert compiled and all("第四十条" in c["law"] and "Art. 40" in c["law"] for c in compiled)
    for case in compiled:
        cons = next(c for c in truth["decoys"]["consultancy_clients"] if c["id"] == case["consultancy"])
        on_lot = set(bids.loc[bids["lot_id"] == case["lot_id"], "org_id"])
        assert len(case["org_ids"]) >= 2 and set(case["org_ids"]) <= on_lot & set(cons["org_ids"])


def test_corporate_groups_share_chairman_and_address_and_bid_as_consortia(hard):
    _, truth, t, _ = hard
    orgs, roles, bids, members = t["organizations"], t["person_roles"], t["bids"], t["bid_members"]
    lead_of = bids.set_index("bid_id")["org_id"]
    for group in truth["decoys"]["corporate_groups"]:
        ids = group["org_ids"]
        assert orgs.loc[orgs["org_id"].isin(ids), "address"].nunique() == 1
        assert set(roles.loc[roles["person_id"] == group["chairman"], "org_id"]) >= set(ids)
        # subsidiaries never bid against each other
        assert not bids[bids["org_id"].isin(ids)].duplicated("lot_id").any()
        assert group["consortium_bids"]
        rows = members[members["bid_id"].isin(group["consortium_bids"])]
        assert set(rows["org_id"]) <= set(ids)
        leads = rows[rows["role"] == "lead"]
        assert (leads["bid_id"].map(lead_of) == leads["org_id"]).all()
        assert (rows.groupby("bid_id")["role"].agg(lambda r: tuple(sorted(set(r)))) == ("lead", "member")).all()


def test_serviced_office_tenants_share_address_and_agent_phone(hard):
    _, truth, t, _ = hard
    orgs = t["organizations"].set_index("org_id")
    for office in truth["decoys"]["serviced_offices"]:
        tenants = orgs.loc[office["org_ids"]]
        assert len(tenants) >= 6
        assert set(tenants["address"]) == {office["address"]} and set(tenants["phone"]) == {office["phone"]}


def test_records_are_thin_and_a_few_bids_are_rejected(hard):
    _, truth, t, _ = hard
    uploads, docs, bids = t["bid_uploads"], t["bid_documents"], t["bids"]
    assert 0.25 < (uploads["ip"] == "").mean() < 0.35
    assert ((uploads["ip"] == "") == (uploads["mac"] == "")).all()
    assert 0.07 < (docs["fingerprint"] == "").mean() < 0.13
    generic = docs["fingerprint"].isin(truth["decoys"]["generic_fingerprints"])
    assert 0.08 < generic.mean() < 0.16
    assert docs.loc[generic].merge(bids, on="bid_id")["org_id"].nunique() > 500
    rejected = (bids["is_valid"] == "false") & (bids["price"] == "")
    assert 50 < rejected.sum() < 0.02 * len(bids)


def test_rings_are_loose_varied_and_sometimes_traceless(hard):
    _, truth, t, _ = hard
    bids, orgs = t["bids"], t["organizations"].set_index("org_id")
    rings = truth["rings"]
    assert all(3 <= len(r["members"]) <= 12 for r in rings)
    assert sum(not r["traces"] for r in rings) >= 2
    variants = {r.get("variant"): r for r in rings}
    assert set(orgs.loc[variants["two_counties"]["members"], "region_code"]) <= set(
        variants["two_counties"]["region_codes"]
    )
    niche_ring = set(variants["niche"]["members"])
    assert not any(niche_ring & set(n["org_ids"]) for n in truth["decoys"]["niche_firms"])
    lost, skipped = 0, 0
    for r in rings:
        on_lots = bids[bids["lot_id"].isin(r["lots"])]
        winners = on_lots.loc[on_lots["is_winner"] == "true", "org_id"]
        lost += int((~winners.isin(r["members"])).sum())
        skipped += int(
            (on_lots[on_lots["org_id"].isin(r["members"])].groupby("lot_id").size() < len(r["members"])).sum()
        )
    assert lost >= 5 and skipped >= 20


def test_favouritism_without_a_person_link_is_planted(hard):
    _, truth, _, _ = hard
    assert any(a["person_id"] is None for a in truth["tenderer_affinity"])


def test_legal_change_orders_raise_payments_at_most_ten_percent_above_the_contract(hard):
    _, truth, t, _ = hard
    contracts = pd.to_numeric(t["contracts"].set_index("contract_id")["amount"])
    paid = t["payments"].assign(amount=t["payments"]["amount"].astype(float)).groupby("contract_id")["amount"].sum()
    changes = t["contract_changes"].assign(amount_delta=t["contract_changes"]["amount_delta"].astype(float))
    delta = changes.groupby("contract_id")["amount_delta"].sum()
    orders = truth["decoys"]["legal_change_orders"]
    assert len(orders) > 100
    for order in orders:
        cid = order["contract_id"]
        assert set(changes.loc[changes["change_id"].isin(order["change_ids"]), "contract_id"]) == {cid}
        ratio = paid[cid] / contracts[cid]
        assert 1.0 < ratio <= 1.1 + 1e-6
        assert paid[cid] <= contracts[cid] + delta[cid] + 0.01
    assert set(changes["kind"]) <= {"amount", "scope", "duration", "quantity"}


def test_cli_generate_hard(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "out"), "--seed", "3", "--realism", "hard"]) == 0
    assert "rings planted" in capsys.readouterr().out
    assert all((tmp_path / "out" / f"{name}.csv").exists() for name in HARD_TABLES)
    assert np.isfinite(pd.read_csv(tmp_path / "out" / "contract_changes.csv")["amount_delta"]).all()
