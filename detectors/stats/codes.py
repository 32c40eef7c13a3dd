"""Integer codes standing for id tuples: one key instead of several columns.

A ``drop_duplicates`` or group-by on several id columns factorises every column and combines
them, which took seconds at province scale; the codes of the ids (``Snapshot.codes`` or
``pd.factorize``) combined into one integer do the same work once.
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_key", "first_rows"]


def row_key(*codes: np.ndarray) -> np.ndarray:
    """One integer per distinct tuple of non-negative integer codes, in the tuples' sort order
    (ranked after each column, so the key never overflows)."""
    key = np.asarray(codes[0], dtype=np.int64)
    for i, minor in enumerate(codes[1:], start=2):
        key = key * (int(np.max(minor, initial=0)) + 1) + np.asarray(minor, dtype=np.int64)
        if i < len(codes):
            key = np.unique(key, return_inverse=True)[1].astype(np.int64).ravel()
    return key


def first_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row of each distinct ``key``'s first occurrence, in row order (the rows
    ``drop_duplicates`` keeps, the groups of a ``groupby(sort=False)`` in their order), and
    how many rows have that key."""
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    order = np.argsort(first)
    return first[order], counts[order]
