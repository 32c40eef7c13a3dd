"""Run a batch of detectors on a snapshot: the same input, settings and seed give the same
findings, numbered the same way."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
import time
from types import ModuleType

from tqdm import tqdm

import bidgraph.detectors
from bidgraph.errors import InputError
from bidgraph.graph.snapshot import Snapshot

__all__ = ["available", "run_batch"]

log = logging.getLogger(__name__)


def available() -> dict[str, ModuleType]:
    """Detector modules by stable id: every module here with ``DETECTOR_ID`` and ``detect``."""
    found = {}
    for info in pkgutil.iter_modules(bidgraph.detectors.__path__):
        module = importlib.import_module(f"bidgraph.detectors.{info.name}")
        if hasattr(module, "DETECTOR_ID") and callable(getattr(module, "detect", None)):
            found[module.DETECTOR_ID] = module
    return dict(sorted(found.items()))


def run_batch(
    snapshot: Snapshot, settings: dict, only: list[str] | None = None, progress: bool = True
) -> tuple[list[dict], list[dict]]:
    """Returns (findings as JSON dicts with ids F-000001..., a summary row per detector).

    Detectors that combine other findings (``COMBINES = True``, e.g. the smoke index) run last
    and receive the batch's findings as ``findings=``. A detector that fails does not stop the
    others: its summary row carries ``error`` and the traceback goes to the log.
    """
    detectors = available()
    chosen = only or list(detectors)
    unknown = [d for d in chosen if d not in detectors]
    if unknown:
        raise InputError(f"unknown detector(s) {', '.join(unknown)}; known: {', '.join(detectors)}")
    chosen.sort(key=lambda d: (getattr(detectors[d], "COMBINES", False), d))
    seed = int(settings.get("run", {}).get("seed", 0))
    findings: list[dict] = []
    summary = []
    bar = tqdm(chosen, desc="detect", unit="detector", disable=not progress, file=sys.stderr)
    for det_id in bar:
        bar.set_postfix_str(det_id)
        module = detectors[det_id]
        params = settings.get(det_id, {})
        started = time.perf_counter()
        try:
            if getattr(module, "COMBINES", False):
                found = module.detect(snapshot, params, seed, findings=findings)
            else:
                found = module.detect(snapshot, params, seed)
        except Exception as exc:  # one broken detector must not cost the analyst the batch
            log.exception("detector %s failed", det_id)
            summary.append(
                {
                    "detector": det_id,
                    "findings": 0,
                    "error": f"{type(exc).__name__}: {exc}",
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
            continue
        found = sorted(found, key=lambda f: (-f.score, f.summary))
        elapsed = time.perf_counter() - started
        for f in found:
            f.id = f"F-{len(findings) + 1:06d}"
            findings.append(f.to_json())
        severities = [f.severity for f in found]
        summary.append(
            {
                "detector": det_id,
                "findings": len(found),
                "high": severities.count("high"),
                "medium": severities.count("medium"),
                "low": severities.count("low"),
                "seconds": round(elapsed, 2),
            }
        )
    return findings, summary
