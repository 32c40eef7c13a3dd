"""MinHash signatures and LSH banding over shingle sets, in numpy (Broder (1997); Leskovec,
Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3): candidate pairs of near-duplicate
sets without comparing every pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["minhash_signatures", "lsh_candidate_pairs"]

_PRIME = np.uint64((1 << 31) - 1)  # hash universe; a * x stays below 2**64 for x, a < 2**31


def minhash_signatures(owner: np.ndarray, item: np.ndarray, n_owners: int, num_perm: int, seed: int) -> np.ndarray:
    """The MinHash signature of each owner's set of items.

    Parameters
    ----------
    owner, item : np.ndarray
        One entry per (owner, item) membership: owner positions in ``range(n_owners)`` and
        item codes below 2**31 (e.g. from ``pd.factorize``).
    n_owners : int
        How many owners; an owner without items gets the all-``_PRIME`` signature.
    num_perm : int
        Signature length (hash functions).
    seed : int
        Seeds the hash functions, so signatures are reproducible.

    Returns
    -------
    np.ndarray
        ``(n_owners, num_perm)`` uint64: per owner and function the least hash of its items.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, int(_PRIME), num_perm, dtype=np.uint64)
    b = rng.integers(0, int(_PRIME), num_perm, dtype=np.uint64)
    order = np.argsort(owner, kind="stable")
    owner, x = owner[order], item[order]
    present, starts = np.unique(owner, return_index=True)
    items = np.arange(int(x.max()) + 1 if len(x) else 0, dtype=np.uint64)
    sig = np.full((n_owners, num_perm), _PRIME, dtype=np.uint64)
    for k in range(num_perm):
        # each item hashed once, then looked up per membership
        sig[present, k] = np.minimum.reduceat(((a[k] * items + b[k]) % _PRIME)[x], starts)
    return sig


def lsh_candidate_pairs(sig: np.ndarray, groups: np.ndarray, bands: int) -> pd.DataFrame:
    """Pairs of owners of the same group that agree on all rows of at least one band.

    Two sets of Jaccard similarity ``s`` become candidates with probability
    ``1 - (1 - s**r)**bands`` for ``r = num_perm // bands`` rows per band. Returns columns
    ``a`` < ``b`` (owner positions), each pair once.
    """
    rows = sig.shape[1] // bands
    found = []
    for band in range(bands):
        _, bucket = np.unique(sig[:, band * rows : (band + 1) * rows], axis=0, return_inverse=True)
        keyed = pd.DataFrame({"g": groups, "bucket": bucket.ravel(), "owner": np.arange(len(sig))})
        keyed = keyed[keyed.duplicated(["g", "bucket"], keep=False)]
        pairs = keyed.merge(keyed, on=["g", "bucket"], suffixes=("_a", "_b"))
        found.append(pairs.loc[pairs["owner_a"] < pairs["owner_b"], ["owner_a", "owner_b"]])
    out = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["owner_a", "owner_b"])
    return out.drop_duplicates().rename(columns={"owner_a": "a", "owner_b": "b"}).sort_values(["a", "b"])
