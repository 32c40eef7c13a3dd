"""Run the whole detector batch on a labelled cartel dataset and measure it (``bidgraph evaluate --cartels``).

The dataset's bundle of bids (:mod:`bidgraph.evaluation.cartels`) is loaded into a temporary
embedded workspace and every registered detector runs with its defaults, except that the smoke
index keeps every organization (``min_index`` 0) so each firm with any evidence is ranked, and
``price_screen`` uses the model chosen leave-one-dataset-out (:mod:`bidgraph.evaluation.holdout`).
:func:`evaluate_cartels` returns plain dicts:

- ``detectors``: the batch summary (status, findings) per detector;
- ``firm_ranking`` (files that name bidders): AP and precision at k (k = cartel firms) of the
  project's ranking (the stored org-level smoke index), of each detector that ran (its score
  of every firm it measured when it ranks, else a firm's highest finding score naming it), and
  of the two naive counts: ``bids`` (number of bids) and
  ``max_shared`` (the most tenders shared with one partner);
- ``price_screen``: tender-level AUC of the model's lot probability and of the reference forest
  on the lots with at least ``min_bids`` bids, and which model was used;
- ``cartels`` (files with ``Cartel_name``): per named cartel the best Jaccard with any group
  finding (``bid_ring``, ``screen_ring`` members) and the mean.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from bidgraph.detectors.core.runner import run_batch
from bidgraph.detectors.core.settings import load_settings
from bidgraph.detectors.screens.validation import score_dataset
from bidgraph.evaluation.cartels import CartelDataset, cartel_bundle, read_cartel_dataset
from bidgraph.evaluation.holdout import choose_model, reference_auc
from bidgraph.evaluation.metrics import jaccard, ranking_figures
from bidgraph.graph.embedded.store import EmbeddedStore

__all__ = ["evaluate_cartels", "cartel_recovery", "max_shared_tenders", "GROUP_DETECTORS", "PROJECT"]

GROUP_DETECTORS = ("bid_ring", "screen_ring")
PROJECT = "smoke_index"


def evaluate_cartels(path: str | Path) -> dict:
    """Every figure of the module docstring for the dataset at ``path``."""
    dataset = read_cartel_dataset(path)
    choice = choose_model(dataset)
    with tempfile.TemporaryDirectory(prefix="bidgraph-cartels-") as tmp:
        model_file = Path(tmp) / "price_screen_model.json"
        model_file.write_text(choice.model.to_json(), encoding="utf-8")
        settings = load_settings()
        settings[PROJECT]["min_index"] = 0
        # the held-out model, for price_screen and every detector that reads its settings: no
        # figure of this run may come from a model that saw the evaluated dataset
        settings["price_screen"]["model"] = str(model_file)
        store = EmbeddedStore(Path(tmp) / "workspace")
        store.load(cartel_bundle(dataset))
        snapshot = store.snapshot()
        findings, summary = run_batch(snapshot, settings, progress=False)
        store.save_findings(findings, computed_on=snapshot.version)
        stored = store.findings()
    screen = score_dataset(dataset.data, choice.model)
    return {
        "dataset": dataset.name,
        "sha256": dataset.sha256,
        "tenders": int(dataset.data.labels.size),
        "bids": int(len(dataset.data.bids)),
        "firms": int(dataset.data.bids["org_id"].nunique()) if dataset.named_bidders else None,
        "cartel_firms": len(dataset.cartel_firms) if dataset.named_bidders else None,
        "detectors": [
            {k: row.get(k) for k in ("detector", "status", "reason", "findings") if k in row} for row in summary
        ],
        "firm_ranking": _firm_ranking(dataset, stored, summary) if dataset.named_bidders else None,
        "price_screen": {
            "model": choice.describe(),
            "refitted": choice.refitted,
            "lots": screen["lots"],
            "rigged": screen["rigged"],
            "auc": screen["auc"],
            "reference_auc": reference_auc(choice, dataset),
        },
        "cartels": cartel_recovery(dataset.cartels, stored) if dataset.cartels else None,
    }


def _firm_ranking(dataset: CartelDataset, findings: list[dict], summary: list[dict]) -> dict:
    bids = dataset.data.bids[["lot_id", "org_id"]]
    firms = set(bids["org_id"])
    rankings = {
        "project": _project_scores(findings),
        "bids": bids.groupby("org_id").size().astype(float),
        "max_shared": max_shared_tenders(bids),
    }
    ran = [row["detector"] for row in summary if row.get("status") == "ok" and row["detector"] != PROJECT]
    ranked = {row["detector"]: row["scores"]["values"] for row in summary if "scores" in row}
    rankings |= {
        d: pd.Series(ranked[d], dtype=float) if d in ranked else _detector_scores(findings, d, firms) for d in ran
    }
    return {name: ranking_figures(scores, dataset.cartel_firms) for name, scores in rankings.items()}


def _project_scores(findings: list[dict]) -> pd.Series:
    """Each organization's smoke index as the batch stored it."""
    rows = {
        e["id"]: f["score"]
        for f in findings
        if f["detector"] == PROJECT
        for e in f["entities"]
        if e.get("role") == "org"
    }
    return pd.Series(rows, dtype=float)


def _detector_scores(findings: list[dict], detector: str, firms: set[str]) -> pd.Series:
    """Each bidder's highest score over ``detector``'s findings that name it."""
    rows = [
        (e["id"], f["score"])
        for f in findings
        if f["detector"] == detector
        for e in f["entities"]
        if e.get("type") == "company" and e["id"] in firms
    ]
    return pd.DataFrame(rows, columns=["org_id", "score"]).groupby("org_id")["score"].max()


def max_shared_tenders(bids: pd.DataFrame) -> pd.Series:
    """Per firm, the most tenders it bid on together with any one other firm."""
    pairs = bids.drop_duplicates().merge(bids.drop_duplicates(), on="lot_id")
    pairs = pairs[pairs["org_id_x"] != pairs["org_id_y"]]
    shared = pairs.groupby(["org_id_x", "org_id_y"]).size()
    return shared.groupby(level=0).max().rename_axis("org_id").astype(float)


def cartel_recovery(cartels: dict[str, frozenset[str]], findings: list[dict]) -> dict:
    groups = [
        {e["id"] for e in f["entities"] if e.get("type") == "company" and e.get("role") == "member"}
        for f in findings
        if f["detector"] in GROUP_DETECTORS
    ]
    per_cartel = [
        {
            "cartel": name,
            "members": len(members),
            "best_jaccard": max((jaccard(members, g) for g in groups), default=0.0),
        }
        for name, members in sorted(cartels.items())
    ]
    return {"per_cartel": per_cartel, "mean_jaccard": float(np.mean([c["best_jaccard"] for c in per_cartel]))}
