"""Run a batch of detectors on a snapshot: the same input, settings and seed give the same
findings with the same stable ids (:func:`bidgraph.detectors.core.finding.assign_ids`)."""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from bidgraph.detectors.core.contract import Ranked, missing_input, not_applicable_reason
from bidgraph.detectors.core.finding import assign_ids
from bidgraph.detectors.core.registry import by_id, chosen
from bidgraph.graph.snapshot import Snapshot

__all__ = ["run_batch", "RECOMPUTED"]

RECOMPUTED = "recomputed over the merged findings / 基于合并后的预警重新计算"

log = logging.getLogger(__name__)


def run_batch(
    snapshot: Snapshot,
    settings: dict,
    only: list[str] | None = None,
    progress: bool = True,
    previous: tuple[list[dict], list[dict]] | None = None,
) -> tuple[list[dict], list[dict]]:
    """Returns (findings as JSON dicts with their stable ids, a summary row per detector).

    ``settings`` are the effective settings (:func:`bidgraph.detectors.core.settings.load_settings`);
    a detector's missing keys take its defaults. Detectors run by id; those that combine other
    findings (the smoke index) run last and receive the batch's findings and the ``scores`` of the
    ranking detectors (every entity they measured; kept in their summary row's ``scores``). Each
    detector also gets the effective sections it ``reads``. Each summary row
    records the detector's ``rule_version`` and a ``status``: ``ok``; ``not_applicable`` when
    the snapshot lacks what the detector ``requires`` (it is not run, and ``reason`` says what
    is missing, so that absent input never reads as a clean result); or ``error`` when it failed, which
    does not stop the others (the row carries ``error``, the traceback goes to the log).

    A subset run (``only``) keeps the findings and summary rows of the other detectors from
    ``previous`` (the last batch's findings and rows) and runs the combiners too, over the
    merged findings (their row's ``note`` says so when they were not asked for).
    """
    detectors = chosen(only)
    findings: list[dict] = []
    summary: list[dict] = []
    if only:
        detectors += [d for d in chosen(None) if d.combines and d not in detectors]
        ran = {d.id for d in detectors}
        kept_findings, kept_rows = previous or ([], [])
        findings = [f for f in kept_findings if f["detector"] not in ran]
        summary = [r for r in kept_rows if r["detector"] not in ran]
    seed = int(settings.get("run", {}).get("seed", 0))
    scores: dict[str, dict] = {r["detector"]: r["scores"] for r in summary if "scores" in r}
    bar = tqdm(detectors, desc="detect", unit="detector", disable=not progress, file=sys.stderr)
    with _rare_full_collections():
        for detector in bar:
            bar.set_postfix_str(detector.id)
            params = {**detector.defaults, **settings.get(detector.id, {})}
            sections = {s: {**by_id()[s].defaults, **settings.get(s, {})} for s in detector.reads}
            row: dict = {"detector": detector.id, "rule_version": detector.rule_version}
            if only and detector.id not in only:
                row["note"] = RECOMPUTED
            missing = missing_input(detector, snapshot)
            if missing:
                summary.append(
                    {**row, "status": "not_applicable", "reason": not_applicable_reason(missing), "findings": 0}
                )
                continue
            started = time.perf_counter()
            try:
                found = detector.detect(snapshot, params, seed, findings=findings, scores=scores, sections=sections)
            except Exception as exc:  # one broken detector must not cost the analyst the batch
                log.exception("detector %s failed", detector.id)
                summary.append(
                    {
                        **row,
                        "status": "error",
                        "findings": 0,
                        "error": f"{type(exc).__name__}: {exc}",
                        "seconds": round(time.perf_counter() - started, 2),
                    }
                )
                continue
            if isinstance(found, Ranked):
                scores[detector.id] = row["scores"] = found.scores
            found = sorted(found, key=lambda f: (-f.score, f.summary))
            elapsed = time.perf_counter() - started
            fresh = [f.to_json() for f in found]
            assign_ids(fresh, detector.rule_version, getattr(detector, "defines", ()))
            findings.extend(fresh)
            severities = [f.severity for f in found]
            summary.append(
                {
                    **row,
                    "status": "ok",
                    "findings": len(found),
                    "high": severities.count("high"),
                    "medium": severities.count("medium"),
                    "low": severities.count("low"),
                    "seconds": round(elapsed, 2),
                }
            )
    order = {d.id: i for i, d in enumerate(chosen(None))}

    def in_batch_order(item: dict) -> int:
        return order.get(item["detector"], len(order))

    return sorted(findings, key=in_batch_order), sorted(summary, key=in_batch_order)


@contextmanager
def _rare_full_collections() -> Iterator[None]:
    """The cyclic collector's full passes made a hundred times rarer while the batch runs.

    A full pass walks every container alive: at province scale the snapshot's frames and millions
    of findings' dicts and lists, which all outlive the batch. With the default threshold the
    batch paid 35 s of its 240 CPU s for them; the young generations still collect as usual.
    """
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, full * 100)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)
