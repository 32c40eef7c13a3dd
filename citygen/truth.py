"""``truth.json``: what was planted, in bundle ids, for scoring detectors (see docs/generator.md)."""

from __future__ import annotations

import numpy as np

from bidgraph.citygen.award import PUBLICITY_DAYS
from bidgraph.citygen.evidence import NAT_SHARE, PUBLIC_SHARE
from bidgraph.citygen.market import MIN_OPEN_DAYS, THRESHOLDS
from bidgraph.citygen.panels import AFFINITY_BONUS, BIAS_LEAN, ERRATIC_SPREAD

__all__ = ["build_truth"]


def _list(values) -> list:
    return [str(v) for v in np.asarray(values).tolist()]


def _one(make_ids, i) -> str:
    """The bundle id of one index, through ``make_ids`` (which maps an index array to ids)."""
    return str(make_ids(np.array([i]))[0])


def build_truth(ids, seed, sc, counts, world, lots, bids, planted: dict) -> dict:
    """The truth as a JSON-ready dict; ``planted`` holds what ``generate_city`` planted, by scheme."""
    lot_id = ids.lot(lots["project"].to_numpy(), lots["k"].to_numpy())

    def org(i) -> str:
        return _one(ids.org, i)

    def person(i) -> str | None:
        return None if i is None else _one(ids.person, i)

    def affinity(records: list[dict], side: str) -> list[dict]:
        """Tenderer or agency affinity records: ``side`` names the buyer-side org's field."""
        return [
            {
                f"{side}_id": org(a[side]),
                "org_id": org(a["org"]),
                "person_id": person(a["person"]),
                "lots": _list(lot_id[a["lots"]]),
            }
            for a in records
        ]

    decoys = planted["decoys"]
    county = world.regions.small_county
    county_firms = world.firms[world.orgs.loc[world.firms, "region"].to_numpy() == county]
    return {
        "seed": seed,
        "scale": sc.name,
        "meta": {
            "thresholds": {
                "open_tender_yuan": dict(THRESHOLDS),
                "min_publication_days": MIN_OPEN_DAYS,
                "award_publicity_days": PUBLICITY_DAYS,
                "expert_affinity_bonus": AFFINITY_BONUS,
                "expert_bias_lean": BIAS_LEAN,
                "expert_erratic_sd": ERRATIC_SPREAD,
                "public_terminal_share": PUBLIC_SHARE,
                "carrier_nat_share": NAT_SHARE,
            },
            "counts": {"rows": counts, "cities": sc.cities, "awarded_lots": int(bids["winner"].sum())},
        },
        "rings": [
            {
                "id": f"RING{i + 1:03d}",
                "members": [org(m) for m in r["members"]],
                "lots": _list(lot_id[r["lots"]]),
                "traces": r["traces"],
                "organiser": org(r["organiser"]),
                "favourite_tenderer": org(r["favourite_tenderer"]),
                "region_code": str(world.regions.code[r["region"]]),
                "trace_values": _trace_values(r, person),
            }
            for i, r in enumerate(planted["rings"])
        ],
        "cover_bidders": [
            {"org_id": org(c["org"]), "serves": [org(s) for s in c["serves"]], "lots": _list(lot_id[c["lots"]])}
            for c in planted["covers"]
        ],
        "tenderer_affinity": affinity(planted["tenderer_affinity"], "tenderer"),
        "agency_affinity": affinity(planted["agency_affinity"], "agency"),
        "expert_affinity": [
            {
                "expert_id": _one(ids.expert, e["expert"]),
                "org_id": org(e["org"]),
                "lots": _list(lot_id[e["lots"]]),
            }
            for e in planted["expert_affinity"]
        ],
        "expert_bias": [
            {"expert_id": _one(ids.expert, e["expert"]), "direction": e["direction"]} for e in planted["expert_bias"]
        ],
        "contract_splitting": [
            {"tenderer_id": org(s["tenderer"]), "org_id": org(s["org"]), "lots": _list(lot_id[s["lots"]])}
            for s in planted["splitting"]
        ],
        "winner_not_builder": [
            {
                "lot_id": str(lot_id[w["lot"]]),
                "winner_id": org(w["winner"]),
                "builder_org_id": None if w["builder"] is None else org(w["builder"]),
            }
            for w in planted["winner_not_builder"]
        ],
        "payment_anomaly": [
            {
                "contract_id": _one(ids.contract, p["contract"]),
                "payment_ids": _list(ids.payment(p["payments"])),
                "kind": p["kind"],
            }
            for p in planted["payments"]
        ],
        "procedure_gap": [{"lot_id": str(lot_id[g["lot"]]), "kind": g["kind"]} for g in planted["gaps"]],
        "decoys": {
            "public_ips": _list(decoys.public_ip),
            "public_terminal_macs": _list(decoys.terminal_mac.ravel()),
            "public_terminal_hardware_ids": _list(decoys.terminal_hw.ravel()),
            "nat_ips": _list(decoys.nat_ip.ravel()),
            "small_county": {"region_code": str(world.regions.code[county]), "org_ids": [org(f) for f in county_firms]},
            "big_winners": [org(b) for b in planted["big_winners"]],
        },
    }


def _trace_values(ring: dict, person) -> dict:
    out = {}
    for kind, values in ring.get("trace_values", {}).items():
        out[kind] = [person(int(v)) for v in values] if kind == "person" else [str(v) for v in values]
    return out
