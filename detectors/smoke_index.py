"""smoke_index: one ranked "smoke" score (冒烟指数) per lot, project, organization and tenderer.

Rule
----
Every finding of the batch is evidence about the entities it names: ``weight[detector] * score``,
where the weight (in [0, 1]) is how reliable the detector is, the share of its full-score leads
that hold. A finding on a lot also counts for the lot's project and that project's tenderer; a
finding on a project, for its tenderer; a finding naming a company (member, winner, cover...)
counts for that company, unless it is named only as context (an outsider on the lot, a
community's other members: where it happened, not who did it). A ranking detector's score of
every firm it measured (``Ranked``, e.g. ``screen_ring``) counts for that firm even below the
detector's fence.

One detector is one piece of evidence: its strongest finding on an entity counts, not their
number; and at organization level a detector is left out where the detector that aggregates its
evidence per firm ran (``subsumed``: ``price_screen``'s lots are ``screen_ring``'s input). The
pieces combine by noisy-OR: ``index = 100 * (1 - prod(1 - evidence))``, the chance that at least
one piece is right if each were independent, so that many weak detectors cannot outrank one
reliable one, and the index never passes 100. City supervision platforms (一网监, 阳光采购) rank
their leads the same way: each warning model adds to a smoke index and the highest get looked at
first. Sources: Fazekas, Tóth & King (2016), "An Objective Corruption Risk Index Using Public
Procurement Data", *European Journal on Criminal Policy and Research* 22(3); Pearl (1988),
*Probabilistic Reasoning in Intelligent Systems* (noisy-OR).

The default weights were measured on synthetic worlds (default and ``--realism hard``), never on
real cartel data; ``bidgraph calibrate`` re-fits them on investigators' verdicts
(``docs/EVALUATION.md``, Calibration). Every index decomposes exactly into its findings
(``contributions``): each detector's strongest piece carries ``index * log(1 - evidence) /
sum(log(1 - evidence))`` points, which add up to the index; "why is this 87?" is that list.
Entities reaching ``min_index`` become findings of their own; ``bidgraph rank`` lists any level.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding

__all__ = ["DEFAULTS", "DETECTOR", "LEVELS", "smoke_scores", "evidence_table", "noisy_or", "fit_weights", "detect"]

DEFAULTS = {
    # reliability of each detector in [0, 1]: evidence = weight x score. Measured on the synthetic worlds
    # city/1 default and hard: (hits + 1) / (named + 2) over both, the share of the firms (other detectors: of
    # the findings) it names that were planted; red_flag (no OCDS there) keeps its prior. See docs/EVALUATION.md.
    "weights": {
        "bid_ring": 0.99,
        "shared_device": 0.97,
        "shared_document": 0.57,
        "shared_personnel": 0.94,
        "hidden_link": 0.77,
        "cover_bidder": 0.92,
        "frequent_winner": 0.1,
        "tenderer_affinity": 0.9,
        "agency_affinity": 0.88,
        "expert_affinity": 0.89,
        "expert_bias": 0.87,
        "price_screen": 0.07,
        "screen_ring": 0.19,
        "red_flag": 0.15,
        "contract_splitting": 0.82,
        "winner_not_builder": 0.94,
        "payment_anomaly": 0.95,
        "procedure_gap": 0.96,
    },
    # at organization level, the first detector is left out where the second ran (it aggregates the first per firm)
    "subsumed": {"price_screen": "screen_ring"},
    "min_index": 50,  # entities at or above this index become smoke_index findings
}

DETECTOR = ModuleDetector("smoke_index", rule_version="2", defaults=DEFAULTS, module=__name__, combines=True)

LEVELS = {
    "lot": ("lot", "Lot"),
    "project": ("project", "Project"),
    "org": ("company", "Organization"),
    "tenderer": ("company", "Organization"),
}
_ZH = {"lot": "标段", "project": "项目", "org": "企业", "tenderer": "招标人"}
_COLUMNS = ["level", "entity", "finding", "detector", "score", "weight", "evidence"]
MOST_EVIDENCE = 0.999  # one piece of evidence short of certainty, so every share of the index is finite


def _contributions(findings: list[dict], snapshot, params: Mapping, scores: Mapping) -> pd.DataFrame:
    """One row per (finding or ranking score, entity it counts for): level, entity id, finding
    (None for a score below the detector's fence), detector, score, weight, evidence."""
    weights = params["weights"]
    lots = snapshot["lots"][["lot_id", "project_id"]].dropna().set_index("lot_id")["project_id"].to_dict()
    tenderers = (
        snapshot["projects"][["project_id", "tenderer_id"]].dropna().set_index("project_id")["tenderer_id"].to_dict()
    )
    ran = set(scores) | {f["detector"] for f in findings}
    left_out = {d for d, by in params.get("subsumed", {}).items() if by in ran}
    rows = []
    for f in findings:
        if f["detector"] == DETECTOR.id or weights.get(f["detector"], 0) * f["score"] <= 0:
            continue
        targets = set()
        for e in f["entities"]:
            if e["type"] == "lot":
                targets.add(("lot", e["id"]))
                project = lots.get(e["id"])
                if project is not None:
                    targets.add(("project", project))
                    if project in tenderers:
                        targets.add(("tenderer", tenderers[project]))
            elif e["type"] == "project":
                targets.add(("project", e["id"]))
                if e["id"] in tenderers:
                    targets.add(("tenderer", tenderers[e["id"]]))
            elif e["type"] == "company" and e["role"] != "context":
                level = "tenderer" if e["role"] == "tenderer" else "org"
                if level != "org" or f["detector"] not in left_out:
                    targets.add((level, e["id"]))
        rows += [(level, ent, f["id"], f["detector"], f["score"]) for level, ent in sorted(targets)]
    for detector, ranked in sorted(scores.items()):
        if ranked["entity_type"] == "company" and weights.get(detector, 0) > 0:
            rows += [("org", ent, None, detector, s) for ent, s in sorted(ranked["values"].items()) if s > 0]
    c = pd.DataFrame(rows, columns=_COLUMNS[:5])
    c["weight"] = c["detector"].map(weights).astype(float)
    c["evidence"] = c["weight"] * c["score"]
    return c[_COLUMNS]


def _combined(c: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Per entity the noisy-OR index; per contribution the points it carries (its detector's
    strongest piece on the entity, a finding before a score, carries the detector's share)."""
    if c.empty:
        return pd.DataFrame(columns=["level", "entity", "index"]), pd.Series(dtype=float)
    strongest = c.groupby(["level", "entity", "detector"], sort=False)["evidence"].idxmax()
    weight_of_evidence = -np.log1p(-c.loc[strongest, "evidence"].clip(upper=MOST_EVIDENCE).to_numpy())
    keys = pd.MultiIndex.from_frame(c.loc[strongest, ["level", "entity"]])
    total = pd.Series(weight_of_evidence, index=keys).groupby(level=[0, 1]).sum()
    index = 100 * -np.expm1(-total)
    points = pd.Series(0.0, index=c.index)
    points[strongest.to_numpy()] = index.reindex(keys).to_numpy() * weight_of_evidence / total.reindex(keys).to_numpy()
    return index.round(1).rename("index").reset_index(), points


def smoke_scores(
    findings: list[dict],
    snapshot,
    params: Mapping,
    level: str | None = None,
    top: int | None = None,
    min_index: float = 0.0,
    scores: Mapping | None = None,
) -> pd.DataFrame:
    """The index per entity, highest first: level, entity, index, findings (how many pieces of
    evidence), by_detector ({detector: points}) and contributions (every finding or ranking
    score with its evidence and points; the points add up to the index). ``scores`` are the
    ranking detectors' (the runner's ``scores=``). Only the ``top`` rows (or those reaching
    ``min_index``) are decomposed, so ranking stays cheap."""
    c = _contributions(findings, snapshot, params, scores or {})
    if level is not None:
        c = c[c["level"] == level]
    totals, points = _combined(c)
    c = c.assign(points=points)
    counts = c.groupby(["level", "entity"]).size()
    totals["findings"] = counts.reindex(pd.MultiIndex.from_frame(totals[["level", "entity"]])).to_numpy()
    totals = totals[totals["index"] >= min_index].sort_values(
        ["index", "level", "entity"], ascending=[False, True, True], ignore_index=True
    )
    if top is not None:
        totals = totals.head(top)
    keep = c.merge(totals[["level", "entity"]], on=["level", "entity"])
    groups = dict(tuple(keep.groupby(["level", "entity"], sort=False)))
    shown = ["finding", "detector", "score", "weight", "evidence", "points"]
    totals["by_detector"] = [
        groups[(r.level, r.entity)].groupby("detector")["points"].sum().round(2).to_dict() for r in totals.itertuples()
    ]
    totals["contributions"] = [
        groups[(r.level, r.entity)]
        .sort_values(["points", "evidence", "finding"], ascending=[False, False, True])[shown]
        .round(4)
        .replace({np.nan: None})
        .to_dict("records")
        for r in totals.itertuples()
    ]
    return totals


def evidence_table(findings: list[dict], snapshot, params: Mapping, scores: Mapping | None = None) -> pd.DataFrame:
    """Organizations x detectors: the strongest score each detector gives each organization
    (0 where it gives none), the features :func:`fit_weights` fits on."""
    c = _contributions(findings, snapshot, {**params, "weights": dict.fromkeys(params["weights"], 1.0)}, scores or {})
    c = c[c["level"] == "org"]
    return c.pivot_table(index="entity", columns="detector", values="score", aggfunc="max", fill_value=0.0)


def noisy_or(features: pd.DataFrame, weights: Mapping[str, float]) -> np.ndarray:
    """The organization index (0-100) of :func:`evidence_table` rows under ``weights``."""
    w = np.array([weights.get(d, 0.0) for d in features.columns])
    return 100 * (1 - np.prod(1 - np.minimum(features.to_numpy() * w, MOST_EVIDENCE), axis=1)).round(1)


def fit_weights(features: pd.DataFrame, labels: pd.Series, seed: int) -> dict[str, float]:
    """Each detector's weight from a logistic regression of ``labels`` (1 confirmed, 0 dismissed)
    on ``features`` (:func:`evidence_table` rows of the labelled organizations).

    A detector's weight is what its full-score evidence alone adds to the base rate, as noisy-OR
    reads it: ``1 - (1 - p(base + its coefficient)) / (1 - p(base))``, 0 for a coefficient <= 0.
    """
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=1000, random_state=seed)
    model.fit(features.to_numpy(), labels.to_numpy())
    base = float(model.intercept_[0])
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    return {
        d: round(float(max(0.0, 1 - (1 - sigmoid(base + b)) / (1 - sigmoid(base)))), 3)
        for d, b in zip(features.columns, model.coef_[0])
    }


def detect(snapshot, params: Mapping, seed: int, findings: list[dict], scores: Mapping | None = None) -> list[Finding]:
    """Entities whose index reaches ``min_index`` (``seed`` unused)."""
    ranked = smoke_scores(findings, snapshot, params, min_index=params["min_index"], scores=scores)
    return [_finding(r, params) for r in ranked.itertuples()]


def _finding(r, params) -> Finding:
    etype, label = LEVELS[r.level]
    parts_en = ", ".join(f"{d} {p:g}" for d, p in sorted(r.by_detector.items(), key=lambda kv: -kv[1]))
    parts_zh = "，".join(f"{d} {p:g}分" for d, p in sorted(r.by_detector.items(), key=lambda kv: -kv[1]))
    return Finding(
        DETECTOR.id,
        r.index / 100,
        [Entity(etype, r.entity, r.level)],
        f"Smoke index {r.index:g} for {r.level} {r.entity} from {r.findings} findings ({parts_en})",
        {
            "rule": bilingual(
                "各检测模型的预警按其可靠度加权，以噪声或（noisy-OR）合成为冒烟指数（每个模型只计最强的一条），"
                "达到阈值即列为重点线索。",
                "Each detector's strongest evidence, weighted by its reliability, combines by noisy-OR into a "
                "smoke index; entities reaching the fence become leads.",
            ),
            "explanation": bilingual(
                f"{_ZH[r.level]}{r.entity}的冒烟指数为{r.index:g}，来自{r.findings}条预警：{parts_zh}。",
                f"{r.level} {r.entity} has smoke index {r.index:g} from {r.findings} findings: {parts_en}.",
            ),
            "measured": {"index": r.index, "findings": r.findings},
            "thresholds": {"min_index": params["min_index"]},
            "by_detector": r.by_detector,
            "contributions": r.contributions,
            "nodes": [uid(label, r.entity)],
            "edges": [],
        },
    )
