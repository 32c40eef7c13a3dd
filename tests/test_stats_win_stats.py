"""Win statistics grouped on integer codes give what grouping on the id columns gave: the same
pairs in the same order, the same sums to the last bit, missing ids in no group."""

import numpy as np
import pandas as pd

from bidgraph.detectors.stats.win_stats import context_pairs, person_links
from bidgraph.graph.snapshot import Snapshot


def _outcomes(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(8)
    ids = lambda prefix, k: pd.array([f"{prefix}{i}" for i in rng.integers(0, k, n)], dtype="str")  # noqa: E731
    b = pd.DataFrame(
        {
            "tenderer_id": ids("T", 30),
            "org_id": ids("F", 200),
            "bid_id": [f"B{i}" for i in range(n)],
            "is_winner": rng.random(n) < 0.2,
            "p_fair": 1 / rng.integers(1, 9, n),
            "competitive_win": rng.random(n) < 0.1,
        }
    )
    b.loc[rng.random(n) < 0.05, "tenderer_id"] = None
    b.loc[rng.random(n) < 0.02, "org_id"] = None
    return b


def _by_columns(b: pd.DataFrame, prior: float) -> pd.DataFrame:
    """The reference: grouped on the id columns themselves."""
    pairs = (
        b.dropna(subset=["tenderer_id"])
        .groupby(["tenderer_id", "org_id"], sort=False)
        .agg(
            bids=("bid_id", "size"),
            wins=("is_winner", "sum"),
            mu=("p_fair", "sum"),
            competitive_win=("competitive_win", "sum"),
        )
        .reset_index()
    )
    firm = pairs.groupby("org_id")[["wins", "mu"]].transform("sum")
    pairs["wins_elsewhere"] = firm["wins"] - pairs["wins"]
    pairs["mu_elsewhere"] = firm["mu"] - pairs["mu"]
    pairs["strength"] = ((pairs["wins_elsewhere"] + prior) / (pairs["mu_elsewhere"] + prior)).clip(lower=1.0)
    pairs["expected"] = pairs["mu"] * pairs["strength"]
    return pairs


def test_context_pairs_are_those_of_grouping_on_the_id_columns():
    b = _outcomes()
    got = context_pairs(b, "tenderer_id", 2.0, ("competitive_win",))
    pd.testing.assert_frame_equal(got, _by_columns(b, 2.0), check_exact=True)


def test_person_links_join_a_context_role_holder_to_their_other_firms_only():
    roles = pd.DataFrame(
        {
            "person_id": ["P1", "P1", "P2", "P2", "P3", "P4", "P1", "P3"],
            "org_id": ["T1", "F1", "T2", "F2", "F3", "F4", "F1", "T1"],
            "role": ["official", "shareholder", "employee", "manager", "manager", "official", "director", "manager"],
        }
    )
    persons = pd.DataFrame({"person_id": ["P1", "P2", "P3", "P4"], "name": ["甲", "乙", "丙", "丁"]})
    links = person_links(Snapshot({"person_roles": roles, "persons": persons}), ["official"])
    assert links[["context_org", "org_id", "person_id", "role", "person_name"]].values.tolist() == [
        ["T1", "F1", "P1", "shareholder", "甲"],
        ["T1", "F1", "P1", "director", "甲"],
    ]
