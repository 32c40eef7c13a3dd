"""shared_personnel: the same person, phone, e-mail or address behind competing bidders.

Rule
----
Two or more bidders on the same lot linked by the same person (after the loader's resolution
of persons by ID number) in a controlling or bidding role — legal representative, shareholder,
director, manager, project manager, bid agent — or by the same phone number, e-mail or
registered address (of the firm, or of a person holding a role in it). 《招标投标法实施条例》
第三十四条 bars firms with the same responsible person or a control relationship from
bidding on the same lot, and 第三十九/四十条 treat bids handled by the same person or
contact as collusion; the 关联关系 analyses of Chinese supervision platforms and the OECD
Guidelines for Fighting Bid Rigging look for exactly these links.

A value held by many firms (a serviced office address, an agency's phone that files for many
clients) is weak, so values are weighted by rarity and ``public_min_firms`` caps them, as in
:mod:`bidgraph.detectors.stats.shared_values`. A phone, e-mail or address is a shared service
already when ``service_min_firms`` (3) firms give it and their same-lot sharing is within chance:
the tenants of a serviced office (商务秘书托管) or the clients of a registration agent are
unrelated firms, and three of them cannot be one controller's shells without meeting on lots
beyond chance (Poisson tail at ``coincidence_alpha``). Each finding carries the chain person → roles → firms
as graph nodes and edges and as readable text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.stats.shared_values import (
    PUBLIC_DEFAULTS,
    Kind,
    firms_per_value,
    lot_sizes,
    shared_value_findings,
    trace_node,
)
from bidgraph.graph.snapshot import positions

__all__ = ["DEFAULTS", "DETECTOR", "KINDS", "detect"]

DEFAULTS = {
    # roles that tie a person to a bidder
    "roles": ["legal_rep", "shareholder", "director", "manager", "project_manager", "bid_agent"],
    "weight_person": 0.8,  # strength of one lot shared through the same rare person
    "weight_phone": 0.6,  # strength of one lot shared through the same rare phone number
    "weight_email": 0.6,  # strength of one lot shared through the same rare e-mail address
    "weight_address": 0.4,  # strength of one lot shared through the same rare address
    "public_min_firms": 8,  # a value held by at least this many firms is generic (business centre, agent's phone)
    "service_min_firms": 3,  # ... and a firm's registered phone, e-mail or address already from this many (serviced office)
    **PUBLIC_DEFAULTS,
    "min_score": 0.25,  # groups scoring below this are not reported
}

DETECTOR = ModuleDetector(
    "shared_personnel",
    rule_version="2",
    defaults=DEFAULTS,
    module=__name__,
    requires=(("person_roles", "organizations.phone", "organizations.email", "organizations.address"),),
)

KINDS = [
    Kind("person", "同一人员", "the same person", "person", "Person"),
    Kind("phone", "电话", "phone", None, "Phone", service=True),
    Kind("email", "邮箱", "e-mail", None, "Email", service=True),
    Kind("address", "地址", "address", None, "Address", service=True),
]


def _holders(snapshot, roles: list[str]) -> pd.DataFrame:
    """Which firm holds which value, and through whom: org_id, kind, value, person_id, role."""
    pr = snapshot["person_roles"][["person_id", "org_id", "role", "share_pct"]]
    pr = pr.iloc[np.flatnonzero(pr["role"].isin(roles).to_numpy())].reset_index(drop=True)
    # each role's person looked up by position: 0.6 CPU s at province, where the merge on the id strings took 0.85
    persons = snapshot["persons"]
    person = positions(persons["person_id"], pr["person_id"])
    pr = pr.assign(**{c: persons[c].array.take(person, allow_fill=True) for c in ("name", "phone")})
    pr = pr.rename(columns={"name": "person_name"})
    orgs = snapshot["organizations"]
    parts = [
        pr.assign(kind="person", value=pr["person_id"]),
        pr.dropna(subset=["phone"]).assign(kind="phone", value=lambda d: d["phone"]),
    ]
    for col in ("phone", "email", "address"):
        if col in orgs:
            o = orgs[["org_id", col]].dropna(subset=[col]).rename(columns={col: "value"})
            parts.append(o.assign(kind=col))
    cols = ["org_id", "kind", "value", "person_id", "person_name", "role", "share_pct"]
    # a firm's own contact has no person and no role: missing strings, as the roles' columns are
    # typed (float NaN would turn them into Python objects: seconds at province, in fresh memory)
    typed = parts[0][cols].dtypes.to_dict()
    h = pd.concat([p.reindex(columns=cols).astype(typed) for p in parts], ignore_index=True)
    h["value"] = h["value"].astype(str).str.strip()
    return h[h["value"] != ""]


def _draw(uses: list[dict]):
    nodes, edges, names = set(), set(), {}
    chains: dict[tuple[str, str], set[str]] = {}
    for r in uses:
        org, bid = uid("Organization", r["org_id"]), uid("Bid", r["bid_id"])
        nodes |= {org, bid}
        edges |= {(org, "SUBMITTED", bid), (bid, "FOR_LOT", uid("Lot", r["lot_id"]))}
        link = chains.setdefault((r["kind"], r["value"]), set())
        if pd.notna(r["person_id"]):
            person = uid("Person", r["person_id"])
            nodes.add(person)
            edges.add((person, "HOLDS_ROLE", org))
            share = f" {r['share_pct']:g}%" if pd.notna(r["share_pct"]) else ""
            if pd.notna(r["person_name"]):
                names[r["person_id"]] = r["person_name"]
            who = r["person_id"] + (f" ({r['person_name']})" if pd.notna(r["person_name"]) else "")
            if r["kind"] == "person":
                link.add(f"{r['role']}{share} of {r['org_id']}")
            else:
                nodes.add(uid("Phone", r["value"]))
                edges.add((person, "HAS_PHONE", uid("Phone", r["value"])))
                link.add(f"{r['org_id']} via {who}, {r['role']}{share}")
        else:
            label, relationship = trace_node(r["kind"])
            nodes.add(uid(label, r["value"]))
            edges.add((org, relationship, uid(label, r["value"])))
            link.add(f"{r['org_id']} ({r['kind']} of the firm)")
    paths = []
    for (kind, value), links in sorted(chains.items()):
        head = (
            f"Person {value}" + (f" ({names[value]})" if value in names else "")
            if kind == "person"
            else f"{kind.capitalize()} {value}"
        )
        paths.append(f"{head} → " + "; ".join(sorted(links)))
    return sorted(nodes), [list(e) for e in sorted(edges)], {"paths": paths}


def detect(snapshot, params: dict, seed: int) -> list:
    """Groups of competing bidders linked by shared persons or contact details (``seed``
    unused: the detector is deterministic)."""
    holders = _holders(snapshot, list(params["roles"]))
    shareable = firms_per_value(*(pd.factorize(holders[c])[0] for c in ("kind", "value", "org_id"))) >= 2
    bids = snapshot["bids"][["bid_id", "lot_id", "org_id"]]
    uses = bids.merge(holders[shareable], on="org_id")
    return shared_value_findings(
        DETECTOR.id,
        uses,
        holders,
        lot_sizes(snapshot),
        KINDS,
        params,
        _draw,
        ("人员或联系方式", "persons or contact details"),
    )
