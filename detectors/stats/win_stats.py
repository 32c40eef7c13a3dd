"""Who won what, against what odds: the shared arithmetic of the win-pattern detectors.

Used by ``frequent_winner``, ``tenderer_affinity`` and ``agency_affinity``.

The null model is a fair draw: on a lot with ``n`` valid bidders each has chance ``1/n`` of
winning, so a firm's expected wins in any set of lots is the sum of ``1/n`` over its bids there.
The number of wins is compared with that expectation by the upper tail of a binomial with the
same number of trials and the same mean (the exact law, Poisson-binomial, has a smaller
variance, so this tail is conservative; a Poisson tail would be far more so on lots with few
bidders).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom, poisson

from bidgraph.detectors.core.common import bids_in_context
from bidgraph.detectors.stats.codes import groups_in_order, row_key
from bidgraph.graph.snapshot import positions

__all__ = ["bid_outcomes", "context_pairs", "upper_tail", "surprise_score", "person_links"]


# the columns of bids_in_context the win-pattern detectors read (copying the other dozen cost a third of a second)
_CONTEXT = ["bid_id", "lot_id", "org_id", "price", "is_winner", "project_id", "tenderer_id", "agency_id", "region_code"]


def bid_outcomes(snapshot) -> pd.DataFrame:
    """Valid bids on lots that were awarded, with the draw's odds and the lot's competition.

    Columns: bid_id, lot_id, org_id, price, is_winner, project_id, tenderer_id, agency_id and
    region_code (:func:`bids_in_context`'s) plus ``n_bidders`` (valid bids on the lot),
    ``p_fair`` (1 / n_bidders), ``is_lowest`` (the bid has the lot's lowest price), ``lot_cv``
    (coefficient of variation of the lot's valid prices) and ``margin`` (for a lowest bid, the
    relative gap to the second lowest price).
    """
    return snapshot.derived("bid_outcomes", lambda: _outcomes(snapshot)).copy(deep=False)


def _outcomes(snapshot) -> pd.DataFrame:
    # by bid id, not in the order bids were loaded: the fair draw's expectations are sums of 1/n,
    # which must add the same numbers in the same order whether the bids came in one export or a
    # day at a time (the last bits of a p-value differed between the two)
    b = bids_in_context(snapshot, valid_only=True)[_CONTEXT].sort_values("bid_id", kind="stable", ignore_index=True)
    lot = pd.factorize(b["lot_id"])[0]  # grouped on integer codes: many times faster than on the id strings
    awarded = b["is_winner"].groupby(lot).transform("any").to_numpy(dtype=bool) & (lot >= 0)
    b, lot = b[awarded], lot[awarded]  # a frame of its own already: a copy would only cost fresh memory
    b["n_bidders"] = b["bid_id"].groupby(lot).transform("size").to_numpy()
    b["p_fair"] = 1.0 / b["n_bidders"]
    price = pd.to_numeric(b["price"], errors="coerce")
    lots = price.groupby(lot)
    low = lots.transform("min")
    b["is_lowest"] = price.notna() & (price == low)
    ranked = pd.DataFrame({"lot": lot, "price": price.to_numpy(dtype=float)}).dropna().sort_values(["lot", "price"])
    ranked = ranked[ranked.groupby("lot").cumcount() == 1]
    second = np.full(lot.max(initial=-1) + 1, np.nan)
    second[ranked["lot"].to_numpy()] = ranked["price"].to_numpy()
    b["margin"] = np.where(b["is_lowest"], (second[lot] - low) / low, np.nan)
    b["lot_cv"] = lots.transform("std") / lots.transform("mean")
    return b


def context_pairs(b: pd.DataFrame, ctx: str, prior: float, count: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per (context, firm): ``bids``, ``wins``, the fair draw's ``mu``, the firm's record
    elsewhere and the expectation scaled by it.

    A firm's ``strength = max(1, (wins elsewhere + prior) / (mu elsewhere + prior))`` measures how
    much better than a fair draw it does outside the context (``prior`` expected wins shrink it
    towards 1 when there is little record); ``expected = mu * strength``. A strong record raises
    the expectation (a cheap, efficient firm is expected to win more); a weak one does not lower
    it, since a few bids elsewhere are a noisy estimate and would inflate the surprise. The boolean columns of ``b``
    named in ``count`` are summed per pair too.
    """
    # grouped on one integer key standing for (context, firm): grouping on the two id columns
    # hashes their strings again for each aggregate; the groups keep their order of first
    # appearance (as groupby(sort=False) has them) and the sums add the same rows in the same order
    context, firm = pd.factorize(b[ctx])[0], pd.factorize(b["org_id"])[0]
    kept = np.flatnonzero((context >= 0) & (firm >= 0))  # a missing id is no group
    pair, first = groups_in_order(row_key(context[kept], firm[kept]))
    sums = b[["is_winner", "p_fair", *count]].iloc[kept].groupby(pair).sum()
    rows = kept[first]
    pairs = pd.DataFrame(
        {ctx: b[ctx].array.take(rows), "org_id": b["org_id"].array.take(rows), "bids": np.bincount(pair)}
        | {"wins": sums["is_winner"].to_numpy(), "mu": sums["p_fair"].to_numpy()}
        | {c: sums[c].to_numpy() for c in count}
    )
    firm_totals = pairs[["wins", "mu"]].groupby(firm[rows]).transform("sum")
    pairs["wins_elsewhere"] = firm_totals["wins"] - pairs["wins"]
    pairs["mu_elsewhere"] = firm_totals["mu"] - pairs["mu"]
    pairs["strength"] = ((pairs["wins_elsewhere"] + prior) / (pairs["mu_elsewhere"] + prior)).clip(lower=1.0)
    pairs["expected"] = pairs["mu"] * pairs["strength"]
    return pairs


def upper_tail(observed, expected, trials=None) -> np.ndarray:
    """P(X >= observed), elementwise, for X binomial with ``trials`` trials and mean
    ``expected`` (the success chance capped just below 1), or Poisson(expected) when
    ``trials`` is None."""
    observed = np.asarray(observed, float)
    expected = np.maximum(np.asarray(expected, float), 1e-12)
    if trials is None:
        return poisson.sf(observed - 1, expected)
    trials = np.asarray(trials, float)
    return binom.sf(observed - 1, trials, np.minimum(expected / np.maximum(trials, 1), 1 - 1e-9))


def surprise_score(p_value, full: float) -> np.ndarray:
    """Map a p-value to [0, 1]: ``-log10(p) / full``, clipped (``full`` digits give 1)."""
    p = np.clip(np.asarray(p_value, float), 1e-300, 1.0)
    return np.clip(-np.log10(p) / full, 0.0, 1.0)


def person_links(snapshot, context_roles: list[str]) -> pd.DataFrame:
    """Persons holding one of ``context_roles`` at one organization (a tenderer's official,
    an agency's employee) and any role at another: ``context_org``, ``org_id``,
    ``person_id``, ``person_name``, ``context_role``, ``role``. Made once per snapshot and set
    of roles (tenderer_affinity and agency_affinity ask for the same)."""
    made = snapshot.derived(("person_links", frozenset(context_roles)), lambda: _person_links(snapshot, context_roles))
    return made.copy(deep=False)


def _person_links(snapshot, context_roles: list[str]) -> pd.DataFrame:
    pr = snapshot["person_roles"][["person_id", "org_id", "role"]]
    in_ctx = pr["role"].isin(context_roles).to_numpy()
    # joined on each person's place among the persons holding a context role (a missing id -2):
    # looking 2 million ids up among those few is cheaper than factorising them all
    ctx_persons = pd.Index(pr["person_id"][in_ctx].dropna().unique())
    person = np.where(pr["person_id"].isna().to_numpy(), -2, positions(ctx_persons, pr["person_id"]))
    ctx = pr[in_ctx].rename(columns={"org_id": "context_org", "role": "context_role"}).assign(person=person[in_ctx])
    held = np.flatnonzero(person != -1)
    links = ctx.merge(pr[["org_id", "role"]].iloc[held].assign(person=person[held]), on="person").drop(columns="person")
    links = links[links["context_org"] != links["org_id"]].reset_index(drop=True).drop_duplicates()
    # a person's name follows from the id: looked up for the distinct links only, by position
    persons = snapshot["persons"]
    name = persons["name"].array.take(positions(persons["person_id"], links["person_id"]), allow_fill=True)
    return links.assign(person_name=name)
