"""Small helpers every detector uses: node ids, bilingual text, cited source rows and the joined bid table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from bidgraph.graph.snapshot import Snapshot

__all__ = ["uid", "bids_in_context", "bilingual", "source_records"]


def uid(label: str, key: object) -> str:
    """The id of a graph node as the query API and the workbench use it: ``Label:key``."""
    return f"{label}:{key}"


def bilingual(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def source_records(rows: pd.DataFrame, fields: Callable[[Any], dict]) -> list[dict]:
    """One evidence record per row of ``rows``: ``fields`` of the row (a named tuple), then the
    ``file`` and ``row`` it was loaded from (the loader's ``_file`` and ``_row``)."""
    return [
        {**fields(r), "file": r.file, "row": int(r.row)}
        for r in rows.rename(columns={"_file": "file", "_row": "row"}).itertuples()
    ]


def bids_in_context(snapshot: Snapshot, valid_only: bool = True) -> pd.DataFrame:
    """Bids with their lot's and project's context.

    Columns: the bid's own (bid_id, lot_id, org_id, price, score, rank, is_winner, is_valid,
    submitted_at, _file, _row) plus project_id, ceiling_price, published_on, opened_on, tenderer_id,
    agency_id, region_code, category, procedure. ``valid_only`` drops bids marked invalid
    (a missing is_valid counts as valid).

    The join is made once per snapshot (:meth:`Snapshot.derived`); each caller gets its own
    (copy-on-write) frame, so adding a column never reaches another detector.
    """
    return snapshot.derived(("bids_in_context", valid_only), lambda: _joined(snapshot, valid_only)).copy(deep=False)


def _joined(snapshot: Snapshot, valid_only: bool) -> pd.DataFrame:
    """The bids left-joined with their lot and its project, by row position (merging on the id
    strings hashed a million lot and project ids again in each worker)."""
    bids = snapshot["bids"]
    lot = snapshot.rows("lots", "lot_id")[snapshot.codes("bids", "lot_id", ("lots", "lot_id"))]
    if valid_only and len(bids):
        valid = bids["is_valid"].fillna(True).astype(bool).to_numpy()
        bids, lot = bids[valid], lot[valid]
    lot_project = snapshot.codes("lots", "project_id", ("projects", "project_id"))
    project = np.append(snapshot.rows("projects", "project_id")[lot_project], -1)[lot]  # no lot, no project
    lots = snapshot["lots"][["project_id", "ceiling_price", "published_on", "opened_on"]]
    projects = snapshot["projects"][["tenderer_id", "agency_id", "region_code", "category", "procedure"]]
    out = bids.reset_index(drop=True)
    for table, rows in ((lots, lot), (projects, project)):
        for column in table.columns:
            out[column] = table[column].array.take(rows, allow_fill=True)
    out["is_winner"] = out["is_winner"].fillna(False).astype(bool)
    return out
