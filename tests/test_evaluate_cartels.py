"""bidgraph evaluate --cartels: a hand-made labelled dataset whose figures are known exactly,
the CLI, and the leave-one-dataset-out choice of the price-screen model."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bidgraph.cli import main
from bidgraph.detectors.screens.model import ScreenModel
from bidgraph.evaluation.cartel_run import cartel_recovery, evaluate_cartels, max_shared_tenders
from bidgraph.evaluation.cartels import cartel_bundle, read_cartel_dataset
from bidgraph.evaluation.holdout import choose_model

# Tenders 1-3 are rigged by C1, C2, C3 (H1 an outsider on tender 3); C1 also bids on clean tenders.
TENDERS = {
    1: ["C1", "C2", "C3"],
    2: ["C1", "C2", "C3"],
    3: ["C1", "C2", "C3", "H1"],
    4: ["H1", "H2", "H3"],
    5: ["H1", "H2", "H3"],
    6: ["H1", "H2", "H4", "C1"],
    7: ["H1", "C1", "H4", "H5"],
    8: ["H1", "H2", "H5"],
}
RIGGED_PRICES = [1000, 1003, 1006, 1150]
CLEAN_PRICES = [1000, 1120, 1290, 1500]
# bids: H1 6, C1 5, H2 4, C2 3, C3 3, then 2 each -> hits F T F T T: AP (1/2 + 2/4 + 3/5) / 3
BIDS_AP = (1 / 2 + 2 / 4 + 3 / 5) / 3
# most tenders shared with one partner: H1 4, H2 4, C1 C2 C3 3, then 2 -> hits F F T T T
MAX_SHARED_AP = (1 / 3 + 2 / 4 + 3 / 5) / 3


def dataset_rows(scale: float = 1.0) -> list[dict]:
    rows = []
    for tender, bidders in TENDERS.items():
        rigged = tender <= 3
        prices = RIGGED_PRICES if rigged else CLEAN_PRICES
        for firm, price in zip(bidders, prices):
            rows.append(
                {
                    "Tender": tender,
                    "Date": 1050537600 + 86400 * tender,
                    "Pre-Tender Estimate (PTE)": 1600 * scale,
                    "Competitors": firm,
                    "Winner": int(price == prices[0]),
                    "Collusive_competitor": int(rigged),
                    "Bid_value": price * scale,
                    "Collusive_competitor_original": int(rigged and firm.startswith("C")),
                    "Cartel_name": "Ring" if rigged and firm.startswith("C") else None,
                }
            )
    return rows


def write_dataset(path, scale: float = 1.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(dataset_rows(scale)).to_csv(path, index=False)
    return path


@pytest.fixture
def dataset_file(tmp_path, monkeypatch):
    monkeypatch.setenv("BIDGRAPH_SHARED", str(tmp_path / "no-shared"))  # no training files: the shipped model
    return write_dataset(tmp_path / "DB_Collusion_Handmade_processed.csv")


def test_dataset_becomes_a_bundle_of_bids_alone(dataset_file):
    dataset = read_cartel_dataset(dataset_file)
    assert dataset.name == "handmade" and dataset.cartel_firms == {"C1", "C2", "C3"}
    assert dataset.cartels == {"Ring": {"C1", "C2", "C3"}}
    tables = cartel_bundle(dataset).tables
    assert (
        len(tables["bids"]) == 27
        and len(tables["lots"]) == 8
        and set(tables["projects"]["tenderer_id"]) == {"TENDERER"}
    )
    assert tables["lots"]["opened_on"].iloc[0] == pd.Timestamp("2003-04-18")
    assert tables["lots"]["ceiling_price"].tolist() == [1600.0] * 8
    assert tables["bids"]["is_winner"].sum() == 8


def test_year_codes_are_not_dates_and_unnamed_bidders_are_anonymous(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "Competitors"} | {"Date": 2003} for r in dataset_rows()]
    path = tmp_path / "DB_Collusion_Anonymous_processed.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    dataset = read_cartel_dataset(path)
    tables = cartel_bundle(dataset).tables
    assert tables["lots"]["opened_on"].isna().all()
    assert tables["bids"]["org_id"].nunique() == 27 and not dataset.cartel_firms


def test_naive_counts_and_figures_are_exact(dataset_file):
    result = evaluate_cartels(dataset_file)
    assert (result["firms"], result["cartel_firms"], result["tenders"]) == (8, 3, 8)
    ranking = result["firm_ranking"]
    assert ranking["bids"]["average_precision"] == pytest.approx(BIDS_AP)
    assert ranking["bids"]["precision_at_k"] == pytest.approx(1 / 3)
    assert ranking["max_shared"]["average_precision"] == pytest.approx(MAX_SHARED_AP)
    assert ranking["max_shared"]["precision_at_k"] == pytest.approx(1 / 3)
    assert "project" in ranking and "shared_device" not in ranking  # only detectors that ran are ranked
    screen = result["price_screen"]
    assert screen["refitted"] is False and screen["lots"] == 8 and screen["rigged"] == 3
    assert screen["auc"] == 1.0 and screen["reference_auc"] is None  # no precomputed screens in the file
    status = {row["detector"]: row["status"] for row in result["detectors"]}
    assert status["shared_device"] == "not_applicable" and status["smoke_index"] == "ok"
    assert result["cartels"]["per_cartel"][0]["cartel"] == "Ring"


def test_max_shared_counts_tenders_per_partner():
    bids = pd.DataFrame({"lot_id": ["1", "1", "2", "2", "2"], "org_id": ["A", "B", "A", "B", "C"]})
    assert max_shared_tenders(bids).to_dict() == {"A": 2.0, "B": 2.0, "C": 1.0}


def test_cartel_recovery_takes_the_best_group_finding():
    def group(detector, *members):
        return {"detector": detector, "entities": [{"type": "company", "id": m, "role": "member"} for m in members]}

    found = [group("bid_ring", "A", "B"), group("screen_ring", "A", "B", "C", "D"), group("hidden_link", "A", "B", "C")]
    result = cartel_recovery({"X": frozenset("ABC"), "Y": frozenset("EF")}, found)
    assert [c["best_jaccard"] for c in result["per_cartel"]] == [pytest.approx(3 / 4), 0.0]
    assert result["mean_jaccard"] == pytest.approx(3 / 8)


def test_cli_prints_a_bilingual_table_and_json(dataset_file, tmp_path, capsys):
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "evaluate", "--cartels", str(dataset_file)]) == 0
    out = capsys.readouterr().out
    assert "投标次数 / number of bids" in out and f"{BIDS_AP:.3f}" in out
    assert "不适用：缺少 bid_uploads 数据 / not applicable: no bid_uploads data" in out
    assert main(["--workspace", ws, "evaluate", "--json", "--cartels", str(dataset_file)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["firm_ranking"]["max_shared"]["average_precision"] == pytest.approx(MAX_SHARED_AP)


def test_cli_refuses_mixed_or_missing_arguments(dataset_file, tmp_path, capsys):
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "evaluate", "--cartels", str(dataset_file), "--truth", "t.json"]) == 2
    assert main(["--workspace", ws, "evaluate"]) == 2
    assert main(["--workspace", ws, "evaluate", "--cartels", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("bidgraph: error:") == 3 and "no such file" in err and "Traceback" not in err


def test_the_model_is_refitted_without_a_dataset_it_was_fitted_on(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    folder = shared / "data" / "collusion"
    first = write_dataset(folder / "DB_Collusion_First_processed.csv")
    write_dataset(folder / "DB_Collusion_Second_processed.csv", scale=3.0)
    monkeypatch.setenv("BIDGRAPH_SHARED", str(shared))
    shipped = ScreenModel(("cv",), (-1.0,), 0.0, 3, {"trained_on": {"first": 8, "second": 8}, "C": 0.1, "seed": 5})

    held = choose_model(read_cartel_dataset(first), shipped)
    assert held.refitted and [d.name for d in held.training] == ["second"]
    assert held.model.meta["held_out"] == "first" and held.model.meta["seed"] == 5
    assert held.model.features == ("cv",) and "refitted without this dataset" in held.describe()

    renamed = write_dataset(tmp_path / "elsewhere" / "DB_Collusion_Copy_processed.csv")  # first's bytes
    by_content = {"trained_on": {}, "trained_on_sha256": {"first": read_cartel_dataset(first).sha256}}
    choice = choose_model(read_cartel_dataset(renamed), ScreenModel(("cv",), (-1.0,), 0.0, 3, by_content))
    assert choice.refitted and [d.name for d in choice.training] == ["second"]

    unseen = write_dataset(tmp_path / "elsewhere" / "DB_Collusion_Unseen_processed.csv", scale=2.0)
    choice = choose_model(read_cartel_dataset(unseen), shipped)
    assert not choice.refitted and choice.model is shipped and "shipped model" in choice.describe()
