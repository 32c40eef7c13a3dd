"""Run a batch of detectors on a snapshot: the same input, settings and seed give the same
findings with the same stable ids (:func:`bidgraph.detectors.core.finding.assign_ids`).

With ``[run] workers`` above one the detectors that do not combine others' findings run in that
many worker processes, each taking the next unit of :data:`UNITS` when done with its last; the
combiners then run in this process over the merged findings. The findings, ids and summary rows
are those of the serial batch, in the same order.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import cast

from tqdm import tqdm

from bidgraph.detectors.core.contract import Detector, Ranked, missing_input, not_applicable_reason
from bidgraph.detectors.core.finding import assign_ids
from bidgraph.detectors.core.registry import by_id, chosen
from bidgraph.graph.collector import collect_no_more, rare_full_collections
from bidgraph.graph.snapshot import Snapshot

__all__ = ["run_batch", "worker_count", "RECOMPUTED", "UNITS"]

RECOMPUTED = "recomputed over the merged findings / 基于合并后的预警重新计算"
WORKER_DIED = "worker process died (exit code {code}) / 工作进程意外退出（退出码 {code}）"

# What one worker runs in a row, heaviest first as measured at province (2026-11-29): the order
# workers take them when the last batch's seconds are not at hand. The detectors of one unit read
# the same frames of ``Snapshot.derived``, which a worker then makes once; unlisted detectors are
# units of their own, taken last.
UNITS: tuple[tuple[str, ...], ...] = (
    ("price_screen", "screen_ring"),  # the price screens
    ("bid_ring", "hidden_link", "cover_bidder"),  # the co-bidding projection, the trace tables
    ("frequent_winner", "agency_affinity", "tenderer_affinity"),  # bid outcomes
    ("efficiency_anomaly", "contract_splitting", "winner_not_builder", "procedure_gap"),  # awards
    ("statutory_presumption",),
    ("identical_errors",),
    ("expert_affinity", "expert_bias"),  # panel score deviations
    ("shared_document",),
    ("shared_personnel",),
    ("shared_device",),
)

log = logging.getLogger(__name__)

# A detector's summary row, its findings as JSON with their ids, and its scores when it ranks.
Outcome = tuple[dict, list[dict], dict | None]


def run_batch(
    snapshot: Snapshot,
    settings: dict,
    only: list[str] | None = None,
    progress: bool = True,
    previous: tuple[list[dict], list[dict]] | None = None,
    meanwhile: Callable[[], object] | None = None,
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
    does not stop the others (the row carries ``error``, the traceback goes to the log; a worker
    process that died gives an error row to each detector it had not finished).

    A subset run (``only``) keeps the findings and summary rows of the other detectors from
    ``previous`` (the last batch's findings and rows) and runs the combiners too, over the
    merged findings (their row's ``note`` says so when they were not asked for). The ``seconds``
    of ``previous``'s rows also decide which units the workers take first.

    ``meanwhile`` is called once, in this process, as soon as the workers are started (before
    the detectors when there are none): the caller's work that does not need this batch, done
    while this process would otherwise only wait for them.
    """
    detectors = chosen(only)
    findings: list[dict] = []
    summary: list[dict] = []
    kept_findings, kept_rows = previous or ([], [])
    if only:
        detectors += [d for d in chosen(None) if d.combines and d not in detectors]
        ran = {d.id for d in detectors}
        findings = [f for f in kept_findings if f["detector"] not in ran]
        summary = [r for r in kept_rows if r["detector"] not in ran]
    seed = int(settings.get("run", {}).get("seed", 0))
    scores: dict[str, dict] = {r["detector"]: r["scores"] for r in summary if "scores" in r}
    run = partial(_run_one, snapshot=snapshot, settings=settings, seed=seed, only=only)
    units = _units([d for d in detectors if not d.combines], kept_rows)
    workers = min(worker_count(settings), len(units))
    bar = tqdm(total=len(detectors), desc="detect", unit="detector", disable=not progress, file=sys.stderr)
    with rare_full_collections():
        if workers > 1:
            apart = _in_workers(units, run, workers, bar, meanwhile)
            collect_no_more()  # the combiners build leads that all live on (a command's process ends then)
        else:
            apart = {}
            if meanwhile is not None:
                meanwhile()
        for detector in detectors:
            if detector.id in apart:
                row, fresh, ranked = apart[detector.id]
            else:
                bar.set_postfix_str(detector.id)
                row, fresh, ranked = run(detector, findings=findings, scores=scores)
                bar.update()
            if ranked is not None:
                scores[detector.id] = ranked
            findings.extend(fresh)
            summary.append(row)
    bar.close()
    order = {d.id: i for i, d in enumerate(chosen(None))}

    def in_batch_order(item: dict) -> int:
        return order.get(item["detector"], len(order))

    return sorted(findings, key=in_batch_order), sorted(summary, key=in_batch_order)


def worker_count(settings: dict) -> int:
    """``[run] workers``, 0 (the default) read as the cores this process may use."""
    return int(settings.get("run", {}).get("workers", 0)) or len(os.sched_getaffinity(0))


def _run_one(
    detector: Detector,
    snapshot: Snapshot,
    settings: dict,
    seed: int,
    only: list[str] | None,
    findings: list[dict],
    scores: dict[str, dict],
) -> Outcome:
    params = {**detector.defaults, **settings.get(detector.id, {})}
    sections = {s: {**by_id()[s].defaults, **settings.get(s, {})} for s in detector.reads}
    row: dict = {"detector": detector.id, "rule_version": detector.rule_version}
    if only and detector.id not in only:
        row["note"] = RECOMPUTED
    missing = missing_input(detector, snapshot)
    if missing:
        return {**row, "status": "not_applicable", "reason": not_applicable_reason(missing), "findings": 0}, [], None
    started = time.perf_counter()
    try:
        found = detector.detect(snapshot, params, seed, findings=findings, scores=scores, sections=sections)
    except Exception as exc:  # one broken detector must not cost the analyst the batch
        log.exception("detector %s failed", detector.id)
        seconds = round(time.perf_counter() - started, 2)
        return (
            {**row, "status": "error", "findings": 0, "error": f"{type(exc).__name__}: {exc}", "seconds": seconds},
            [],
            None,
        )
    ranked = found.scores if isinstance(found, Ranked) else None
    if ranked is not None:
        row["scores"] = ranked
    found = sorted(found, key=lambda f: (-f.score, f.summary))
    elapsed = time.perf_counter() - started
    fresh = [f.to_json() for f in found]
    assign_ids(fresh, detector.rule_version, getattr(detector, "defines", ()))
    severities = [f.severity for f in found]
    counts = {s: severities.count(s) for s in ("high", "medium", "low")}
    return {**row, "status": "ok", "findings": len(found), **counts, "seconds": round(elapsed, 2)}, fresh, ranked


def _units(detectors: list[Detector], previous_rows: list[dict]) -> list[list[Detector]]:
    """``detectors`` in the units of :data:`UNITS`, the slowest in the last batch first."""
    present = {d.id: d for d in detectors}
    listed = [[present[i] for i in unit if i in present] for unit in UNITS]
    alone = [[d] for d in detectors if not any(d.id in unit for unit in UNITS)]
    seconds = {r["detector"]: r.get("seconds") or 0 for r in previous_rows}
    return sorted([u for u in listed if u] + alone, key=lambda unit: -sum(seconds.get(d.id, 0) for d in unit))


def _in_workers(
    units: list[list[Detector]],
    run: Callable[..., Outcome],
    workers: int,
    bar: tqdm,
    meanwhile: Callable[[], object] | None = None,
) -> dict[str, Outcome]:
    """The outcome of each detector of ``units``, run in ``workers`` forked processes; this one
    calls ``meanwhile`` once they are started.

    Fork, not spawn or forkserver: a worker must read the very snapshot this process holds, and a
    snapshot carries no way to reopen it (a hand-made one or an in-memory store's has none at
    all); forked, the workers share its pages and the frames it already derived copy-on-write
    instead of each reading and deriving them again. Forking a process that has threads (Arrow's,
    from reading the snapshot) is safe only for libraries that mend themselves in the child:
    Arrow's thread pools, jemalloc and OpenBLAS register at-fork handlers. GNU OpenMP does not,
    so nothing that runs in this process before the fork may have used it: the workers are forked
    before this process runs any detector of the batch, and the combiners, the only detectors it
    ever runs itself, are numpy and pandas. A worker that dies (killed, out of memory) costs only
    the detectors it had not finished, whose rows say so; a fresh worker takes the units waiting.
    """
    context = multiprocessing.get_context("fork")
    waiting = list(units)
    outcomes: dict[str, Outcome] = {}
    owed: dict[Connection, tuple[BaseProcess, list[Detector]]] = {}

    def start() -> None:
        here, there = context.Pipe()
        process = context.Process(target=_work, args=(there, run), name="bidgraph-detect", daemon=True)
        process.start()
        there.close()
        owed[here] = (process, [])
        hand_out(here)

    def hand_out(pipe: Connection) -> None:
        process, detectors = owed[pipe]
        if waiting:
            detectors.extend(waiting.pop(0))
            pipe.send([d.id for d in detectors])
            return
        pipe.send(None)
        pipe.close()
        process.join()
        del owed[pipe]

    try:
        for _ in range(workers):
            start()
        if meanwhile is not None:  # here, not in a thread: no thread may be running at a fork
            meanwhile()
        while owed:
            for pipe in wait(list(owed)):
                pipe = cast(Connection, pipe)
                process, detectors = owed[pipe]
                try:
                    detector_id, outcome = pipe.recv()
                except EOFError:
                    process.join()
                    for detector in detectors:
                        outcomes[detector.id] = _died(detector, process.exitcode)
                    bar.update(len(detectors))
                    del owed[pipe]
                    if waiting:
                        start()
                    continue
                outcomes[detector_id] = outcome
                detectors[:] = [d for d in detectors if d.id != detector_id]
                bar.update()
                if not detectors:
                    hand_out(pipe)
    finally:
        for process, _ in owed.values():
            process.kill()
            process.join()
    return outcomes


def _work(pipe: Connection, run: Callable[..., Outcome]) -> None:
    """A worker: run each unit it is sent, one outcome per detector, until it is sent None."""
    known = by_id()
    while (unit := pipe.recv()) is not None:
        for detector_id in unit:
            pipe.send((detector_id, run(known[detector_id], findings=[], scores={})))


def _died(detector: Detector, exit_code: int | None) -> Outcome:
    # never a RECOMPUTED note: only combiners run unasked, and they run in this process
    row = {"detector": detector.id, "rule_version": detector.rule_version, "status": "error", "findings": 0}
    return {**row, "error": WORKER_DIED.format(code=exit_code)}, [], None
