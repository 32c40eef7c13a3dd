"""Small computed views over a snapshot and the findings, for the workbench's pages.

Each function takes plain inputs (a :class:`~bidgraph.graph.snapshot.Snapshot`, a list of
finding dicts) and returns plain data (DataFrames, lists of dicts); none knows which store the
data came from.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from bidgraph.graph.schema import schema
from bidgraph.graph.snapshot import Snapshot

__all__ = [
    "ENTITY_LABELS",
    "SMOKE_INDEX",
    "entity_uid",
    "finding_rows",
    "findings_by_entity",
    "smoke_ranking",
    "organization_timeline",
    "count_by",
]

# Finding entity types (design/bundle.md) → graph node labels (graph/schema.toml [entity_types]).
ENTITY_LABELS = schema().entity_labels

SMOKE_INDEX = "smoke_index"  # the detector whose findings are the ranked smoke index (冒烟指数)

FINDING_COLUMNS = ["id", "detector", "severity", "score", "region", "category", "date", "month", "entities", "summary"]


def entity_uid(entity: dict) -> str:
    """The node id (``Label:key``) of a finding's entity, e.g. company ORG1 → ``Organization:ORG1``."""
    return f"{ENTITY_LABELS.get(entity['type'], entity['type'])}:{entity['id']}"


def _col(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column, or missing values when the table lacks it (optional columns may be absent)."""
    return frame[column] if column in frame else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _lot_context(snapshot: Snapshot) -> tuple[dict, dict, dict]:
    lots, projects, orgs = snapshot["lots"], snapshot["projects"], snapshot["organizations"]
    date = _col(lots, "opened_on").fillna(_col(lots, "published_on"))
    lot_ctx = dict(zip(lots["lot_id"].astype(str), zip(lots["project_id"].astype(str), date)))
    project_ctx = {
        str(p): (r, c, d)
        for p, r, c, d in zip(
            projects["project_id"],
            _col(projects, "region_code"),
            _col(projects, "category"),
            _col(projects, "approved_on"),
        )
    }
    org_region = dict(zip(orgs["org_id"].astype(str), _col(orgs, "region_code")))
    return lot_ctx, project_ctx, org_region


def _clean(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def finding_rows(findings: list[dict], snapshot: Snapshot) -> pd.DataFrame:
    """One row per finding with the context an investigator filters on.

    Region, category and date come from the finding's first lot (its project's region and
    category, the lot's opening date), else its first project, else the region of its first
    organization. Columns: id, detector, severity, score, region, category, date (ISO day or
    None), month (``YYYY-MM`` or None), entities (``type:id`` joined by spaces), summary.
    """
    lot_ctx, project_ctx, org_region = _lot_context(snapshot)
    rows = []
    for f in findings:
        ents = f.get("entities", [])
        by_type = defaultdict(list)
        for e in ents:
            by_type[e["type"]].append(str(e["id"]))
        for uid in f.get("evidence", {}).get("nodes", []):
            label, _, key = str(uid).partition(":")
            if label in ("Lot", "Project"):
                by_type[label.lower()].append(key)
        region = category = date = None
        lot = next((l for l in by_type["lot"] if l in lot_ctx), None)
        project = lot_ctx[lot][0] if lot else next((p for p in by_type["project"] if p in project_ctx), None)
        if project in project_ctx:
            region, category, date = project_ctx[project]
        if lot:
            date = lot_ctx[lot][1]
        if region is None:
            region = next((org_region[o] for o in by_type["company"] if _clean(org_region.get(o))), None)
        date = _clean(date)
        day = pd.Timestamp(date) if date is not None else None
        rows.append(
            {
                "id": f.get("id", ""),
                "detector": f.get("detector", ""),
                "severity": f.get("severity", ""),
                "score": round(float(f.get("score", 0.0)), 3),
                "region": _clean(region),
                "category": _clean(category),
                "date": day.date().isoformat() if day is not None else None,
                "month": day.strftime("%Y-%m") if day is not None else None,
                "entities": " ".join(f"{e['type']}:{e['id']}" for e in ents),
                "summary": f.get("summary", ""),
            }
        )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def count_by(rows: pd.DataFrame, column: str) -> list[tuple[str, int]]:
    """Findings per value of ``column`` (detector, region, category, month), missing values
    counted as ``"?"``; sorted by value for months, by count otherwise."""
    counts = rows[column].fillna("?").value_counts()
    items = [(str(k), int(v)) for k, v in counts.items()]
    return sorted(items) if column == "month" else sorted(items, key=lambda kv: (-kv[1], kv[0]))


def findings_by_entity(findings: list[dict]) -> dict[str, list[str]]:
    """Node id → ids of the findings that name it as an entity or show it in their evidence."""
    out: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        uids = [entity_uid(e) for e in f.get("entities", [])] + list(f.get("evidence", {}).get("nodes", []))
        for uid in dict.fromkeys(uids):
            out[uid].append(f["id"])
    return dict(out)


def smoke_ranking(findings: list[dict], level: str | None = None, top: int | None = None) -> list[dict]:
    """The smoke-index ranking as the last detector batch stored it: one row per
    ``smoke_index`` finding (entities at or above the detector's ``min_index``), highest index
    first; ties broken by the evidence behind them (more contributing findings first, then the
    stronger strongest finding), then by level and entity id. Nothing is recomputed.

    Parameters
    ----------
    findings : list of finding dicts (design/bundle.md), of any detectors
    level : {"lot", "project", "org", "tenderer"}, optional
        Keep one level (the smoke_index entity's role); None keeps every level.
    top : int, optional
        Keep the first ``top`` rows.

    Returns
    -------
    list of dict
        level, entity (id), type (finding entity type), uid (``Label:key``), index (0-100),
        findings (how many contributed), strongest (the highest contributing finding's score), by_detector ({detector: points}), contributions (each
        finding with its score, weight and points) and finding (the smoke_index finding's id).
    """
    rows = []
    for f in findings:
        if f.get("detector") != SMOKE_INDEX:
            continue
        entity, evidence = f["entities"][0], f.get("evidence", {})
        if level is not None and entity["role"] != level:
            continue
        rows.append(
            {
                "level": entity["role"],
                "entity": entity["id"],
                "type": entity["type"],
                "uid": entity_uid(entity),
                "index": evidence["measured"]["index"],
                "findings": evidence["measured"]["findings"],
                "by_detector": evidence["by_detector"],
                "contributions": evidence["contributions"],
                "strongest": max((float(c.get("score") or 0) for c in evidence["contributions"]), default=0.0),
                "finding": f["id"],
            }
        )
    rows.sort(key=lambda r: (-r["index"], -r["findings"], -r["strongest"], r["level"], r["entity"]))
    return rows if top is None else rows[:top]


def organization_timeline(snapshot: Snapshot, org_id: str) -> pd.DataFrame:
    """An organization's bids and wins per month (by the lot's opening date, else the bid's
    submission time). Columns: month, bids, wins, won_amount (yuan).

    The bids are found by the snapshot's integer codes (made once), not by comparing a province's
    million org ids on every call of the details panel."""
    bids, lots = snapshot["bids"], snapshot["lots"]
    org = snapshot.keys("bids", "org_id").get_indexer([str(org_id)])[0]
    rows = np.flatnonzero(snapshot.codes("bids", "org_id") == org) if org >= 0 else np.array([], dtype=int)
    if not len(rows):
        return pd.DataFrame(columns=["month", "bids", "wins", "won_amount"])
    mine = bids.iloc[rows]
    lot_codes = snapshot.codes("bids", "lot_id", ("lots", "lot_id"))[rows]
    lot_at = snapshot.rows("lots", "lot_id")[lot_codes] if len(lots) else np.full(len(rows), -1)
    opened = _col(lots, "opened_on").iloc[np.maximum(lot_at, 0)] if len(lots) else pd.Series([None] * len(rows))
    when = pd.to_datetime(pd.Series(opened.to_numpy(), index=mine.index).where(lot_at >= 0), errors="coerce")
    when = when.fillna(pd.to_datetime(_col(mine, "submitted_at"), errors="coerce"))
    won = _col(mine, "is_winner").fillna(False).astype(bool)
    frame = pd.DataFrame(
        {
            "month": when.dt.strftime("%Y-%m").fillna("?"),
            "bids": 1,
            "wins": won.astype(int),
            "won_amount": pd.to_numeric(_col(mine, "price"), errors="coerce").where(won, 0.0).fillna(0.0),
        }
    )
    return frame.groupby("month", as_index=False).sum().sort_values("month", ignore_index=True)
