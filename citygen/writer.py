"""The bundle on disk: one UTF-8 CSV per table with the schema's English headers.

Internal integer indices become bundle ids here (``Ids``), dates become ISO 8601 text, and
booleans ``true``/``false``. Columns follow ``graph/schema.toml``'s order exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from bidgraph.citygen.identifiers import numbered
from bidgraph.graph.schema import schema

__all__ = ["Ids", "iso_dates", "iso_times", "write_table"]


def _fmt(prefix: str, n: int, width: int | None = None):
    width = width or max(6, len(str(max(n, 1))))

    def ids(index) -> np.ndarray:
        return numbered(prefix, np.asarray(index) + 1, width)

    return ids


class Ids:
    """Bundle id formats: ORG000001, PER0000001, PRJ000001, PRJ000001-2 (lot), BID0000001, ...,
    CHG000001 (a contract change order)."""

    def __init__(self, n_orgs, n_persons, n_projects, n_bids, n_experts, n_contracts, n_payments, n_changes=0):
        self.org = _fmt("ORG", n_orgs)
        self.person = _fmt("PER", n_persons, max(7, len(str(n_persons))))
        self.project = _fmt("PRJ", n_projects)
        self.bid = _fmt("BID", n_bids, max(7, len(str(n_bids))))
        self.expert = _fmt("EXP", n_experts, max(5, len(str(n_experts))))
        self.contract = _fmt("HT", n_contracts)
        self.payment = _fmt("PAY", n_payments, max(7, len(str(n_payments))))
        self.change = _fmt("CHG", n_changes)

    def lot(self, project, k) -> np.ndarray:
        k = np.asarray(k)
        width = len(str(int(k.max()))) if len(k) else 1
        return np.char.add(self.project(project), numbered("-", k, width))

    def opt_org(self, index) -> np.ndarray:
        """Org ids where ``index >= 0``; empty text elsewhere."""
        index = np.asarray(index)
        return np.where(index >= 0, self.org(np.maximum(index, 0)), "")


def iso_dates(values) -> np.ndarray:
    """Dates as ``datetime64[D]`` (Arrow writes them 2024-03-05; NaT as an empty cell)."""
    return np.asarray(values, dtype="datetime64[D]")


def iso_times(values) -> np.ndarray:
    """Date-times as ISO 8601 text, 2024-03-05T09:30:00."""
    return np.datetime_as_string(np.asarray(values, dtype="datetime64[s]"))


def write_table(folder: Path, name: str, columns: dict) -> int:
    """Write ``columns`` (schema column -> values) as ``name.csv``; returns the row count.

    Written by Arrow's CSV writer straight from the arrays: no quoting (no generated value
    holds a comma, quote or line break; Arrow refuses to write one that would), NaN, NaT and
    missing values as empty cells, booleans as true/false.
    """
    expected = list(schema().tables[name].columns)
    if list(columns) != expected:
        raise ValueError(f"{name}: columns {list(columns)} differ from the schema's {expected}")
    arrays = [pa.array(v if isinstance(v, pd.Series) else np.asarray(v), from_pandas=True) for v in columns.values()]
    table = pa.table(arrays, names=expected)
    with open(folder / f"{name}.csv", "wb") as fh:
        fh.write((",".join(expected) + "\n").encode("utf-8"))
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return table.num_rows
