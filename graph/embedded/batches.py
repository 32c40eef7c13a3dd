"""Batch records of the embedded store: ``<workspace>/batches/B-000001.json``, one per
detector batch, written once and never changed (what a record holds:
``bidgraph.detectors.core.batches``). The findings a batch stored stay in the folder of the
graph version it ran on (graph/embedded/versions.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bidgraph.errors import StoreError
from bidgraph.graph.jsonlines import read_jsonl

__all__ = ["BatchLog"]


class BatchLog:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.folder = self.root / "batches"
        self._last: tuple[Path, dict] | None = None

    def save(self, record: dict) -> None:
        """Write ``record`` as ``<id>.json``; an id already recorded is a StoreError (two batches
        finished at once: the second must run again to compare against the first)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{record['id']}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        try:
            os.link(tmp, path)  # fails if the id exists, unlike a rename
        except FileExistsError:
            raise StoreError(
                f"batch {record['id']} was recorded meanwhile by another run; run detect again "
                f"/ 另一次检测已记录批次 {record['id']}，请重新运行 detect"
            ) from None
        finally:
            tmp.unlink()

    def records(self) -> list[dict]:
        """Every batch record, oldest first."""
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.folder.glob("B-*.json"))]

    def last(self) -> dict | None:
        """The latest batch record (None before the first batch), read alone: a nightly job
        keeps a record a day, several MB each at province (a ranking detector's scores). A
        record is never changed, so the one read last is kept until a newer one appears (a
        batch reads it twice, a workbench page each time it shows the last batch)."""
        paths = sorted(self.folder.glob("B-*.json"))
        if not paths:
            return None
        if self._last is None or self._last[0] != paths[-1]:
            self._last = (paths[-1], json.loads(paths[-1].read_text(encoding="utf-8")))
        return self._last[1]

    def last_findings(self) -> list[dict] | None:
        """The findings the latest batch stored (None before the first batch)."""
        last = self.last()
        return None if last is None else read_jsonl(self.root / "versions" / last["graph_version"] / "findings.jsonl")
