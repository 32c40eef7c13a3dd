"""bid_ring — groups of firms that meet far more often than their market explains and behave
as one (围标串标).

Rule: build the co-bidding graph of firm pairs, weighted by how surprising their meetings are
under a null model (random entry into the lots of the same region and category, see
``cobidding``); find its communities with Leiden (seeded); add the firms that bid on a
community's lots far more often than their entry rate predicts (a busy member meets each single
member too rarely to stand out, but not the group). Also take as candidates the groups of firms
that meet on lots and are tied by rare traces (an upload IP, MAC, hardware id, document, person
or contact held by fewer than ``public_min_firms`` firms; ``trace_groups``): inside a specialty's
small qualified pool everyone meets everyone, so a ring there is not surprising by its meetings.
Such a group is judged on the lots where its members' bids carry a shared upload or document
value (when there are ``min_lots`` of them), its link is the share of member pairs tied by a
trace, and it must show a price signal: the traces seed it, they do not prove it. Then judge
each group on how it behaves on the lots where its members meet:

- rotation: members win those lots, and the wins are spread among them (taking turns);
- cover bids: the losing members price close to each other and to the winner, far closer
  than two bidders in that market usually do;
- few outsiders: on those lots most bids come from members;
- high prices: the winning price sits nearer the ceiling than the market's usual winning price;
- traces: members share an upload IP, MAC, hardware id, document fingerprint, person, phone,
  email or address.

A group that meets beyond chance but whose prices show real competition (member prices as far
apart as the market's, winning prices no nearer the ceiling than the market's: both price
signals below ``min_price_signal``) and that shares no trace is not reported: meeting often is
what a cartel needs, not what proves one.

Why it is a red flag: a cartel must meet (it needs its members on the same lots to allocate
them), takes turns so that each member wins its share, fills the lot with complementary bids
placed just above the designated winner, and raises the price. A small county whose few firms
always meet is explained by the null model (they are all there is), and its spread prices and
outsider wins show real competition, so it is not called a ring.

Sources: OECD, *Guidelines for Fighting Bid Rigging in Public Procurement* (2009/2025: bid
rotation, cover bidding, market allocation); Imhof, Huber & Wallimann, coalition-based screens
(the variance and spread of the bids in the subgroups of bidders that meet); Conley & Decarolis
(2016), detecting coordinated entry from who bids with whom; the 围标串标 screening rules of
Chinese public-resource trading platforms (《招标投标法实施条例》第三十九、四十条).
"""

from __future__ import annotations

from typing import Any

import igraph as ig
import leidenalg
import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.cobidding import (
    LN10,
    CoBidding,
    cobidding,
    expected_entries,
    pair_price_ties,
    shared_values,
    trace_graph,
    traced_lots,
)
from bidgraph.graph.snapshot import Snapshot

__all__ = ["DEFAULTS", "DETECTOR", "detect", "communities", "attach_members", "trace_groups"]

DEFAULTS = {
    "min_cobids": 3,  # a pair must meet on at least this many lots to be an edge of the co-bidding graph
    "min_surprise": 4.0,  # edge: -log10 P(meetings >= observed) under the same-region-and-category null model
    "min_lift": 2.0,  # edge: observed meetings / expected meetings
    "max_edge_surprise": 30.0,  # edge weight cap, so one huge pair does not swallow its neighbours in Leiden
    "resolution": 1.0,  # Leiden (RB configuration) resolution: higher splits groups finer
    "min_member_ties": 2,  # a community member must have this many edges inside it to stay (pairs need 1)
    "attach_surprise": 2.5,  # a firm joins a group when -log10 P(its presence on the group's lots) under its entry rate reaches this
    "attach_rounds": 3,  # joining is repeated as the group's lots grow, at most this many times
    "min_members": 3,  # smallest group reported as a ring (pairs are hidden_link's job)
    "min_lots": 4,  # lots on which at least two members meet, fewest for a ring
    "public_min_firms": 8,  # a trace value (IP, MAC, phone...) held by this many firms is public and ties nobody
    "surprise_scale": 10.0,  # structure factor = 1 - exp(-sum of the member pairs' surprises / this)
    "min_price_signal": 0.25,  # without a shared trace, a group needs cover (1 - member price gap / market spread) or elevation at least this
    "min_score": 0.3,  # groups scoring below this are not reported
    # Behaviour = weighted mean of five signals in [0, 1]; score = structure factor x behaviour.
    "weights": {"rotation": 1.0, "cover": 1.0, "exclusive": 1.0, "elevation": 0.5, "trace": 0.5},
}

DETECTOR = ModuleDetector("bid_ring", rule_version="2", defaults=DEFAULTS, module=__name__)


def detect(snapshot: Snapshot, params: dict, seed: int) -> list[Finding]:
    """One finding per suspected ring: members, the lots where they meet, the rotation."""
    co = cobidding(snapshot, min_cobids=int(params["min_cobids"]))
    if co.pairs.empty:
        return []
    groups = [attach_members(co, g, params) for g in communities(co, params, seed)]
    paired = np.union1d(co.pairs["a"], co.pairs["b"])
    traces = shared_values(snapshot, int(params["public_min_firms"]) - 1, orgs=co.firms[paired])
    seeded = [(g, False) for g in groups] + [(g, True) for g in trace_groups(co, traces, groups, params)]
    if not seeded:
        return []
    members_all = np.concatenate([g for g, _ in seeded])
    inside = co.pairs[co.pairs["a"].isin(members_all) & co.pairs["b"].isin(members_all)]
    ties = pair_price_ties(snapshot, co, inside)
    market_win_ratio = _market_win_ratio(co)
    findings = []
    on_group_lots = co.bids["lot"][co.bids["firm"].isin(members_all)].unique()
    # the columns the groups are judged and shown on, ids as their codes (co.lots, co.firms): copying
    # the rest, or the id strings, for every group costs seconds
    shown = ["lot", "opened_on", "firm", "is_winner", "price", "ceiling_price", "market"]
    bids = co.bids.loc[co.bids["lot"].isin(on_group_lots), shown]
    for members, by_traces in seeded:
        lots, group_ties = _lots_and_ties(snapshot, co, members, inside, ties, traces, by_traces, params)
        f = _judge(co, bids, members, lots, inside, group_ties, traces, market_win_ratio, params, by_traces)
        if f is not None:
            findings.append(f)
    findings.sort(key=lambda f: (-f.score, [e.id for e in f.entities]))
    return findings


def communities(co: CoBidding, params: dict, seed: int) -> list[np.ndarray]:
    """Leiden communities (firm codes, sorted) of the surprise-weighted co-bidding graph.

    Only pairs with ``surprise >= min_surprise`` and ``lift >= min_lift`` are edges; each
    community keeps the members tied to at least ``min_member_ties`` others in it, and only
    groups of ``min_members`` or more are returned.
    """
    p = co.pairs
    strong = p[(p["surprise"] >= params["min_surprise"]) & (p["lift"] >= params["min_lift"])]
    if strong.empty:
        return []
    nodes, edge_codes = np.unique(np.concatenate([strong["a"], strong["b"]]), return_inverse=True)
    edges = edge_codes.reshape(2, -1).T
    graph = ig.Graph(n=len(nodes), edges=edges.tolist())
    weights = np.minimum(strong["surprise"].to_numpy(), params["max_edge_surprise"])
    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights=list(weights),
        resolution_parameter=float(params["resolution"]),
        seed=int(seed),
        n_iterations=-1,
    )
    membership = np.asarray(partition.membership)
    same = membership[edges[:, 0]] == membership[edges[:, 1]]
    groups = []
    for c in np.unique(membership):
        idx = np.flatnonzero(membership == c)
        inner = edges[same & (membership[edges[:, 0]] == c)]
        degree = np.bincount(inner.ravel(), minlength=len(nodes))[idx]
        idx = idx[degree >= params["min_member_ties"]]
        if len(idx) >= params["min_members"]:
            groups.append(np.sort(nodes[idx]))
    return sorted(groups, key=lambda g: tuple(g))


def attach_members(co: CoBidding, core: np.ndarray, params: dict) -> np.ndarray:
    """The core group plus every firm that bids on the core's lots far more often than its entry
    rate predicts.

    The group's lots are those where two or more of its members bid. A firm there on ``x`` of
    them would, entering as it does elsewhere in those markets, be there ``e`` times; it joins
    when ``x >= min_cobids`` and ``-log10 P(X >= x) >= attach_surprise`` for
    ``X ~ Poisson(e)``. Repeated (at most ``attach_rounds`` times) as the group's lots grow; core
    members always stay. This recovers a busy member whose meetings with each single member
    are too few to stand out.
    """
    group = core
    for _ in range(params["attach_rounds"]):
        lots = _lots_met(co, group)
        x = np.asarray(co.incidence[lots].sum(axis=0)).ravel()
        expected = expected_entries(co, lots)
        cand = np.flatnonzero(x >= params["min_cobids"])
        surprise = -stats.poisson.logsf(x[cand] - 1, np.maximum(expected[cand], 1e-9)) / LN10
        grown = np.union1d(core, cand[surprise >= params["attach_surprise"]])
        if np.array_equal(grown, group):
            break
        group = grown
    return group


def trace_groups(co: CoBidding, traces: pd.DataFrame, groups: list[np.ndarray], params: dict) -> list[np.ndarray]:
    """Groups (firm codes, sorted) of firms tied by rare traces that also meet on lots.

    The edges are the pairs that met on ``min_cobids`` lots or more and share a trace held by
    fewer than ``public_min_firms`` firms; a connected component of ``min_members`` or more that
    no co-bidding group already holds is a candidate. This finds a ring whose meetings chance
    explains (inside a specialty's small qualified pool everyone meets everyone), which
    co-bidding alone cannot single out; it is then judged on its behaviour, never on its traces
    alone.
    """
    code = pd.Series(np.arange(len(co.firms)), index=pd.Index(co.firms))
    tied = traces[["org_a", "org_b"]].drop_duplicates()
    tied = pd.DataFrame({"a": code.reindex(tied["org_a"]).to_numpy(), "b": code.reindex(tied["org_b"]).to_numpy()})
    tied = tied.dropna().astype(int)
    tied = pd.DataFrame({"a": tied.min(axis=1), "b": tied.max(axis=1)}).merge(co.pairs[["a", "b"]], on=["a", "b"])
    if tied.empty:
        return []
    n = len(co.firms)
    graph = sparse.coo_matrix((np.ones(len(tied)), (tied["a"], tied["b"])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    held = [set(g.tolist()) for g in groups]
    out = []
    for c in np.unique(label[tied["a"]]):
        members = np.flatnonzero(label == c)
        if len(members) >= params["min_members"] and not any(set(members.tolist()) <= h for h in held):
            out.append(members)
    return sorted(out, key=lambda g: tuple(g))


def _lots_and_ties(snapshot, co, members, inside, ties, traces, by_traces, params):
    """The lots a group is judged on, and its pairs' price ties there: where two or more members
    meet; for a group seeded by traces, the lots where members' bids carry a shared upload or
    document value, when there are ``min_lots`` of them (a ring inside a small qualified pool
    meets on every lot of it, but rigs only those it prepares together)."""
    lots = _lots_met(co, members)
    if by_traces:
        orgs = co.firms[members]
        marked = traced_lots(snapshot, co, traces[traces["org_a"].isin(orgs) & traces["org_b"].isin(orgs)])
        if len(marked) >= params["min_lots"]:
            sel = inside[inside["a"].isin(members) & inside["b"].isin(members)]
            return marked, pair_price_ties(snapshot, co, sel, marked)
    return lots, ties


def _lots_met(co: CoBidding, members: np.ndarray) -> np.ndarray:
    """Lot codes where two or more of ``members`` (firm codes) bid: a product with the members'
    indicator (slicing the lots x firms matrix by columns, once per group and round, cost seconds)."""
    chosen = np.zeros(len(co.firms), dtype=np.float32)
    chosen[members] = 1
    return np.flatnonzero(co.incidence @ chosen >= 2)


def _market_win_ratio(co: CoBidding) -> pd.Series:
    """Per market, the median winning price / ceiling."""
    w = co.bids.loc[co.bids["is_winner"] & (co.bids["ceiling_price"] > 0), ["price", "ceiling_price", "market"]]
    return (w["price"] / w["ceiling_price"]).groupby(w["market"]).median()


def _judge(co, group_bids, members, ring_lots, pairs, ties, traces, market_win_ratio, params, by_traces):
    m = len(members)
    if len(ring_lots) < params["min_lots"]:
        return None
    bids = group_bids[group_bids["lot"].isin(ring_lots)]
    is_member = bids["firm"].isin(members)
    outsider_share = float(1 - is_member.mean())
    wins = bids[bids["is_winner"]]
    member_wins = wins[wins["firm"].isin(members)]
    member_win_share = len(member_wins["lot"].unique()) / len(ring_lots)
    counts = member_wins["firm"].value_counts().reindex(members, fill_value=0).to_numpy()
    p = counts / max(counts.sum(), 1)
    evenness = float(-(p[p > 0] * np.log(p[p > 0])).sum() / np.log(m)) if counts.sum() else 0.0
    rotation = member_win_share * evenness

    sel = pairs[pairs["a"].isin(members) & pairs["b"].isin(members)]
    member_ties = ties.merge(sel[["a", "b"]], on=["a", "b"])
    closeness = float(member_ties["closeness"].median()) if len(member_ties) else np.nan
    cover = float(np.clip(1 - closeness, 0, 1)) if np.isfinite(closeness) else 0.0

    ratio = (member_wins["price"] / member_wins["ceiling_price"]).dropna()
    win_ratio = float(ratio.median()) if len(ratio) else np.nan
    market_ratio = float(market_win_ratio.reindex(member_wins["market"]).median()) if len(member_wins) else np.nan
    elevation = (
        float(np.clip((win_ratio - market_ratio) / max(1 - market_ratio, 1e-6), 0, 1))
        if np.isfinite(win_ratio) and np.isfinite(market_ratio)
        else 0.0
    )

    orgs = co.firms[members]
    member_traces = traces[traces["org_a"].isin(orgs) & traces["org_b"].isin(orgs)]
    tied_pairs = len(member_traces[["org_a", "org_b"]].drop_duplicates())
    trace = min(1.0, tied_pairs / max(m - 1, 1))

    if max(cover, elevation) < params["min_price_signal"] and (tied_pairs == 0 or by_traces):
        return None  # prices show real competition, and nothing else (or only the traces that seeded it) ties them
    mean_surprise = float(sel["surprise"].mean())
    total_surprise = float(sel["surprise"].sum())  # the group's evidence against chance adds up over its pairs
    structure = 1 - np.exp(-total_surprise / params["surprise_scale"])
    if by_traces:  # met as chance predicts: the link is the share of member pairs tied by a rare trace
        structure = max(structure, tied_pairs / (m * (m - 1) / 2))
    w = params["weights"]
    behaviour = (
        w["rotation"] * rotation
        + w["cover"] * cover
        + w["exclusive"] * (1 - outsider_share)
        + w["elevation"] * elevation
        + w["trace"] * trace
    ) / sum(w.values())
    score = float(structure * behaviour)
    if score < params["min_score"]:
        return None
    return _finding(
        co,
        members,
        ring_lots,
        bids,
        member_traces,
        score,
        {
            "members": m,
            "ring_lots": len(ring_lots),
            "mean_pair_surprise": round(mean_surprise, 2),
            "total_pair_surprise": round(total_surprise, 1),
            "mean_pair_cobids": round(float(sel["cobids"].mean()), 2),
            "mean_pair_expected": round(float(sel["expected"].mean()), 2),
            "member_win_share": round(member_win_share, 3),
            "win_evenness": round(evenness, 3),
            "outsider_share": round(outsider_share, 3),
            "price_closeness": round(closeness, 3) if np.isfinite(closeness) else None,
            "win_to_ceiling": round(win_ratio, 4) if np.isfinite(win_ratio) else None,
            "market_win_to_ceiling": round(market_ratio, 4) if np.isfinite(market_ratio) else None,
            "traced_pairs": tied_pairs,
            "seeded_by": "traces" if by_traces else "cobidding",
            "structure": round(float(structure), 3),
            "behaviour": round(float(behaviour), 3),
        },
        params,
    )


def _finding(co, members, ring_lots, bids, member_traces, score, measured, params) -> Finding:
    orgs = [str(o) for o in co.firms[members]]
    # codes sort as the ids do
    lots = bids.drop_duplicates("lot").sort_values(["opened_on", "lot"], na_position="last")[["lot", "opened_on"]]
    winners = bids[bids["is_winner"]].drop_duplicates("lot").set_index("lot")["firm"]
    lots = lots.join(winners, on="lot")
    on_lot = bids[bids["firm"].isin(members)].sort_values("firm").groupby("lot")["firm"].agg(list)
    member_set = set(members.tolist())
    rotation: list[dict[str, Any]] = [
        {
            "lot_id": str(co.lots[lot]),
            "opened_on": None if pd.isna(opened) else str(pd.Timestamp(opened).date()),
            "winner": None if pd.isna(firm) else str(co.firms[int(firm)]),
            "winner_is_member": not pd.isna(firm) and int(firm) in member_set,
            "members_bidding": [str(o) for o in co.firms[on_lot.get(lot, [])]],
        }
        for lot, opened, firm in zip(lots["lot"], lots["opened_on"], lots["firm"])
    ]
    trace_nodes, trace_edges = trace_graph(member_traces)
    nodes = sorted(
        {uid("Organization", o) for o in orgs} | {uid("Lot", r["lot_id"]) for r in rotation} | set(trace_nodes)
    )
    edges = [
        [uid("Organization", r["winner"]), "WON", uid("Lot", r["lot_id"])] for r in rotation if r["winner_is_member"]
    ]
    edges += trace_edges
    shared = [
        {"org_a": t.org_a, "org_b": t.org_b, "kind": t.kind, "value": t.value}
        for t in member_traces.itertuples(index=False)
    ]
    mm = measured
    zh = (
        f"{mm['members']}家企业在{mm['ring_lots']}个标段相遇，成员两两平均同场{mm['mean_pair_cobids']}次，"
        f"按同地区同类别随机投标仅应{mm['mean_pair_expected']}次（平均意外度{mm['mean_pair_surprise']}，阈值{params['min_surprise']}；"
        f"合计{mm['total_pair_surprise']}）；"
        f"成员中标占{mm['member_win_share']:.0%}，轮流均匀度{mm['win_evenness']:.2f}，外部投标人占{mm['outsider_share']:.0%}，"
        f"成员报价差为市场常见差的{mm['price_closeness']}倍，中标价/最高限价{mm['win_to_ceiling']}（市场{mm['market_win_to_ceiling']}），"
        f"共享痕迹的成员对{mm['traced_pairs']}个。"
    )
    en = (
        f"{mm['members']} firms meet on {mm['ring_lots']} lots; member pairs met {mm['mean_pair_cobids']} times on "
        f"average where random entry into the same region and category predicts {mm['mean_pair_expected']} "
        f"(mean surprise {mm['mean_pair_surprise']}, threshold {params['min_surprise']}; total "
        f"{mm['total_pair_surprise']}); members won "
        f"{mm['member_win_share']:.0%} of those lots with win evenness {mm['win_evenness']:.2f}, outsiders placed "
        f"{mm['outsider_share']:.0%} of the bids, member prices differ by {mm['price_closeness']} times the market's "
        f"usual spread, winning price / ceiling {mm['win_to_ceiling']} (market {mm['market_win_to_ceiling']}), "
        f"{mm['traced_pairs']} member pairs share a trace."
    )
    entities = [Entity("company", o, "member") for o in orgs] + [
        Entity("lot", r["lot_id"], "context") for r in rotation
    ]
    return Finding(
        DETECTOR.id,
        score,
        entities,
        f"Suspected bid ring of {len(orgs)} firms ({', '.join(orgs)}) meeting on {len(rotation)} lots",
        {
            "rule": bilingual(
                "成员同场次数远超市场随机预期且轮流中标、陪标紧贴、外部竞争少、价格贴近限价的企业群体",
                "A group of firms that meet far more often than random entry into their market "
                "predicts and bid as one: rotating wins, cover bids close together, few "
                "outsiders, prices near the ceiling",
            ),
            "explanation": bilingual(zh, en),
            "measured": measured,
            "thresholds": {
                k: params[k]
                for k in ("min_surprise", "min_lift", "min_members", "min_lots", "min_price_signal", "min_score")
            },
            "nodes": nodes,
            "edges": edges,
            "members": orgs,
            "lots": [r["lot_id"] for r in rotation],
            "rotation": rotation,
            "shared_traces": shared,
        },
    )
