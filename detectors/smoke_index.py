"""smoke_index: one ranked "smoke" score (冒烟指数) per lot, project, organization and tenderer.

Rule
----
Every finding of the batch adds points to the entities it names: ``weight[detector] * score``
points (weights in settings, out of 100). A finding on a lot also counts for the lot's project
and that project's tenderer; a finding on a project, for its tenderer; a finding naming a
company (member, winner, cover...) counts for that company, unless it is named only as context
(an outsider on the lot, a community's other members: where it happened, not who did it). Points of one detector on one
entity are capped at ``detector_cap`` so that many weak findings of one kind cannot outweigh
different kinds of evidence, and the index is the sum, capped at 100. City supervision
platforms (一网监, 阳光采购) rank their leads the same way: each warning model adds to a smoke
index and the highest get looked at first. Source for combining red flags into one index:
Fazekas, Tóth & King (2016), "An Objective Corruption Risk Index Using Public Procurement
Data", *European Journal on Criminal Policy and Research* 22(3).

Every index decomposes exactly into its findings (``contributions``): "why is this 87?" is the
list of findings, each with its detector, score, weight and points. Entities reaching
``min_index`` become findings of their own; ``bidgraph rank`` lists any level.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding

__all__ = ["DEFAULTS", "DETECTOR", "smoke_scores", "detect"]

DEFAULTS = {
    # points a finding adds = this weight of its detector x its score (out of 100)
    "weights": {
        "bid_ring": 45,
        "shared_device": 30,
        "shared_document": 35,
        "shared_personnel": 30,
        "hidden_link": 20,
        "cover_bidder": 30,
        "frequent_winner": 20,
        "tenderer_affinity": 30,
        "agency_affinity": 25,
        "expert_affinity": 30,
        "expert_bias": 15,
        "price_screen": 20,
        "screen_ring": 50,
        "red_flag": 15,
        "contract_splitting": 35,
        "winner_not_builder": 40,
        "payment_anomaly": 35,
        "procedure_gap": 25,
    },
    "detector_cap": 50,  # most points one detector can add to one entity
    "min_index": 60,  # entities at or above this index become smoke_index findings
}

DETECTOR = ModuleDetector("smoke_index", rule_version="1", defaults=DEFAULTS, module=__name__, combines=True)

LEVELS = {
    "lot": ("lot", "Lot"),
    "project": ("project", "Project"),
    "org": ("company", "Organization"),
    "tenderer": ("company", "Organization"),
}
_ZH = {"lot": "标段", "project": "项目", "org": "企业", "tenderer": "招标人"}


def _contributions(findings: list[dict], snapshot, weights: dict) -> pd.DataFrame:
    """One row per (finding, entity it counts for): level, entity id, detector, score, points."""
    lots = snapshot["lots"][["lot_id", "project_id"]].dropna().set_index("lot_id")["project_id"].to_dict()
    tenderers = (
        snapshot["projects"][["project_id", "tenderer_id"]].dropna().set_index("project_id")["tenderer_id"].to_dict()
    )
    rows = []
    for f in findings:
        if f["detector"] == DETECTOR.id:
            continue
        points = weights.get(f["detector"], 0) * f["score"]
        if points <= 0:
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
                targets.add(("tenderer" if e["role"] == "tenderer" else "org", e["id"]))
        rows += [
            {
                "level": level,
                "entity": ent,
                "finding": f["id"],
                "detector": f["detector"],
                "score": f["score"],
                "weight": weights[f["detector"]],
                "points": points,
            }
            for level, ent in sorted(targets)
        ]
    return pd.DataFrame(rows, columns=["level", "entity", "finding", "detector", "score", "weight", "points"])


def smoke_scores(
    findings: list[dict],
    snapshot,
    params: dict,
    level: str | None = None,
    top: int | None = None,
    min_index: float = 0.0,
) -> pd.DataFrame:
    """The index per entity, highest first: level, entity, index, findings, by_detector
    ({detector: capped points}) and contributions (every finding with its points). Only the
    ``top`` rows (or those reaching ``min_index``) are decomposed, so ranking stays cheap."""
    c = _contributions(findings, snapshot, params["weights"])
    if level is not None:
        c = c[c["level"] == level]
    per_det = c.groupby(["level", "entity", "detector"])["points"].sum().clip(upper=params["detector_cap"])
    totals = per_det.groupby(["level", "entity"]).sum().clip(upper=100.0).round(1).rename("index").reset_index()
    totals["findings"] = (
        c.groupby(["level", "entity"]).size().reindex(pd.MultiIndex.from_frame(totals[["level", "entity"]])).to_numpy()
    )
    totals = totals[totals["index"] >= min_index].sort_values(
        ["index", "level", "entity"], ascending=[False, True, True], ignore_index=True
    )
    if top is not None:
        totals = totals.head(top)
    keep = c.merge(totals[["level", "entity"]], on=["level", "entity"])
    groups = dict(tuple(keep.groupby(["level", "entity"], sort=False)))
    by_det = per_det.round(2)
    totals["by_detector"] = [by_det.loc[(r.level, r.entity)].to_dict() for r in totals.itertuples()]
    totals["contributions"] = [
        groups[(r.level, r.entity)]
        .sort_values(["points", "finding"], ascending=[False, True])[
            ["finding", "detector", "score", "weight", "points"]
        ]
        .round(4)
        .to_dict("records")
        for r in totals.itertuples()
    ]
    return totals


def detect(snapshot, params: dict, seed: int, findings: list[dict]) -> list[Finding]:
    """Entities whose index reaches ``min_index`` (``seed`` unused)."""
    scores = smoke_scores(findings, snapshot, params, min_index=params["min_index"])
    return [_finding(r, params) for r in scores.itertuples()]


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
                "各检测模型的预警按权重累加为冒烟指数（单一模型封顶），达到阈值即列为重点线索。",
                "Weighted findings of every detector add up to a smoke index (each detector capped); "
                "entities reaching the fence become leads.",
            ),
            "explanation": bilingual(
                f"{_ZH[r.level]}{r.entity}的冒烟指数为{r.index:g}，来自{r.findings}条预警：{parts_zh}。",
                f"{r.level} {r.entity} has smoke index {r.index:g} from {r.findings} findings: {parts_en}.",
            ),
            "measured": {"index": r.index, "findings": r.findings},
            "thresholds": {"min_index": params["min_index"], "detector_cap": params["detector_cap"]},
            "by_detector": r.by_detector,
            "contributions": r.contributions,
            "nodes": [uid(label, r.entity)],
            "edges": [],
        },
    )
