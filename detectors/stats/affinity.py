"""Affinity between a buyer-side organization and one winner: the engine of
``tenderer_affinity`` and ``agency_affinity``.

Method
------
For each (context organization ``c``, firm ``f``) — ``c`` a tenderer or an agency — count the
lots of ``c`` that ``f`` bid for and won (``w``). A fair draw expects ``mu = sum 1/n`` wins
(``n`` valid bidders per lot, :mod:`bidgraph.detectors.stats.win_stats`). Firms differ honestly
in how competitive they are, so the expectation is scaled by the firm's record *outside*
``c``: ``r = max(1, (wins elsewhere + k) / (expected elsewhere + k))`` with a prior of ``k``
wins (``prior_wins``), giving ``expected = mu * r``. A firm that wins everywhere because it is cheap
is expected to win at ``c`` too; a firm that wins at ``c`` far beyond its record is not.

The surprise is the binomial upper tail ``p = P(X >= w)`` over the firm's bids with mean
``expected``, Bonferroni-adjusted over
every pair with at least ``min_wins`` bids (``p_adj``). A pair is reported when ``w >=
min_wins`` and ``p_adj <= alpha``; or when a person links them (an ``official``/``employee``
of ``c`` who holds any role in ``f``) and the unadjusted ``p <= alpha`` — the link is a
hypothesis named in advance, not one of thousands of pairs searched. Score
``-log10(p_adj) / surprise_full`` (``p`` for linked pairs), clipped to [0, 1], then raised by
``link_boost`` (``1 - (1 - s)(1 - link_boost)``) when a person links them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.codes import row_key
from bidgraph.detectors.stats.win_stats import bid_outcomes, context_pairs, person_links, surprise_score, upper_tail
from bidgraph.graph.schema import schema

__all__ = ["DEFAULTS", "affinity_findings"]

# The settings both affinity detectors read; each adds the ``context_roles`` that make a person link.
DEFAULTS = {
    "min_wins": 3,  # fewest wins of the firm with the tenderer or agency before the pair can be flagged
    "alpha": 0.05,  # fence on the Bonferroni-adjusted binomial tail (unadjusted when a person links them)
    "prior_wins": 2.0,  # prior wins (and expected wins) smoothing the firm's record elsewhere
    "surprise_full": 8.0,  # -log10(p) that gives score 1
    "link_boost": 0.3,  # raise when a person of the tenderer or agency holds a role in the firm
}


def affinity_findings(
    detector: str, snapshot, params: dict, ctx: str, relation: str, role: str, names: tuple[str, str]
) -> list[Finding]:
    """Findings for (context organization, firm) pairs with abnormal win counts.

    Parameters
    ----------
    detector : detector id for the findings.
    ctx : the bid column naming the context organization (``tenderer_id`` or ``agency_id``).
    relation : the relationship from that organization to the project (TENDERED, AGENT_FOR).
    role : the entity role of the context organization in findings (tenderer, agency).
    names : what the context organization is called, ``(zh, en)``.
    params : ``min_wins``, ``alpha``, ``prior_wins``, ``surprise_full``, ``link_boost``,
        ``context_roles``.
    """
    b = bid_outcomes(snapshot)  # the bids without a context are no pair's (not dropped: a copy of every column)
    if not b[ctx].notna().any():
        return []
    min_wins, alpha = int(params["min_wins"]), float(params["alpha"])
    pairs = context_pairs(b, ctx, float(params["prior_wins"]))
    n_tests = max(1, int((pairs["bids"] >= min_wins).sum()))
    pairs["p"] = upper_tail(pairs["wins"], pairs["expected"], pairs["bids"])
    pairs["p_adj"] = np.minimum(1.0, pairs["p"] * n_tests)
    links = person_links(snapshot, list(params["context_roles"])).rename(columns={"context_org": ctx})
    pairs["linked"] = _among(pairs[[ctx, "org_id"]], links[[ctx, "org_id"]].dropna())
    flagged = pairs[
        (pairs["wins"] >= min_wins) & ((pairs["p_adj"] <= alpha) | (pairs["linked"] & (pairs["p"] <= alpha)))
    ].copy()
    base = surprise_score(np.where(flagged["linked"], flagged["p"], flagged["p_adj"]), float(params["surprise_full"]))
    boost = float(params["link_boost"])
    flagged["score"] = np.where(flagged["linked"], 1 - (1 - base) * (1 - boost), base)
    won = b[b["is_winner"]].merge(flagged[[ctx, "org_id"]], on=[ctx, "org_id"])
    won_lots = won.groupby([ctx, "org_id"])[["lot_id", "project_id"]].agg(lambda s: sorted(set(s)))
    links = links.merge(flagged[[ctx, "org_id"]], on=[ctx, "org_id"])
    by_pair = {k: g for k, g in links.groupby([ctx, "org_id"])}
    findings = [
        _finding(
            detector,
            r,
            ctx,
            relation,
            role,
            names,
            won_lots.loc[(r[ctx], r["org_id"])],
            by_pair.get((r[ctx], r["org_id"])),
            n_tests,
            params,
        )
        for r in flagged.to_dict("records")
    ]
    findings.sort(key=lambda f: (-f.score, [e.id for e in f.entities]))
    return findings


def _among(pairs: pd.DataFrame, linked: pd.DataFrame) -> np.ndarray:
    """Whether each (context, firm) row of ``pairs`` is a row of ``linked`` (same two columns),
    compared on integer codes (a merge on the id strings costs a second at province scale)."""
    n = len(pairs)
    ids = pd.factorize(pd.concat([pairs.iloc[:, 0], linked.iloc[:, 0], pairs.iloc[:, 1], linked.iloc[:, 1]]))[0]
    key = row_key(ids[: n + len(linked)], ids[n + len(linked) :])
    return np.isin(key[:n], key[n:])


def _finding(detector, r, ctx, relation, role, names, won, link_rows, n_tests, params) -> Finding:
    c, f = r[ctx], r["org_id"]
    lots, projects = won["lot_id"], won["project_id"]
    nodes = {uid("Organization", c), uid("Organization", f)}
    nodes |= {uid("Lot", lot) for lot in lots} | {uid("Project", p) for p in projects}
    edges = {(uid("Organization", c), relation, uid("Project", p)) for p in projects}
    edges |= {(uid("Organization", f), "WON", uid("Lot", lot)) for lot in lots}
    paths, paths_zh, entities = [], [], [Entity("company", c, role), Entity("company", f, "winner")]
    if link_rows is not None:
        for p in link_rows.sort_values(["person_id", "context_role", "role"]).itertuples(index=False):
            person = uid("Person", p.person_id)
            nodes.add(person)
            edges |= {(person, "HOLDS_ROLE", uid("Organization", c)), (person, "HOLDS_ROLE", uid("Organization", f))}
            name = f" ({p.person_name})" if pd.notna(p.person_name) else ""
            paths.append(f"{c} ←{p.context_role}— Person {p.person_id}{name} —{p.role}→ {f}")
            ctx_zh, role_zh = (schema().value_label(r, "zh") for r in (p.context_role, p.role))
            paths_zh.append(f"{c} ←{ctx_zh}— 人员 {p.person_id}{name} —{role_zh}→ {f}")
        entities += [Entity("person", pid, "link") for pid in sorted(link_rows["person_id"].unique())]
    entities += [Entity("lot", lot, "context") for lot in lots]
    e, w, n = float(r["expected"]), int(r["wins"]), int(r["bids"])
    link_en = f" A person links them: {'; '.join(paths)}." if paths else ""
    link_zh = f"存在人员关联：{'；'.join(paths_zh)}。" if paths_zh else ""
    p_used = "p" if r["linked"] else "p_adj"
    explanation = bilingual(
        f"{names[0]}{c}的标段中，{f}投标{n}次、中标{w}次；按公平抽签（每标段1/投标人数）应中标{r['mu']:.2f}次，"
        f"结合其在其他{names[0]}处的中标表现（实际/期望={r['strength']:.2f}）应中标{e:.2f}次。"
        f"二项上尾概率p={r['p']:.2g}，经{n_tests}对检验的Bonferroni校正后p={r['p_adj']:.2g}"
        f"（阈值{params['alpha']}，至少中标{params['min_wins']}次）。{link_zh}",
        f"At {names[1]} {c}, {f} bid for {n} lots and won {w}; a fair draw (1/bidders per lot) "
        f"expects {r['mu']:.2f} wins, and its record elsewhere (wins/expected "
        f"{r['strength']:.2f}) expects {e:.2f}. Binomial upper tail p = {r['p']:.2g}, "
        f"Bonferroni-adjusted over {n_tests} pairs p = {r['p_adj']:.2g} (fence {params['alpha']}, "
        f"at least {params['min_wins']} wins).{link_en}",
    )
    evidence = {
        "rule": bilingual(
            f"某投标人在同一{names[0]}的标段中标次数远超其投标份额与一贯表现所能解释的水平。",
            f"A firm wins the lots of one {names[1]} far more often than its bids and its record elsewhere explain.",
        ),
        "explanation": explanation,
        "measured": {
            "bids": n,
            "wins": w,
            "expected_fair_draw": round(float(r["mu"]), 4),
            "record_elsewhere": round(float(r["strength"]), 4),
            "expected": round(e, 4),
            "wins_elsewhere": int(r["wins_elsewhere"]),
            "p": float(r["p"]),
            "p_adj": float(r["p_adj"]),
            "tests": n_tests,
            "person_link": bool(r["linked"]),
            "score_from": p_used,
        },
        "thresholds": {k: params[k] for k in ("min_wins", "alpha", "prior_wins", "surprise_full", "link_boost")},
        "nodes": sorted(nodes),
        "edges": [list(x) for x in sorted(edges)],
        "won_lots": list(lots),
        "paths": paths,
    }
    summary = (
        f"{f} won {w} of {n} lots it bid for at {names[1]} {c} (expected {e:.1f}; p_adj {r['p_adj']:.2g})"
        f"{'; a person links them' if paths else ''}"
    )
    return Finding(detector, float(r["score"]), entities, summary, evidence)
