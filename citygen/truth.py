"""``truth.json``: what was planted, in bundle ids, for scoring detectors (see docs/generator.md)."""

from __future__ import annotations

import numpy as np

from bidgraph.citygen.award import PUBLICITY_DAYS
from bidgraph.citygen.evidence import NAT_SHARE, PUBLIC_SHARE
from bidgraph.citygen.market import MIN_OPEN_DAYS, THRESHOLDS
from bidgraph.citygen.names import SUBTYPES
from bidgraph.citygen.panels import AFFINITY_BONUS, BIAS_LEAN, ERRATIC_SPREAD
from bidgraph.citygen.ties import COMPILED_BY_ONE_UNIT, consortium_bid_rows

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
    truth = {
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
                **_variant(r, world),
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
    if "ties" in planted:
        _add_hard(truth, planted, ids, lot_id, bids, org, person)
    return truth


def _trace_values(ring: dict, person) -> dict:
    out = {}
    for kind, values in ring.get("trace_values", {}).items():
        out[kind] = [person(int(v)) for v in values] if kind == "person" else [str(v) for v in values]
    return out


def _variant(ring: dict, world) -> dict:
    """A hard-world ring's variant (``two_counties``, ``niche``) and, across counties, its regions."""
    if "variant" not in ring:
        return {}
    out = {"variant": ring["variant"]}
    if "regions" in ring:
        out["region_codes"] = [str(world.regions.code[r]) for r in ring["regions"]]
    return out


def _add_hard(truth: dict, planted: dict, ids, lot_id, bids, org, person) -> None:
    """What only the hard world plants: bids compiled by one unit, and its honest look-alikes."""
    ties = planted["ties"]

    def orgs(values) -> list[str]:
        return [org(int(v)) for v in values]

    truth["meta"]["realism"] = "hard"
    truth["same_compiler"] = [
        {
            "consultancy": f"CONS{s['consultancy'] + 1:02d}",
            "lot_id": str(lot_id[s["lot"]]),
            "org_ids": orgs(s["orgs"]),
            "law": COMPILED_BY_ONE_UNIT,
        }
        for s in planted["same_compiler"]
    ]
    consortia = planted["consortia"]
    bid_of = consortium_bid_rows(bids, consortia)
    leaders = [n["leader"] for n in planted["niches"]]
    truth["decoys"] |= {
        "niche_firms": [
            {"specialty": SUBTYPES[n["subtype"]][1], "org_ids": orgs(n["firms"]), "leader": org(n["leader"])}
            for n in planted["niches"]
        ],
        "consultancy_clients": [
            {
                "id": f"CONS{k + 1:02d}",
                **{f: c[f] for f in ("fingerprint", "author", "ip")},
                "org_ids": orgs(c["clients"]),
            }
            for k, c in enumerate(ties.consultancies)
        ],
        "corporate_groups": [
            {
                "chairman": person(g["chairman"]),
                "address": str(g["address"]),
                "org_ids": orgs(g["members"]),
                "consortium_bids": sorted(
                    set(_list(ids.bid(bid_of[np.isin(consortia["lead"].to_numpy(), g["members"])])))
                ),
            }
            for g in ties.groups
        ],
        "serviced_offices": [
            {"address": o["address"], "phone": o["phone"], "org_ids": orgs(o["tenants"])} for o in ties.offices
        ],
        "frequent_winners": sorted(set(orgs(planted["big_winners"]) + orgs(leaders))),
        "legal_change_orders": [
            {
                "contract_id": _one(ids.contract, c["contract"]),
                "change_ids": _list(ids.change(c["changes"])),
                "uplift": c["uplift"],
            }
            for c in planted["changes"]
        ],
        "small_pool_experts": [
            {"specialty": SUBTYPES[p["subtype"]][1], "expert_ids": _list(ids.expert(p["experts"]))}
            for p in planted["expert_pools"]
        ],
        "generic_fingerprints": planted["generic_fingerprints"],
    }
