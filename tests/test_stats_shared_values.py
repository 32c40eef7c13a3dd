"""Counting firms per shared value on integer codes: what pandas' group-by gives on the columns."""

import numpy as np
import pandas as pd
import pytest

from bidgraph.detectors.stats.shared_values import _rarity, firms_per_value


@pytest.mark.parametrize("n_values", [3, 300, 5000])  # a table of every pair, hashed pairs, mostly one row per value
def test_firms_per_value_is_the_number_of_distinct_firms_of_each_row_s_kind_and_value(n_values):
    rng = np.random.default_rng(n_values)
    rows = pd.DataFrame({c: rng.integers(-1, n, 4000) for c, n in (("kind", 3), ("value", n_values), ("org", 40))})
    counted = firms_per_value(*(rows[c].to_numpy() for c in ("kind", "value", "org")))

    firm = rows["org"].where(rows["org"] >= 0)
    expected = firm.groupby([rows["kind"], rows["value"]]).transform("nunique")
    missing = ((rows["kind"] < 0) | (rows["value"] < 0)).to_numpy()
    assert counted[missing].tolist() == [0] * missing.sum()
    assert counted[~missing].tolist() == expected[~missing].tolist()


def test_rarity_counts_each_value_s_firms_and_its_kind_s_firms():
    rng = np.random.default_rng(7)
    kind = rng.integers(0, 3, 3000)
    holders = pd.DataFrame(
        {"kind": kind, "value": rng.integers(0, 400, 3000) * 3 + kind, "org_id": rng.integers(0, 90, 3000)}
    )
    rarity = _rarity(holders, public_min_firms=8).set_index("value")

    per_value = holders.groupby("value").agg(kind=("kind", "first"), n_firms=("org_id", "nunique"))
    assert rarity[["kind", "n_firms"]].equals(per_value)
    per_kind = holders.groupby("kind")["org_id"].nunique()
    assert rarity["n_kind_firms"].tolist() == per_kind.reindex(rarity["kind"]).tolist()
    assert rarity["rarity"].between(0, 1).all()
