"""smoke_index: one ranked "smoke" score (冒烟指数) per lot, project, organization and tenderer.

Rule
----
Every finding of the batch is evidence about the entities it names: ``weight[detector] * score``.
A finding on a lot also counts for the lot's project and that project's tenderer; a finding on a
project, for its tenderer; a finding naming a company (member, winner, cover...) counts for that
company, unless it is named only as context (an outsider on the lot, a community's other
members: where it happened, not who did it). A ranking detector's score of every firm it
measured (``Ranked``, e.g. ``screen_ring``) counts for that firm even below the detector's fence.

One detector is one piece of evidence: its strongest finding on an entity counts, not their
number; and at organization level a detector is left out where the detector that aggregates its
evidence per firm ran (``subsumed``: ``price_screen``'s lots are ``screen_ring``'s input). The
pieces combine under ``combine`` (:mod:`bidgraph.detectors.core.evidence`, where the scoped part
of a finding is summed too):

- ``strongest`` (the default): ``index = 100 * max(weight * score)``, the entity's strongest
  single piece of evidence, every default weight 1.0 (a detector's own score is its own
  confidence). The strongest piece carries the index's points, the others are listed as
  supporting contributions with 0 points. Many weak detectors cannot outrank one strong one and
  no weight is guessed: weights measured on synthetic worlds did not carry to a real cartel
  (Okinawa, ``docs/EVALUATION.md``, Real cartels: noisy-OR with those weights ranked cartel firms
  at AP 0.27, below counting bids, while the strongest piece ranks them at 0.62, above both counts
  and above the best single detector). It is also the rule the synthetic evaluation scores firms
  by (``evaluation/truth.py``: a firm's best score over the findings that accuse it).
- ``noisy_or``: ``index = 100 * (1 - prod(1 - weight * score))``, the chance that at least one
  piece is right if each were independent, each piece carrying its share
  ``index * log(1 - e) / sum(log(1 - e))``. Right when the weights are each detector's measured
  reliability on an office's own verdicts: ``bidgraph calibrate`` fits them
  (:func:`fit_weights`) and writes ``combine = "noisy_or"`` with them (``docs/EVALUATION.md``,
  Calibration).

City supervision platforms (一网监, 阳光采购) rank their leads the same way: each warning model
adds to a smoke index and the highest get looked at first. Sources: Fazekas, Tóth & King (2016),
"An Objective Corruption Risk Index Using Public Procurement Data", *European Journal on Criminal
Policy and Research* 22(3); Pearl (1988), *Probabilistic Reasoning in Intelligent Systems*
(noisy-OR). Every index decomposes exactly into its findings (``contributions``): "why is this
87?" is that list. Entities reaching ``min_index`` become findings of their own; ``bidgraph
rank`` lists any level.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.evidence import combine
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.core.names import detector_name

__all__ = ["DEFAULTS", "DETECTOR", "LEVELS", "smoke_scores", "evidence_table", "fit_weights", "detect"]

DEFAULTS = {
    # how an entity's pieces of evidence combine: "strongest" (its largest weight x score) or "noisy_or" (for
    # weights fitted on verdicts by bidgraph calibrate, which writes it)
    "combine": "strongest",
    # each detector's weight in [0, 1]: evidence = weight x score. All 1.0 by default (a detector's score is its own
    # confidence); bidgraph calibrate fits them on an office's verdicts. A detector missing here does not count.
    "weights": {
        "bid_ring": 1.0,
        "shared_device": 1.0,
        "shared_document": 1.0,
        "shared_personnel": 1.0,
        "hidden_link": 1.0,
        "cover_bidder": 1.0,
        "frequent_winner": 1.0,
        "tenderer_affinity": 1.0,
        "agency_affinity": 1.0,
        "expert_affinity": 1.0,
        "expert_bias": 1.0,
        "price_screen": 1.0,
        "screen_ring": 1.0,
        "red_flag": 1.0,
        "contract_splitting": 1.0,
        "winner_not_builder": 1.0,
        "payment_anomaly": 1.0,
        "procedure_gap": 1.0,
        "contract_change": 1.0,
        "quantity_growth": 1.0,
        "personnel_change": 1.0,
        "identical_errors": 1.0,
        "statutory_presumption": 1.0,
        "efficiency_anomaly": 1.0,
    },
    # at organization level, the first detector is left out where the second ran (it aggregates the first per firm)
    "subsumed": {"price_screen": "screen_ring"},
    "min_index": 80,  # entities at or above this index become smoke_index findings (a high-severity lead: 100 x the strongest score under "strongest")
}

DETECTOR = ModuleDetector("smoke_index", rule_version="3", defaults=DEFAULTS, module=__name__, combines=True)

LEVELS = {
    "lot": ("lot", "Lot"),
    "project": ("project", "Project"),
    "org": ("company", "Organization"),
    "tenderer": ("company", "Organization"),
}
_ZH = {"lot": "标段", "project": "项目", "org": "企业", "tenderer": "招标人"}
_RULE_TEXT = {
    "strongest": (
        "冒烟指数取各检测模型预警中加权后最强的一条（其余预警列为佐证，不另计分），达到阈值即列为重点线索。",
        "The smoke index is the strongest single piece of weighted evidence of any detector (the others are "
        "listed as supporting evidence with 0 points); entities reaching the fence become leads.",
    ),
    "noisy_or": (
        "各检测模型的预警按其可靠度加权，以噪声或（noisy-OR）合成为冒烟指数（每个模型只计最强的一条），"
        "达到阈值即列为重点线索。",
        "Each detector's strongest evidence, weighted by its reliability, combines by noisy-OR into a "
        "smoke index; entities reaching the fence become leads.",
    ),
}
_COLUMNS = ["level", "entity", "finding", "detector", "score", "weight", "evidence"]


def _contributions(findings: list[dict], snapshot, params: Mapping, scores: Mapping) -> pd.DataFrame:
    """One row per (finding or ranking score, entity it counts for): level, entity id, finding
    (None for a score below the detector's fence), detector, score, weight, evidence."""
    weights = params["weights"]
    lots = _mapping(snapshot["lots"], "lot_id", "project_id")
    tenderers = _mapping(snapshot["projects"], "project_id", "tenderer_id")
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


def _mapping(table: pd.DataFrame, key: str, value: str) -> dict:
    """``value`` by ``key`` over the rows holding both (the last row of a repeated key)."""
    pairs = table[[key, value]].dropna()
    # lists first: Series.to_dict boxes an Arrow string column value by value, seconds at province
    return dict(zip(pairs[key].tolist(), pairs[value].tolist()))


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
    totals, points = combine(c, ["level", "entity"], params["combine"])
    c = c.assign(points=points)
    counts = c.groupby(["level", "entity"]).size()
    totals["findings"] = counts.reindex(pd.MultiIndex.from_frame(totals[["level", "entity"]])).to_numpy()
    totals = totals[totals["index"] >= min_index].sort_values(
        ["index", "level", "entity"], ascending=[False, True, True], ignore_index=True
    )
    if top is not None:
        totals = totals.head(top)
    keep = c.merge(totals[["level", "entity"]], on=["level", "entity"])
    keep = keep.sort_values(
        ["level", "entity", "points", "evidence", "finding"], ascending=[True, True, False, False, True]
    )
    # decomposed in one pass over the kept rows (per-entity pandas calls cost minutes at province scale)
    by_detector = keep.groupby(["level", "entity", "detector"])["points"].sum().round(2)
    per_entity: dict[tuple, dict] = {}
    levels = [by_detector.index.get_level_values(i).tolist() for i in range(3)]  # lists: iterating Arrow is slow
    for lvl, ent, det, pts in zip(*levels, by_detector.tolist()):
        per_entity.setdefault((lvl, ent), {})[det] = pts
    shown = ["finding", "detector", "score", "weight", "evidence", "points"]
    rounded = keep[shown].round(4)
    columns = [rounded[c].astype(object).where(keep[c].notna(), None).tolist() for c in shown]
    rows = [dict(zip(shown, values)) for values in zip(*columns)]  # to_dict("records") boxes cell by cell
    listed: dict[tuple, list] = {}
    for key, row in zip(zip(keep["level"].tolist(), keep["entity"].tolist()), rows):
        listed.setdefault(key, []).append(row)
    keys = list(zip(totals["level"].tolist(), totals["entity"].tolist()))
    totals["by_detector"] = [per_entity[k] for k in keys]
    totals["contributions"] = [listed[k] for k in keys]
    return totals


def evidence_table(findings: list[dict], snapshot, params: Mapping, scores: Mapping | None = None) -> pd.DataFrame:
    """Organizations x detectors: the strongest score each detector gives each organization
    (0 where it gives none), the features :func:`fit_weights` fits on."""
    c = _contributions(findings, snapshot, {**params, "weights": dict.fromkeys(params["weights"], 1.0)}, scores or {})
    c = c[c["level"] == "org"]
    return c.pivot_table(index="entity", columns="detector", values="score", aggfunc="max", fill_value=0.0)


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
    # columns as lists, not itertuples, and each detector's Chinese name looked up once: 135,489
    # leads at province
    columns = [ranked[c].tolist() for c in ("level", "entity", "index", "findings", "by_detector", "contributions")]
    names = {d: detector_name(d, "zh") for d in params["weights"]}
    return [_finding(row, params, names) for row in zip(*columns)]


def _finding(row: tuple, params: Mapping, names: Mapping[str, str]) -> Finding:
    level, entity, index, count, by_detector, contributions = row
    etype, label = LEVELS[level]
    parts = sorted(by_detector.items(), key=lambda kv: -kv[1])
    parts_en = ", ".join(f"{d} {p:g}" for d, p in parts)
    parts_zh = "，".join(f"{names.get(d) or detector_name(d, 'zh')}（{p:g}分）" for d, p in parts)
    return Finding(
        DETECTOR.id,
        index / 100,
        [Entity(etype, entity, level)],
        f"Smoke index {index:g} for {level} {entity} from {count} findings ({parts_en})",
        {
            "rule": bilingual(*_RULE_TEXT[params["combine"]]),
            "combine": params["combine"],
            "explanation": bilingual(
                f"{_ZH[level]}{entity}的冒烟指数为{index:g}，来自{count}条预警：{parts_zh}。",
                f"{level} {entity} has smoke index {index:g} from {count} findings: {parts_en}.",
            ),
            "measured": {"index": index, "findings": count},
            "thresholds": {"min_index": params["min_index"]},
            "by_detector": by_detector,
            "contributions": contributions,
            "nodes": [uid(label, entity)],
            "edges": [],
        },
    )
