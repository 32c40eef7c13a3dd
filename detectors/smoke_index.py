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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


@dataclass
class _Pieces:
    """One row per (finding or ranking score, entity it counts for) in ``frame``, each named by
    its position in a list: ``key`` in ``entities`` ((level, entity) in that order), ``finding``
    in ``findings`` (their ids in order, then None for a score below the detector's fence),
    ``detector`` in ``detectors`` (in order); then score, weight and evidence. Integers sort and
    group where the strings cost a second each at province (473,001 rows)."""

    frame: pd.DataFrame
    entities: list[tuple[str, str]]
    findings: list[str | None]
    detectors: list[str]


class _Targets:
    """The (level, entity) pairs that findings count for, numbered in order of appearance (a
    lot's project and tenderer looked up once per lot)."""

    def __init__(self, snapshot) -> None:
        self.lots = _mapping(snapshot["lots"], "lot_id", "project_id")
        self.tenderers = _mapping(snapshot["projects"], "project_id", "tenderer_id")
        self.codes: dict[tuple[str, str], int] = {}
        self._above: dict[str, dict] = {"lot": {}, "project": {}}  # their codes by lot and by project

    def code(self, level: str, entity) -> int:
        return self.codes.setdefault((level, entity), len(self.codes))

    def of(self, finding: dict, left_out: set[str]) -> list[int]:
        """The entities ``finding`` counts for (each once, in order of its entities)."""
        as_org = finding["detector"] not in left_out
        codes: list[int] = []
        for e in finding["entities"]:
            etype = e["type"]
            if etype in self._above:
                above = self._above[etype].get(e["id"])
                codes += self._place(etype, e["id"]) if above is None else above
            elif etype == "company" and e["role"] != "context":
                if e["role"] == "tenderer":
                    codes.append(self.code("tenderer", e["id"]))
                elif as_org:
                    codes.append(self.code("org", e["id"]))
        return list(dict.fromkeys(codes))

    def _place(self, etype: str, entity) -> list[int]:
        """A lot, its project and the project's tenderer; a project and its tenderer."""
        codes = [self.code(etype, entity)]
        project = self.lots.get(entity) if etype == "lot" else entity
        if project is not None and etype == "lot":
            codes.append(self.code("project", project))
        if project is not None and project in self.tenderers:
            codes.append(self.code("tenderer", self.tenderers[project]))
        self._above[etype][entity] = codes
        return codes


def _contributions(findings: list[dict], snapshot, params: Mapping, scores: Mapping) -> _Pieces:
    """Every finding (but the index's own) and ranking score with its evidence, per entity it
    counts for: the findings' rows in their order, then the scores' by detector and entity."""
    weights = params["weights"]
    ran = set(scores) | {f["detector"] for f in findings}
    left_out = {d for d, by in params.get("subsumed", {}).items() if by in ran}
    counted = [f for f in findings if f["detector"] != DETECTOR.id and weights.get(f["detector"], 0) * f["score"] > 0]
    ranked = [
        (d, r["values"]) for d, r in sorted(scores.items()) if r["entity_type"] == "company" and weights.get(d, 0) > 0
    ]
    targets = _Targets(snapshot)
    keys: list[int] = []
    of: list[int] = []
    for n, f in enumerate(counted):
        these = targets.of(f, left_out)
        keys += these
        of += [n] * len(these)
    detectors = sorted({f["detector"] for f in counted} | {d for d, _ in ranked})
    code = {d: i for i, d in enumerate(detectors)}
    # per finding, then taken per row: the rows of a finding do not look it up again
    rows = np.asarray(of, dtype=np.int64)
    detector = [np.array([code[f["detector"]] for f in counted], dtype=np.int64)[rows]]
    score = [np.array([f["score"] for f in counted], dtype=float)[rows]]
    finding = [_ranks([f["id"] for f in counted])[rows]]
    for d, values in ranked:
        above = [(e, v) for e, v in sorted(values.items()) if v > 0]
        keys += [targets.code("org", e) for e, _ in above]
        score.append(np.array([v for _, v in above], dtype=float))
        detector.append(np.full(len(above), code[d]))
        finding.append(np.full(len(above), len(counted)))
    entities = list(targets.codes)
    levels, names = ([level for level, _ in entities], [entity for _, entity in entities])
    entity_order = _ranks(levels, names)
    weight = np.array([float(weights[d]) for d in detectors])[np.concatenate(detector)]
    score_column = np.concatenate(score)
    frame = pd.DataFrame(
        {
            "key": entity_order[np.asarray(keys, dtype=np.int64)],
            "finding": np.concatenate(finding),
            "detector": np.concatenate(detector),
            "score": score_column,
            "weight": weight,
            "evidence": weight * score_column,
        }
    )
    ids = sorted(f["id"] for f in counted)
    return _Pieces(frame, [entities[i] for i in np.argsort(entity_order)], [*ids, None], detectors)


def _ranks(*columns: list) -> np.ndarray:
    """Each row's position among the rows sorted by ``columns`` (stable), as Arrow sorts text:
    by code point, as Python does."""
    table = pa.table({str(i): pa.array(column) for i, column in enumerate(columns)})
    order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in table.column_names]).to_numpy()
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


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
    pieces = _contributions(findings, snapshot, params, scores or {})
    c = pieces.frame
    if level is not None:
        c = c[np.array([lvl == level for lvl, _ in pieces.entities], dtype=bool)[c["key"].to_numpy()]]
    totals, points = combine(c, ["key"], params["combine"])
    totals["findings"] = np.bincount(c["key"], minlength=len(pieces.entities))[totals["key"].to_numpy(dtype=np.int64)]
    # the key's order is the (level, entity) order
    totals = totals[totals["index"] >= min_index].sort_values(
        ["index", "key"], ascending=[False, True], ignore_index=True
    )
    if top is not None:
        totals = totals.head(top)
    kept = np.zeros(len(pieces.entities), dtype=bool)
    kept[totals["key"].to_numpy(dtype=np.int64)] = True
    keep = c.assign(points=points)[kept[c["key"].to_numpy()]]
    keep = keep.sort_values(["key", "points", "evidence", "finding"], ascending=[True, False, False, True])
    # decomposed in one pass over the kept rows (per-entity pandas calls cost minutes at province scale)
    by_detector = keep.groupby(["key", "detector"])["points"].sum().round(2)
    parts = _slices(by_detector.index.get_level_values(0).to_numpy(), totals["key"].to_numpy())
    names = _taken(pieces.detectors, by_detector.index.get_level_values(1))
    points_by = by_detector.tolist()
    rows = [
        {"finding": f, "detector": d, "score": s, "weight": w, "evidence": e, "points": p}
        for f, d, s, w, e, p in zip(
            _taken(pieces.findings, keep["finding"]),
            _taken(pieces.detectors, keep["detector"]),
            *(_shown(keep[column].to_numpy()) for column in ("score", "weight", "evidence", "points")),
        )
    ]
    listed = _slices(keep["key"].to_numpy(), totals["key"].to_numpy())
    shown = [pieces.entities[k] for k in totals["key"].tolist()]
    return pd.DataFrame(
        {
            "level": [lvl for lvl, _ in shown],
            "entity": [entity for _, entity in shown],
            "index": totals["index"].to_numpy(dtype=float),
            "findings": totals["findings"].to_numpy(dtype=np.int64),
            "by_detector": [dict(zip(names[a:b], points_by[a:b])) for a, b in parts],
            "contributions": [rows[a:b] for a, b in listed],
        }
    )


def _slices(keys: np.ndarray, wanted: np.ndarray) -> list[tuple[int, int]]:
    """Where each of ``wanted`` runs in ``keys`` (sorted; every wanted key present)."""
    return list(zip(np.searchsorted(keys, wanted, "left").tolist(), np.searchsorted(keys, wanted, "right").tolist()))


def _taken(items: list, positions) -> list:
    """``items`` at ``positions``."""
    return np.asarray(items, dtype=object)[np.asarray(positions)].tolist()


def _shown(values: np.ndarray) -> list:
    """Rounded to 4 places as listed, None for a missing value."""
    shown = values.round(4).astype(object)
    shown[np.isnan(values)] = None
    return shown.tolist()


def evidence_table(findings: list[dict], snapshot, params: Mapping, scores: Mapping | None = None) -> pd.DataFrame:
    """Organizations x detectors: the strongest score each detector gives each organization
    (0 where it gives none), the features :func:`fit_weights` fits on."""
    pieces = _contributions(
        findings, snapshot, {**params, "weights": dict.fromkeys(params["weights"], 1.0)}, scores or {}
    )
    level, entity = zip(*pieces.entities) if pieces.entities else ((), ())
    key, detector = pieces.frame["key"].to_numpy(), pieces.frame["detector"].to_numpy()
    c = pd.DataFrame(
        {
            "entity": np.asarray(entity, dtype=object)[key],
            "detector": np.asarray(pieces.detectors, dtype=object)[detector],
            "score": pieces.frame["score"],
        }
    )[np.asarray(level, dtype=object)[key] == "org"]
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
    # columns as lists, not itertuples, and each detector's Chinese name and each number's text
    # made once: 135,325 leads at province
    columns = [ranked[c].tolist() for c in ("level", "entity", "index", "findings", "by_detector", "contributions")]
    names, shown = {d: detector_name(d, "zh") for d in params["weights"]}, _Shown()
    return [_finding(row, params, names, shown) for row in zip(*columns)]


class _Shown(dict):
    """Numbers as the explanations show them (``:g``), each formatted once. Indices and points
    are never negative, so a 0.0 cached never stands for a -0.0."""

    def __missing__(self, number: float) -> str:
        self[number] = text = f"{number:g}"
        return text


def _strongest_first(part: tuple[str, float]) -> float:
    return -part[1]


def _finding(row: tuple, params: Mapping, names: Mapping[str, str], shown: _Shown) -> Finding:
    level, entity, index, count, by_detector, contributions = row
    etype, label = LEVELS[level]
    parts = [(d, shown[p]) for d, p in sorted(by_detector.items(), key=_strongest_first)]
    parts_en = ", ".join([f"{d} {p}" for d, p in parts])
    parts_zh = "，".join([f"{names.get(d) or detector_name(d, 'zh')}（{p}分）" for d, p in parts])
    points = shown[index]
    return Finding(
        DETECTOR.id,
        index / 100,
        [Entity(etype, entity, level)],
        f"Smoke index {points} for {level} {entity} from {count} findings ({parts_en})",
        {
            "rule": bilingual(*_RULE_TEXT[params["combine"]]),
            "combine": params["combine"],
            "explanation": bilingual(
                f"{_ZH[level]}{entity}的冒烟指数为{points}，来自{count}条预警：{parts_zh}。",
                f"{level} {entity} has smoke index {points} from {count} findings: {parts_en}.",
            ),
            "measured": {"index": index, "findings": count},
            "thresholds": {"min_index": params["min_index"]},
            "by_detector": by_detector,
            "contributions": contributions,
            "nodes": [uid(label, entity)],
            "edges": [],
        },
    )
