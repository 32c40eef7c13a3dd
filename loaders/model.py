"""What a load produces: the validated tables and the record of every row that was not taken
as it came (quarantined, warned about, or merged into another entity)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Bundle", "ISSUE_COLUMNS", "MERGE_COLUMNS", "issue_frame", "merge_frame"]

#: Columns of ``Bundle.quarantine`` and ``Bundle.warnings`` (and of their CSV files).
ISSUE_COLUMNS = ("table", "file", "row", "column", "reason", "value")
#: Columns of ``Bundle.merges``.
MERGE_COLUMNS = ("kind", "kept_id", "merged_id", "reason")


def issue_frame(rows: list | None = None) -> pd.DataFrame:
    """A quarantine/warnings frame (``row`` as Int64, the rest object) from tuples or nothing."""
    frame = pd.DataFrame(rows or [], columns=list(ISSUE_COLUMNS), dtype=object)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def merge_frame(rows: list | None = None) -> pd.DataFrame:
    return pd.DataFrame(rows or [], columns=list(MERGE_COLUMNS), dtype=object)


@dataclass
class Bundle:
    """The validated tables of one input bundle, and what happened to the rows that were not
    taken as they came.

    Attributes
    ----------
    tables : dict of str to DataFrame
        One frame per table present in the input (absent optional tables are absent), with every
        schema column plus any extra columns of the file, and ``_file``/``_row`` (where the row
        came from: the file name and the row number a spreadsheet shows, header = row 1).
    quarantine : DataFrame
        Rows that were not taken, one line per problem: ``table, file, row, column, reason, value``.
    warnings : DataFrame
        Problems in rows that were taken (a bad check digit, an unusable phone number...).
    merges : DataFrame
        Entities merged into another: ``kind, kept_id, merged_id, reason``.
    counts : dict
        ``{table: {"read": n, "taken": n, "quarantined": n}}`` (plus ``"merged"`` for
        organizations and persons); ``read == taken + quarantined`` and merged rows are taken.
    source : str
        Where the bundle came from (a folder, a workbook, an OCDS file...).
    """

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame = field(default_factory=issue_frame)
    warnings: pd.DataFrame = field(default_factory=issue_frame)
    merges: pd.DataFrame = field(default_factory=merge_frame)
    counts: dict[str, dict] = field(default_factory=dict)
    source: str = ""
