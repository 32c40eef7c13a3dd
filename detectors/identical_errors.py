"""identical_errors: competing bids whose documents are near-duplicates or share the same unusual text (错误雷同).

Rule
----
Each bid's document becomes a set of shingles: the ``shingle_chars``-character shingles of its
text (``bid_texts``, sections joined, white space folded, the persons it names as compiler or
project manager left out: those are ``statutory_presumption``'s), or the shingles the platform
exported (``bid_shingles``). A shingle weighs its inverse document frequency over all bids,
``log(boilerplate_share * bids / bids holding it)`` floored at 0 and capped at ``idf_cap``, so
a clause in ``boilerplate_share`` of the bids or more (the model text, the tender's forms)
weighs nothing, and each bidder's own names weigh no more than ordinary text;
a shingle in every bid of a lot of three or more, or in every bid of two lots or more (the
tender's own words or a clause the tenderer makes every bidder copy), does not count on those
lots. Candidate pairs of bids on the same lot come from MinHash signatures with
LSH banding (``num_perm`` functions in ``lsh_bands`` bands) over what is left, and from the
shingles held by at most ``rare_max_bids`` bids; each candidate is then measured exactly:
``near_duplicate`` — the IDF-weighted Jaccard similarity is at least ``min_similarity``;
``shared_errors`` — the two share at least ``min_rare_shared`` rare shingles (the same
misspelling, the same wrong figure, the same odd phrase; independent writers do not repeat
each other's mistakes).

Sources: 《招标投标法实施条例》第四十条第（四）项 "不同投标人的投标文件异常一致" (documents of different
bidders abnormally alike are deemed collusion; alike because one hand wrote them, 第（一）项);
the pilot city's model of identical errors (错误雷同性); OECD Guidelines for Fighting Bid Rigging
in Public Procurement (2009): "identical calculations or spelling errors" among the signs.

Scores: near_duplicate ``0.5 + 0.5 * similarity``; shared_errors ``0.5 + 0.4 * min(1, rare
shared / (3 * min_rare_shared))``.
"""

from __future__ import annotations

import itertools
import re
from operator import itemgetter
from typing import NamedTuple

import numpy as np
import pandas as pd

from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.bid_text import NAMED_PERSON
from bidgraph.detectors.stats.codes import first_rows, row_key, sorted_string_codes
from bidgraph.detectors.stats.minhash import lsh_candidate_pairs, minhash_signatures
from bidgraph.detectors.stats.warning import bid_graph, warning
from bidgraph.graph.snapshot import positions

__all__ = ["DEFAULTS", "DETECTOR", "ShingleSets", "bid_shingle_sets", "detect"]

DEFAULTS = {
    "shingle_chars": 8,  # characters per shingle of bid_texts
    "boilerplate_share": 0.5,  # a shingle in this share of all bids or more weighs nothing
    "idf_cap": 1.0,  # most a shingle weighs: rarer text counts as much as ordinary text, so each bidder's own names cannot drown a copied section
    "num_perm": 64,  # MinHash functions per signature
    "lsh_bands": 16,  # LSH bands (rows per band = num_perm / lsh_bands): pairs near 0.5 similarity become candidates
    "min_similarity": 0.45,  # IDF-weighted Jaccard similarity from which two documents are near-duplicates
    "rare_max_bids": 3,  # a shingle held by at most this many bids is rare
    "min_rare_shared": 5,  # rare shingles two competing bids must share to share errors
    "max_passages": 3,  # shared rare passages quoted in the evidence
}

REQUIRES = (("bid_texts", "bid_shingles"),)  # text, or the platform's shingles
DETECTOR = ModuleDetector("identical_errors", rule_version="2", defaults=DEFAULTS, module=__name__, requires=REQUIRES)

_RULE = (
    "同一标段不同投标人的投标文件异常一致（近似重复），或含有相同的罕见错误与表述。依据：《招标投标法实施条例》第四十条"
    "第（四）项“不同投标人的投标文件异常一致”视为串通投标；试点城市“错误雷同性”模型；经合组织《打击公共采购中串通投标指南》。"
    "常见条款按逆文档频率降权，出现在多数投标文件中的条款不计分。",
    "Competing bids whose documents are near-duplicates or share the same rare errors and phrases. Sources: "
    "Tendering Regulations Art. 40(4), documents of different bidders abnormally alike are deemed collusion; the "
    "pilot city's identical-errors model; OECD Guidelines for Fighting Bid Rigging. Common clauses are weighted "
    "down by inverse document frequency; a clause in most documents counts for nothing.",
)
_SPACE = re.compile(r"\s+")


class ShingleSets(NamedTuple):
    """Bids' shingle sets, as integer codes."""

    members: pd.DataFrame  # (bid, shingle): one row per bid and distinct shingle, in reading order
    shingles: np.ndarray  # each shingle code's shingle (codes follow the shingles' sorted order)
    texts: dict[str, str]  # each text bid's folded text (for quoting passages)


def bid_shingle_sets(snapshot, shingle_chars: int) -> ShingleSets:
    """The bids' shingle sets, a bid coded as ``snapshot.codes("bids", "bid_id")``: from
    ``bid_texts`` where a bid has text, else from ``bid_shingles``."""
    texts = snapshot["bid_texts"].dropna(subset=["text"])
    texts = texts.assign(section=texts["section"].fillna("")).sort_values(["bid_id", "section", "_row"])
    own = _tender_names(snapshot, texts["bid_id"].drop_duplicates())
    folded = {}
    for bid, parts in itertools.groupby(zip(texts["bid_id"].tolist(), texts["text"].tolist()), key=itemgetter(0)):
        # the persons a bid names are statutory_presumption's (Art. 40(1) and (3)): here only the content counts
        text = NAMED_PERSON.sub("", " ".join(t for _, t in parts))
        folded[bid] = _SPACE.sub(" ", _strip(text, own.get(bid, ()))).strip()
    at, shingles = _text_shingles(list(folded.values()), shingle_chars)
    given = snapshot["bid_shingles"]
    given = given[~given["bid_id"].isin(list(folded))][["bid_id", "shingle"]].dropna()
    bid_ids = snapshot.keys("bids", "bid_id")
    owners = np.concatenate(
        [positions(bid_ids, pd.Series(list(folded), dtype="str"))[at], positions(bid_ids, given["bid_id"])]
    )
    codes, uniques = sorted_string_codes(np.concatenate([shingles, given["shingle"].astype(str).to_numpy(str)]))
    held = owners >= 0
    owners, codes = owners[held], codes[held]
    first, _ = first_rows(row_key(owners, codes))
    members = pd.DataFrame({"bid": owners[first], "shingle": codes[first]})
    return ShingleSets(members, uniques, folded)


def _text_shingles(texts: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each text's ``k``-character shingles in reading order (a text shorter than ``k`` is its one
    shingle): the position of the text in ``texts``, and the shingle."""
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=f"<U{k}")
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    counts = np.maximum(1, lengths - k + 1)
    # the texts end to end, each followed by k NULs: no shingle reaches into the next text, and
    # a short text's shingle is the text (numpy strings drop trailing NULs)
    flat = np.frombuffer((("\0" * k).join(texts) + "\0" * k).encode("utf-32-le"), dtype="<u4")
    windows = np.ndarray(shape=(len(flat) - k + 1,), dtype=f"<U{k}", buffer=flat, strides=(4,))
    ends = np.cumsum(counts)
    offsets = np.cumsum(lengths + k) - (lengths + k)
    starts = np.repeat(offsets - (ends - counts), counts) + np.arange(ends[-1])
    return np.repeat(np.arange(len(texts)), counts), windows[starts]


def _tender_names(snapshot, bid_ids: pd.Series) -> dict[str, list[str]]:
    """Per bid of ``bid_ids``, the names every bid on its lot quotes: the lot's, the project's,
    the tenderer's and the agency's, longest first (a lot's name holds its project's)."""
    rows = positions(snapshot["bids"]["bid_id"], bid_ids)
    bids = snapshot["bids"].iloc[rows[rows >= 0]]
    projects = snapshot["projects"][["project_id", "name", "tenderer_id", "agency_id"]]
    orgs = snapshot["organizations"].set_index("org_id")["name"]
    lots = snapshot["lots"][["lot_id", "project_id", "name"]]
    lots = lots.merge(bids[["lot_id"]].drop_duplicates(), on="lot_id").merge(
        projects, on="project_id", suffixes=("", "_p")
    )
    names = pd.concat(
        [lots["name"], lots["name_p"], lots["tenderer_id"].map(orgs), lots["agency_id"].map(orgs)], axis=1
    )
    per_lot = {
        lot: sorted({str(n) for n in row if isinstance(n, str) and n}, key=lambda n: (-len(n), n))
        for lot, row in zip(lots["lot_id"], names.itertuples(index=False))
    }
    return {bid: per_lot.get(lot, []) for bid, lot in zip(bids["bid_id"], bids["lot_id"])}


def _strip(text: str, names) -> str:
    for name in names:
        text = text.replace(name, " ")
    return text


def _weighted(members: pd.DataFrame, lot_of: np.ndarray, params: dict) -> pd.DataFrame:
    """Memberships with ``lot`` (``lot_of`` a bid code's lot code), ``idf`` and ``df``, less each
    lot's own boilerplate and weightless shingles."""
    bid, shingle = members["bid"].to_numpy(), members["shingle"].to_numpy()
    lot = lot_of[bid]
    bids = np.unique(bid)
    df = np.bincount(shingle)[shingle]
    idf = np.clip(np.log(params["boilerplate_share"] * len(bids) / df), 0, params["idf_cap"])
    lot_bids = np.bincount(lot_of[bids], minlength=len(lot_of))[lot]
    # (lot, shingle) as one integer: how many of the lot's bids hold the shingle
    width = int(shingle.max(initial=-1)) + 1
    lot_shingle = lot.astype(np.int64) * width + shingle
    pair = pd.factorize(lot_shingle)[0]
    everyone = np.bincount(pair)[pair] == lot_bids
    # per shingle, the lots where every bid holds it
    lots_all_hold = np.bincount(np.unique(lot_shingle[everyone]) % max(width, 1), minlength=width)[shingle]
    quoted = everyone & ((lot_bids >= 3) | (lots_all_hold >= 2))
    keep = ~quoted & ((idf > 0) | (df <= params["rare_max_bids"]))
    return members.assign(lot=lot, df=df, idf=idf)[keep]


def _candidates(members: pd.DataFrame, lot_of: np.ndarray, params: dict, seed: int) -> pd.DataFrame:
    """Same-lot bid pairs (bid_a < bid_b) from LSH, and from rare shingles they share."""
    bid_codes, bid_index = pd.factorize(members["bid"], sort=True)
    shingle_codes, _ = pd.factorize(members["shingle"], sort=True)
    sig = minhash_signatures(bid_codes, shingle_codes, len(bid_index), params["num_perm"], seed)
    lsh = lsh_candidate_pairs(sig, lot_of[bid_index], params["lsh_bands"])
    pairs = pd.DataFrame({"bid_a": bid_index[lsh["a"].to_numpy(int)], "bid_b": bid_index[lsh["b"].to_numpy(int)]})
    rare = members[members["df"] <= params["rare_max_bids"]][["shingle", "lot", "bid"]]
    shared = rare.merge(rare, on=["shingle", "lot"], suffixes=("_a", "_b"))
    shared = shared[shared["bid_a"] < shared["bid_b"]][["bid_a", "bid_b"]]
    return pd.concat([pairs, shared]).drop_duplicates().reset_index(drop=True)


def _measured(members: pd.DataFrame, pairs: pd.DataFrame, params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per candidate pair: shared and union IDF weight, similarity, rare shingles shared; and the
    pairs' rare shared (bid_a, bid_b, shingle)."""
    own = members[["bid", "shingle", "idf", "df"]]
    weight = own.groupby("bid")["idf"].sum()
    shared = pairs.merge(own.rename(columns={"bid": "bid_a"}), on="bid_a").merge(
        own[["bid", "shingle"]].rename(columns={"bid": "bid_b"}), on=["bid_b", "shingle"]
    )
    keys = ["bid_a", "bid_b"]
    shared = shared.assign(rare=shared["df"] <= params["rare_max_bids"])
    per = shared.groupby(keys).agg(shared_weight=("idf", "sum"), rare_shared=("rare", "sum"))
    out = pairs.merge(per.reset_index(), on=keys)
    union = out["bid_a"].map(weight) + out["bid_b"].map(weight) - out["shared_weight"]
    out["similarity"] = (out["shared_weight"] / union.where(union > 0)).fillna(0.0)
    return out.sort_values(keys).reset_index(drop=True), shared[shared["rare"]]


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Same-lot pairs of bids with near-duplicate documents or shared rare text."""
    sets = bid_shingle_sets(snapshot, params["shingle_chars"])
    lot_of, org_of = (_by_bid(snapshot, column) for column in ("lot_id", "org_id"))
    members = _weighted(sets.members, lot_of, params)
    if members.empty:
        return []
    pairs = _candidates(members, lot_of, params, seed)
    pairs = pairs[org_of[pairs["bid_a"].to_numpy()] != org_of[pairs["bid_b"].to_numpy()]]
    if pairs.empty:
        return []
    m, rare = _measured(members, pairs, params)
    m = m[(m["similarity"] >= params["min_similarity"]) | (m["rare_shared"] >= params["min_rare_shared"])]
    rare_sets = (
        rare.merge(m[["bid_a", "bid_b"]])
        .groupby(["bid_a", "bid_b"])["shingle"]
        .agg(lambda c: frozenset(sets.shingles[c].tolist()))
    )
    a, b = m["bid_a"].to_numpy(), m["bid_b"].to_numpy()
    m = m.assign(
        rare_set=[rare_sets.get((x, y), frozenset()) for x, y in zip(a, b)],
        bid_a=snapshot.keys("bids", "bid_id")[a],
        bid_b=snapshot.keys("bids", "bid_id")[b],
        lot_id=snapshot.keys("bids", "lot_id")[lot_of[a]],
        org_a=snapshot.keys("bids", "org_id")[org_of[a]],
        org_b=snapshot.keys("bids", "org_id")[org_of[b]],
    )
    m = m.assign(rare_shared=[_rare_in_runs(r, sets.texts, params["shingle_chars"]) for r in m.itertuples()])
    hits = m[(m["similarity"] >= params["min_similarity"]) | (m["rare_shared"] >= params["min_rare_shared"])]
    return [_finding(r, sets.texts, params) for r in hits.itertuples()]


def _by_bid(snapshot, column: str) -> np.ndarray:
    """Per bid code, the code of its ``column`` (``lot_id`` or ``org_id``)."""
    out = np.empty(len(snapshot["bids"]), dtype=np.int64)
    out[snapshot.codes("bids", "bid_id")] = snapshot.codes("bids", column)
    return out


def _runs(text: str, rare: frozenset, k: int) -> list[tuple[int, int]]:
    """Runs of consecutive positions of ``text`` where a rare shared shingle starts, as (first, last + 1),
    kept from ``k`` positions on: fewer are the seam where two common passages meet (the shingles
    straddling it), not text of its own; a single odd character already starts ``k`` of them."""
    starts = np.array([text[i : i + k] in rare for i in range(max(0, len(text) - k + 1))], dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[False], starts, [False]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]) if b - a >= k]


def _rare_in_runs(r, texts: dict[str, str], k: int) -> int:
    """Rare shingles the pair shares, counted in the first bid's text where it has one (seams left out)."""
    if r.bid_a not in texts:
        return int(r.rare_shared)
    return sum(b - a for a, b in _runs(texts[r.bid_a], r.rare_set, k))


def _passages(text: str, rare: frozenset, k: int, most: int) -> list[str]:
    """The longest stretches of ``text`` covered by runs of rare shared shingles."""
    spans = sorted(((a, b + k - 1) for a, b in _runs(text, rare, k)), key=lambda s: (s[0] - s[1], s[0]))
    return [text[a:b] for a, b in spans[:most]]


def _finding(r, texts: dict[str, str], params: dict) -> Finding:
    lot = r.lot_id
    kind = "near_duplicate" if r.similarity >= params["min_similarity"] else "shared_errors"
    if kind == "near_duplicate":
        score = 0.5 + 0.5 * r.similarity
    else:
        score = 0.5 + 0.4 * min(1.0, r.rare_shared / (3 * params["min_rare_shared"]))
    if r.bid_a in texts:
        shared = _passages(texts[r.bid_a], r.rare_set, params["shingle_chars"], params["max_passages"])
    else:
        shared = sorted(r.rare_set)[: params["max_passages"]]
    quoted_zh = "；相同罕见内容如：" + "／".join(f"“{p}”" for p in shared) if shared else ""
    quoted_en = "; rare text in common: " + " / ".join(f"'{p}'" for p in shared) if shared else ""
    zh = (
        f"标段{lot}：{r.org_a}与{r.org_b}的投标文件加权相似度{r.similarity:.2f}（阈值{params['min_similarity']}），"
        f"共有{r.rare_shared}个罕见片段（阈值{params['min_rare_shared']}）{quoted_zh}。"
    )
    en = (
        f"Lot {lot}: the documents of {r.org_a} and {r.org_b} have a weighted similarity of "
        f"{r.similarity:.2f} (fence {params['min_similarity']}) and share {r.rare_shared} rare shingles "
        f"(fence {params['min_rare_shared']}){quoted_en}."
    )
    frame = pd.DataFrame({"bid_id": [r.bid_a, r.bid_b], "org_id": [r.org_a, r.org_b], "lot_id": lot})
    return warning(
        DETECTOR.id,
        kind,
        score,
        [
            Entity("company", r.org_a, "member"),
            Entity("company", r.org_b, "member"),
            Entity("lot", lot, "context"),
        ],
        _RULE,
        (zh, en),
        {
            "weighted_similarity": round(float(r.similarity), 4),
            "rare_shared": int(r.rare_shared),
            "shared_weight": round(float(r.shared_weight), 3),
        },
        {k: params[k] for k in ("min_similarity", "min_rare_shared", "rare_max_bids", "boilerplate_share")},
        bid_graph(frame),
        bids=[r.bid_a, r.bid_b],
        shared_text=shared,
    )
