"""Batches: one run of the detectors, its summary and what changed since the batch before.

A batch record (kept by the store, ``save_batch``/``batches`` of the query API) holds::

    id             "B-000007"
    at             when it ran (ISO 8601, UTC)
    graph_version  the graph version it ran on
    run            the detectors it ran (a subset run keeps the others' findings and rows)
    detectors      a summary row per detector: status ok / not_applicable (reason) / error,
                   findings, rule_version, seconds, and ``batch``: the batch it last ran in
    findings       how many findings the batch stored
    changes        {"new": [...], "changed": [...], "gone": [...]} against the batch before:
                   each an entry of id, detector, score, severity and entities; a changed
                   one also has ``before`` (its last recorded score) and ``members_changed``

Each stored finding carries its history: ``first_seen`` and ``last_seen`` (batch times) and
``scores`` (``[at, score]`` from the first, then whenever its score moved ``[run]
min_score_change`` (0.01) or more since the last point). A finding is *changed* when its members
changed or its history gained a point: at province about 68,000 leads' percentiles shift by
less than that every night, which listed them all as changed and grew their histories daily.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bidgraph.detectors.core.finding import defining_entities
from bidgraph.detectors.core.registry import chosen
from bidgraph.detectors.core.runner import run_batch
from bidgraph.graph.collector import keep_to_the_end, rare_full_collections
from bidgraph.graph.snapshot import Snapshot

__all__ = ["change_counts", "members", "record_batch", "score_moved", "CHANGE_KINDS"]

CHANGE_KINDS = ("new", "changed", "gone")


def members(finding: dict) -> list[tuple[str, str, str]]:
    """The entities of ``finding`` a change of which makes it *changed*: all but context."""
    return defining_entities(finding)


def _entry(finding: dict) -> dict:
    return {k: finding.get(k) for k in ("id", "detector", "score", "severity", "entities")}


def change_counts(record: dict) -> dict[str, int]:
    """``{"new": n, "changed": n, "gone": n}`` of a batch record."""
    return {kind: len(record.get("changes", {}).get(kind, [])) for kind in CHANGE_KINDS}


def _recorded_score(finding: dict) -> float:
    """The score a stored finding's history last recorded (its score, in a file without history)."""
    scores = finding.get("scores")
    return scores[-1][1] if scores else finding["score"]


def score_moved(recorded: float, score: float, min_change: float) -> bool:
    """Whether ``score`` differs from ``recorded`` by ``min_change`` or more (any difference when 0)."""
    # scores are stored to six places: a step of 0.01 must not read as 0.0099999
    return score != recorded and round(abs(score - recorded), 6) >= min_change


def _carry_on(findings: list[dict], before: dict[str, dict], ran: set[str], at: str, min_change: float) -> dict:
    """New, changed and gone findings of ``findings`` against ``before``, the previous batch's
    findings by id (emptied on the way); the findings of the detectors that ``ran`` are given,
    in place, ``first_seen``, ``last_seen`` and ``scores`` carried on from ``before`` (the
    others keep theirs as they were). A finding changed when its members did or its score moved
    at least ``min_change`` from its last recorded score (:func:`score_moved`), so a slow drift
    counts once it adds up; its history gains a point then too.

    One pass over each list: at province every visit of 166,810 findings scattered over the
    heap costs a few tenths of a second, however little it does."""
    new, changed = [], []
    for f in findings:
        old = before.pop(f["id"], None)
        if old is None:
            new.append(_entry(f))
        else:
            moved = old["entities"] != f["entities"] and members(old) != members(f)  # equal lists: one compare
            recorded = _recorded_score(old)
            if moved or score_moved(recorded, f["score"], min_change):
                changed.append({**_entry(f), "before": recorded, "members_changed": moved})
        if f["detector"] in ran:
            scores = list(old.get("scores", [])) if old else []
            if not scores or score_moved(scores[-1][1], f["score"], min_change):
                scores.append([at, f["score"]])
            f["first_seen"] = old.get("first_seen", at) if old else at
            f["last_seen"] = at
            f["scores"] = scores
    return {"new": new, "changed": changed, "gone": [_entry(f) for f in before.values()]}


def record_batch(
    store, snapshot: Snapshot, settings: dict, only: list[str] | None = None, progress: bool = True
) -> tuple[list[dict], dict]:
    """Run the batch on ``snapshot`` (:func:`~bidgraph.detectors.core.runner.run_batch`), store
    its findings with their history and its batch record; returns (findings, record).

    The batch before is the store's last batch record and the findings it stored, whichever
    graph version they were computed on, so a lead keeps its history across loads. Findings are
    stored first: when the graph changed meanwhile they are refused and no record is written.
    """
    # two batches' findings are millions of containers, none of them garbage: a full pass of the
    # collector walks them all (3-4 s at province). (Freezing them out of its view, gc.freeze,
    # made the batch slower still: 7 CPU s more on a city, minutes at province.)
    with rare_full_collections():
        last = store.last_batch() or {"id": "B-000000"}
        # a subset run carries the other detectors' findings on whole; a whole batch needs only
        # their ledger, and only once it ran: read and looked up by id while the workers run
        # (0.6-1 s at province)
        previous = store.last_batch_findings() if only else []
        before: dict[str, dict] = {}

        def read_previous() -> None:
            if not only:
                previous.extend(store.last_batch_ledger())
            before.update({f["id"]: f for f in previous})

        at = datetime.now(UTC).isoformat(timespec="seconds")
        batch_id = f"B-{int(last['id'].removeprefix('B-')) + 1:06d}"
        findings, summary = run_batch(
            snapshot,
            settings,
            only,
            progress,
            previous=(previous, last.get("detectors", [])),
            meanwhile=read_previous,
        )
        ran = {d.id for d in chosen(None) if not only or d.id in only or d.combines}
        min_change = float(settings.get("run", {}).get("min_score_change", 0.0))
        changes = _carry_on(findings, before, ran, at, min_change)
        rows = [{**r, "batch": batch_id} if r["detector"] in ran else r for r in summary]
        store.save_findings(findings, computed_on=snapshot.version)
        record = {
            "id": batch_id,
            "at": at,
            "graph_version": snapshot.version,
            "run": sorted(ran),
            "detectors": rows,
            "findings": len(findings),
            "changes": changes,
        }
        store.save_batch(record, findings)
        keep_to_the_end(snapshot, previous, findings)  # the command line's process ends without freeing them
        return findings, record
