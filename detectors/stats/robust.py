"""Robust z-scores against peers (median and MAD), with the peer group widened when it is thin."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["MAD_TO_SD", "robust_z_by_strata"]

MAD_TO_SD = 1.4826  # MAD x this estimates the standard deviation of normal data
_MEAN_AD_TO_SD = 1.2533  # mean absolute deviation x this, when over half the peers are equal (MAD 0)


def _medians(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group code, the median of its values (as ``np.median``: the middle value, or the mean
    of the two middle ones); NaN for a group without rows."""
    order = np.lexsort((values, codes))
    sizes = np.bincount(codes, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ranked = values[order]
    last = len(ranked) - 1  # an empty group's index, clipped; its median is NaN
    low, high = ranked[np.minimum(starts + (sizes - 1) // 2, last)], ranked[np.minimum(starts + sizes // 2, last)]
    return np.where(sizes > 0, (low + high) / 2, np.nan)


def _centres_and_spreads(values: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the median, and the MAD as a standard deviation (the mean absolute deviation
    when the MAD is 0)."""
    centre = _medians(values, codes, n_groups)
    deviation = np.abs(values - centre[codes])
    spread = MAD_TO_SD * _medians(deviation, codes, n_groups)
    flat = np.flatnonzero(spread == 0)
    if len(flat):
        # np.mean in each group's own row order, so the sum adds up as it always has
        order = np.argsort(codes, kind="stable")
        starts = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_groups))])
        ranked = deviation[order]
        spread[flat] = [_MEAN_AD_TO_SD * float(np.mean(ranked[starts[g] : starts[g + 1]])) for g in flat]
    return centre, spread


def robust_z_by_strata(
    frame: pd.DataFrame, value: str, strata: Sequence[Sequence[str]], min_peers: int
) -> pd.DataFrame:
    """Each row's robust z of ``value`` among the rows of its stratum.

    ``strata`` lists groupings from the narrowest to the widest (``()`` is every row); a row is
    measured in the narrowest stratum holding at least ``min_peers`` rows, and not at all when
    none does. ``value`` must be known (not NaN) in every row. Returns ``frame`` with ``z``,
    ``peer_median``, ``peer_scale``, ``peers``, ``stratum`` (the grouping used, e.g.
    ``"category+region_code"`` or ``"all"``) and ``stratum_key`` (the group's values, e.g.
    ``"construction|R1"``).
    """
    values = frame[value].to_numpy(float)
    n = len(frame)
    z, centres, spreads = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    peers = np.zeros(n, dtype=np.int64)
    stratum, stratum_key = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    done = np.zeros(n, dtype=bool)
    for keys in strata:
        if keys:
            codes = frame.groupby(list(keys), dropna=False, sort=True).ngroup().to_numpy()
        else:
            codes = np.zeros(n, dtype=np.int64)
        n_groups = int(codes.max()) + 1 if n else 0
        sizes = np.bincount(codes, minlength=n_groups)
        todo = ~done & (sizes[codes] >= min_peers)
        if not todo.any():
            continue
        centre, spread = _centres_and_spreads(values, codes, n_groups)
        at = codes[todo]
        measured = spread[at] > 0
        z[todo] = np.where(measured, (values[todo] - centre[at]) / np.where(measured, spread[at], 1.0), 0.0)
        centres[todo], spreads[todo], peers[todo] = centre[at], spread[at], sizes[at]
        stratum[todo] = "+".join(keys) or "all"
        stratum_key[todo] = _key_texts(frame, keys, codes, n_groups)[at]
        done |= todo
    out = frame.assign(
        z=z, peer_median=centres, peer_scale=spreads, peers=peers, stratum=stratum, stratum_key=stratum_key
    )
    return out[done]


def _key_texts(frame: pd.DataFrame, keys: Sequence[str], codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group code, its values joined by ``|`` (``""`` for the stratum of every row)."""
    if not keys:
        return np.full(n_groups, "", dtype=object)
    first = np.full(n_groups, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    columns = [frame[k].to_numpy(object)[first] for k in keys]
    return np.array(["|".join(map(str, row)) for row in zip(*columns)], dtype=object)
