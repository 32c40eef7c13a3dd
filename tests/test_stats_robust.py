"""robust_z_by_strata: median and MAD against the narrowest stratum that is big enough."""

import numpy as np
import pandas as pd
import pytest

from bidgraph.detectors.stats.robust import MAD_TO_SD, robust_z_by_strata


def test_each_row_is_measured_in_the_narrowest_stratum_with_enough_peers():
    frame = pd.DataFrame(
        {
            "category": ["a"] * 4 + ["b"] * 2,
            "value": [1.0, 2.0, 3.0, 10.0, 4.0, 8.0],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    out = robust_z_by_strata(frame, "value", [("category",), ()], min_peers=3)
    a, b = out.loc[[10, 11, 12, 13]], out.loc[[14, 15]]
    assert (a["stratum"] == "category").all() and (a["stratum_key"] == "a").all() and (a["peers"] == 4).all()
    # a: median 2.5, MAD median(|1-2.5|, |2-2.5|, |3-2.5|, |10-2.5|) = 1.0
    assert a["peer_median"].tolist() == [2.5] * 4
    assert a["z"].tolist() == pytest.approx([(v - 2.5) / MAD_TO_SD for v in (1, 2, 3, 10)])
    # b has two rows only: measured among all six, median 3.5, MAD 2.0
    assert (b["stratum"] == "all").all() and (b["stratum_key"] == "").all() and (b["peers"] == 6).all()
    assert b["z"].tolist() == pytest.approx([(v - 3.5) / (MAD_TO_SD * 2.0) for v in (4, 8)])


def test_mostly_equal_peers_use_the_mean_absolute_deviation_and_all_equal_peers_give_zero():
    frame = pd.DataFrame({"g": ["x"] * 5 + ["y"] * 3, "value": [1.0, 1.0, 1.0, 1.0, 6.0, 2.0, 2.0, 2.0]})
    out = robust_z_by_strata(frame, "value", [("g",)], min_peers=3)
    x = out[out["g"] == "x"]
    assert x["peer_scale"].iloc[0] == pytest.approx(1.2533 * 1.0)  # MAD 0: mean |v - 1| = 5 / 5
    assert out.loc[out["g"] == "y", "z"].tolist() == [0.0, 0.0, 0.0]


def test_a_row_without_a_big_enough_stratum_is_left_out():
    frame = pd.DataFrame({"g": ["x", "x", "y"], "value": [1.0, 2.0, np.float64(3.0)]})
    assert robust_z_by_strata(frame, "value", [("g",)], min_peers=3).empty
