"""Thin and messy platform records of the hard world (``--realism hard``), as real exports are.

- 30 % of bids have no upload IP, MAC or hardware id (older platforms, offline submissions);
- 12 % of bid documents carry one of five generic fingerprints (the platform's blank templates,
  shared by unrelated bidders) and 10 % none;
- 1 % of the bids on lots no scheme touched were rejected at opening: invalid, price not recorded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.citygen import identifiers as ident

__all__ = ["GENERIC_SHARE", "NO_DEVICE_SHARE", "NO_FINGERPRINT_SHARE", "REJECTED_SHARE", "reject_some", "thin_records"]

NO_DEVICE_SHARE = 0.3
GENERIC_SHARE, NO_FINGERPRINT_SHARE = 0.12, 0.1
REJECTED_SHARE = 0.01
_GENERIC = 5


def thin_records(rng, uploads: pd.DataFrame, documents: pd.DataFrame) -> list[str]:
    """Blank devices and fingerprints in place; returns the generic fingerprints used."""
    n = len(uploads)
    blank = rng.random(n) < NO_DEVICE_SHARE
    for column in ("ip", "mac", "hardware_id"):
        uploads.loc[blank, column] = None
    generic = ident.hex_ids(rng, _GENERIC, 16, upper=True)
    u = rng.random(n)
    is_generic = u < GENERIC_SHARE
    documents.loc[is_generic, "fingerprint"] = generic[rng.integers(0, _GENERIC, int(is_generic.sum()))]
    documents.loc[(u >= GENERIC_SHARE) & (u < GENERIC_SHARE + NO_FINGERPRINT_SHARE), "fingerprint"] = None
    return [str(g) for g in generic]


def reject_some(rng, bids: pd.DataFrame, used: np.ndarray) -> pd.DataFrame:
    """``bids`` with 1 % of those on untouched lots rejected at opening (invalid, no price)."""
    rejected = ~used[bids["lot"].to_numpy()] & (rng.random(len(bids)) < REJECTED_SHARE)
    out = bids.copy()
    out.loc[rejected, "valid"] = False
    out.loc[rejected, "ratio"] = np.nan
    return out
