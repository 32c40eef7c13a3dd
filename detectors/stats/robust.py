"""Robust z-scores against peers (median and MAD), with the peer group widened when it is thin."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["MAD_TO_SD", "robust_z_by_strata"]

MAD_TO_SD = 1.4826  # MAD x this estimates the standard deviation of normal data
_MEAN_AD_TO_SD = 1.2533  # mean absolute deviation x this, when over half the peers are equal (MAD 0)


def _z(values: np.ndarray, peers: np.ndarray) -> tuple[np.ndarray, float, float]:
    centre = float(np.median(peers))
    spread = MAD_TO_SD * float(np.median(np.abs(peers - centre)))
    if spread == 0:
        spread = _MEAN_AD_TO_SD * float(np.mean(np.abs(peers - centre)))
    z = (values - centre) / spread if spread > 0 else np.zeros(len(values))
    return z, centre, spread


def robust_z_by_strata(
    frame: pd.DataFrame, value: str, strata: Sequence[Sequence[str]], min_peers: int
) -> pd.DataFrame:
    """Each row's robust z of ``value`` among the rows of its stratum.

    ``strata`` lists groupings from the narrowest to the widest (``()`` is every row); a row is
    measured in the narrowest stratum holding at least ``min_peers`` rows, and not at all when
    none does. Returns ``frame`` with ``z``, ``peer_median``, ``peer_scale``, ``peers``,
    ``stratum`` (the grouping used, e.g. ``"category+region_code"`` or ``"all"``) and
    ``stratum_key`` (the group's values, e.g. ``"construction|R1"``).
    """
    out = frame.assign(z=np.nan, peer_median=np.nan, peer_scale=np.nan, peers=0, stratum="", stratum_key="")
    done = pd.Series(False, index=frame.index)
    for keys in strata:
        groups = frame.groupby(list(keys), dropna=False, sort=True) if keys else [((), frame)]
        for key, g in groups:
            todo = g.index[~done[g.index]]
            if len(g) < min_peers or todo.empty:
                continue
            z, centre, spread = _z(g.loc[todo, value].to_numpy(float), g[value].to_numpy(float))
            out.loc[todo, ["z", "peer_median", "peer_scale"]] = np.column_stack(
                [z, np.full(len(todo), centre), np.full(len(todo), spread)]
            )
            out.loc[todo, "peers"] = len(g)
            out.loc[todo, "stratum"] = "+".join(keys) or "all"
            out.loc[todo, "stratum_key"] = "|".join(map(str, key if isinstance(key, tuple) else (key,)))
            done[todo] = True
    return out[done]
