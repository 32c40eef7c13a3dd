"""statutory_presumption: the presumptions of collusion the law lists, each as its own rule (法定串通情形).

Rule
----
Each rule names its article of 《招标投标法实施条例》 (the Implementing Regulations of the
Tendering and Bidding Law); competing means bids on the same lot, valid or not.

``art34_same_controller`` — 第三十四条第二款: "单位负责人为同一人或者存在控股、管理关系的不同单位，
不得参加同一标段投标": two bidders whose legal representative is the same person, or whom one
person controls (legal representative of one, shareholder of at least ``control_share`` % of
the other, or such a shareholder of both).

第四十条 "有下列情形之一的，视为投标人相互串通投标" (deemed collusion):
``art40_1_same_compiler`` — (一) "不同投标人的投标文件由同一单位或者个人编制": the same document
author (``bid_documents.author``; an author string used by more than ``max_value_firms`` firms
in the market is a software default, not a person) or the same compiler named in the bid text
(``bid_texts``: "编制人：姓名（人员编号）"); ``art40_2_same_agent`` — (二) "不同投标人委托
同一单位或者个人办理投标事宜": one person is bid agent (``bid_agent``) of both; ``art40_3_same_manager``
— (三) "不同投标人的投标文件载明的项目管理成员为同一人": one person is project manager of both
(``person_roles``), or the bid texts name the same project manager ("拟派项目经理：…");
``art40_4_price_pattern`` — (四) "投标报价呈规律性差异": ``min_pattern_bids`` or more of the lot's
sorted prices step by a constant difference or a constant ratio (each price within two rounding
units, or ``pattern_tolerance`` of the price, of the one the pattern predicts: a deliberate pattern
is exact up to rounding), and the run is unlikely by chance: prices rounded to a unit ``u`` (the
largest power of ten dividing all of the lot's prices) with a typical gap ``g`` between neighbours
land within that reach ``r`` of the predicted price with probability about ``2r / g`` each, so a run of ``k`` predicted bids among ``n`` is expected
``(n - 2) · p^k`` times by chance and must stay under ``max_chance`` (three round prices 1,000 yuan
apart in a lot whose neighbours sit 2,000 yuan apart are common; three prices to the fen are not); ``art40_5_mixed_documents`` — (五)
"不同投标人的投标文件相互混装": the same file (SHA-256 or fingerprint) in two bidders' documents (a
file of more than ``max_value_firms`` firms is the tender's own form); ``art40_6_same_bond_account``
— (六) "不同投标人的投标保证金从同一单位或者个人的账户转出": bid bonds paid from one account
(numbers compared without spaces and dashes; masked numbers only as exported, and scored lower,
since two masked numbers may be two accounts).

``art41_tenderer_link`` — 第四十一条 (tenderer–bidder collusion, "招标人与投标人为谋求特定投标人中标而
采取的其他串通行为") with 第三十四条第一款 (an interested party may not bid): an official of the
tenderer (``person_roles`` role ``official``) holds a role in the winner of its lot.

Document likeness (第四十条第四项, "投标文件异常一致") is ``identical_errors``. Scores are fixed per
rule (``scores``); a price pattern gains 0.1 per bid beyond three. Sources: 《招标投标法实施条例》
第三十四条、第四十条、第四十一条.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.core.names import PRESUMPTION_SHARED
from bidgraph.detectors.stats.bid_text import NAMED_PERSON
from bidgraph.detectors.stats.names import name_keys
from bidgraph.detectors.stats.shared_values import firms_per_value
from bidgraph.detectors.stats.warning import bid_graph, warning
from bidgraph.graph.schema import schema
from bidgraph.graph.snapshot import positions

__all__ = ["DEFAULTS", "DETECTOR", "RULES", "detect"]

DEFAULTS = {
    "control_share": 50.0,  # share_pct (in %) from which a shareholder controls the firm (控股)
    "max_value_firms": 5,  # an author or file shared by more firms in the market is a default or a form
    "min_pattern_bids": 3,  # fewest bids in a constant-difference or constant-ratio run
    "pattern_tolerance": 0.0,  # besides two rounding units, the share of a price it may miss the predicted one by
    "max_chance": 0.01,  # a run is a pattern only when rounding and spread would make it this rare by chance
    # score of each rule
    "scores": {
        "art34_same_controller": 0.85,
        "art40_1_same_compiler": 0.8,
        "art40_2_same_agent": 0.85,
        "art40_3_same_manager": 0.85,
        "art40_4_price_pattern": 0.6,
        "art40_5_mixed_documents": 0.8,
        "art40_6_same_bond_account": 0.9,
        "art40_6_same_masked_account": 0.6,
        "art41_tenderer_link": 0.8,
    },
}

# where a shared value was read, in Chinese (person roles take the schema's names)
_SOURCE_ZH = {"author": "文档作者", "compiler": "标书载明的编制人", "fingerprint": "文件特征码", "sha256": "文件哈希"}

REQUIRES = (("person_roles", "bid_documents", "bid_bonds", "bids.price"),)  # roles, documents, bonds and prices
DETECTOR = ModuleDetector(
    "statutory_presumption", rule_version="2", defaults=DEFAULTS, module=__name__, requires=REQUIRES
)

_REGS = "《招标投标法实施条例》"
# Art. 40's items: (rule, item, what the article lists in Chinese, in English); each is deemed collusion
_ART40 = [
    ("art40_1_same_compiler", 1, "不同投标人的投标文件由同一单位或者个人编制",
     "bid documents of different bidders compiled by the same unit or person are"),
    ("art40_2_same_agent", 2, "不同投标人委托同一单位或者个人办理投标事宜",
     "different bidders having the same unit or person handle their bidding is"),
    ("art40_3_same_manager", 3, "不同投标人的投标文件载明的项目管理成员为同一人",
     "the same project management member named in different bidders' documents is"),
    ("art40_4_price_pattern", 4, "不同投标人的投标报价呈规律性差异",
     "bid prices of different bidders differing in a regular pattern are"),
    ("art40_5_mixed_documents", 5, "不同投标人的投标文件相互混装",
     "bid documents of different bidders mixed up with each other are"),
    ("art40_6_same_bond_account", 6, "不同投标人的投标保证金从同一单位或者个人的账户转出",
     "bid bonds of different bidders paid from the account of the same unit or person are"),
]  # fmt: skip
_ITEM_ZH = "一二三四五六"
RULES = {
    rule: (
        f"{_REGS}第四十条第（{_ITEM_ZH[item - 1]}）项：{zh}，视为投标人相互串通投标。",
        f"Tendering Regulations Art. 40({item}): {en} deemed collusion.",
    )
    for rule, item, zh, en in _ART40
}
RULES["art34_same_controller"] = (
    f"{_REGS}第三十四条：单位负责人为同一人或者存在控股、管理关系的不同单位，不得参加同一标段投标。",
    "Tendering Regulations Art. 34: firms with the same person in charge or in a controlling relation may not "
    "bid on the same lot.",
)
RULES["art41_tenderer_link"] = (
    f"{_REGS}第四十一条：禁止招标人与投标人串通投标（招标人与投标人为谋求特定投标人中标而采取的其他串通行为）；"
    "第三十四条第一款：与招标人存在利害关系可能影响招标公正性的法人、其他组织或者个人，不得参加投标。",
    "Tendering Regulations Art. 41: collusion between tenderer and bidder is prohibited; Art. 34(1): a party "
    "with an interest in the tenderer that may affect fairness may not bid.",
)
RULES["art40_6_same_masked_account"] = RULES["art40_6_same_bond_account"]


_NAMED_RULE = {"编制人": ("art40_1_same_compiler", "compiler"), "项目经理": ("art40_3_same_manager", "named_manager")}
_TEXT_ROLES = [role for _, role in _NAMED_RULE.values()]


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """One finding per rule, lot and shared value (``seed`` unused)."""
    named = _text_traces(snapshot)
    traces = pd.concat(
        [
            _person_traces(snapshot, params, named),
            named,
            _document_traces(snapshot, params, named),
            _bond_traces(snapshot),
        ],
        ignore_index=True,
    )
    findings = _shared_value_findings(snapshot, traces, params)
    findings += _price_patterns(snapshot, params)
    findings += _tenderer_links(snapshot, params)
    return findings


# A trace is one bid's value under one rule: ``bid`` (its code, ``snapshot.codes("bids", "bid_id")``),
# ``value``, ``rule``, ``role`` (where the value was read) and ``label`` (the node it is, if any).
# The traces of a rule and lot that share a value between firms are its findings; until they are
# found, bids, lots and firms are integer codes, since there are millions of traces and few findings.


def _bid_keys(snapshot) -> pd.DataFrame:
    """Per bid code (the row): its ``lot`` and ``org`` codes."""
    keys = pd.DataFrame({"lot": snapshot.codes("bids", "lot_id"), "org": snapshot.codes("bids", "org_id")})
    return keys.set_axis(snapshot.codes("bids", "bid_id")).sort_index()


def _firms_per(rule: pd.Series, value: pd.Series, org: pd.Series) -> np.ndarray:
    """Per row, ``groupby([rule, value])[org].transform("nunique")`` of integer ``value`` and
    ``org`` codes, counted on codes (the group-by took seconds at province scale); a code -1
    counts as a value, as it does there."""
    return firms_per_value(pd.factorize(rule)[0], value.to_numpy() + 1, org.to_numpy() + 1)


def _bid_codes(snapshot, table: str) -> np.ndarray:
    """The bid codes of ``table``'s rows (-1 for a bid that is not in ``bids``)."""
    return snapshot.codes(table, "bid_id", ("bids", "bid_id"))


def _person_traces(snapshot, params: dict, named: pd.DataFrame) -> pd.DataFrame:
    """(rule, value = person_id) per bid, from the bidder's roles. Only a person who holds the
    rule's role in two bidders, or whom a bid text names under the rule, can be shared."""
    roles = snapshot["person_roles"]
    org = snapshot.codes("person_roles", "org_id", ("bids", "org_id"))  # -1: never bid
    controlling = (roles["role"] == "legal_rep") | (
        (roles["role"] == "shareholder") & (roles["share_pct"] >= params["control_share"])
    )
    parts = [
        (controlling, "art34_same_controller"),
        (roles["role"] == "bid_agent", "art40_2_same_agent"),
        (roles["role"] == "project_manager", "art40_3_same_manager"),
    ]
    bidder = (org >= 0) & roles["person_id"].notna().to_numpy()
    frames = []
    for mask, rule in parts:
        at = np.flatnonzero(mask.to_numpy(bool) & bidder)
        frames.append(
            pd.DataFrame({"org": org[at], "row": at, "rule": rule, "role": roles["role"].iloc[at].to_numpy()})
        )
    people = pd.concat(frames, ignore_index=True)
    # the persons of these roles alone coded (a third of all roles): coding every role's person cost half a second
    person, persons = pd.factorize(roles["person_id"].iloc[people["row"].to_numpy()])
    people = people.assign(person=person)
    in_texts = named.assign(person=positions(pd.Index(persons), named["value"]))
    in_texts = in_texts.loc[in_texts["person"] >= 0, ["rule", "person"]].drop_duplicates().assign(named=True)
    firms = _firms_per(people["rule"], people["person"], people["org"])
    named_too = people.merge(in_texts, on=["rule", "person"], how="left")["named"].eq(True).to_numpy()
    people = people[(firms >= 2) | named_too]
    traces = people.merge(_bid_keys(snapshot)["org"].rename_axis("bid").reset_index(), on="org")
    value = persons.take(traces["person"].to_numpy())
    return traces.assign(value=value, label="Person")[["bid", "value", "rule", "role", "label"]]


def _text_traces(snapshot) -> pd.DataFrame:
    """(rule, value) per bid from the persons its text names as compiler or project manager:
    their id when the text gives one in brackets, else their name."""
    texts = snapshot["bid_texts"][["bid_id", "text"]].dropna()
    rows = []
    for bid, text in zip(texts["bid_id"].tolist(), texts["text"].tolist()):
        for post, name, person in NAMED_PERSON.findall(text):
            rule, role = _NAMED_RULE[post]
            rows.append((bid, person or name, rule, role))
    traces = pd.DataFrame(rows, columns=["bid_id", "value", "rule", "role"])
    known = positions(snapshot["persons"]["person_id"], traces["value"]) >= 0
    label = np.full(len(traces), None, dtype=object)
    label[known] = "Person"
    traces = traces.assign(bid=positions(snapshot.keys("bids", "bid_id"), traces["bid_id"]), label=label)
    return traces[traces["bid"] >= 0][["bid", "value", "rule", "role", "label"]]


# the columns of bid_documents read as traces: (rule, role) of each, the author first
_DOCUMENT_PARTS = (
    ("art40_1_same_compiler", "author"),
    ("art40_5_mixed_documents", "file_sha256"),
    ("art40_5_mixed_documents", "fingerprint"),
)


def _document_traces(snapshot, params: dict, named: pd.DataFrame) -> pd.DataFrame:
    """Authors, files and fingerprints per bid. Only a value of two firms in the market can be
    shared, or an author a bid text names as its compiler (``named``: the text traces)."""
    bid = _bid_codes(snapshot, "bid_documents")
    docs = snapshot["bid_documents"].loc[bid >= 0, ["author", "file_sha256", "fingerprint"]].assign(bid=bid[bid >= 0])
    read = [name_keys(docs["author"]), docs["file_sha256"], docs["fingerprint"]]
    # which of _DOCUMENT_PARTS a trace was read from: its rule and role, named once few traces are left
    parts = [docs[["bid"]].assign(value=value, part=part) for part, value in enumerate(read)]
    traces = pd.concat(parts, ignore_index=True).dropna(subset=["value"])
    keys = _bid_keys(snapshot).iloc[traces["bid"].to_numpy()]
    code, values = pd.factorize(traces["value"])
    traces = traces.assign(lot=keys["lot"].to_numpy(), org=keys["org"].to_numpy(), code=code)
    part = traces["part"].to_numpy()
    rules, roles = (np.array(names, dtype=object) for names in zip(*_DOCUMENT_PARTS))
    firms = _firms_per(pd.Series(pd.factorize(rules)[0][part]), traces["code"], traces["org"])
    alone = np.unique(code[(firms == 1) & (part == 0)])
    compilers = set(named.loc[named["rule"] == "art40_1_same_compiler", "value"])
    also_named = alone[[v in compilers for v in values[alone].tolist()]]
    traces = traces[(firms <= params["max_value_firms"]) & ((firms >= 2) | np.isin(code, also_named))]
    part = traces["part"].to_numpy()
    traces = traces.assign(rule=pd.array(rules[part], dtype="str"), role=pd.array(roles[part], dtype="str"))
    traces = traces[~_namesakes(snapshot, traces)]
    label = traces["rule"].map({"art40_5_mixed_documents": "Document"})
    return traces.assign(label=label)[["bid", "value", "rule", "role", "label"]]


def _namesakes(snapshot, traces: pd.DataFrame) -> pd.Series:
    """Author traces shared on a lot by namesakes: every firm has its own registered person of
    that name (one each, none the same), so the one name is two people, not one compiler. A
    firm with no such person keeps the share: its document was written by someone outside it."""
    authors = traces[traces["role"] == "author"]
    authors = authors[authors.groupby(["lot", "code"])["org"].transform("nunique") >= 2]
    if authors.empty:  # no author shared on a lot: no namesakes to tell apart
        return pd.Series(False, index=traces.index)
    roles = snapshot["person_roles"]
    org = snapshot.codes("person_roles", "org_id", ("bids", "org_id"))
    near = np.isin(org, authors["org"].unique()) & roles["person_id"].notna().to_numpy()
    people = pd.DataFrame({"person_id": roles["person_id"].iloc[np.flatnonzero(near)].array, "org": org[near]})
    people = people.drop_duplicates()
    persons = snapshot["persons"]
    named = positions(people["person_id"].drop_duplicates(), persons["person_id"]) >= 0
    people = people.merge(persons.loc[named, ["person_id", "name"]].dropna(), on="person_id")
    people = people.assign(value=name_keys(people["name"]))
    one = people.groupby(["org", "value"])["person_id"].agg(["first", "size"])
    own = one["first"].where(one["size"] == 1).rename("own")
    authors = authors.join(own, on=["org", "value"])
    group = authors.groupby(["lot", "code"])
    resolved = group["own"].transform("count") == group["org"].transform("size")
    distinct = group["own"].transform("nunique") == group["org"].transform("nunique")
    drop = authors.index[resolved & distinct]
    return pd.Series(traces.index.isin(drop), index=traces.index)


def _bond_traces(snapshot) -> pd.DataFrame:
    bid = _bid_codes(snapshot, "bid_bonds")
    bonds = snapshot["bid_bonds"].loc[bid >= 0, ["payer_account"]].assign(bid=bid[bid >= 0])
    bonds = bonds.dropna(subset=["payer_account"])
    account, accounts = pd.factorize(bonds["payer_account"])  # each distinct account read once
    raw = pd.Series(accounts).astype(str).str.strip()
    masked = raw.str.contains(r"\*", regex=True).to_numpy(bool)
    full = raw.str.replace(r"[\s\-]", "", regex=True).str.upper()
    return bonds.assign(
        value=full.where(~masked, raw).array.take(account),
        rule=np.where(masked[account], "art40_6_same_masked_account", "art40_6_same_bond_account"),
        role="payer_account",
        label=None,
    )[["bid", "value", "rule", "role", "label"]]


def _shared_value_findings(snapshot, traces: pd.DataFrame, params: dict) -> list[Finding]:
    keys = _bid_keys(snapshot).iloc[traces["bid"].to_numpy()]
    traces = traces.assign(
        lot=keys["lot"].to_numpy(), org=keys["org"].to_numpy(), code=pd.factorize(traces["value"])[0]
    )
    traces = traces.drop_duplicates(["rule", "lot", "code", "bid"])
    firms = traces.groupby(["rule", "lot", "code"])["org"].transform("nunique")
    shared = traces[firms >= 2]
    shared = shared.assign(
        bid_id=snapshot.keys("bids", "bid_id")[shared["bid"].to_numpy()],
        lot_id=snapshot.keys("bids", "lot_id")[shared["lot"].to_numpy()],
        org_id=snapshot.keys("bids", "org_id")[shared["org"].to_numpy()],
    ).sort_values(["rule", "lot_id", "value", "bid_id"])
    findings = []
    for (rule, lot, value), g in shared.groupby(["rule", "lot_id", "value"], sort=False):
        findings.append(_shared(rule, lot, value, g, params))
    return findings


def _shared(rule: str, lot: str, value: str, g: pd.DataFrame, params: dict) -> Finding:
    what_zh, what_en = PRESUMPTION_SHARED[rule]
    label = g["label"].iloc[0]
    orgs = sorted(g["org_id"].unique())
    nodes, edges = bid_graph(g)
    entities = [Entity("company", o, "member") for o in orgs] + [Entity("lot", lot, "context")]
    if label == "Person":
        nodes.append(uid("Person", value))
        # a role the graph holds (not a name read in the bid text) is an edge
        held = sorted(set(g.loc[~g["role"].isin(_TEXT_ROLES), "org_id"]))
        edges += [[uid("Person", value), "HOLDS_ROLE", uid("Organization", o)] for o in held]
        entities.append(Entity("person", value, "shared"))
    elif label == "Document":
        nodes.append(uid("Document", value))
        edges += [[uid("Bid", b), "HAS_DOCUMENT", uid("Document", value)] for b in sorted(g["bid_id"])]
        entities.append(Entity("document", value, "shared"))
    roles = sorted(g["role"].unique())
    roles_zh = "、".join(_SOURCE_ZH.get(r) or schema().value_label(r, "zh") for r in roles)
    zh = f"标段{lot}的{len(orgs)}家投标人（{'、'.join(orgs)}）有{what_zh}：{value}（{roles_zh}）。"
    en = f"On lot {lot}, {len(orgs)} bidders ({', '.join(orgs)}) share {what_en}: {value} ({', '.join(roles)})."
    return warning(
        DETECTOR.id,
        rule,
        params["scores"][rule],
        entities,
        RULES[rule],
        (zh, en),
        {"bidders": len(orgs), "shared_value": value, "via": roles},
        {"control_share": params["control_share"], "max_value_firms": params["max_value_firms"]},
        (nodes, edges),
        bids=sorted(g["bid_id"].unique()),
    )


def _pattern_runs(follows: np.ndarray) -> list[np.ndarray]:
    """Row positions of the runs of a pattern: ``follows[i]`` says bid ``i`` is the price the two
    before it predict, so a run of such bids from ``i`` to ``j`` spans bids ``i - 2`` to ``j``."""
    hits = np.flatnonzero(follows)
    return [
        np.arange(seq[0] - 2, seq[-1] + 1) for seq in np.split(hits, np.flatnonzero(np.diff(hits) != 1) + 1) if len(seq)
    ]


def _price_patterns(snapshot, params: dict) -> list[Finding]:
    bids = snapshot["bids"]
    priced = (bids["is_valid"].fillna(True).astype(bool) & bids["price"].notna()).to_numpy()
    lot, bid = snapshot.codes("bids", "lot_id")[priced], snapshot.codes("bids", "bid_id")[priced]
    # by lot, price and bid id (codes sort as the ids do)
    order = np.lexsort((bid, bids["price"].to_numpy()[priced], lot))
    # only the columns a pattern shows: taking every column of a million bids, twice, cost a second
    shown = bids[["bid_id", "lot_id", "org_id", "price"]]
    bids = shown.iloc[np.flatnonzero(priced)[order]].assign(lot=lot[order]).reset_index(drop=True)
    by_lot = bids.groupby("lot")["price"]
    prev, prev2 = by_lot.shift(1), by_lot.shift(2)
    # identical prices are a constant difference (of zero), not also a constant ratio
    patterns = {"difference": 2 * prev - prev2, "ratio": (prev * prev / prev2).where(prev != prev2)}
    findings = []
    tolerance, min_bids, max_chance = params["pattern_tolerance"], params["min_pattern_bids"], params["max_chance"]
    # a price follows a pattern when it misses the predicted one by at most two rounding units
    # (a ratio's prediction is itself rounded) or the settable share of the price
    reach = np.maximum(2 * _rounding_unit(bids), tolerance * bids["price"])
    typical = by_lot.diff().pipe(lambda g: g.where(g > 0)).groupby(bids["lot"])
    hit_chance = (2 * reach / typical.transform("median")).clip(upper=1.0).fillna(1.0).to_numpy()
    sizes = by_lot.transform("size").to_numpy()
    for pattern, predicted in patterns.items():
        follows = ((bids["price"] - predicted).abs() <= reach).to_numpy()
        for run in _pattern_runs(follows):
            chance = float((sizes[run[0]] - 2) * np.prod(hit_chance[run[2:]]))
            if len(run) >= min_bids and chance <= max_chance:
                findings.append(_pattern(pattern, bids.iloc[run], params, chance))
    return findings


def _rounding_unit(bids: pd.DataFrame) -> pd.Series:
    """Per bid, its lot's rounding unit in yuan: the largest power of ten (0.01 to 1,000,000)
    that divides every price of the lot (``lot``: the lot's code)."""
    cents = (bids["price"] * 100).round().astype("int64")
    unit = pd.Series(1, index=bids.index, dtype="int64")
    for power in range(1, 9):
        step = 10**power
        divides = (cents % step == 0).groupby(bids["lot"]).transform("all")
        unit = unit.where(~divides, step)
    return unit / 100


def _pattern(pattern: str, run: pd.DataFrame, params: dict, chance: float) -> Finding:
    lot = run["lot_id"].iloc[0]
    prices = run["price"].to_numpy(float)
    step = float(prices[1] - prices[0]) if pattern == "difference" else float(prices[1] / prices[0])
    listed = "、".join(f"{o} {p:,.0f}" for o, p in zip(run["org_id"], prices))
    listed_en = ", ".join(f"{o} {p:,.0f}" for o, p in zip(run["org_id"], prices))
    if pattern == "difference":
        zh_step, en_step = f"依次相差{step:,.0f}元", f"each {step:,.0f} yuan above the last"
    else:
        zh_step, en_step = f"依次为前一报价的{step:.4f}倍", f"each {step:.4f} times the last"
    zh = f"标段{lot}的{len(run)}个投标报价{zh_step}（{listed}），呈规律性差异（不少于{params['min_pattern_bids']}个）。"
    en = (
        f"On lot {lot}, {len(run)} bid prices are {en_step} ({listed_en}): a regular pattern "
        f"(at least {params['min_pattern_bids']} bids)."
    )
    score = min(0.95, params["scores"]["art40_4_price_pattern"] + 0.1 * (len(run) - 3))
    orgs = list(dict.fromkeys(run["org_id"]))
    return warning(
        DETECTOR.id,
        "art40_4_price_pattern",
        score,
        [Entity("company", o, "member") for o in orgs] + [Entity("lot", lot, "context")],
        RULES["art40_4_price_pattern"],
        (zh, en),
        {
            "pattern": pattern,
            "step": round(step, 6),
            "bids_in_pattern": len(run),
            "prices": prices.tolist(),
            "expected_by_chance": round(chance, 6),
        },
        {
            "min_pattern_bids": params["min_pattern_bids"],
            "pattern_tolerance": params["pattern_tolerance"],
            "max_chance": params["max_chance"],
        },
        bid_graph(run),
        bids=run["bid_id"].tolist(),
    )


def _tenderer_links(snapshot, params: dict) -> list[Finding]:
    roles = snapshot["person_roles"]
    official, person = (roles["role"] == "official").to_numpy(bool), snapshot.codes("person_roles", "person_id")
    officials = roles.loc[official, ["person_id", "org_id"]].rename(columns={"org_id": "tenderer_id"})
    # the other roles of officials only: no one else can link a tenderer to a winner
    held = roles.loc[~official & np.isin(person, person[official]), ["person_id", "org_id", "role"]]
    won = snapshot["bids"][snapshot["bids"]["is_winner"].fillna(False).astype(bool)][["bid_id", "lot_id", "org_id"]]
    lots = snapshot["lots"][["lot_id", "project_id"]].merge(snapshot["projects"][["project_id", "tenderer_id"]])
    links = won.merge(lots, on="lot_id").merge(officials, on="tenderer_id").merge(held, on=["person_id", "org_id"])
    links = links[links["org_id"] != links["tenderer_id"]].drop_duplicates(["bid_id", "person_id"])
    findings = []
    for (tenderer, person, org), g in links.sort_values("lot_id").groupby(["tenderer_id", "person_id", "org_id"]):
        findings.append(_tenderer_link(tenderer, person, org, g, params))
    return findings


def _tenderer_link(tenderer: str, person: str, org: str, g: pd.DataFrame, params: dict) -> Finding:
    lots = list(dict.fromkeys(g["lot_id"]))
    roles = sorted(g["role"].unique())
    zh = (
        f"招标人{tenderer}的工作人员{person}同时在中标人{org}任{'、'.join(roles)}，"
        f"该中标人中标了招标人的{len(lots)}个标段（{'、'.join(lots)}）。"
    )
    en = (
        f"{person}, an official of tenderer {tenderer}, is {', '.join(roles)} of {org}, which won {len(lots)} of "
        f"its lot(s) ({', '.join(lots)})."
    )
    nodes, edges = bid_graph(g)
    nodes += [uid("Person", person), uid("Organization", tenderer)]
    edges += [
        [uid("Person", person), "HOLDS_ROLE", uid("Organization", tenderer)],
        [uid("Person", person), "HOLDS_ROLE", uid("Organization", org)],
    ]
    edges += [[uid("Organization", org), "WON", uid("Lot", lot)] for lot in lots]
    entities = [
        Entity("company", org, "winner"),
        Entity("company", tenderer, "tenderer"),
        Entity("person", person, "link"),
    ]
    return warning(
        DETECTOR.id,
        "art41_tenderer_link",
        min(1.0, params["scores"]["art41_tenderer_link"] + 0.05 * (len(lots) - 1)),
        entities + [Entity("lot", lot, "context") for lot in lots],
        RULES["art41_tenderer_link"],
        (zh, en),
        {"lots_won": len(lots), "roles_at_winner": roles},
        {},
        (nodes, edges),
        bids=g["bid_id"].tolist(),
    )
