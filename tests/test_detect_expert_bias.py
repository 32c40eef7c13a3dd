"""expert_bias: an expert far from their panels is flagged; a mildly lenient one is not."""

import copy

import numpy as np
import pytest
from snapshot_fixture import make_snapshot, market

from bidgraph.detectors import expert_bias
from bidgraph.detectors.core.settings import load_settings

PARAMS = load_settings()["expert_bias"]


@pytest.fixture(scope="module")
def honest():
    return market(seed=6, n_lots=300)


def _shift(rows, expert, fn):
    for r in rows["expert_scores"]:
        if r["expert_id"] == expert:
            r["score"] = fn(r["score"])


def test_honest_panels_flag_nobody(honest):
    assert expert_bias.detect(make_snapshot(**honest), PARAMS, 1) == []


def test_high_low_and_erratic_experts_are_flagged_with_direction(honest):
    rows = copy.deepcopy(honest)
    rng = np.random.default_rng(0)
    _shift(rows, "E001", lambda s: s + 12)
    _shift(rows, "E002", lambda s: s - 12)
    _shift(rows, "E003", lambda s: s + rng.choice([-14, 14]))
    _shift(rows, "E004", lambda s: s + 2)  # mildly lenient: within what colleagues differ
    findings = expert_bias.detect(make_snapshot(**rows), PARAMS, 1)
    got = {f.entities[0].id: f.evidence["measured"]["direction"] for f in findings}
    assert got == {"E001": "high", "E002": "low", "E003": "erratic"}
    f = findings[0]
    assert f.severity == "high" and f.evidence["measured"]["robust_z"] >= PARAMS["z_fence"]
    assert f.evidence["measured"]["p_adj"] <= PARAMS["alpha"]
    assert f.evidence["largest_deviations"][0]["deviation"] != 0
    assert [f"Expert:{f.entities[0].id}", "SCORED", f"Bid:{f.evidence['largest_deviations'][0]['bid']}"] in f.evidence[
        "edges"
    ]


def test_experts_with_too_few_panels_are_not_judged(honest):
    rows = copy.deepcopy(honest)
    _shift(rows, "E001", lambda s: s + 12)
    findings = expert_bias.detect(make_snapshot(**rows), dict(PARAMS, min_panels=1000), 1)
    assert findings == []
