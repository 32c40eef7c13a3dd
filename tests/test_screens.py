"""Price screens, the cartel datasets reader, the model and its training (bidgraph.detectors.screens)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bidgraph.cli import main
from bidgraph.detectors.screens import train as train_module
from bidgraph.detectors.screens.datasets import collusion_files, read_collusion_csv, shared_dir
from bidgraph.detectors.screens.features import SCREENS, coalition_members, coalition_screens, lot_screens
from bidgraph.detectors.screens.model import MODEL_PATH, ScreenModel, fit_model, load_model
from bidgraph.detectors.screens.validation import dataset_screens, score_dataset
from bidgraph.errors import InputError

COLLUSION = shared_dir() / "data" / "collusion"
needs_shared = pytest.mark.skipif(
    not COLLUSION.is_dir(),
    reason=f"shared cartel datasets not found at {COLLUSION} (set BIDGRAPH_SHARED to the shared/ folder)",
)


def _reference_screens(b: np.ndarray) -> dict:
    """The screens of one lot, written out plainly with numpy/scipy."""
    b = np.sort(b)
    losers = b[1:]
    gaps = np.diff(b)
    return {
        "cv": b.std(ddof=1) / b.mean(),
        "spd": (b[-1] - b[0]) / b[0],
        "diffp": (b[1] - b[0]) / b[0],
        "rd": ((b[1] - b[0]) / b[0]) / (losers / b[0]).std(ddof=1),
        "kurt": stats.kurtosis(b, bias=False) if len(b) >= 4 else np.nan,
        "skew": stats.skew(b, bias=False),
        "ks": stats.kstest(b, "uniform", args=(b[0], b[-1] - b[0])).statistic,
        "gap_median": np.median(gaps) / b.mean(),
        "close_share": np.mean(gaps / b[:-1] < 0.02),
        "cv_losers": losers.std(ddof=1) / losers.mean(),
    }


def test_lot_screens_match_the_textbook_definitions():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(40):
        n = int(rng.integers(3, 12))
        prices = rng.uniform(0.8, 1.0, n) * 10 ** rng.uniform(4, 8)
        rows += [{"lot_id": f"L{i:02d}", "price": p, "is_winner": k == 0} for k, p in enumerate(np.sort(prices))]
    bids = pd.DataFrame(rows).sample(frac=1, random_state=1)  # order must not matter
    got = lot_screens(bids)
    for lot_id, group in bids.groupby("lot_id"):
        want = _reference_screens(group["price"].to_numpy())
        for k in SCREENS:
            assert got.loc[lot_id, k] == pytest.approx(want[k], rel=1e-7, nan_ok=True), (lot_id, k)
        assert got.loc[lot_id, "n_bids"] == len(group)
        assert got.loc[lot_id, "winner_position"] == 0


def test_screens_are_scale_free_and_undefined_where_bids_are_too_few():
    bids = pd.DataFrame(
        {
            "lot_id": ["A"] * 4 + ["B"] * 4 + ["C"] * 2 + ["D"] * 3,
            "price": [100, 103, 104, 110, 1e5, 1.03e5, 1.04e5, 1.1e5, 50, 60, 7, 7, 7],
            "ceiling": [120] * 4 + [1.2e5] * 4 + [np.nan] * 5,
        }
    )
    s = lot_screens(bids, winner=None, ceiling="ceiling")
    pd.testing.assert_series_equal(s.loc["A"], s.loc["B"], check_names=False)
    assert s.loc["A", "mean_to_ceiling"] == pytest.approx(104.25 / 120)
    assert s.loc["C", ["rd", "kurt", "skew", "cv_losers"]].isna().all() and s.loc["C", "diffp"] == pytest.approx(0.2)
    assert s.loc["D", "cv"] == 0 and np.isnan(s.loc["D", "ks"]) and np.isnan(s.loc["D", "mean_to_ceiling"])


def test_coalitions_are_bidders_that_meet_repeatedly_on_most_of_their_lots():
    bids = pd.DataFrame(
        {
            "lot_id": list("aaabbcccdd") + ["e", "e"],
            "org_id": ["x", "y", "z", "x", "y", "x", "y", "w", "x", "w", "z", "q"],
            "price": [100, 101, 130, 200, 202, 50, 51, 70, 10, 12, 5, 6],
        }
    )
    members = coalition_members(bids, min_meetings=3)
    assert set(map(tuple, members.to_numpy())) == {
        ("a", "x"),
        ("a", "y"),
        ("b", "x"),
        ("b", "y"),
        ("c", "x"),
        ("c", "y"),
    }
    # x bids on 4 lots, y on 3: the pair meets on all of y's lots; at a 100 % share it still holds
    assert len(coalition_members(bids, 3, min_share=1.0)) == 6
    assert coalition_members(bids, 4).empty
    sc = coalition_screens(bids, members, min_members=2)
    assert list(sc.index) == ["a", "b", "c"] and (sc["coalition_size"] == 2).all()
    assert sc.loc["a", "coalition_spd"] == pytest.approx(0.01)


def test_model_reads_percentiles_so_monotone_rescaling_changes_nothing():
    rng = np.random.default_rng(0)
    screens = pd.DataFrame({k: rng.uniform(0.01, 0.2, 50) for k in SCREENS}, index=[f"L{i}" for i in range(50)])
    screens["n_bids"] = [2] * 5 + [6] * 45
    model = ScreenModel(("cv", "gap_median", "close_share"), (-0.6, -1.6, 0.7), 0.05)
    p = model.predict_proba(screens)
    assert p.iloc[:5].isna().all() and p.iloc[5:].between(0, 1).all()
    rescaled = screens.assign(cv=screens["cv"] ** 3 * 1000, gap_median=np.log(screens["gap_median"]))
    pd.testing.assert_series_equal(p, model.predict_proba(rescaled))
    index = model.coordination_index(screens)
    logit = np.log(p / (1 - p))  # the index is the logit, rescaled: same order as the probability
    assert np.allclose(logit.iloc[5:], 0.05 + (0.6 + 1.6 + 0.7) * (index.iloc[5:] - 0.5))
    assert ScreenModel.from_json(model.to_json()) == model


def test_model_file_errors_are_one_line(tmp_path):
    bad = tmp_path / "m.json"
    bad.write_text('{"features": ["price"], "coef": [1], "intercept": 0, "min_bids": 3}')
    with pytest.raises(InputError, match="not a price-screen model"):
        load_model(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_model(tmp_path / "missing.json")


def test_fit_needs_both_classes():
    screens = pd.DataFrame({k: np.linspace(0, 1, 10) for k in SCREENS}).assign(n_bids=5)
    with pytest.raises(InputError, match="both rigged and clean"):
        fit_model([(screens, pd.Series(1, index=screens.index))])


def test_dataset_reader_names_the_bad_row_and_column(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("Tender,Bid_value,Winner,Collusive_competitor\n1,100,1,0\n1,abc,0,0\n")
    with pytest.raises(InputError, match=r"row 3, column Bid_value: not a number"):
        read_collusion_csv(f)
    f.write_text("Tender,Bid_value,Winner,Collusive_competitor\n1,100,1,0\n1,-5,0,0\n")
    with pytest.raises(InputError, match=r"row 3, column Bid_value: bid value must be positive"):
        read_collusion_csv(f)
    f.write_text("Tender,Bid_value\n1,100\n")
    with pytest.raises(InputError, match="missing column"):
        read_collusion_csv(f)
    with pytest.raises(InputError, match="no such file"):
        read_collusion_csv(tmp_path / "nope.csv")


def test_consortium_rows_become_one_bid(tmp_path):
    f = tmp_path / "DB_Collusion_Test_processed.csv"
    f.write_text(
        "Tender,Bid_value,Winner,Collusive_competitor,Consortium\n"
        "7,100,1,1,1\n7,100,1,1,1\n7,105,0,1,0\n7,105,0,1,0\n7,110,0,1,2\n"
    )
    data = read_collusion_csv(f)
    assert data.name == "test" and data.reference is None
    # the two consortium members' rows are one bid; two independent firms with equal prices stay two
    assert sorted(data.bids["price"]) == [100, 105, 105, 110]
    assert data.labels.to_dict() == {"7": 1}


@needs_shared
def test_recomputed_screens_reproduce_the_published_ones():
    for name in ("japan", "switzerland_gr_see_gaster"):
        data = read_collusion_csv(collusion_files()[name])
        s = dataset_screens(data)
        ok = s.index[s["n_bids"] >= 4]
        for mine, theirs in (("cv", "CV"), ("spd", "SPD"), ("kurt", "KURT"), ("skew", "SKEW"), ("ks", "KSTEST")):
            diff = (s.loc[ok, mine].fillna(0) - data.reference.loc[ok, theirs]).abs()
            assert (diff < 1e-3).mean() > 0.99, (name, mine)


@pytest.fixture(scope="module")
def retrained(tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "model.json"
    return train_module.train(out), out


@needs_shared
def test_training_reproduces_the_shipped_model_and_beats_the_reference(retrained):
    folds, out = retrained
    assert out.read_bytes() == MODEL_PATH.read_bytes(), (
        "shipped model is stale: run python -m bidgraph.detectors.screens.train"
    )
    assert out.stat().st_size < 4096
    assert len(folds) == len(collusion_files()) >= 3
    for fold in folds:
        assert fold.auc_model > fold.auc_reference, fold
        assert fold.auc_model > 0.55, fold


@needs_shared
def test_cli_evaluate_reports_auc(capsys):
    path = collusion_files()["switzerland_ticino"]
    assert main(["screens", "evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    want = score_dataset(read_collusion_csv(path), load_model())
    assert f"AUC {want['auc']:.3f}" in out and f"{want['lots']} lots" in out
    assert main(["screens", "evaluate", str(path) + ".missing"]) == 2
    assert "no such file" in capsys.readouterr().err
