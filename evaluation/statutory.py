"""Score the statutory detectors (issue 13) against a generated world's truth.

``score_statutory(truth, by_detector)`` adds to ``score_findings``'s report, per planted
scheme: the detector, how many were planted, how many findings, precision (findings that name
a planted item of the detector's schemes, over all its findings) and recall; and per decoy list,
how many decoys a finding names. A finding names an item when its entity ids include the item's
match fields (``MATCH``): contract changes and quantity growth by contract; personnel changes
by lot and person; the presumptions of collusion (Art. 40) by two of the bidders on the lot.
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
}
# Decoy list -> (detectors that must not flag it, what a finding must name to flag one).
DECOYS = {
    "small_change_orders": (("contract_change",), ("contract_id",)),
    "late_replacements": (("personnel_change",), ("lot_id", "person_id")),
    "boilerplate_lots": (("identical_errors",), ()),
}


def score_statutory(truth: dict, by_detector: dict[str, list[dict]]) -> dict:
    """Per scheme metrics and decoys flagged; schemes a world did not plant are left out."""
    schemes = {}
    for scheme, (detector, path) in STATUTORY_SCHEMES.items():
        items = _at(truth, path)
        if items is None:
            continue
        found = by_detector.get(detector, [])
        all_items = [it for s, (d, p) in STATUTORY_SCHEMES.items() if d == detector for it in _at(truth, p) or []]
        hit = [f for f in found if any(_names(f, it) for it in all_items)]
        recall = sum(any(_names(f, it) for f in found) for it in items)
        schemes[scheme] = {
            "detectors": [detector],
            "planted": len(items),
            "findings": len(found),
            "precision": len(hit) / len(found) if found else None,
            "recall": recall / len(items) if items else None,
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


def _at(truth: dict, path: tuple[str, ...]):
    node = truth
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _ids(f: dict) -> set[str]:
    return {str(e["id"]) for e in f.get("entities", [])}


def _names(f: dict, item: dict) -> bool:
    ids = _ids(f)
    if "org_ids" in item:  # a presumption among bidders: two of them named
        return len(ids & set(item["org_ids"])) >= 2
    if "person_id" in item:  # a replacement: the person and one of the lots
        lots = {item["lot_id"], item.get("other_lot_id")} - {None}
        return item["person_id"] in ids and bool(ids & lots)
    return item["contract_id"] in ids


def _decoy_matcher(fields: tuple[str, ...]) -> Callable[[dict, object], bool]:
    def named(f: dict, entry) -> bool:
        ids = _ids(f)
        if not fields:  # a bare lot id
            return str(entry) in ids
        return all(str(entry[k]) in ids for k in fields)

    return named
