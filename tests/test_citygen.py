"""The synthetic city generator: a valid, deterministic bundle whose planted schemes are really there."""

from __future__ import annotations

import hashlib
import json
import time

import numpy as np
import pandas as pd
import pytest

from bidgraph.citygen import generate_city
from bidgraph.citygen.city import HARD_TABLES
from bidgraph.cli import main
from bidgraph.graph.schema import schema
from bidgraph.loaders.checkdigits import idcard_valid, uscc_valid

# A default world has every table but those only the OCDS reader fills, the hard world's own, the
# shingles a platform gives instead of texts (the generator writes texts) and complaints.
OCDS_ONLY = {"ocds_releases", "bid_shingles", "complaints"}
BUNDLE_TABLES = {
    name: table for name, table in schema().tables.items() if name not in OCDS_ONLY and name not in HARD_TABLES
}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city")
    start = time.perf_counter()
    truth = generate_city(out, scale="small", seed=7)
    elapsed = time.perf_counter() - start
    tables = {name: pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False) for name in BUNDLE_TABLES}
    return out, truth, tables, elapsed


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.replace("", np.nan))


def _digest(folder) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_small_is_fast_and_about_1500_bids(city):
    _, truth, tables, elapsed = city
    assert elapsed < 15  # a couple of seconds on an idle machine; generous for shared CI cores
    assert 1200 <= len(tables["bids"]) <= 2000
    assert truth["meta"]["counts"]["rows"] == {name: len(t) for name, t in tables.items()}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    generate_city(tmp_path / "a", seed=3)
    generate_city(tmp_path / "b", seed=3)
    generate_city(tmp_path / "c", seed=4)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a")["bids.csv"] != _digest(tmp_path / "c")["bids.csv"]


def test_every_table_has_exactly_the_schema_columns_and_rows(city):
    _, _, tables, _ = city
    for name, table in BUNDLE_TABLES.items():
        assert list(tables[name].columns) == list(table.columns), name
        assert len(tables[name]) > 0, name


def test_keys_unique_and_references_resolve(city):
    _, _, tables, _ = city
    for name, table in BUNDLE_TABLES.items():
        df = tables[name]
        if table.key:
            assert df[table.key].is_unique, name
            assert (df[table.key] != "").all(), name
        for col in table.columns.values():
            if col.ref:
                target = tables[col.ref][schema().tables[col.ref].key]
                values = df.loc[df[col.name] != "", col.name]
                assert values.isin(target).all(), f"{name}.{col.name}"
            if col.required:
                assert (df[col.name] != "").all(), f"{name}.{col.name}"


def test_check_digits_and_enums_valid(city):
    _, _, tables, _ = city
    assert tables["organizations"]["uscc"].map(uscc_valid).all()
    assert tables["organizations"]["uscc"].is_unique
    assert tables["organizations"]["name"].is_unique  # equal names would merge on loading
    assert tables["persons"]["id_number"].map(idcard_valid).all()
    assert tables["persons"]["id_number"].is_unique
    assert tables["persons"]["phone"].is_unique
    for name, table in BUNDLE_TABLES.items():
        for col in table.columns.values():
            if col.type == "enum":
                values = tables[name][col.name]
                assert values[values != ""].isin(col.values).all(), f"{name}.{col.name}"


def test_planted_ids_exist(city):
    _, truth, t, _ = city
    orgs, lots = set(t["organizations"]["org_id"]), set(t["lots"]["lot_id"])
    persons, experts = set(t["persons"]["person_id"]), set(t["experts"]["expert_id"])
    contracts, payments = set(t["contracts"]["contract_id"]), set(t["payments"]["payment_id"])
    for ring in truth["rings"]:
        assert set(ring["members"]) <= orgs and set(ring["lots"]) <= lots and 3 <= len(ring["members"]) <= 8
    for c in truth["cover_bidders"]:
        assert c["org_id"] in orgs and set(c["serves"]) <= orgs
    for key, owner in (("tenderer_affinity", "tenderer_id"), ("agency_affinity", "agency_id")):
        assert truth[key]
        for a in truth[key]:
            assert a[owner] in orgs and a["org_id"] in orgs
            assert a["person_id"] is None or a["person_id"] in persons
    for e in truth["expert_affinity"] + truth["expert_bias"]:
        assert e["expert_id"] in experts
    for s in truth["contract_splitting"]:
        assert s["tenderer_id"] in orgs and s["org_id"] in orgs and set(s["lots"]) <= lots
    for w in truth["winner_not_builder"]:
        assert w["lot_id"] in lots and w["winner_id"] in orgs and w["builder_org_id"] in orgs | {None}
    for p in truth["payment_anomaly"]:
        assert p["contract_id"] in contracts and set(p["payment_ids"]) <= payments
    assert {p["kind"] for p in truth["payment_anomaly"]} == {"overpayment", "before_signing", "no_contract"}
    assert {g["kind"] for g in truth["procedure_gap"]} == {
        "award_before_opening",
        "contract_before_award",
        "short_publication",
        "award_without_valid_bid",
    }
    assert all(g["lot_id"] in lots for g in truth["procedure_gap"])
    assert truth["meta"]["thresholds"]["open_tender_yuan"] == {
        "construction": 4_000_000,
        "goods": 2_000_000,
        "services": 2_000_000,
    }


def _planted_lots(truth) -> set:
    out = set()
    for key in (
        "rings",
        "cover_bidders",
        "tenderer_affinity",
        "agency_affinity",
        "expert_affinity",
        "contract_splitting",
    ):
        for rec in truth[key]:
            out |= set(rec["lots"])
    return out


def test_rings_rotate_wins_near_the_ceiling(city):
    _, truth, t, _ = city
    bids = t["bids"].merge(t["lots"][["lot_id", "ceiling_price"]], on="lot_id")
    bids["ratio"] = _num(bids["price"]) / _num(bids["ceiling_price"])
    assert len(truth["rings"]) >= 3
    assert any(r["traces"] == [] for r in truth["rings"])
    for ring in truth["rings"]:
        mine = bids[bids["lot_id"].isin(ring["lots"])]
        winners = mine[mine["is_winner"] == "true"]
        assert winners["org_id"].isin(ring["members"]).all()
        assert winners["org_id"].nunique() >= min(3, len(ring["members"]), len(ring["lots"]) - 1)
        assert winners["ratio"].between(0.955, 0.99).all()
        assert mine["org_id"].isin(ring["members"]).mean() >= 0.75


def test_ring_traces_are_in_the_data(city):
    _, truth, t, _ = city
    up = t["bid_uploads"].merge(t["bids"][["bid_id", "lot_id", "org_id"]], on="bid_id")
    docs = t["bid_documents"].merge(t["bids"][["bid_id", "lot_id", "org_id"]], on="bid_id")
    roles, orgs = t["person_roles"], t["organizations"].set_index("org_id")
    for ring in truth["rings"]:
        ring_up = up[up["lot_id"].isin(ring["lots"]) & up["org_id"].isin(ring["members"])]
        ring_docs = docs[docs["lot_id"].isin(ring["lots"]) & docs["org_id"].isin(ring["members"])]
        values = ring["trace_values"]
        for kind in ring["traces"]:
            if kind in ("ip", "mac", "hardware_id"):
                assert ring_up.loc[ring_up[kind] == values[kind][0], "org_id"].nunique() >= 2
            elif kind == "document":
                fp = ring_docs.groupby("fingerprint")["org_id"].nunique()
                assert (fp >= 2).any()
            elif kind == "personnel":
                held = roles[roles["person_id"] == values["person"][0]]["org_id"]
                assert held.isin(ring["members"]).sum() >= 2
            else:
                assert (orgs.loc[ring["members"], kind] == values[kind][0]).sum() >= 2


def test_honest_prices_are_plausible(city):
    _, truth, t, _ = city
    bids = t["bids"].merge(t["lots"][["lot_id", "ceiling_price"]], on="lot_id")
    bids = bids[~bids["lot_id"].isin(_planted_lots(truth)) & (bids["is_valid"] == "true")]
    bids["ratio"] = _num(bids["price"]) / _num(bids["ceiling_price"])
    assert bids["ratio"].le(1.0).all()
    assert bids["ratio"].between(0.85, 0.98).mean() > 0.75
    stats = bids.groupby("lot_id")["ratio"].agg(["std", "mean", "count"])
    cv = (stats["std"] / stats["mean"])[stats["count"] >= 4]
    assert 0.03 <= cv.median() <= 0.08
    # Honest lowest-price lots are won by the cheapest valid bid.
    lp = t["lots"].loc[t["lots"]["evaluation"] == "lowest_price", "lot_id"]
    b = bids[bids["lot_id"].isin(lp)]
    cheapest = b.loc[_num(b["price"]).groupby(b["lot_id"]).idxmin()]
    won = cheapest[t["bids"].set_index("bid_id").loc[cheapest["bid_id"], "is_winner"].to_numpy() == "true"]
    assert len(won) >= 0.9 * len(cheapest)


def test_cover_bidders_lose_just_above_their_clients(city):
    _, truth, t, _ = city
    bids = t["bids"].assign(price=lambda d: _num(d["price"]))
    for c in truth["cover_bidders"]:
        mine = bids[bids["org_id"] == c["org_id"]]
        assert len(mine) >= 5 and (mine["is_winner"] == "true").mean() < 0.2
        served = bids[bids["lot_id"].isin(c["lots"]) & bids["org_id"].isin(c["serves"]) & (bids["is_winner"] == "true")]
        assert len(served) == len(c["lots"])  # a client wins every one of them
        gap = mine.set_index("lot_id")["price"].reindex(served["lot_id"]).to_numpy() / served["price"].to_numpy()
        assert np.all((gap > 1.0) & (gap < 1.03))


def test_affinity_firms_win_their_tenderers_lots(city):
    _, truth, t, _ = city
    winners = t["bids"][t["bids"]["is_winner"] == "true"].set_index("lot_id")["org_id"]
    for a in truth["tenderer_affinity"] + truth["agency_affinity"]:
        assert (winners.reindex(a["lots"]) == a["org_id"]).mean() >= 0.8
    roles = t["person_roles"]
    linked = [a for a in truth["tenderer_affinity"] if a["person_id"]]
    assert linked
    for a in linked:
        held = roles[roles["person_id"] == a["person_id"]]
        assert {a["tenderer_id"], a["org_id"]} <= set(held["org_id"])


def test_expert_affinity_and_bias_show_in_scores(city):
    _, truth, t, _ = city
    s = t["expert_scores"].merge(t["bids"][["bid_id", "org_id"]], on="bid_id")
    s["score"] = _num(s["score"])
    s["dev"] = s["score"] - s.groupby("bid_id")["score"].transform("mean")
    for e in truth["expert_affinity"]:
        mine = s[(s["expert_id"] == e["expert_id"]) & (s["org_id"] == e["org_id"])]
        assert len(mine) >= 3 and mine["dev"].mean() > 5
    for e in truth["expert_bias"]:
        dev = s.loc[s["expert_id"] == e["expert_id"], "dev"]
        assert len(dev) >= 10
        if e["direction"] == "high":
            assert dev.mean() > 4
        elif e["direction"] == "low":
            assert dev.mean() < -4
        else:
            assert dev.std() > 6


def test_splitting_lots_sit_under_the_threshold(city):
    _, truth, t, _ = city
    lots = t["lots"].merge(t["projects"], on="project_id", suffixes=("", "_p")).set_index("lot_id")
    winners = t["bids"][t["bids"]["is_winner"] == "true"].set_index("lot_id")["org_id"]
    limits = truth["meta"]["thresholds"]["open_tender_yuan"]
    for s in truth["contract_splitting"]:
        mine = lots.loc[s["lots"]]
        assert len(mine) >= 3 and (mine["tenderer_id"] == s["tenderer_id"]).all()
        assert (winners.reindex(s["lots"]) == s["org_id"]).all()
        assert mine["category"].nunique() == 1
        assert (_num(mine["ceiling_price"]) < limits[mine["category"].iat[0]]).all()
        assert (mine["procedure"] != "open").all()


def test_after_award_anomalies_and_honest_baseline(city):
    _, truth, t, _ = city
    contracts = t["contracts"].set_index("contract_id")
    pay = t["payments"].assign(amount=lambda d: _num(d["amount"]))
    paid = pay.groupby("contract_id")["amount"].sum()
    flagged = {p["contract_id"]: p["kind"] for p in truth["payment_anomaly"]}
    amount = _num(contracts["amount"])
    honest = [c for c in paid.index if c not in flagged]
    assert (paid[honest] <= amount[honest]).all()
    for cid, kind in flagged.items():
        if kind == "overpayment":
            assert paid[cid] > amount[cid]
        elif kind == "before_signing":
            assert (pay.loc[pay["contract_id"] == cid, "paid_on"] < contracts.at[cid, "signed_on"]).any()
        else:
            assert contracts.at[cid, "signed_on"] == "" and contracts.at[cid, "amount"] == ""
            lot, org = contracts.at[cid, "lot_id"], contracts.at[cid, "org_id"]
            bids = t["bids"][(t["bids"]["lot_id"] == lot) & (t["bids"]["org_id"] == org)]
            assert not (bids["is_winner"] == "true").any()
    lots = t["lots"].set_index("lot_id")
    signed = contracts.reset_index().set_index("lot_id")["signed_on"]
    gaps = {g["lot_id"]: g["kind"] for g in truth["procedure_gap"]}
    days = (
        pd.to_datetime(signed[signed != ""]) - pd.to_datetime(lots["opened_on"]).reindex(signed[signed != ""].index)
    ).dt.days
    honest_days = days.drop([lot for lot in gaps if lot in days.index])
    assert (honest_days >= 8).all()
    for lot, kind in gaps.items():
        if kind == "award_before_opening":
            assert days[lot] < 0
        elif kind == "contract_before_award":
            assert 0 <= days[lot] < truth["meta"]["thresholds"]["award_publicity_days"]
        elif kind == "short_publication":
            window = (pd.Timestamp(lots.at[lot, "opened_on"]) - pd.Timestamp(lots.at[lot, "published_on"])).days
            assert window < truth["meta"]["thresholds"]["min_publication_days"]
        else:
            b = t["bids"][t["bids"]["lot_id"] == lot]
            assert (b["is_valid"] == "false").all() and (b["is_winner"] == "true").any()


def test_winner_not_builder_and_honest_sites(city):
    _, truth, t, _ = city
    site, roles = t["site_personnel"], t["person_roles"]
    pms = roles[roles["role"] == "project_manager"]
    flagged = {w["lot_id"]: w for w in truth["winner_not_builder"]}
    for _, c in t["contracts"][t["contracts"]["signed_on"] != ""].iterrows():
        people = site[site["lot_id"] == c["lot_id"]]
        if people.empty:
            continue
        winner_pm = people["person_id"].isin(pms.loc[pms["org_id"] == c["org_id"], "person_id"]).any()
        if c["lot_id"] in flagged:
            assert not winner_pm
            builder = flagged[c["lot_id"]]["builder_org_id"]
            if builder:
                assert (people["org_id"] == builder).all()
        else:  # the winner's own people; its manager holds a role there (a registered PM when one is free)
            manager = people.loc[people["role"] == "项目经理", "person_id"]
            assert manager.isin(roles.loc[roles["org_id"] == c["org_id"], "person_id"]).all()
            assert (people["org_id"] == c["org_id"]).all()
    assert len(flagged) >= 2


def test_an_honest_project_manager_runs_one_site_at_a_time(city):
    """《注册建造师执业管理办法（试行）》第九条: outside the planted lots no manager's sites overlap."""
    _, truth, t, _ = city
    site = t["site_personnel"]
    planted = {w["lot_id"] for w in truth["winner_not_builder"]}
    pm = site[(site["role"] == "项目经理") & ~site["lot_id"].isin(planted)].sort_values(["person_id", "first_seen"])
    same = pm["person_id"].eq(pm["person_id"].shift())
    assert not (same & (pm["first_seen"] <= pm["last_seen"].shift())).any()


def test_decoys_present(city):
    _, truth, t, _ = city
    up = t["bid_uploads"].merge(t["bids"][["bid_id", "org_id", "lot_id"]], on="bid_id")
    d = truth["decoys"]
    for ip in d["public_ips"] + d["nat_ips"][:1]:
        assert up.loc[up["ip"] == ip, "org_id"].nunique() >= 5
    county = d["small_county"]
    assert 5 <= len(county["org_ids"]) <= 10
    projects = t["projects"][t["projects"]["region_code"] == county["region_code"]]
    projects = projects[projects["category"] == "construction"]
    lots = t["lots"][t["lots"]["project_id"].isin(projects["project_id"])]
    bids = t["bids"][t["bids"]["lot_id"].isin(lots["lot_id"]) & ~t["bids"]["lot_id"].isin(_planted_lots(truth))]
    assert bids["org_id"].isin(county["org_ids"]).mean() > 0.8
    wins = bids[bids["is_winner"] == "true"]["org_id"].value_counts()
    assert len(bids["lot_id"].unique()) >= 5
    assert len(wins) >= 3 and wins.iloc[0] <= 0.5 * wins.sum()
    # Big winners win far more often than others where nothing is planted, and are among the
    # city's most frequent winners.
    honest = t["bids"][~t["bids"]["lot_id"].isin(_planted_lots(truth)) & (t["bids"]["is_valid"] == "true")]
    won = honest["is_winner"] == "true"
    assert won[honest["org_id"].isin(d["big_winners"])].mean() >= 1.5 * won.mean()
    all_wins = t["bids"][t["bids"]["is_winner"] == "true"]["org_id"].value_counts()
    assert all_wins.reindex(d["big_winners"]).fillna(0).mean() >= all_wins.quantile(0.9)


def test_cli_generate_writes_bundle(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "out"), "--scale", "small", "--seed", "2"]) == 0
    assert "bids" in capsys.readouterr().out
    truth = json.loads((tmp_path / "out" / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 2 and truth["scale"] == "small"
    with pytest.raises(SystemExit) as exc:
        main(["generate", str(tmp_path / "x"), "--scale", "galaxy"])
    assert exc.value.code != 0


def test_loader_takes_every_row(city):
    from bidgraph.loaders.bundle import read_bundle

    out, truth, _, _ = city
    bundle = read_bundle(out)
    assert bundle.quarantine.empty and bundle.warnings.empty and bundle.merges.empty
    taken = {name: c["taken"] for name, c in bundle.counts.items()}
    assert taken == truth["meta"]["counts"]["rows"]


def test_honest_firms_upload_from_their_own_offices(city):
    _, truth, t, _ = city
    up = t["bid_uploads"].merge(t["bids"][["bid_id", "org_id", "lot_id"]], on="bid_id")
    docs = t["bid_documents"].merge(t["bids"][["bid_id", "lot_id"]], on="bid_id")
    ring_lots = {lot for r in truth["rings"] for lot in r["lots"]}
    d = truth["decoys"]
    shared = set(d["public_ips"]) | set(d["nat_ips"])
    honest = up[~up["lot_id"].isin(ring_lots) & ~up["ip"].isin(shared)]
    assert honest.groupby("org_id")["ip"].nunique().max() <= 2  # an office has one or two lines
    assert honest.groupby("ip")["org_id"].nunique().max() == 1  # and no one else uses them
    on_terminal = up["mac"].isin(d["public_terminal_macs"])
    assert (~up.loc[~on_terminal & ~up["lot_id"].isin(ring_lots)].groupby("mac")["org_id"].nunique().gt(1)).all()
    assert docs.loc[~docs["lot_id"].isin(ring_lots), "fingerprint"].is_unique
    assert docs.loc[~docs["lot_id"].isin(ring_lots), "file_sha256"].is_unique


def test_cli_names_an_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder", encoding="utf-8")
    assert main(["generate", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and str(blocker) in err and "Traceback" not in err
