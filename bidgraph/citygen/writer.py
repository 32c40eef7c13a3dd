"""The bundle on disk: one UTF-8 CSV per table with the schema's English headers.

Internal integer indices become bundle ids here (``Ids``), dates become ISO 8601 text, and
booleans ``true``/``false``. Columns follow ``graph/schema.toml``'s order exactly.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bidgraph.graph.schema import schema

__all__ = ["Ids", "write_table", "iso_dates", "iso_times"]


def _fmt(prefix: str, n: int, width: int | None = None):
    width = width or max(6, len(str(max(n, 1))))

    def ids(index) -> np.ndarray:
        index = np.asarray(index)
        out = np.char.add(prefix, np.char.zfill((index + 1).astype(str), width))
        return out
    return ids


class Ids:
    """Bundle id formats: ORG000001, PER0000001, PRJ000001, PRJ000001-2 (lot), BID0000001, ..."""

    def __init__(self, n_orgs, n_persons, n_projects, n_bids, n_experts, n_contracts, n_payments):
        self.org = _fmt("ORG", n_orgs)
        self.person = _fmt("PER", n_persons, max(7, len(str(n_persons))))
        self.project = _fmt("PRJ", n_projects)
        self.bid = _fmt("BID", n_bids, max(7, len(str(n_bids))))
        self.expert = _fmt("EXP", n_experts, max(5, len(str(n_experts))))
        self.contract = _fmt("HT", n_contracts)
        self.payment = _fmt("PAY", n_payments, max(7, len(str(n_payments))))

    def lot(self, project, k) -> np.ndarray:
        return np.char.add(np.char.add(self.project(project), "-"), np.asarray(k).astype(str))

    def opt_org(self, index) -> np.ndarray:
        """Org ids where ``index >= 0``; empty text elsewhere."""
        index = np.asarray(index)
        return np.where(index >= 0, self.org(np.maximum(index, 0)), "")


def iso_dates(values) -> np.ndarray:
    d = np.asarray(values, dtype="datetime64[D]")
    return np.where(np.isnat(d), "", np.datetime_as_string(d))


def iso_times(values) -> np.ndarray:
    return np.datetime_as_string(np.asarray(values, dtype="datetime64[s]"))


def write_table(folder: Path, name: str, columns: dict) -> int:
    """Write ``columns`` (schema column -> values) as ``name.csv``; returns the row count."""
    expected = list(schema().tables[name].columns)
    if list(columns) != expected:
        raise ValueError(f"{name}: columns {list(columns)} differ from the schema's {expected}")
    frame = pd.DataFrame(columns)
    for col in frame.columns:
        if frame[col].dtype == bool:
            frame[col] = np.where(frame[col].to_numpy(), "true", "false")
    frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
    return len(frame)
