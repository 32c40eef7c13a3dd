"""Score the statutory detectors (issue 13) against a generated world's truth.

``score_statutory(truth, by_detector)`` adds to ``score_findings``'s report, per planted
scheme: the detector, how many were planted, how many findings, precision (findings of the
detector that are true, over all its findings) and recall (planted items some finding names);
and per decoy list, how many decoys a finding names. A finding names an item when its entity
ids include the item's match fields: contract changes and quantity growth by contract;
personnel changes by lot and person; the presumptions of collusion and identical errors by two
of the bidders on the lot; an efficiency scheme by its tenderer (and supplier).

A finding is *true* when it names a planted item of its detector, or when it names collusion
that truth.json records elsewhere: two firms of one collusive group (a ring's members, a cover
bidder with the firms it serves, one consultancy's clients on a lot, the bidders of a planted
presumption) for ``statutory_presumption`` and ``identical_errors`` (Art. 34 and 40 shared
persons, authors, files and prices of a ring are true collusion, not false alarms), a tenderer
or agency with the firm it favours (Art. 41), and for ``personnel_change`` a manager on a lot
whose site truth says another firm's people run (winner_not_builder); for ``efficiency_anomaly``
an agency that ran a planted tenderer's knocked-out openings (its invalid-bid rate is theirs), or
a ring's favourite tenderer, a favouring tenderer or agency (its savings are the rigged prices')
or the tenderer of a planted emergency repeat supplier (its speed is the scheme's). A price pattern
(Art. 40(4)) is true only on a planted pattern: a ring's defensive prices are no pattern.
Decoys: small change orders, late replacements, boilerplate lots, an honest tenderer's one
contentious lot, emergency lots (single source is lawful there; ``procedure_gap`` and
``efficiency_anomaly`` must not flag them), emergency projects spread over suppliers and one urgent
award, and for the price-pattern rule near-even honest prices, round prices and the rings' lots.

``rules`` scores each rule of ``statutory_presumption`` on its own (``PRESUMPTION_RULES``): its
planted items, or ``not_planted`` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["STATUTORY_SCHEMES", "score_statutory"]

PRICE_PATTERN = "art40_4_price_pattern"  # the one rule held to its own planted items (see score_statutory)
EMERGENCY_KINDS = ("emergency", "emergency_repeat_supplier")  # efficiency_anomaly's emergency rules
# Planted scheme -> (detector, where its items are in truth.json).
STATUTORY_SCHEMES = {
    "contract_change": ("contract_change", ("contract_change",)),
    "quantity_growth": ("quantity_growth", ("quantity_growth",)),
    "personnel_change": ("personnel_change", ("personnel_change",)),
    "identical_errors": ("identical_errors", ("identical_errors",)),
    "same_bond_account": ("statutory_presumption", ("statutory", "same_bond_account")),
    "same_compiler": ("statutory_presumption", ("statutory", "same_compiler")),
    "same_project_manager": ("statutory_presumption", ("statutory", "same_project_manager")),
    "price_pattern": ("statutory_presumption", ("statutory", "price_pattern")),
    "efficiency_anomaly": ("efficiency_anomaly", ("efficiency_anomaly",)),
    "emergency_repeat_supplier": ("efficiency_anomaly", ("emergency_repeat_supplier",)),
}
# Decoy list -> (detectors that must not flag it, what a finding must name to flag one, and the
# rules (evidence kinds) that must not, when not every finding of the detectors).
DECOYS = {
    "small_change_orders": (("contract_change",), ("contract_id",), None),
    "late_replacements": (("personnel_change",), ("lot_id", "person_id"), None),
    "boilerplate_lots": (("identical_errors",), (), None),
    "contentious_lots": (("efficiency_anomaly",), ("tenderer_id",), None),
    "emergency_lots": (("procedure_gap", "efficiency_anomaly"), (), None),
    "emergency_spread": (("efficiency_anomaly",), ("tenderer_id",), EMERGENCY_KINDS),
    "urgent_award": (("efficiency_anomaly",), ("tenderer_id",), EMERGENCY_KINDS),
    "near_pattern_lots": (("statutory_presumption",), (), (PRICE_PATTERN,)),
    "round_price_lots": (("statutory_presumption",), (), (PRICE_PATTERN,)),
    "ring_lots": (("statutory_presumption",), (), (PRICE_PATTERN,)),
}
_BIDDER_ROLES = ("member", "winner", "accused")  # a presumption's firms; context, tenderer and agency are not


def score_statutory(truth: dict, by_detector: dict[str, list[dict]]) -> dict:
    """Per scheme metrics and decoys flagged; schemes a world did not plant are left out."""
    groups = _collusive_groups(truth)
    favoured = _favoured_pairs(truth)
    foreign_sites = {w["lot_id"] for w in truth.get("winner_not_builder") or []}
    # the agencies that ran a knocked-out tender's openings share its invalid-bid rate
    openers = {a for it in truth.get("efficiency_anomaly") or [] for a in it["agency_ids"]}
    # a ring's favourite tenderer, or a tenderer or agency that favours a firm: its prices are rigged
    rigged = {r["favourite_tenderer"] for r in truth.get("rings") or [] if r.get("favourite_tenderer")}
    rigged |= {a["tenderer_id"] for a in truth.get("tenderer_affinity") or []}
    rigged |= {a["agency_id"] for a in truth.get("agency_affinity") or []}
    rigged |= {r["tenderer_id"] for r in truth.get("emergency_repeat_supplier") or []}
    patterns = _at(truth, ("statutory", "price_pattern")) or []
    schemes = {}
    for scheme, (detector, path) in STATUTORY_SCHEMES.items():
        items = _at(truth, path)
        if items is None:
            continue
        found = by_detector.get(detector, [])
        all_items = [it for d, p in STATUTORY_SCHEMES.values() if d == detector for it in _at(truth, p) or []]

        def true(f: dict, all_items=all_items) -> bool:
            if _kind(f) == PRICE_PATTERN:  # only a planted pattern: a pattern on other collusion is none
                return any(_names(f, it) for it in patterns)
            if any(_names(f, it) for it in all_items):
                return True
            ids = _ids(f)
            if f["detector"] in ("statutory_presumption", "identical_errors"):
                firms = _firms(f)
                return any(len(firms & g) >= 2 for g in groups) or any(pair <= ids for pair in favoured)
            if f["detector"] == "efficiency_anomaly":
                units = {e["id"] for e in f.get("entities", []) if e["role"] in ("tenderer", "agency")}
                return bool(units & rigged) or any(
                    e["role"] == "agency" and e["id"] in openers for e in f.get("entities", [])
                )
            return f["detector"] == "personnel_change" and bool(ids & foreign_sites)

        hit = [f for f in found if true(f)]
        schemes[scheme] = {
            "detectors": [detector],
            "planted": len(items),
            "findings": len(found),
            "true_findings": len(hit),
            "precision": len(hit) / len(found) if found else None,
            "recall": sum(any(_names(f, it) for f in found) for it in items) / len(items) if items else None,
        }
    decoys = {}
    listed = truth.get("decoys", {}) | {"ring_lots": [lot for r in truth.get("rings") or [] for lot in r["lots"]]}
    for name, (detectors, fields, kinds) in DECOYS.items():
        entries = listed.get(name)
        if entries is None:
            continue
        found = [f for d in detectors for f in by_detector.get(d, []) if kinds is None or _kind(f) in kinds]
        named = _decoy_matcher(fields)
        decoys[name] = {"decoys": len(entries), "flagged": sum(any(named(f, e) for f in found) for e in entries)}
    rules = _score_rules(truth, by_detector.get("statutory_presumption", []), groups, favoured)
    return {"schemes": schemes, "decoys": decoys, "rules": rules}


# statutory_presumption's rules (evidence kinds, masked bond accounts with full ones) -> where
# their planted items are, or why none is planted
PRESUMPTION_RULES = {
    "art34_same_controller": ("art34_same_controller",),
    "art40_1_same_compiler": ("art40_1_same_compiler",),
    "art40_2_same_agent": ("art40_2_same_agent",),
    "art40_3_same_manager": ("art40_3_same_manager",),
    "art40_4_price_pattern": ("art40_4_price_pattern",),
    "art40_5_mixed_documents": ("art40_5_mixed_documents",),
    "art40_6_same_bond_account": ("art40_6_same_bond_account", "art40_6_same_masked_account"),
    "art41_tenderer_link": ("art41_tenderer_link",),
}
NOT_PLANTED = {
    "art34_same_controller": "no scheme gives two bidders of a lot one person in charge or controller",
    "art40_2_same_agent": "no scheme gives two bidders one bid agent",
}


def _rule_items(truth: dict, rule: str) -> list[dict] | None:
    """The planted items a rule should name: its own statutory items, the hard world's consultancy
    clients (one compiler), the rings that share documents (mixed files), favouritism with an
    official holding a role in the firm (Art. 41); None where nothing is planted."""
    statutory = truth.get("statutory") or {}
    if rule == "art40_1_same_compiler":
        return (statutory.get("same_compiler") or []) + (truth.get("same_compiler") or [])
    if rule == "art40_3_same_manager":
        return statutory.get("same_project_manager")
    if rule == "art40_4_price_pattern":
        return statutory.get("price_pattern")
    if rule == "art40_5_mixed_documents":
        return [{"org_ids": r["members"]} for r in truth.get("rings") or [] if "document" in r.get("traces", [])]
    if rule == "art40_6_same_bond_account":
        return statutory.get("same_bond_account")
    if rule == "art41_tenderer_link":
        return [
            {"tenderer_id": a["tenderer_id"], "org_id": a["org_id"]}
            for a in truth.get("tenderer_affinity") or []
            if a.get("person_id")
        ]
    return None


def _score_rules(truth: dict, found: list[dict], groups: list[set[str]], favoured: list[set[str]]) -> dict:
    """Per rule of statutory_presumption: planted, findings, precision and recall. A finding is true
    when it names one of the rule's items, or (but for price patterns, held to their own) two firms
    of a collusive group or a favoured pair."""
    out = {}
    for rule, kinds in PRESUMPTION_RULES.items():
        items = _rule_items(truth, rule)
        mine = [f for f in found if _kind(f) in kinds]

        def true(f: dict, items=items or [], rule=rule) -> bool:
            if any(_names(f, it) for it in items):
                return True
            if rule == PRICE_PATTERN:
                return False
            return any(len(_firms(f) & g) >= 2 for g in groups) or any(p <= _ids(f) for p in favoured)

        hit = sum(true(f) for f in mine)
        out[rule] = {
            "planted": None if items is None else len(items),
            "findings": len(mine),
            "true_findings": hit,
            "precision": hit / len(mine) if mine else None,
            "recall": sum(any(_names(f, it) for f in mine) for it in items) / len(items) if items else None,
            "not_planted": NOT_PLANTED.get(rule) if items is None else None,
        }
    return out


def _collusive_groups(truth: dict) -> list[set[str]]:
    """Sets of firms truth.json records as colluding with each other."""
    groups = [set(r["members"]) for r in truth.get("rings") or []]
    groups += [{c["org_id"], *c["serves"]} for c in truth.get("cover_bidders") or []]
    groups += [set(s["org_ids"]) for s in truth.get("same_compiler") or []]
    groups += [set(it["org_ids"]) for it in truth.get("identical_errors") or []]
    groups += [set(it["org_ids"]) for items in (truth.get("statutory") or {}).values() for it in items]
    return groups


def _favoured_pairs(truth: dict) -> list[set[str]]:
    """{tenderer or agency, favoured firm}: an official of one holding a role in the other is Art. 41."""
    pairs = [{a["tenderer_id"], a["org_id"]} for a in truth.get("tenderer_affinity") or []]
    return pairs + [{a["agency_id"], a["org_id"]} for a in truth.get("agency_affinity") or []]


def _at(truth: dict, path: tuple[str, ...]):
    node = truth
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _kind(f: dict) -> str | None:
    return (f.get("evidence") or {}).get("kind")


def _ids(f: dict) -> set[str]:
    return {str(e["id"]) for e in f.get("entities", [])}


def _firms(f: dict) -> set[str]:
    return {str(e["id"]) for e in f.get("entities", []) if e["type"] == "company" and e["role"] in _BIDDER_ROLES}


def _names(f: dict, item: dict) -> bool:
    ids = _ids(f)
    if "org_ids" in item:  # a presumption among bidders: two of them named
        return len(ids & set(item["org_ids"])) >= 2
    if "person_id" in item:  # a replacement: the person and one of the lots
        lots = {item["lot_id"], item.get("other_lot_id")} - {None}
        return item["person_id"] in ids and bool(ids & lots)
    if "tenderer_id" in item:  # an efficiency scheme: the tenderer (and the supplier, if any)
        return {item["tenderer_id"], item.get("org_id", item["tenderer_id"])} <= ids
    return item["contract_id"] in ids


def _decoy_matcher(fields: tuple[str, ...]) -> Callable[[dict, object], bool]:
    def named(f: dict, entry) -> bool:
        ids = _ids(f)
        if not fields:  # a bare lot id
            return str(entry) in ids
        return all(str(entry[k]) in ids for k in fields)

    return named
