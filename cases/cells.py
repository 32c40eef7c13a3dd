"""Spreadsheet cells that cannot run as formulas (CSV/Excel formula injection).

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
something Excel or LibreOffice may evaluate (``=HYPERLINK(...)``, ``@SUM(...)``); every CSV
and XLSX bidgraph writes prefixes such a cell with ``'``, which spreadsheets show as text. A
cell that already begins with ``'`` is prefixed too, so :func:`restore` gives back exactly
what was written (the audit CSV is verified from its cells).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["neutralise", "restore", "neutralise_frame"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(value):
    """``value`` with a ``'`` in front when it is text a spreadsheet could take as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The value :func:`neutralise` was given."""
    return text[1:] if text.startswith("'") else text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out.rename(columns=neutralise)
