"""Competing bidders that share a value: grouping, rarity weighting and the finding text.

The engine behind ``shared_device`` (upload IP, MAC, hardware id), ``shared_document``
(document fingerprint, file hash, author) and ``shared_personnel`` (person, phone, e-mail,
address). Each of those modules turns its tables into two frames and a list of kinds (values
that belong to bids, such as uploads and documents, go through :func:`bid_value_findings`):

``uses``
    one row per value seen on a lot: ``lot_id``, ``org_id``, ``kind``, ``value`` (plus
    whatever the module needs to draw the evidence, e.g. ``bid_id``);
``holders``
    which firms hold each value anywhere in the snapshot: ``org_id``, ``kind``, ``value``.
    The rarity of a value is computed from it.

Method
------
* An *item* is one (lot, kind, value) used by two or more distinct bidders of that lot.
* Rarity (IDF-like): a value held by ``k`` of the ``N`` firms that have any value of its kind
  (``N`` at least ``2 * public_min_firms``, so that tiny data sets are not all "common")
  weighs ``log(N / k) / log(N / 2)`` (1 for a value two firms share, falling towards 0 as the
  value spreads).
* Chance co-use: if a value turned up on bids at random, at its overall frequency ``q`` (its
  uses / all firm-lot bids), two bidders of a lot with ``n`` bidders would share it with
  probability ``q**2``; over all lots that expects ``E = q**2 * sum C(n, 2)`` sharing pairs.
  The observed ``O = sum C(m, 2)`` (``m`` firms using it per lot) is tested by the Poisson
  tail ``P(X >= O | E)``.
* A value held by ``public_min_firms`` firms or more is *public* (a trading centre's terminal,
  a carrier NAT, an author name such as "Administrator") unless its co-use is beyond chance
  (tail ``<= coincidence_alpha``: the same few firms keep sharing it on the same lots, as a ring
  of eight does); a value held by ``always_public_firms`` firms or more is public whatever its
  co-use. A registry contact (a kind marked ``service``: the organization's phone, e-mail or
  address) is public from ``service_min_firms`` firms on, under the same co-use test: several
  unrelated firms giving one address and phone are the tenants of a serviced office or the
  clients of a registration agent (商务秘书托管, 注册代理), not one controller, unless they keep
  meeting on the same lots beyond chance.
* An item's strength is ``weight[kind] * rarity``. On one lot only the strongest item counts
  (the IP, MAC and hardware id of one machine are one piece of evidence). Firms are grouped by the connected
  components of firm–item links over non-public items, so a pair sharing a MAC on six lots is
  one group, and a ring whose members share values pairwise is one group. Public items join
  the group that already holds all their firms; the rest are grouped by their exact firm set.
* Score ``1 - (1 - S) * (1 - min(P, public_cap))``, where ``S`` and ``P`` are the noisy-OR
  ``1 - prod(1 - strength)`` over the group's lots of the strongest non-public and public
  item per lot: public values alone can never make a high-severity finding, and a group with
  only public values is reported only when it shares them on ``public_min_lots`` lots or more
  (two firms at the public terminal on one lot is a coincidence).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import poisson

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.codes import first_rows, row_key
from bidgraph.graph.schema import schema

__all__ = [
    "PUBLIC_DEFAULTS",
    "Kind",
    "trace_node",
    "shared_value_findings",
    "lot_sizes",
    "firms_per_value",
    "bid_uses",
    "bid_value_findings",
]

# When a generic value still counts, and how much: settings shared_document and shared_personnel read alike.
PUBLIC_DEFAULTS = {
    "coincidence_alpha": 0.0001,  # ... unless its same-lot sharing is beyond chance at this Poisson tail (a ring's own value)
    "always_public_firms": 50,  # a value used by at least this many firms is public whatever its sharing
    "public_cap": 0.45,  # most that generic values alone can add to a score
    "public_min_lots": 2,  # groups with only public values are reported from this many shared lots
}


def trace_node(kind: str) -> tuple[str, str]:
    """The node label of a trace value of ``kind`` (a column of bid_uploads, bid_documents or
    organizations: ip, mac, fingerprint, phone...) and the type of the relationship from its bid
    or firm to it, as graph/schema.toml has them."""
    return _trace_nodes()[kind]


@cache
def _trace_nodes() -> dict[str, tuple[str, str]]:
    return {
        r.end.column: (r.end.label, r.type)
        for r in schema().relationships
        if r.table in ("bid_uploads", "bid_documents", "organizations") and r.start.label in ("Bid", "Organization")
    }


@dataclass(frozen=True)
class Kind:
    """One kind of shared value: its names and how it appears in findings (its weight is the
    detector's ``weight_<name>`` setting)."""

    name: str
    zh: str
    en: str
    entity: str | None = None  # entity type of the value in findings (ip, device, ...)
    label: str | None = None  # graph node label of the value (IP, Device, ...)
    service: bool = False  # a registry contact: held by ``service_min_firms`` firms, it is a shared service


def firms_per_value(kind: np.ndarray, value: np.ndarray, org: np.ndarray) -> np.ndarray:
    """For each row, how many distinct firms hold its (kind, value), counted on integer codes
    (-1 for a missing one: a row with a missing kind or value counts 0, a missing firm is not
    counted)."""
    kind, value, org = (np.asarray(a, dtype=np.int64) for a in (kind, value, org))
    valid = (kind >= 0) & (value >= 0)
    key = np.where(valid, kind * (int(value.max(initial=0)) + 1) + value, 0)
    firms = _distinct_per_key(key[valid], org[valid], int(key.max(initial=0)) + 1)
    return np.where(valid, firms[key], 0)


def _distinct_per_key(key: np.ndarray, org: np.ndarray, n_keys: int) -> np.ndarray:
    """How many distinct firms (non-negative ``org`` codes) each key in ``range(n_keys)`` has."""
    held = org >= 0
    key, org = key[held], org[held]
    n_orgs = int(org.max(initial=0)) + 1
    rows = np.bincount(key, minlength=n_keys)
    alone = rows[key] == 1  # the only row of its key: one firm, nothing to hash (most document hashes)
    firms = np.bincount(key[alone], minlength=n_keys)
    pairs = key[~alone] * n_orgs + org[~alone]
    if n_keys * n_orgs <= 8 * len(pairs):  # few keys (a value's kinds): a table of all pairs costs less than hashing
        seen = np.zeros(n_keys * n_orgs, dtype=bool)
        seen[pairs] = True
        return firms + seen.reshape(n_keys, n_orgs).sum(axis=1)
    distinct = pd.unique(pairs)  # hashed: several times faster than np.unique's sort
    return firms + np.bincount(distinct // n_orgs, minlength=n_keys)


def _rarity(holders: pd.DataFrame, public_min_firms: int) -> pd.DataFrame:
    """Per distinct (kind, value) of ``holders`` (coded, none missing; the value code encodes
    the kind), in code order: its firms, its kind's firms and its rarity."""
    kind, value, org = (holders[c].to_numpy() for c in ("kind", "value", "org_id"))
    n_values = int(value.max(initial=-1)) + 1
    kind_of = np.zeros(n_values, dtype=np.int64)
    kind_of[value] = kind
    held = np.flatnonzero(np.bincount(value, minlength=n_values))
    per_value = pd.DataFrame(
        {
            "kind": kind_of[held],
            "value": held,
            "n_firms": _distinct_per_key(value, org, n_values)[held],
            "n_kind_firms": _distinct_per_key(kind, org, int(kind.max(initial=-1)) + 1)[kind_of[held]],
        }
    )
    n = per_value["n_kind_firms"].clip(lower=2 * public_min_firms).to_numpy(float)
    k = per_value["n_firms"].clip(lower=2).to_numpy(float)
    per_value["rarity"] = np.clip(np.log(n / k) / np.log(n / 2), 0.0, 1.0)
    return per_value


def _held_by_several(value: np.ndarray, rarity: pd.DataFrame) -> np.ndarray:
    """Whether each value code is held by two firms or more (``rarity``: per distinct value)."""
    codes = rarity["value"].to_numpy()
    n_firms = np.zeros(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    n_firms[codes] = rarity["n_firms"].to_numpy()
    return n_firms[value] >= 2


def lot_sizes(snapshot) -> pd.Series:
    """Distinct bidders per lot (all bids, valid or not): the denominators of chance co-use.
    Counted on the snapshot's integer codes, once per snapshot."""
    return snapshot.derived("lot_sizes", lambda: _lot_sizes(snapshot))


def _lot_sizes(snapshot) -> pd.Series:
    lot, org = (snapshot.codes("bids", c).astype(np.int64) for c in ("lot_id", "org_id"))
    lots = snapshot.keys("bids", "lot_id")
    listed = lot >= 0
    return pd.Series(_distinct_per_key(lot[listed], org[listed], len(lots)), index=lots.rename("lot_id"))


def _coincidence(u: pd.DataFrame, items: pd.DataFrame, sizes: pd.Series) -> pd.DataFrame:
    """Per value shared on some lot: observed sharing pairs ``co_use``, the chance expectation
    ``co_use_expected`` at the value's frequency, and the Poisson tail ``co_use_p``."""
    shared = items[["kind", "value"]].drop_duplicates()
    uses = u.merge(shared, on=["kind", "value"]).groupby(["kind", "value"]).size().rename("uses")
    pairs = (items["n_bidders"] * (items["n_bidders"] - 1) / 2).groupby([items["kind"], items["value"]]).sum()
    q = uses / max(1, int(sizes.sum()))
    expected = q**2 * float((sizes * (sizes - 1) / 2).sum())
    out = pd.DataFrame({"co_use": pairs, "co_use_expected": expected}).reset_index()
    out["co_use_p"] = poisson.sf(out["co_use"] - 1, out["co_use_expected"].clip(lower=1e-12))
    return out


def _encode(uses: pd.DataFrame, holders: pd.DataFrame, kinds: list[str], uses_rows: np.ndarray | None = None):
    """Integer codes for lot_id, org_id, kind and value (hashing millions of long strings
    again in every group-by and merge is what made this slow at province scale). The value
    code also encodes the kind, so equal strings of two kinds stay apart. ``uses_rows``: when
    every row of ``uses`` is a row of ``holders``, their positions there (the strings are then
    factorised once, not twice). Returns the coded ``uses`` (with ``pos``, its row in
    ``uses``), coded ``holders``, and a decoder."""
    n_kinds = len(kinds)
    kind_code = {k: i for i, k in enumerate(kinds)}
    columns = ["value", "org_id", "kind"]
    if uses_rows is None:
        both = pd.concat([uses[columns], holders[columns]], ignore_index=True)
        uses_rows, holder_rows = np.arange(len(uses)), np.arange(len(uses), len(both))
    else:
        both, holder_rows = holders, np.arange(len(holders))
    value_codes, values = pd.factorize(both["value"].astype(str))
    org_codes, orgs = pd.factorize(both["org_id"].astype(str))
    lot_codes, lots = pd.factorize(uses["lot_id"].astype(str))
    kind_codes = _coded(both["kind"], kind_code)
    value_codes = value_codes.astype(np.int64) * n_kinds + kind_codes
    coded_uses = pd.DataFrame(
        {
            "lot_id": lot_codes,
            "org_id": org_codes[uses_rows],
            "kind": kind_codes[uses_rows],
            "value": value_codes[uses_rows],
            "pos": np.arange(len(uses)),
        }
    )
    coded_holders = pd.DataFrame(
        {"org_id": org_codes[holder_rows], "kind": kind_codes[holder_rows], "value": value_codes[holder_rows]}
    )

    def decode(frame: pd.DataFrame) -> pd.DataFrame:
        # ``take`` of the few rows wanted: the distinct values can be millions of strings
        out = frame.copy()
        out["lot_id"] = lots.take(frame["lot_id"].to_numpy()).to_numpy()
        if "org_id" in frame:
            out["org_id"] = orgs.take(frame["org_id"].to_numpy()).to_numpy()
        out["kind"] = np.asarray(kinds, dtype=object)[frame["kind"].to_numpy()]
        out["value"] = values.take(frame["value"].to_numpy() // n_kinds).to_numpy()
        return out

    return coded_uses, coded_holders, decode


def _coded(column: pd.Series, code: dict[str, int]) -> np.ndarray:
    """``column.map(code)`` as int64, looked up once per distinct value (mapping an Arrow string
    column value by value costs seconds at province scale)."""
    positions, distinct = pd.factorize(column)
    return np.array([code[v] for v in distinct], dtype=np.int64)[positions]


def _items(
    distinct: pd.DataFrame,
    rarity: pd.DataFrame,
    weights: dict[int, float],
    public_from: dict[int, int],
    sizes: pd.Series,
    params: dict,
) -> pd.DataFrame:
    # ``distinct`` (lot, firm, kind, value) rows: a group's size is its number of distinct firms
    first, n_bidders = first_rows(row_key(distinct["lot_id"].to_numpy(), distinct["value"].to_numpy()))
    shared = n_bidders >= 2
    items = distinct.iloc[first[shared]][["lot_id", "kind", "value"]].reset_index(drop=True)
    items["n_bidders"] = n_bidders[shared]
    items = items.merge(rarity, on=["kind", "value"], how="left")
    items["n_firms"] = items["n_firms"].fillna(items["n_bidders"]).astype(int)
    items["rarity"] = items["rarity"].fillna(1.0)
    items = items.merge(_coincidence(distinct, items, sizes), on=["kind", "value"], how="left")
    items["public"] = (
        (items["n_firms"] >= items["kind"].map(public_from)) & (items["co_use_p"] > float(params["coincidence_alpha"]))
    ) | (items["n_firms"] >= int(params["always_public_firms"]))
    items["strength"] = items["kind"].map(weights).astype(float) * items["rarity"]
    items["item"] = np.arange(len(items))
    return items


def _groups(items: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """Group key per item: a component of non-public items, else the item's exact firm set."""
    firm_codes, firms = pd.factorize(links["org_id"], sort=True)
    n_firms, n_items = len(firms), len(items)
    specific = ~items["public"].to_numpy()[links["item"].to_numpy()]
    rows = firm_codes[specific]
    cols = n_firms + links["item"].to_numpy()[specific]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_firms + n_items,) * 2)
    _, label = connected_components(graph, directed=False)
    firm_has_specific = np.zeros(n_firms, bool)
    firm_has_specific[rows] = True
    link_comp = np.where(firm_has_specific[firm_codes], label[firm_codes], -1)
    per_item = pd.DataFrame({"item": links["item"].to_numpy(), "comp": link_comp, "org_id": links["org_id"].to_numpy()})
    agg = per_item.groupby("item").agg(comp_min=("comp", "min"), comp_max=("comp", "max"))
    firm_sets = per_item.sort_values("org_id").astype({"org_id": str}).groupby("item")["org_id"].agg("|".join)
    in_one = (agg["comp_min"] == agg["comp_max"]) & (agg["comp_min"] >= 0)
    key = pd.Series("C" + agg["comp_min"].astype(str), index=agg.index)
    key[~in_one] = "P" + firm_sets[~in_one]
    return key.reindex(items["item"]).to_numpy()


def shared_value_findings(
    detector: str,
    uses: pd.DataFrame,
    holders: pd.DataFrame,
    sizes: pd.Series,
    kinds: list[Kind],
    params: dict,
    draw: Callable[[pd.DataFrame], tuple[list[str], list[list[str]], dict]],
    what: tuple[str, str],
    law: tuple[str, str] | None = None,
) -> list[Finding]:
    """Findings for groups of competing bidders that share values.

    Parameters
    ----------
    detector : the detector id written on each finding.
    uses, holders : see the module docstring.
    sizes : distinct bidders per lot (:func:`lot_sizes`).
    kinds : the kinds that may appear in ``uses``; ``params["weight_<kind>"]`` is the weight of each.
    params : needs ``public_min_firms``, ``coincidence_alpha``, ``always_public_firms``,
        ``public_cap``, ``public_min_lots``, ``min_score``, and ``service_min_firms`` when a
        kind is a ``service``.
    draw : given the ``uses`` rows (as records) of one group's items, returns graph ``nodes``,
        ``edges`` and extra evidence facts (for example readable paths).
    what : how the shared things are called, ``(zh, en)``, e.g. ``("上传设备", "upload devices")``.
    law : the provision that makes the shared values collusion, ``(zh, en)``, cited in the rule
        and the explanation (and as ``law`` in the evidence).

    Returns
    -------
    list of Finding, highest score first, ties by firm ids.
    """
    by_name = {k.name: k for k in kinds}
    weights = {k.name: float(params[f"weight_{k.name}"]) for k in kinds}
    public_min_firms = int(params["public_min_firms"])
    public_cap = float(params["public_cap"])
    own_holders = holders is uses  # values of bids: the uses are their own holders
    holders = holders.dropna(subset=["org_id", "value"])
    if own_holders:
        kept = holders["lot_id"].notna() & (holders["value"].astype(str).str.strip() != "")
        uses_rows = np.flatnonzero(kept.to_numpy())
        uses = holders[kept].reset_index(drop=True)
    else:
        uses = uses.dropna(subset=["lot_id", "org_id", "value"])
        uses = uses[uses["value"].astype(str).str.strip() != ""].reset_index(drop=True)
        uses_rows = None
    if uses.empty:
        return []
    coded, coded_holders, decode = _encode(uses, holders, [k.name for k in kinds], uses_rows)
    code_weights = {i: weights[k.name] for i, k in enumerate(kinds)}
    public_from = {i: int(params["service_min_firms"]) if k.service else public_min_firms for i, k in enumerate(kinds)}
    rarity = _rarity(coded_holders, public_min_firms)
    if own_holders:  # a value of one firm is never shared: its uses (most of them) leave before the grouping
        coded = coded[_held_by_several(coded["value"].to_numpy(), rarity)]
    first, _ = first_rows(row_key(*(coded[c].to_numpy() for c in ("lot_id", "org_id", "value"))))
    distinct = coded.iloc[first][["lot_id", "org_id", "kind", "value"]]
    items = _items(distinct, rarity, code_weights, public_from, sizes, params)
    if items.empty:
        return []
    links = distinct.merge(items[["lot_id", "kind", "value", "item"]], on=["lot_id", "kind", "value"])
    items["group"] = _groups(items, links)
    per_lot = (
        items.assign(S=items["strength"].where(~items["public"], 0.0), P=items["strength"].where(items["public"], 0.0))
        .groupby(["group", "lot_id"])[["S", "P"]]
        .max()
    )
    scores = 1 - (1 - per_lot).groupby(level="group").prod()
    scores["lots"] = per_lot.groupby(level="group").size()
    scores["score"] = 1 - (1 - scores["S"]) * (1 - scores["P"].clip(upper=public_cap))
    keep = scores.index[
        (scores["score"] >= float(params["min_score"]))
        & ((scores["S"] > 0) | (scores["lots"] >= int(params["public_min_lots"])))
    ]
    items = items[items["group"].isin(keep)]
    links = links.merge(items[["item", "group"]], on="item")
    rows = coded.merge(links[["lot_id", "kind", "value", "group"]].drop_duplicates(), on=["lot_id", "kind", "value"])
    detail = uses.iloc[rows["pos"].to_numpy()].assign(group=rows["group"].to_numpy())
    item_groups, link_groups, detail_groups = _bucket(decode(items)), _bucket(decode(links)), _bucket(detail)
    findings = [
        _finding(
            detector,
            item_groups[g],
            link_groups[g],
            detail_groups[g],
            scores.loc[g],
            by_name,
            weights,
            public_min_firms,
            public_cap,
            params,
            draw,
            what,
            law,
        )
        for g in sorted(item_groups)
    ]
    findings.sort(key=lambda f: (-f.score, [e.id for e in f.entities]))
    return findings


def _bucket(frame: pd.DataFrame) -> dict[str, list[dict]]:
    """Rows as records, by ``group`` (the few rows of reported groups: plain Python is faster
    than pandas on such small pieces)."""
    out: dict[str, list[dict]] = {}
    for rec in frame.to_dict("records"):
        out.setdefault(rec["group"], []).append(rec)
    return out


def _shared_values(items: list[dict], links: list[dict]) -> list[dict]:
    """One entry per shared value of a group, strongest non-public first."""
    per_value: dict[tuple, dict] = {}
    for r in items:
        v = per_value.setdefault((r["kind"], r["value"]), {"rec": r, "lots": set(), "firms": set()})
        v["lots"].add(r["lot_id"])
    for r in links:
        per_value[(r["kind"], r["value"])]["firms"].add(r["org_id"])
    shared = []
    for (kind, value), v in per_value.items():
        r = v["rec"]
        shared.append(
            {
                "kind": kind,
                "value": str(value),
                "firms": sorted(v["firms"]),
                "lots": sorted(v["lots"]),
                "firms_holding_value": int(r["n_firms"]),
                "rarity": round(float(r["rarity"]), 4),
                "public": bool(r["public"]),
                "strength": round(float(r["strength"]), 4),
                "co_use_pairs": int(r["co_use"]),
                "co_use_expected": round(float(r["co_use_expected"]), 4),
                "co_use_p": float(r["co_use_p"]),
            }
        )
    return sorted(shared, key=lambda v: (v["public"], -v["strength"], v["kind"], v["value"]))


def _finding(
    detector, items, links, uses, s, by_name, weights, public_min_firms, public_cap, params, draw, what, law
) -> Finding:
    firms = sorted({r["org_id"] for r in links})
    lots = sorted({r["lot_id"] for r in items})
    shared = _shared_values(items, links)
    nodes, edges, extra = draw(uses)
    nodes = sorted(set(nodes) | {uid("Organization", f) for f in firms} | {uid("Lot", l) for l in lots})
    entities = [Entity("company", f, "member") for f in firms]
    for v in shared:
        kind = by_name[v["kind"]]
        if kind.entity:
            entities.append(Entity(kind.entity, v["value"], "shared"))
    entities += [Entity("lot", l, "context") for l in lots]
    only_public = all(v["public"] for v in shared)
    desc_en = "; ".join(
        f"{by_name[v['kind']].en} {v['value']} on {len(v['lots'])} lot(s), held by "
        f"{v['firms_holding_value']} firm(s) in all, rarity {v['rarity']:.2f}, same-lot sharing "
        f"{v['co_use_pairs']} pair(s) vs {v['co_use_expected']:.2g} by chance"
        f"{' (public)' if v['public'] else ''}"
        for v in shared[:5]
    )
    desc_zh = "；".join(
        f"{by_name[v['kind']].zh}{v['value']}：{len(v['lots'])}个标段，全库共{v['firms_holding_value']}家"
        f"单位使用，稀有度{v['rarity']:.2f}，同标段共用{v['co_use_pairs']}对（随机预期{v['co_use_expected']:.2g}）"
        f"{'（公共）' if v['public'] else ''}"
        for v in shared[:5]
    )
    more_en = f"; and {len(shared) - 5} more value(s)" if len(shared) > 5 else ""
    more_zh = f"；另有{len(shared) - 5}个值" if len(shared) > 5 else ""
    firm_list, lot_list = ", ".join(firms[:8]), ", ".join(lots[:8])
    more_firms = f" (+{len(firms) - 8})" if len(firms) > 8 else ""
    more_lots = f" (+{len(lots) - 8})" if len(lots) > 8 else ""
    score = float(s["score"])
    services = any(k.service for k in by_name.values())
    service = (
        (
            f"（单位登记的电话、邮箱、地址被≥{params['service_min_firms']}家单位使用且同标段共用不超出随机水平的，"
            "视为商务秘书托管或注册代理等共享服务）",
            f" (an organization's registered phone, e-mail or address used by >= {params['service_min_firms']} "
            "firms with same-lot sharing within chance is a shared service: a serviced office or registration agent)",
        )
        if services
        else ("", "")
    )
    explanation = bilingual(
        f"{len(firms)}家投标人（{firm_list}{more_firms}）在{len(lots)}个相同标段（{lot_list}{more_lots}）中共用"
        f"{what[0]}：{desc_zh}{more_zh}。稀有度按全库使用该值的单位数计算（ln(N/k)/ln(N/2)），"
        f"被≥{public_min_firms}家单位使用且同标段共用不超出随机水平（p>{params['coincidence_alpha']}）、或被"
        f"≥{params['always_public_firms']}家单位使用的值视为公共地址或通用值{service[0]}，仅凭公共值得分不超过{public_cap:.2f}。"
        f"非公共证据{float(s['S']):.2f}，公共证据{float(s['P']):.2f}（各标段取最强值后按标段合并），得分{score:.2f}"
        f"{'（仅有公共值，证据弱）' if only_public else ''}。",
        f"{len(firms)} bidders ({firm_list}{more_firms}) shared {what[1]} on {len(lots)} common lot(s) "
        f"({lot_list}{more_lots}): {desc_en}{more_en}. Rarity weighs each value by how many firms use it "
        f"in the whole data (ln(N/k)/ln(N/2)); a value used by >= {public_min_firms} firms whose same-lot "
        f"sharing is within chance (p > {params['coincidence_alpha']}), or by >= {params['always_public_firms']} "
        f"firms, counts as public or generic{service[1]} and alone can give at most {public_cap:.2f}. Non-public evidence "
        f"{float(s['S']):.2f}, public evidence {float(s['P']):.2f} (noisy-OR over lots of the strongest value per "
        f"lot), score {score:.2f}"
        f"{' (public values only: weak)' if only_public else ''}.",
    )
    if law:
        explanation = bilingual(f"{explanation['zh']}依据：{law[0]}", f"{explanation['en']} Law: {law[1]}")
    top = shared[0]
    summary = (
        f"{len(firms)} bidders shared {by_name[top['kind']].en} {top['value']}"
        f"{f' and {len(shared) - 1} other value(s)' if len(shared) > 1 else ''} on {len(lots)} common lot(s)"
        f"{' (public values only)' if only_public else ''}: {', '.join(firms[:5])}{more_firms if len(firms) > 5 else ''}"
    )
    evidence = {
        "rule": bilingual(
            f"同一标段的不同投标人共用{what[0]}（按值的稀有度加权）。{law[0] if law else ''}",
            f"Different bidders on the same lot share {what[1]} (weighted by how rare the value is)."
            f"{' ' + law[1] if law else ''}",
        ),
        **({"law": bilingual(*law)} if law else {}),
        "explanation": explanation,
        "measured": {
            "firms": len(firms),
            "lots": len(lots),
            "shared_values": len(shared),
            "shared_items": int(len(items)),
            "specific_evidence": round(float(s["S"]), 4),
            "public_evidence": round(float(s["P"]), 4),
            "only_public": only_public,
        },
        "thresholds": {
            "public_min_firms": public_min_firms,
            "public_cap": public_cap,
            "coincidence_alpha": float(params["coincidence_alpha"]),
            "always_public_firms": int(params["always_public_firms"]),
            "public_min_lots": int(params["public_min_lots"]),
            **({"service_min_firms": int(params["service_min_firms"])} if services else {}),
            "min_score": float(params["min_score"]),
            **{f"weight_{k}": w for k, w in sorted(weights.items())},
        },
        "nodes": nodes,
        "edges": sorted(edges),
        "shared_values": shared,
        "firms": firms,
        "lots": lots,
        **extra,
    }
    return Finding(detector, score, entities, summary, evidence)


def bid_uses(snapshot, table: str, kinds: list[Kind]) -> pd.DataFrame:
    """Long ``uses`` from a per-bid table (bid_uploads, bid_documents): one row per bid and
    kind with a value, with the bid's ``lot_id`` and ``org_id`` (invalid bids included)."""
    rows = snapshot[table]
    parts, row_of = [], []
    for k in kinds:
        if k.name in rows and len(rows):
            part = rows[["bid_id", k.name]].rename(columns={k.name: "value"}).dropna(subset=["value"])
            parts.append(part.assign(kind=k.name))
            row_of.append(np.flatnonzero(rows[k.name].notna().to_numpy()))
    if not parts:
        return pd.DataFrame(columns=["bid_id", "value", "kind", "lot_id", "org_id"])
    long = pd.concat(parts, ignore_index=True)
    long["value"] = long["value"].astype(str)
    # the bids joined on integer codes (a merge on the bid id strings costs seconds at province scale)
    bid = snapshot.rows("bids", "bid_id")[snapshot.codes(table, "bid_id", ("bids", "bid_id"))[np.concatenate(row_of)]]
    long = long[bid >= 0].reset_index(drop=True)
    bid = bid[bid >= 0]
    bids = snapshot["bids"]
    return long.assign(lot_id=bids["lot_id"].array.take(bid), org_id=bids["org_id"].array.take(bid))


def bid_value_findings(
    detector: str,
    snapshot,
    uses: pd.DataFrame,
    kinds: list[Kind],
    params: dict,
    what: tuple[str, str],
    law: tuple[str, str] | None = None,
) -> list[Finding]:
    """:func:`shared_value_findings` for values that belong to bids (``uses`` from :func:`bid_uses`,
    which are their own ``holders``), each drawn as a node linked to its bid as the schema links
    it (:func:`trace_node`; kinds without a node label are not drawn)."""
    draw = _draw_bid_values(kinds)
    return shared_value_findings(detector, uses, uses, lot_sizes(snapshot), kinds, params, draw, what, law)


def _draw_bid_values(kinds: list[Kind]) -> Callable:
    """A ``draw`` for per-bid values: Organization-SUBMITTED->Bid-FOR_LOT->Lot and
    Bid-<edge type of the kind>->value node."""
    by_name = {k.name: k for k in kinds}

    def draw(uses: list[dict]):
        nodes, edges = set(), set()
        bids: dict[tuple[str, str, str], set[str]] = {}
        for r in uses:
            bid, org = uid("Bid", r["bid_id"]), uid("Organization", r["org_id"])
            nodes |= {bid, org}
            edges |= {(org, "SUBMITTED", bid), (bid, "FOR_LOT", uid("Lot", r["lot_id"]))}
            kind = by_name[r["kind"]]
            if kind.label:
                value = uid(kind.label, r["value"])
                nodes.add(value)
                edges.add((bid, trace_node(r["kind"])[1], value))
            bids.setdefault((r["lot_id"], r["kind"], str(r["value"])), set()).add(r["bid_id"])
        return (
            sorted(nodes),
            [list(e) for e in sorted(edges)],
            {
                "bids": [
                    {"lot": lot, "kind": kind, "value": value, "bids": sorted(b)}
                    for (lot, kind, value), b in sorted(bids.items())
                ]
            },
        )

    return draw
