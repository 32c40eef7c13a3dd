"""Price screens of a lot, computed from its bids alone, for every lot at once.

The seven screens of the bid-rigging literature (Huber & Imhof 2019; García Rodríguez et al.
2022), recomputed from the bid values, plus a few scale-free shape measures. All are ratios
of prices within one lot, so they compare across currencies and project sizes. Every screen
is computed with vectorised group operations, never a Python loop over lots.

=============  =======================================================  =============
screen         definition (bids b1 <= b2 <= ... <= bn of one lot)       coordinated if
=============  =======================================================  =============
cv             standard deviation (n-1) / mean                          low
spd            (bn - b1) / b1                                           low
diffp          (b2 - b1) / b1                                           high
rd             (b2 - b1) / standard deviation of b2..bn                 high
kurt           sample excess kurtosis (bias-corrected, n >= 4)          high
skew           sample skewness (bias-corrected, n >= 3)                 low
ks             Kolmogorov-Smirnov distance to uniform on [b1, bn]       high
gap_median     median of (b[i+1] - b[i]) / mean                         low
close_share    share of neighbouring bids less than ``close_gap`` apart  high
cv_losers      cv of b2..bn                                             low
=============  =======================================================  =============

``lot_screens`` also reports ``n_bids``, ``winner_position`` ((winning bid - b1) / b1, the
lowest winning bid when several) and, where a ceiling price is known, ``mean_to_ceiling``
(mean bid / ceiling): descriptive, not screens with a learned direction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SCREENS", "DIRECTION", "lot_screens", "coalition_members", "coalition_screens", "percentiles"]

SCREENS = ("cv", "spd", "diffp", "rd", "kurt", "skew", "ks", "gap_median", "close_share", "cv_losers")

#: Which tail of each screen the literature reads as coordination (+1 high, -1 low).
DIRECTION = {
    "cv": -1,
    "spd": -1,
    "diffp": 1,
    "rd": 1,
    "kurt": 1,
    "skew": -1,
    "ks": 1,
    "gap_median": -1,
    "close_share": 1,
    "cv_losers": -1,
    "mean_to_ceiling": 1,
}


def lot_screens(
    bids: pd.DataFrame,
    lot: str = "lot_id",
    price: str = "price",
    winner: str | None = "is_winner",
    ceiling: str | None = None,
    close_gap: float = 0.02,
) -> pd.DataFrame:
    """The screens of every lot.

    Parameters
    ----------
    bids : DataFrame
        One row per priced bid: ``lot``, ``price`` (> 0) and optionally ``winner`` (bool) and
        ``ceiling`` (the lot's ceiling price or pre-tender estimate, repeated on each bid).
    lot, price, winner, ceiling : str
        Column names; ``winner``/``ceiling`` may be None when unknown.
    close_gap : float
        Neighbouring bids closer than this fraction of the lower one count as "close".

    Returns
    -------
    DataFrame indexed by lot (sorted), columns ``n_bids``, the ``SCREENS``, ``winner_position``
    and ``mean_to_ceiling``. A screen a lot has too few bids for is NaN.
    """
    cols = [lot, price] + [c for c in (winner, ceiling) if c]
    s = bids[cols].sort_values([lot, price], kind="mergesort").reset_index(drop=True)
    p = s[price].to_numpy(dtype=float)
    pos, lots = pd.factorize(s[lot], sort=True)
    nn = np.bincount(pos).astype(float)
    n = nn[pos]
    start = np.r_[0, np.cumsum(nn)[:-1]].astype(int)
    rank = np.arange(len(p)) - start[pos]
    first = rank == 0
    b1 = p[start]
    bmax = p[start + nn.astype(int) - 1]
    b2 = np.where(nn >= 2, p[np.minimum(start + 1, len(p) - 1)], np.nan)
    mean = np.bincount(pos, p) / nn

    out = pd.DataFrame(index=pd.Index(lots, name=lot))
    out["n_bids"] = nn.astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = p / mean[pos] - 1.0  # scale-free deviations, the lot's mean bid = 1
        m2, m3, m4 = (np.bincount(pos, c**k) / nn for k in (2, 3, 4))
        out["cv"] = np.where(nn >= 2, np.sqrt(m2 * nn / (nn - 1)), np.nan)
        out["spd"] = np.where(nn >= 2, (bmax - b1) / b1, np.nan)
        out["diffp"] = (b2 - b1) / b1
        r = np.where(first, 0.0, p / b1[pos])  # losing bids relative to the lowest
        nl = nn - 1
        lmean = np.bincount(pos, r) / nl
        lsd = np.sqrt(np.clip((np.bincount(pos, r**2) - nl * lmean**2) / (nl - 1), 0, None))
        out["rd"] = np.where((nl >= 2) & (lsd > 1e-12), ((b2 - b1) / b1) / lsd, np.nan)
        g1 = m3 / m2**1.5
        g2 = m4 / m2**2 - 3.0
        spread = m2 > 1e-24
        out["kurt"] = np.where((nn >= 4) & spread, ((nn + 1) * g2 + 6) * (nn - 1) / ((nn - 2) * (nn - 3)), np.nan)
        out["skew"] = np.where((nn >= 3) & spread, np.sqrt(nn * (nn - 1)) / (nn - 2) * g1, np.nan)
        u = (p - b1[pos]) / (bmax - b1)[pos]
        dev = np.maximum((rank + 1) / n - u, u - rank / n)
        ks = np.full(len(nn), -np.inf)
        np.maximum.at(ks, pos, np.nan_to_num(dev, nan=-np.inf))
        out["ks"] = np.where((nn >= 2) & (bmax > b1), ks, np.nan)
        gap = np.where(first, np.nan, p - np.roll(p, 1))
        out["gap_median"] = pd.Series(gap / mean[pos]).groupby(pos).median().to_numpy()
        close = np.where(first, 0.0, (gap / np.roll(p, 1) < close_gap))
        out["close_share"] = np.where(nn >= 2, np.bincount(pos, close) / nl, np.nan)
        out["cv_losers"] = np.where(nl >= 2, lsd / lmean, np.nan)
        out["winner_position"] = _winner_position(s, winner, p, pos, b1, len(nn))
        out["mean_to_ceiling"] = _mean_to_ceiling(s, ceiling, pos, start, mean)
    return out


def coalition_members(
    bids: pd.DataFrame, min_meetings: int, min_share: float = 0.0, lot: str = "lot_id", org: str = "org_id"
) -> pd.DataFrame:
    """The (lot, org) rows of bidders who meet repeatedly.

    A pair of bidders "meets" on a lot when both bid on it. A pair is a repeat pair when it
    meets on ``min_meetings`` lots or more, and on at least ``min_share`` of the lots of the
    less active of the two (in a busy market honest firms run into each other often, but not
    on most of their lots). A bidder belongs to a lot's coalition when it forms a repeat pair
    with another bidder of that lot.

    Returns
    -------
    DataFrame with columns ``lot`` and ``org`` (unique rows, sorted).
    """
    rows = bids[[lot, org]].dropna().drop_duplicates()
    lot_code, lot_names = pd.factorize(rows[lot], sort=True)
    org_code, org_names = pd.factorize(rows[org], sort=True)
    order = np.lexsort((org_code, lot_code))
    lot_code, org_code = lot_code[order], org_code[order]
    left, right = _same_lot_pairs(lot_code)
    pair = org_code[left].astype(np.int64) * len(org_names) + org_code[right]
    pair_code = pd.factorize(pair)[0]  # hashed: several times faster than np.unique's sort of millions of pairs
    activity = np.bincount(org_code)
    meetings = np.bincount(pair_code)[pair_code]
    frequent = (meetings >= min_meetings) & (
        meetings >= min_share * np.minimum(activity[org_code[left]], activity[org_code[right]])
    )
    keep = np.zeros(len(lot_code), dtype=bool)
    keep[left[frequent]] = True
    keep[right[frequent]] = True
    return pd.DataFrame({lot: lot_names[lot_code[keep]], org: org_names[org_code[keep]]})


def coalition_screens(
    bids: pd.DataFrame,
    members: pd.DataFrame,
    min_members: int = 3,
    lot: str = "lot_id",
    org: str = "org_id",
    price: str = "price",
    close_gap: float = 0.02,
) -> pd.DataFrame:
    """The screens computed over each lot's coalition alone.

    ``members`` are the coalition rows from :func:`coalition_members`. Returns a frame indexed
    by lot with ``coalition_size`` and ``coalition_<screen>`` for each of ``SCREENS``, for the
    lots whose coalition has at least ``min_members`` priced bids.
    """
    sub = bids[[lot, org, price]].merge(members[[lot, org]], on=[lot, org], how="inner")
    size = sub.groupby(lot, sort=True).size()
    sub = sub[sub[lot].isin(size.index[size >= min_members])]
    if sub.empty:
        return pd.DataFrame(
            columns=["coalition_size", *[f"coalition_{k}" for k in SCREENS]], index=pd.Index([], name=lot), dtype=float
        )
    sc = lot_screens(sub, lot=lot, price=price, winner=None, close_gap=close_gap)
    out = sc[list(SCREENS)].add_prefix("coalition_")
    out.insert(0, "coalition_size", sc["n_bids"])
    return out


def percentiles(values: pd.DataFrame, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each column's values as percentiles (0-1) among the rows, or among ``reference``'s
    values of the same column when given (the share below, ties counted half); NaN stays NaN."""
    if reference is None:
        return values.rank(pct=True, method="average")
    out = {}
    for col in values.columns:
        ref = np.sort(reference[col].dropna().to_numpy(dtype=float))
        v = values[col].to_numpy(dtype=float)
        share = (np.searchsorted(ref, v, "left") + np.searchsorted(ref, v, "right")) / (2 * max(len(ref), 1))
        out[col] = np.where(np.isnan(v) | (len(ref) == 0), np.nan, share)
    return pd.DataFrame(out, index=values.index)


def _winner_position(s: pd.DataFrame, winner: str | None, p, pos, b1, n_lots) -> np.ndarray:
    if not winner:
        return np.full(n_lots, np.nan)
    won = s[winner].fillna(False).astype(bool).to_numpy()
    wmin = np.full(n_lots, np.inf)
    np.minimum.at(wmin, pos[won], p[won])
    return np.where(np.isfinite(wmin), (wmin - b1) / b1, np.nan)


def _mean_to_ceiling(s: pd.DataFrame, ceiling: str | None, pos, start, mean) -> np.ndarray:
    if not ceiling:
        return np.full(len(start), np.nan)
    ceil = pd.to_numeric(s[ceiling], errors="coerce").to_numpy(dtype=float)[start]
    return np.where(ceil > 0, mean / ceil, np.nan)


def _same_lot_pairs(lot_code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (i, j), i < j, of every pair of rows with the same code (codes sorted)."""
    left, right = [], []
    step = 1
    while step < len(lot_code):
        same = np.flatnonzero(lot_code[:-step] == lot_code[step:])
        if same.size == 0:
            break
        left.append(same)
        right.append(same + step)
        step += 1
    if not left:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(left), np.concatenate(right)
