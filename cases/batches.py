"""The rules that choose the warnings of one batch dispatch (分批督办): all findings of one
detector for one tenderer, or all of one detector dated within a range.

A finding's *tenderer* is the tenderer of a project it names (directly, through a lot, or an
organization entity with the role ``tenderer``); its *date* is the earliest opening day of its
lots, else the earliest approval day of its projects (a finding naming neither has no date and
no date range selects it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

__all__ = ["select_findings", "finding_tenderers", "finding_date"]


def _column(tables: Mapping[str, pd.DataFrame], table: str, key: str, value: str) -> dict[str, object]:
    df = tables[table] if table in tables else None
    if df is None or key not in df or value not in df:
        return {}
    return dict(zip(df[key].astype(str), df[value]))


def _ids(finding: dict, entity_type: str) -> list[str]:
    return [str(e["id"]) for e in finding.get("entities") or [] if e.get("type") == entity_type]


def finding_tenderers(finding: dict, tables: Mapping[str, pd.DataFrame]) -> set[str]:
    """The org ids of the tenderers a finding concerns (see the module docstring)."""
    lot_project = _column(tables, "lots", "lot_id", "project_id")
    tenderer = _column(tables, "projects", "project_id", "tenderer_id")
    projects = set(_ids(finding, "project")) | {
        str(lot_project[lot]) for lot in _ids(finding, "lot") if lot in lot_project
    }
    named = {str(e["id"]) for e in finding.get("entities") or [] if e.get("role") == "tenderer"}
    return named | {str(tenderer[p]) for p in projects if p in tenderer and pd.notna(tenderer[p])}


def finding_date(finding: dict, tables: Mapping[str, pd.DataFrame]) -> date | None:
    """The day a finding is dated by (see the module docstring), or None."""
    for table, key, column, entity in (
        ("lots", "lot_id", "opened_on", "lot"),
        ("projects", "project_id", "approved_on", "project"),
    ):
        days = _column(tables, table, key, column)
        found = [pd.Timestamp(days[i]).date() for i in _ids(finding, entity) if i in days and pd.notna(days[i])]
        if found:
            return min(found)
    return None


def select_findings(
    findings: list[dict],
    tables: Mapping[str, pd.DataFrame],
    detector: str,
    *,
    tenderer: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[dict]:
    """The findings of ``detector`` for ``tenderer`` and/or dated ``date_from``..``date_to``
    (inclusive), in the order given."""
    chosen = []
    for f in findings:
        if f.get("detector") != detector:
            continue
        if tenderer is not None and tenderer not in finding_tenderers(f, tables):
            continue
        if date_from is not None or date_to is not None:
            day = finding_date(f, tables)
            if day is None or (date_from and day < date_from) or (date_to and day > date_to):
                continue
        chosen.append(f)
    return chosen
