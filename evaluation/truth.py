"""Score findings against the planted truth of a generated world (``bidgraph evaluate --truth``).

``score_findings(truth, findings)`` returns plain dicts:

- ``schemes``: per planted scheme, the detector(s) that should find it, how many were planted,
  how many findings there are, precision, recall and average precision (AP) of the findings
  ranked by score, and precision and recall among the top N findings (N = number planted);
  ``collusive_pairs`` scores hidden_link against every pair of members of a planted ring and
  every cover bidder with a firm it serves;
- ``collusive_firms``: ring members, cover bidders and the firms whose bids one unit compiled on
  the same lot (``same_compiler``: deemed collusion by Art. 40(1) of the Implementing
  Regulations of the Tendering and Bidding Law), with every firm ranked by its best score over
  the bid_ring, cover_bidder, hidden_link and trace findings that name it: AP, how many of the
  top k are planted (k = number planted) and, per decoy kind truth.json lists
  (``HONEST_KINDS``: local-county firms, big and frequent honest winners, honest niche firms,
  consultancy clients that share only a template, corporate-group members, serviced-office
  tenants), which of its firms reach the top k;
- ``rings``: the best-match Jaccard of each planted ring's members against the bid_ring
  findings, the mean, and the means over rings that left a trace and rings that left none; and
  the ranking of traceless rings: the weakest score with which a traceless ring is found, and
  the weak single-trace findings (one shared value, naming a firm that is not collusive) scored
  at or above it;
- ``favouritism``: tenderer_affinity's recall and precision on the planted cases with and
  without a recorded person link (a finding counts for the group of the case it matches;
  unmatched findings count against both);
- ``change_orders``: payment_anomaly findings on contracts whose payments a lawful change order
  raised (``decoys.legal_change_orders``);
- ``decoys``: high-severity shared_device findings resting only on a public or NAT address;
- ``baseline`` (when a snapshot is given): the plain screen — same-lot shared IP, MAC or
  document fingerprint, a shared person, and pairs that bid together 8+ times, firms ranked by
  how many such signals they have — scored like ``collusive_firms``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bidgraph.detectors.stats.cobidding import cobidding
from bidgraph.evaluation.metrics import average_precision, jaccard, rank_by_score
from bidgraph.evaluation.statutory import score_statutory

__all__ = [
    "score_findings",
    "baseline_firm_scores",
    "SCHEME_DETECTORS",
    "SCHEME_METRICS",
    "FIRM_DETECTORS",
]

# Which detector(s) should find each planted scheme.
SCHEME_DETECTORS = {
    "rings": ["bid_ring"],
    "cover_bidders": ["cover_bidder"],
    "tenderer_affinity": ["tenderer_affinity"],
    "agency_affinity": ["agency_affinity"],
    "expert_affinity": ["expert_affinity"],
    "expert_bias": ["expert_bias"],
    "contract_splitting": ["contract_splitting"],
    "winner_not_builder": ["winner_not_builder"],
    "payment_anomaly": ["payment_anomaly"],
    "procedure_gap": ["procedure_gap"],
}
# What score_findings() reports for each scheme, in reading order.
SCHEME_METRICS = (
    "planted",
    "findings",
    "precision",
    "recall",
    "average_precision",
    "precision_at_n",
    "recall_at_n",
)
# The truth fields a finding must name (among its entity ids) to match a planted item; schemes
# not listed match on every scalar ``*_id`` field of the item.
MATCH_FIELDS = {
    "cover_bidders": ["org_id"],
    "tenderer_affinity": ["tenderer_id", "org_id"],
    "agency_affinity": ["agency_id", "org_id"],
    "expert_affinity": ["expert_id", "org_id"],
    "expert_bias": ["expert_id"],
    "contract_splitting": ["tenderer_id", "org_id"],
    "winner_not_builder": ["lot_id", "winner_id"],
    "payment_anomaly": ["contract_id"],
    "procedure_gap": ["lot_id"],
}
# Detectors whose findings rank firms as collusive, and the entity roles that do not count.
FIRM_DETECTORS = ("bid_ring", "cover_bidder", "hidden_link", "shared_device", "shared_document", "shared_personnel")
NOT_ACCUSED = {"context", "served", "tenderer", "agency", "expert", "winner"}
RING_MATCH = 0.5  # a bid_ring finding matches a planted ring when their member Jaccard reaches this
BASELINE_COBIDS = 8
TRACE_DETECTORS = ("shared_device", "shared_document", "shared_personnel")
# Honest firms that must stay out of the collusive-firm top k, by kind: their org ids in truth.json's decoys.
HONEST_KINDS = {
    "local_county": lambda d: (d.get("small_county") or {}).get("org_ids", []),
    "big_winners": lambda d: _org_ids(d.get("big_winners", [])),
    "frequent_winners": lambda d: _org_ids(d.get("frequent_winners", [])),
    "niche": lambda d: [o for n in d.get("niche_firms", []) for o in n["org_ids"]],
    "consultancy_clients": lambda d: [o for c in d.get("consultancy_clients", []) for o in c["org_ids"]],
    "corporate_groups": lambda d: [o for g in d.get("corporate_groups", []) for o in g["org_ids"]],
    "serviced_offices": lambda d: [o for s in d.get("serviced_offices", []) for o in s["org_ids"]],
}


def score_findings(truth: dict, findings: list[dict], snapshot=None) -> dict:
    """Score ``findings`` (dicts as in findings.jsonl) against ``truth`` (truth.json).

    Parameters
    ----------
    truth : dict
        The generator's truth: ``rings``, ``cover_bidders``, ... and ``decoys``.
    findings : list of dict
    snapshot : Snapshot, optional
        The world's bundle; when given, the plain baseline is scored too.
    """
    by_detector: dict[str, list[dict]] = {}
    for f in findings:
        by_detector.setdefault(f["detector"], []).append(f)
    for fs in by_detector.values():
        fs.sort(key=lambda f: (-f["score"], f.get("id", "")))
    decoys = truth.get("decoys", {})
    positives = _collusive_firms(truth)
    trace_findings = [f for d in TRACE_DETECTORS for f in by_detector.get(d, [])]
    out: dict[str, Any] = {
        "schemes": {},
        "collusive_firms": None,
        "rings": _rings(truth.get("rings", []), by_detector.get("bid_ring", []), trace_findings, positives),
        "decoys": _public_ip_flags(by_detector.get("shared_device", []), decoys),
        "favouritism": _favouritism(truth.get("tenderer_affinity") or [], by_detector.get("tenderer_affinity", [])),
        "change_orders": _change_orders(decoys, by_detector.get("payment_anomaly", [])),
    }
    for scheme, detectors in SCHEME_DETECTORS.items():
        items = truth.get(scheme) or []
        ranked = sorted(
            (f for d in detectors for f in by_detector.get(d, [])), key=lambda f: (-f["score"], f.get("id", ""))
        )
        matcher = _ring_matcher(items) if scheme == "rings" else _item_matcher(scheme, items)
        out["schemes"][scheme] = {"detectors": detectors, **_ranking_metrics(ranked, len(items), matcher)}
    out["schemes"]["collusive_pairs"] = {
        "detectors": ["hidden_link"],
        **_pair_metrics(truth, by_detector.get("hidden_link", [])),
    }
    out["collusive_firms"] = _firm_ranking(_firm_scores(findings), positives, decoys)
    out["statutory"] = score_statutory(truth, by_detector)
    if snapshot is not None:
        out["baseline"] = _firm_ranking(baseline_firm_scores(snapshot), positives, decoys)
    return out


def _ranking_metrics(ranked: list[dict], n_items: int, matcher) -> dict:
    matched: set = set()
    new_hit, any_hit = [], []
    for f in ranked:
        items = matcher(f)
        any_hit.append(bool(items))
        fresh = items - matched
        new_hit.append(bool(fresh))
        matched |= set(sorted(fresh)[:1])
    top = ranked[:n_items]
    top_matched = set().union(*(matcher(f) for f in top)) if top else set()
    return {
        "planted": n_items,
        "findings": len(ranked),
        "precision": _ratio(sum(any_hit), len(ranked)),
        "recall": _ratio(len(matched), n_items),
        "average_precision": average_precision(new_hit, n_items) if n_items else None,
        "precision_at_n": _ratio(sum(any_hit[:n_items]), len(top)),
        "recall_at_n": _ratio(len(top_matched), n_items),
    }


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None


def _entity_ids(f: dict, accused_only: bool = False) -> set[str]:
    return {str(e["id"]) for e in f.get("entities", []) if not accused_only or e.get("role") not in NOT_ACCUSED}


def _accused_firms(f: dict) -> set[str]:
    return {
        str(e["id"]) for e in f.get("entities", []) if e.get("type") == "company" and e.get("role") not in NOT_ACCUSED
    }


def _item_matcher(scheme: str, items: list[dict]):
    keys = []
    for it in items:
        fields = MATCH_FIELDS.get(scheme) or sorted(
            k for k, v in it.items() if k.endswith("_id") and isinstance(v, (str, int))
        )
        keys.append({str(it[k]) for k in fields if it.get(k) is not None})

    def match(f: dict) -> set[int]:
        ids = _entity_ids(f)
        return {i for i, k in enumerate(keys) if k and k <= ids}

    return match


def _members(f: dict) -> set[str]:
    return {str(e["id"]) for e in f.get("entities", []) if e.get("type") == "company" and e.get("role") == "member"}


def _ring_matcher(rings: list[dict]):
    planted = [set(map(str, r["members"])) for r in rings]

    def match(f: dict) -> set[int]:
        m = _members(f)
        return {i for i, p in enumerate(planted) if jaccard(m, p) >= RING_MATCH}

    return match


def _rings(rings: list[dict], found: list[dict], trace_findings: list[dict], positives: set[str]) -> dict:
    per_ring = []
    for r in rings:
        members = set(map(str, r["members"]))
        best = max(found, key=lambda f: (jaccard(members, _members(f)), f["score"]), default=None)
        per_ring.append(
            {
                "id": r.get("id"),
                "members": sorted(members),
                "traces": list(r.get("traces") or []),
                "best_jaccard": jaccard(members, _members(best)) if best else 0.0,
                "best_finding": best.get("id") if best else None,
            }
        )

    def mean(rows):
        return float(np.mean([x["best_jaccard"] for x in rows])) if rows else None

    scores = {f.get("id"): f["score"] for f in found}
    traceless = [
        scores.get(x["best_finding"], 0.0) if x["best_jaccard"] >= RING_MATCH else 0.0
        for x in per_ring
        if not x["traces"]
    ]
    weakest = min(traceless, default=None)
    weak_traces = [
        f
        for f in trace_findings
        if (f.get("evidence", {}).get("measured") or {}).get("shared_values") == 1 and _accused_firms(f) - positives
    ]
    return {
        "per_ring": per_ring,
        "mean_jaccard": mean(per_ring),
        "mean_jaccard_with_trace": mean([x for x in per_ring if x["traces"]]),
        "mean_jaccard_no_trace": mean([x for x in per_ring if not x["traces"]]),
        "traceless_weakest_score": weakest,
        "weak_single_trace_findings": len(weak_traces),
        "weak_single_trace_at_or_above": 0 if weakest is None else sum(f["score"] >= weakest for f in weak_traces),
    }


def _favouritism(planted: list[dict], found: list[dict]) -> dict:
    """tenderer_affinity on the cases with a person link and those without one."""
    matcher = _item_matcher("tenderer_affinity", planted)
    matches = [matcher(f) for f in found]
    out = {}
    for group, linked in (("with_person", True), ("without_person", False)):
        idx = {i for i, it in enumerate(planted) if (it.get("person_id") is not None) == linked}
        hit = set().union(*matches) & idx if matches else set()
        mine = [m for m in matches if m & idx or not m]
        out[group] = {
            "planted": len(idx),
            "recall": _ratio(len(hit), len(idx)),
            "precision": _ratio(sum(bool(m & idx) for m in mine), len(mine)),
        }
    return out


def _change_orders(decoys: dict, found: list[dict]) -> dict:
    """payment_anomaly findings on contracts that a lawful change order raised."""
    lawful = {str(c["contract_id"]) for c in decoys.get("legal_change_orders", [])}
    flagged = sorted({e for f in found for e in _entity_ids(f) if e in lawful})
    return {"lawful": len(lawful), "flagged": len(flagged), "flagged_ids": flagged}


def _pair_metrics(truth: dict, ranked: list[dict]) -> dict:
    """hidden_link against the planted collusive pairs: two members of one ring, or a cover
    bidder and a firm it serves."""
    planted = {
        frozenset(map(str, (a, b))) for r in truth.get("rings", []) for a in r["members"] for b in r["members"] if a < b
    }
    planted |= {
        frozenset((str(c["org_id"]), str(s))) for c in truth.get("cover_bidders", []) for s in c.get("serves", [])
    }
    index = {p: i for i, p in enumerate(sorted(planted, key=sorted))}

    def match(f: dict) -> set[int]:
        key = frozenset(_members(f))
        return {index[key]} if key in index else set()

    return _ranking_metrics(ranked, len(planted), match)


def _collusive_firms(truth: dict) -> set[str]:
    firms = {str(m) for r in truth.get("rings", []) for m in r["members"]}
    firms |= {str(o) for s in truth.get("same_compiler", []) for o in s["org_ids"]}
    return firms | {str(c["org_id"]) for c in truth.get("cover_bidders", [])}


def _firm_scores(findings: list[dict]) -> pd.Series:
    """Each firm's best score over the findings that accuse it."""
    rows = [
        (e["id"], f["score"])
        for f in findings
        if f["detector"] in FIRM_DETECTORS
        for e in f.get("entities", [])
        if e.get("type") == "company" and e.get("role") not in NOT_ACCUSED
    ]
    if not rows:
        return pd.Series(dtype=float)
    return pd.DataFrame(rows, columns=["org_id", "score"]).groupby("org_id")["score"].max()


def _firm_ranking(scores: pd.Series, positives: set[str], decoys: dict) -> dict:
    """AP and top-k of firms ranked by score (ties broken by a fixed random order, not by id)."""
    order = rank_by_score(scores)
    k = len(positives)
    top = list(order.index[:k])
    honest = {kind: set(map(str, ids(decoys))) - positives for kind, ids in HONEST_KINDS.items()}
    in_top = {kind: sorted(o for o in top if o in ids) for kind, ids in honest.items()}
    return {
        "planted": k,
        "flagged": int(len(order)),
        "average_precision": average_precision([o in positives for o in order.index], k),
        "planted_in_top_k": sum(o in positives for o in top),
        "small_county_in_top_k": in_top["local_county"],
        "big_winners_in_top_k": in_top["big_winners"],
        "honest_in_top_k": {kind: ids for kind, ids in in_top.items() if honest[kind]},
    }


def _org_ids(values: list) -> set[str]:
    """Org ids of decoy entries, given as ``{"org_id": ...}`` dicts or as bare ids."""
    return {str(v.get("org_id") if isinstance(v, dict) else v) for v in values}


def _public_ip_flags(shared_device: list[dict], decoys: dict) -> dict:
    """High-severity shared_device findings whose only shared values are public: a public or
    carrier-NAT IP (and, counted separately, those that also include public terminals' MAC or
    hardware id)."""
    ips = {str(v) for key in ("public_ips", "nat_ips") for v in decoys.get(key, [])}
    terminals = {
        str(v) for key in ("public_terminal_macs", "public_terminal_hardware_ids") for v in decoys.get(key, [])
    }
    high = [f for f in shared_device if f.get("severity") == "high"]
    ip_only, public_only = [], []
    for f in high:
        traces = [e for e in f.get("entities", []) if e.get("type") in ("ip", "device", "document")]
        if traces and all(e["type"] == "ip" and str(e["id"]) in ips for e in traces):
            ip_only.append(f.get("id"))
        if traces and all(str(e["id"]) in ips | terminals for e in traces):
            public_only.append(f.get("id"))
    return {
        "high_shared_device": len(high),
        "high_on_public_or_nat_ip_only": len(ip_only),
        "high_on_public_values_only": len(public_only),
        "finding_ids": ip_only,
    }


def baseline_firm_scores(snapshot) -> pd.Series:
    """The plain screen: per firm, how many signals name it.

    A signal is a partner firm and a reason: the same upload IP, MAC or document fingerprint on
    the same lot, a person holding a role in both, or 8+ lots bid together. No rarity weighting,
    no null model: what a first spreadsheet would do.
    """
    bids = snapshot["bids"][["bid_id", "lot_id", "org_id"]]
    pairs = []
    for table, column in (("bid_uploads", "ip"), ("bid_uploads", "mac"), ("bid_documents", "fingerprint")):
        v = snapshot[table][["bid_id", column]].dropna().merge(bids, on="bid_id")
        both = v.merge(v, on=["lot_id", column])
        pairs.append(both.loc[both["org_id_x"] < both["org_id_y"], ["org_id_x", "org_id_y"]].assign(kind=column))
    roles = snapshot["person_roles"][["person_id", "org_id"]].drop_duplicates()
    roles = roles[roles["org_id"].isin(bids["org_id"])]
    both = roles.merge(roles, on="person_id")
    pairs.append(both.loc[both["org_id_x"] < both["org_id_y"], ["org_id_x", "org_id_y"]].assign(kind="person"))
    co = cobidding(snapshot, min_cobids=BASELINE_COBIDS)
    pairs.append(
        pd.DataFrame({"org_id_x": co.firms[co.pairs["a"]], "org_id_y": co.firms[co.pairs["b"]], "kind": "cobids"})
    )
    signals = pd.concat(pairs, ignore_index=True).drop_duplicates()
    per_firm = pd.concat(
        [
            signals[["org_id_x", "kind"]].rename(columns={"org_id_x": "org_id"}),
            signals[["org_id_y", "kind"]].rename(columns={"org_id_y": "org_id"}),
        ]
    )
    return per_firm.groupby("org_id").size().astype(float)
