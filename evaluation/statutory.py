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
a ring's favourite tenderer or a favouring tenderer or agency (its savings are the rigged prices').
Decoys: small change orders, late replacements, boilerplate lots, an honest tenderer's one
contentious lot, and emergency lots (single source is lawful there; ``procedure_gap`` and
``efficiency_anomaly`` must not flag them).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["STATUTORY_SCHEMES", "score_statutory"]

# Planted scheme -> (detector, where its items are in truth.json).
STATUTORY_SCHEMES = {
    "contract_change": ("contract_change", ("contract_change",)),
    "quantity_growth": ("quantity_growth", ("quantity_growth",)),
    "personnel_change": ("personnel_change", ("personnel_change",)),
    "identical_errors": ("identical_errors", ("identical_errors",)),
    "same_bond_account": ("statutory_presumption", ("statutory", "same_bond_account")),
    "same_compiler": ("statutory_presumption", ("statutory", "same_compiler")),
    "same_project_manager": ("statutory_presumption", ("statutory", "same_project_manager")),
    "efficiency_anomaly": ("efficiency_anomaly", ("efficiency_anomaly",)),
}
# Decoy list -> (detectors that must not flag it, what a finding must name to flag one).
DECOYS = {
    "small_change_orders": (("contract_change",), ("contract_id",)),
    "late_replacements": (("personnel_change",), ("lot_id", "person_id")),
    "boilerplate_lots": (("identical_errors",), ()),
    "contentious_lots": (("efficiency_anomaly",), ("tenderer_id",)),
    "emergency_lots": (("procedure_gap", "efficiency_anomaly"), ()),
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
    schemes = {}
    for scheme, (detector, path) in STATUTORY_SCHEMES.items():
        items = _at(truth, path)
        if items is None:
            continue
        found = by_detector.get(detector, [])
        all_items = [it for d, p in STATUTORY_SCHEMES.values() if d == detector for it in _at(truth, p) or []]

        def true(f: dict, all_items=all_items) -> bool:
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
    for name, (detectors, fields) in DECOYS.items():
        entries = truth.get("decoys", {}).get(name)
        if entries is None:
            continue
        found = [f for d in detectors for f in by_detector.get(d, [])]
        named = _decoy_matcher(fields)
        decoys[name] = {"decoys": len(entries), "flagged": sum(any(named(f, e) for f in found) for e in entries)}
    return {"schemes": schemes, "decoys": decoys}


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
