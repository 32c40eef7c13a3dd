"""Batch records of the embedded store: ``<workspace>/batches/B-000001.json``, one per
detector batch, written once and never changed (what a record holds:
``bidgraph.detectors.core.batches``). The findings a batch stored stay in the folder of the
graph version it ran on (graph/embedded/versions.py).

Beside the latest record, ``B-000001.ledger.jsonl``: its findings with only what the next batch
compares and carries on (:data:`LEDGER`): a province's ledger is 58 MB where its findings are
351 MB, whose reading (2-3 s) the nightly batch waited for. Only the latest is kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson

from bidgraph.errors import StoreError
from bidgraph.graph.collector import rare_full_collections
from bidgraph.graph.jsonlines import read_jsonl, write_jsonl

__all__ = ["BatchLog", "LEDGER"]

#: What a ledger keeps of each finding: what a batch compares with the batch before and carries on.
LEDGER = ("id", "detector", "score", "severity", "entities", "first_seen", "last_seen", "scores")
_KEPT = frozenset(LEDGER)  # a finding's items filtered: half the time of looking each key up (0.2 s at province)


class BatchLog:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.folder = self.root / "batches"
        self._last: tuple[Path, dict] | None = None

    def save(self, record: dict, findings: list[dict] | None = None) -> None:
        """Write ``record`` as ``<id>.json`` and, given the ``findings`` it stored, their ledger
        (the one before is removed); an id already recorded is a StoreError (two batches
        finished at once: the second must run again to compare against the first)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{record['id']}.json"
        tmp = path.with_suffix(f".json.{os.getpid()}.tmp")
        ledger = self._ledger(record["id"])
        ledger_tmp = ledger.with_suffix(f".{os.getpid()}.tmp")
        try:
            if findings is not None:
                write_jsonl(ledger_tmp, ({k: v for k, v in f.items() if k in _KEPT} for f in findings))
            tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            os.link(tmp, path)  # fails if the id exists, unlike a rename
            if findings is not None:  # after the record: a ledger never stands for another run's batch
                os.replace(ledger_tmp, ledger)
                for older in self.folder.glob("B-*.ledger.jsonl"):
                    if older != ledger:
                        older.unlink(missing_ok=True)
        except FileExistsError:
            raise StoreError(
                f"batch {record['id']} was recorded meanwhile by another run; run detect again "
                f"/ 另一次检测已记录批次 {record['id']}，请重新运行 detect"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
            ledger_tmp.unlink(missing_ok=True)

    def _ledger(self, batch_id: str) -> Path:
        return self.folder / f"{batch_id}.ledger.jsonl"

    def records(self) -> list[dict]:
        """Every batch record, oldest first."""
        return [_read(p) for p in sorted(self.folder.glob("B-*.json"))]

    def last(self) -> dict | None:
        """The latest batch record (None before the first batch), read alone: a nightly job
        keeps a record a day, several MB each at province (a ranking detector's scores). A
        record is never changed, so the one read last is kept until a newer one appears (a
        batch reads it twice, a workbench page each time it shows the last batch)."""
        paths = sorted(self.folder.glob("B-*.json"))
        if not paths:
            return None
        if self._last is None or self._last[0] != paths[-1]:
            self._last = (paths[-1], _read(paths[-1]))
        return self._last[1]

    def last_ledger(self) -> list[dict] | None:
        """The latest batch's ledger (None before the first batch); its findings where it has
        none (a record written before ledgers were, or by a run stopped right after it)."""
        last = self.last()
        if last is None:
            return None
        ledger = self._ledger(last["id"])
        return read_jsonl(ledger) if ledger.exists() else self.last_findings()

    def last_findings(self) -> list[dict] | None:
        """The findings the latest batch stored (None before the first batch)."""
        last = self.last()
        return None if last is None else read_jsonl(self.root / "versions" / last["graph_version"] / "findings.jsonl")


def _read(path: Path) -> dict:
    """A batch record. The one after a first batch lists every finding as new (46 MB at
    province): full collections while it is parsed doubled the time, and orjson is a little
    faster than the standard library, which reads what orjson refuses (a NaN ``json`` wrote)."""
    data = path.read_bytes()
    with rare_full_collections():
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return json.loads(data)
