"""A labelled real cartel dataset as a bundle of bids alone (``bidgraph evaluate --cartels``).

The published format (García Rodríguez et al. 2022) gives one row per bid: ``Tender``,
``Competitors`` (the bidder, when named), ``Bid_value``, ``Winner`` and the labels
``Collusive_competitor`` (tender-level) and ``Collusive_competitor_original`` (the bid's firm was
in the convicted cartel), optionally ``Date``, ``Pre-Tender Estimate (PTE)``, ``Cartel_name`` and
``Consortium``. :func:`read_cartel_dataset` reads it (bids, tender labels and reference screens
through :func:`bidgraph.detectors.screens.datasets.read_collusion_csv`) with the firm labels and
the named cartels; :func:`cartel_bundle` turns it into the tables a platform export would give:
the bidders, one tenderer, one project and one lot per tender, and the bids with price and winner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bidgraph.detectors.screens.datasets import CollusionData, read_collusion_csv
from bidgraph.detectors.screens.model import file_sha256
from bidgraph.loaders.bundle import Bundle
from bidgraph.loaders.validate import validate_tables

__all__ = ["CartelDataset", "read_cartel_dataset", "cartel_bundle", "TENDERER"]

FIRM_LABELS = ("Collusive_competitor_original", "Collusive_competitor")  # the first present decides
TENDERER = "TENDERER"
# A Date below this many seconds after 1970 (March 1973) is a code, not a timestamp (Swiss GR: a year code).
FIRST_TIMESTAMP = 10**8


@dataclass(frozen=True)
class CartelDataset:
    """One labelled dataset: the reader's view plus what firm-level evaluation needs.

    ``cartel_firms`` and ``cartels`` (cartel name to member firms) are empty when the file
    names no bidders; ``opened_on`` is each tender's date, NaT where ``Date`` is no timestamp.
    """

    data: CollusionData
    sha256: str
    named_bidders: bool
    cartel_firms: frozenset[str]
    cartels: dict[str, frozenset[str]]
    opened_on: pd.Series

    @property
    def name(self) -> str:
        return self.data.name


def read_cartel_dataset(path: str | Path) -> CartelDataset:
    """Read a labelled cartel CSV (a malformed file is an InputError naming row and column)."""
    data = read_collusion_csv(path)
    raw = pd.read_csv(path)
    named = "Competitors" in raw.columns
    label = next(c for c in FIRM_LABELS if c in raw.columns)
    collusive = raw[pd.to_numeric(raw[label], errors="coerce").fillna(0) == 1]
    firms = frozenset(collusive["Competitors"].astype(str)) if named else frozenset()
    cartels: dict[str, frozenset[str]] = {}
    if named and "Cartel_name" in raw.columns:
        known = collusive[collusive["Cartel_name"].notna()]
        cartels = {str(n): frozenset(g["Competitors"].astype(str)) for n, g in known.groupby("Cartel_name")}
    opened_on = pd.Series(pd.NaT, index=data.labels.index, dtype="datetime64[ns]", name="opened_on")
    if "Date" in raw.columns:
        seconds = pd.to_numeric(raw["Date"], errors="coerce").groupby(raw["Tender"].astype("int64").astype(str)).first()
        stamps = pd.to_datetime(seconds.where(seconds >= FIRST_TIMESTAMP), unit="s")
        opened_on = stamps.reindex(opened_on.index).rename("opened_on")
    return CartelDataset(data, file_sha256(path), named, firms, cartels, opened_on)


def cartel_bundle(dataset: CartelDataset) -> Bundle:
    """The dataset as a bundle of bids alone (validated like any load).

    Bidders are the ``Competitors`` ids, or, when the file names none, every bid its own
    anonymous bidder (``BID-<n>``); one tenderer (``TENDERER``) issues every tender; each tender
    is one project and one lot (``lot_id`` = the tender number) with the PTE as ceiling price
    and ``Date`` as opening date where it is a timestamp.
    """
    bids = dataset.data.bids.reset_index(drop=True)
    numbers = pd.Series(range(1, len(bids) + 1)).map("{:06d}".format)
    bidders = bids["org_id"] if dataset.named_bidders else "BID-" + numbers
    lots = dataset.data.labels.index
    ceiling = bids.groupby("lot_id")["ceiling_price"].first().reindex(lots)
    raw = {
        "organizations": pd.DataFrame(
            {"org_id": [TENDERER, *sorted(set(bidders))], "name": [TENDERER, *sorted(set(bidders))]}
        ),
        "projects": pd.DataFrame({"project_id": lots, "name": "Tender " + lots, "tenderer_id": TENDERER}),
        "lots": pd.DataFrame(
            {
                "lot_id": lots,
                "project_id": lots,
                "ceiling_price": _text(ceiling),
                "opened_on": _text(dataset.opened_on.reindex(lots).dt.strftime("%Y-%m-%d %H:%M:%S")),
            }
        ),
        "bids": pd.DataFrame(
            {
                "bid_id": "B" + numbers,
                "lot_id": bids["lot_id"],
                "org_id": bidders,
                "price": _text(bids["price"]),
                "is_winner": bids["is_winner"].map({True: "true", False: "false"}),
            }
        ),
    }
    return validate_tables({k: v.reset_index(drop=True) for k, v in raw.items()}, {}, source=f"cartels:{dataset.name}")


def _text(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values]
