"""The published cartel datasets in ``shared/data/collusion`` in one per-bid form.

García Rodríguez et al. (2022) give every bid of real tenders from Switzerland (Graubünden and
See-Gaster; Ticino) and Japan (Okinawa) with the tender-level label ``Collusive_competitor``.
The files differ: Japan names bidders and gives the pre-tender estimate (PTE); the Swiss files
do not; Ticino lists each member of a consortium as a row repeating the consortium's bid.
:func:`read_collusion_csv` turns any of them into

- ``bids``: one row per bid with ``lot_id`` (the tender), ``price``, ``is_winner``,
  ``org_id`` (None when the file does not name bidders) and ``ceiling_price`` (the PTE, or NaN);
- ``labels``: the tender-level label, 1 = rigged by a convicted cartel;
- ``reference``: the file's seven precomputed screens per tender, or None when the file lacks
  them (used only by the paper-style reference model, never as bidgraph features).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bidgraph.errors import InputError

__all__ = ["CollusionData", "REFERENCE_SCREENS", "shared_dir", "collusion_files", "read_collusion_csv"]

REFERENCE_SCREENS = ("CV", "SPD", "DIFFP", "RD", "KURT", "SKEW", "KSTEST")
_REQUIRED = ("Tender", "Bid_value", "Winner", "Collusive_competitor")
_PTE = "Pre-Tender Estimate (PTE)"
_BIDDER = "Competitors"


@dataclass(frozen=True)
class CollusionData:
    name: str
    bids: pd.DataFrame
    labels: pd.Series
    reference: pd.DataFrame | None


def shared_dir() -> Path:
    """``$BIDGRAPH_SHARED``, else the ``shared`` folder beside the repository."""
    env = os.environ.get("BIDGRAPH_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared"


def collusion_files() -> dict[str, Path]:
    """The shared cartel datasets by short name (``japan``, ``switzerland_gr_sg``, ...), sorted."""
    folder = shared_dir() / "data" / "collusion"
    files = sorted(folder.glob("DB_Collusion_*.csv"))
    return {_short_name(f): f for f in files}


def read_collusion_csv(path: str | Path) -> CollusionData:
    """Read one cartel dataset file (see the module docstring for the result).

    Raises
    ------
    InputError
        The file is missing or unreadable, lacks a required column, or has a row whose
        tender, bid value, winner flag or label is not a number (named by row and column).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    has_reference = all(c in raw.columns for c in REFERENCE_SCREENS)
    numbers = {c: _numeric(raw, c, path) for c in (*_REQUIRED, *(REFERENCE_SCREENS if has_reference else ()))}
    if (numbers["Bid_value"] <= 0).any():
        row = int(np.flatnonzero(numbers["Bid_value"].to_numpy() <= 0)[0]) + 2
        raise InputError(f"{path}: row {row}, column Bid_value: bid value must be positive")
    tender = numbers["Tender"].astype("int64").astype(str)
    bids = pd.DataFrame(
        {
            "lot_id": tender,
            "price": numbers["Bid_value"].astype(float),
            "is_winner": numbers["Winner"] > 0,
            "org_id": raw[_BIDDER].astype(str) if _BIDDER in raw.columns else None,
            "ceiling_price": _numeric(raw, _PTE, path) if _PTE in raw.columns else np.nan,
        }
    )
    if "Consortium" in raw.columns:
        bids = _one_bid_per_consortium(bids, _numeric(raw, "Consortium", path))
    first = pd.DataFrame(numbers).groupby(tender.to_numpy(), sort=True).first()
    return CollusionData(
        _short_name(path),
        bids.reset_index(drop=True),
        first["Collusive_competitor"].astype(int).rename("label").rename_axis("lot_id"),
        first[list(REFERENCE_SCREENS)].rename_axis("lot_id") if has_reference else None,
    )


def _numeric(raw: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = pd.to_numeric(raw[column], errors="coerce")
    bad = values.isna() & raw[column].notna() | values.isna() & (column in _REQUIRED)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise InputError(f"{path}: row {row}, column {column}: not a number ({raw[column].iloc[row - 2]!r})")
    return values


def _one_bid_per_consortium(bids: pd.DataFrame, consortium: pd.Series) -> pd.DataFrame:
    """Ticino lists each member of a consortium (same ``Consortium`` number > 0 within a
    tender) as a row repeating the joint bid: keep one row per consortium."""
    joint = (consortium > 0).to_numpy()
    keys = pd.DataFrame({"lot": bids["lot_id"], "c": consortium, "p": bids["price"]})
    duplicate = joint & keys.duplicated(["lot", "c", "p"]).to_numpy()
    return bids[~duplicate]


def _short_name(path: Path) -> str:
    stem = path.stem.removeprefix("DB_Collusion_").removesuffix("_processed")
    return stem.lower().replace("-", "_").replace("_and_", "_")
