"""The relationship chains of a case as sentences an investigator would write, in Chinese and
English: who bid against whom and who won, which bids came from one machine or one document,
which person holds roles in several firms.

:func:`chain_sentences` reads the pack's ``bids`` table and its subgraph (the query API's
``{"nodes", "edges"}``); it names firms and persons by their captions, never by storage ids
alone, and lists the strongest chains first. The raw relationships stay in ``graph.graphml``.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pandas as pd

from bidgraph.detectors.core.measure_text import sep
from bidgraph.graph.schema import schema

__all__ = ["chain_sentences", "MAX_FIRMS", "MAX_SENTENCES"]

MAX_FIRMS = 12  # the case's firms paired for co-bidding (66 pairs at most)
MAX_SENTENCES = 40
TRACE_WORDS = {  # a trace node's label: what it is (zh, en) and the verb of its bids
    "IP": ("IP地址", "IP address", "从同一{what} {value} 上传", "were uploaded from the same {what} {value}"),
    "Device": (
        "设备",
        "device",
        "在同一{what} {value} 上制作或上传",
        "were made or uploaded on the same {what} {value}",
    ),
    "Document": ("标书文件", "document file", "使用同一{what}（特征码 {value}）", "used the same {what} ({value})"),
}
CONTACT_WORDS = {"Phone": ("电话", "phone"), "Email": ("邮箱", "e-mail"), "Address": ("地址", "address")}


def _names(subgraph: dict) -> dict[str, str]:
    return {n["id"]: str(n.get("caption") or n["id"].partition(":")[2]) for n in subgraph.get("nodes", [])}


def _cobidding(bids: pd.DataFrame, firms: list[str], name) -> list[tuple[int, str, str]]:
    if bids.empty or not firms:
        return []
    bids = bids.assign(org_id=bids["org_id"].astype(str), lot_id=bids["lot_id"].astype(str))
    lots = bids.groupby("org_id")["lot_id"].agg(set).to_dict()
    won = bids[bids["is_winner"].fillna(False).astype(bool)] if "is_winner" in bids else bids.iloc[0:0]
    wins = won.groupby("org_id")["lot_id"].agg(set).to_dict()
    out = []
    for a, b in combinations(firms, 2):
        shared = lots.get(a, set()) & lots.get(b, set())
        if not shared:
            continue
        wa, wb = len(wins.get(a, set()) & shared), len(wins.get(b, set()) & shared)
        zh = f"{name(a)}与{name(b)}在{len(shared)}个标段同场投标，其中{name(a)}中标{wa}个，{name(b)}中标{wb}个。"
        en = f"{name(a)} and {name(b)} bid on the same {len(shared)} lots; {name(a)} won {wa} of them and {name(b)} {wb}."
        out.append((len(shared), zh, en))
    return out


def _traces(subgraph: dict, names: dict[str, str]) -> list[tuple[int, str, str]]:
    """Trace nodes (IP, device, document) behind bids of two or more firms, and contact values
    (phone, e-mail, address) registered by two or more firms."""
    bidder: dict[str, str] = {}
    bids_of: dict[str, set[str]] = defaultdict(set)
    firms_of: dict[str, set[str]] = defaultdict(set)
    for e in subgraph.get("edges", []):
        if e["type"] == "SUBMITTED":
            bidder[e["target"]] = e["source"]
    for e in subgraph.get("edges", []):
        label = e["target"].partition(":")[0]
        if label in TRACE_WORDS and e["source"] in bidder:
            bids_of[e["target"]].add(e["source"])
            firms_of[e["target"]].add(bidder[e["source"]])
        elif label in CONTACT_WORDS and e["source"].startswith("Organization:"):
            firms_of[e["target"]].add(e["source"])
    out = []
    for node, firms in sorted(firms_of.items()):
        if len(firms) < 2:
            continue
        label, _, value = node.partition(":")
        who = sorted(names.get(f, f) for f in firms)
        if label in TRACE_WORDS:
            zh_what, en_what, zh_verb, en_verb = TRACE_WORDS[label]
            n = len(bids_of[node])
            zh = f"{sep('zh').join(who)}的{n}份投标{zh_verb.format(what=zh_what, value=value)}。"
            en = f"{n} bids of {sep('en').join(who)} {en_verb.format(what=en_what, value=value)}."
        else:
            zh_what, en_what = CONTACT_WORDS[label]
            zh = f"{sep('zh').join(who)}登记了同一{zh_what} {value}。"
            en = f"{sep('en').join(who)} registered the same {en_what} {value}."
        out.append((len(firms) * 10, zh, en))
    return out


def _roles_text(held: list[tuple[str, str]], names: dict[str, str], lang: str) -> str:
    """ "甲公司（法定代表人）、乙公司（项目经理）" / "A (legal representative), B (project manager)"."""
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    return sep(lang).join(
        names.get(o, o) + (f"{open_}{schema().value_label(r, lang)}{close}" if r else "") for o, r in held
    )


def _persons(subgraph: dict, names: dict[str, str]) -> list[tuple[int, str, str]]:
    roles: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for e in subgraph.get("edges", []):
        if e["type"] in ("HOLDS_ROLE", "EMPLOYED_BY") and e["target"].startswith("Organization:"):
            roles[e["source"]].add((e["target"], str((e.get("properties") or {}).get("role") or "")))
    out = []
    for person, held in sorted(roles.items()):
        if len({org for org, _ in held}) < 2:
            continue
        ordered, who = sorted(held), names.get(person, person)
        zh = f"{who}同时在{_roles_text(ordered, names, 'zh')}任职。"
        en = f"{who} holds roles in {_roles_text(ordered, names, 'en')}."
        out.append((len(ordered) * 10, zh, en))
    return out


def chain_sentences(findings: list[dict], subgraph: dict, bids: pd.DataFrame) -> list[tuple[str, str]]:
    """``(zh, en)`` sentences for the case's relationship chains, strongest first: shared traces
    and persons, then co-bidding among the case's firms (the pairs that met most first)."""
    names = _names(subgraph)
    firms = list(
        dict.fromkeys(str(e["id"]) for f in findings for e in f.get("entities", []) if e.get("type") == "company")
    )[:MAX_FIRMS]
    name = lambda org: names.get(f"Organization:{org}", org)
    ranked = _traces(subgraph, names) + _persons(subgraph, names)
    ranked.sort(key=lambda r: (-r[0], r[1]))
    cobids = sorted(_cobidding(bids, firms, name), key=lambda r: (-r[0], r[1]))
    return [(zh, en) for _, zh, en in (ranked + cobids)[:MAX_SENTENCES]]
