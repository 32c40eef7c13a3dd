"""personnel_change: the project manager of the bid replaced soon after award, or on several sites at once (人员变动).

Rule
----
``early_replacement`` — a ``personnel_changes`` row of a key post (``roles``) dated at most
``max_days`` after the contract was signed (the lot's opening when no signing date is known):
the manager who won the bid on paper is not the one who runs the site. A replacement whose
reason records the tenderer's consent (``consent_words``: illness, transfer, approved by the
employer) is the lawful exception and is not flagged. The score rises when
the person replaced is the one the bid named (a project manager of the winner in
``person_roles``, or on the lot's site roster). ``concurrent_sites`` — one person listed as
project manager on two or more lots whose periods overlap by at least ``min_overlap_days``: a
``site_personnel`` row in a manager role (``manager_roles``) is there from first to last seen;
a person brought in by a ``personnel_changes`` row of the role ``project_manager`` is there from
that day on, for as long as the lot's site roster runs (open-ended without one): a manager cannot be on both sites, so at
least one is a name lent to the bid (挂证、不到岗).

Personnel changes are one of the five warning kinds of the seed cities' platforms (Nanchong's
first 855 warnings held 19), whose inspections "watch the key people and check they are really
on site" (四盯重点人员、看是否真实到岗). Sources: 《注册建造师执业管理办法（试行）》(建市〔2008〕48号)
第九条 (a registered constructor may not be the project manager of two or more projects at
once) and 第十条 (the project manager may in principle not be replaced during the project);
《招标投标法实施条例》第五十七条 (the contract must agree with the winning bid).

Scores: early_replacement ``0.55 + 0.25 * (1 - days / max_days)``, plus ``named_bonus`` when
the person replaced was named; concurrent_sites ``0.6 + 0.1 * (lots - 2) + overlap_days / 365``,
at most 1.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.detectors.core.common import source_records, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.warning import day, warning

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {
    "roles": ["project_manager", "technical_lead"],  # posts whose early replacement is flagged
    "max_days": 90,  # a replacement this many days or fewer after signing is early
    "named_bonus": 0.15,  # added when the person replaced is the one the bid named
    # a replacement whose reason records the tenderer's consent is the lawful exception (第十条), not flagged
    "consent_words": ["经招标人同意", "经建设单位批准", "经建设单位同意", "经发包人同意", "经发包人批准"],
    "manager_roles": ["project_manager", "项目经理"],  # site_personnel roles that count as project manager
    "min_overlap_days": 30,  # two sites overlapping this many days or more are held at once
}

REQUIRES = (("personnel_changes", "site_personnel.first_seen"),)  # the swaps, and who ran which site when
DETECTOR = ModuleDetector("personnel_change", rule_version="1", defaults=DEFAULTS, module=__name__, requires=REQUIRES)

_OPEN_END = pd.Timestamp("2200-01-01")  # the end of a period still open (representable at any datetime unit)
_SOURCES_ZH = "依据：《注册建造师执业管理办法（试行）》第九条、第十条；南充等地平台“人员变动”预警（四盯重点人员、看是否真实到岗）。"
_SOURCES_EN = (
    "Sources: Measures on the Practice of Registered Constructors Art. 9 and 10; the seed platforms' "
    "'personnel change' warning (watch the key people, check they are really on site)."
)
_RULES = {
    "early_replacement": (
        "投标文件载明的项目经理等关键岗位人员在签订合同后短期内被更换（项目负责人原则上不得更换）。" + _SOURCES_ZH,
        "A key post named in the bid (project manager) replaced soon after the contract was signed (the "
        "project manager may in principle not be replaced). " + _SOURCES_EN,
    ),
    "concurrent_sites": (
        "同一人同时在多个在建标段担任项目经理（不得同时担任两个及以上项目的项目负责人）。" + _SOURCES_ZH,
        "One person project manager of several active sites at once (no one may manage two projects at "
        "once). " + _SOURCES_EN,
    ),
}


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Early replacements of key staff and managers on overlapping sites (``seed`` unused)."""
    return _early_replacements(snapshot, params) + _concurrent_sites(snapshot, params)


def _named_managers(snapshot, params: dict) -> set[tuple[str, str]]:
    """(lot_id, person_id) of the managers each lot's winner named: its project managers in
    person_roles, and the lot's site roster in a manager role."""
    roles = snapshot["person_roles"]
    pms = roles[roles["role"] == "project_manager"][["org_id", "person_id"]]
    winners = snapshot["bids"][snapshot["bids"]["is_winner"].fillna(False).astype(bool)][["lot_id", "org_id"]]
    site = snapshot["site_personnel"]
    on_site = site[site["role"].isin(params["manager_roles"])]
    pairs = pd.concat([winners.merge(pms, on="org_id")[["lot_id", "person_id"]], on_site[["lot_id", "person_id"]]])
    # zipped lists: itertuples steps through the Arrow columns a value at a time
    return set(zip(pairs["lot_id"].tolist(), pairs["person_id"].tolist()))


def _early_replacements(snapshot, params: dict) -> list[Finding]:
    changes = snapshot["personnel_changes"]
    changes = changes[changes["role"].isin(params["roles"]) & changes["changed_on"].notna()]
    if changes.empty:
        return []
    contracts = snapshot["contracts"][["contract_id", "lot_id", "org_id", "signed_on"]]
    by_contract = changes.drop(columns=["lot_id"]).merge(contracts, on="contract_id")
    by_lot = (
        changes[changes["contract_id"].isna()].drop(columns=["contract_id"]).merge(contracts, on="lot_id", how="left")
    )
    rows = pd.concat([by_contract, by_lot], ignore_index=True).rename(columns={"_file": "file", "_row": "row"})
    opened = snapshot["lots"].set_index("lot_id")["opened_on"]
    rows["since"] = rows["signed_on"].fillna(rows["lot_id"].map(opened))
    rows["days"] = (rows["changed_on"] - rows["since"]).dt.days
    reasons = rows["reason"].astype(object).fillna("")
    consented = reasons.map(lambda text: any(w in text for w in params["consent_words"])).astype(bool)
    early = rows[(rows["days"] <= params["max_days"]) & ~consented]
    early = early.sort_values(["lot_id", "changed_on", "role", "row"])
    named = _named_managers(snapshot, params)
    return [_replacement(r, (r.lot_id, r.person_out) in named, params) for r in early.itertuples()]


def _replacement(r, named: bool, params: dict) -> Finding:
    score = 0.55 + 0.25 * (1 - max(r.days, 0) / params["max_days"]) + (params["named_bonus"] if named else 0.0)
    named_zh, named_en = ("（即投标文件载明的人员）", " (the one the bid named)") if named else ("", "")
    zh = (
        f"标段{r.lot_id}合同签订（{day(r.since)}）后{r.days}天，{r.role}由{r.person_out}{named_zh}更换为{r.person_in}，"
        f"不超过{params['max_days']}天。"
    )
    en = (
        f"Lot {r.lot_id}: {r.days} days after signing ({day(r.since)}), the {r.role} {r.person_out}{named_en} was "
        f"replaced by {r.person_in}, within {params['max_days']} days."
    )
    nodes = [uid("Lot", r.lot_id)]
    edges = []
    entities = [Entity("lot", r.lot_id, "context")]
    if not pd.isna(r.org_id):
        nodes.append(uid("Organization", r.org_id))
        edges.append([uid("Organization", r.org_id), "WON", uid("Lot", r.lot_id)])
        entities.append(Entity("company", r.org_id, "winner"))
    if not pd.isna(r.contract_id):
        nodes.append(uid("Contract", r.contract_id))
        edges.append([uid("Contract", r.contract_id), "CONTRACT_FOR", uid("Lot", r.lot_id)])
        entities.append(Entity("contract", r.contract_id, "context"))
    for person, role in ((r.person_out, "replaced"), (r.person_in, "replacement")):
        if not pd.isna(person):
            nodes.append(uid("Person", person))
            entities.append(Entity("person", person, role))
            if not pd.isna(r.org_id):
                edges.append([uid("Person", person), "HOLDS_ROLE", uid("Organization", r.org_id)])
    return warning(
        DETECTOR.id,
        "early_replacement",
        score,
        entities,
        _RULES["early_replacement"],
        (zh, en),
        {
            "role": r.role,
            "days_after_signing": int(r.days),
            "signed_on": day(r.since),
            "changed_on": day(r.changed_on),
            "named_in_bid": named,
            "reason": None if pd.isna(r.reason) else r.reason,
        },
        {"max_days": params["max_days"]},
        (nodes, edges),
        change={"file": r.file, "row": int(r.row)},
    )


def _manager_periods(snapshot, params: dict) -> pd.DataFrame:
    """Who manages which lot when: site_personnel rows in a manager role, and the managers
    personnel_changes bring in (from the change to the end of the lot's roster)."""
    site = snapshot["site_personnel"]
    site = site[site["role"].isin(params["manager_roles"]) & site["first_seen"].notna() & site["last_seen"].notna()]
    changes = snapshot["personnel_changes"]
    changes = changes[(changes["role"] == "project_manager") & changes["person_in"].notna()]
    lots = (
        changes["lot_id"]
        .astype(object)
        .fillna(changes["contract_id"].map(snapshot["contracts"].set_index("contract_id")["lot_id"]))
    )
    roster_end = snapshot["site_personnel"].groupby("lot_id")["last_seen"].max().to_dict()
    brought_in = changes.assign(
        lot_id=lots,
        person_id=changes["person_in"],
        org_id=lots.map(snapshot["contracts"].drop_duplicates("lot_id").set_index("lot_id")["org_id"]),
        first_seen=changes["changed_on"],
        last_seen=pd.to_datetime(lots.map(roster_end).astype(object)).fillna(_OPEN_END),
    ).dropna(subset=["lot_id", "first_seen"])
    columns = ["lot_id", "person_id", "org_id", "first_seen", "last_seen", "_file", "_row"]
    return pd.concat([site[columns], brought_in[columns]], ignore_index=True)


def _concurrent_sites(snapshot, params: dict) -> list[Finding]:
    site = _manager_periods(snapshot, params)
    if site.empty:
        return []
    pairs = site.merge(site, on="person_id", suffixes=("", "_other"))
    pairs = pairs[pairs["lot_id"] < pairs["lot_id_other"]]
    start = pairs[["first_seen", "first_seen_other"]].max(axis=1)
    end = pairs[["last_seen", "last_seen_other"]].min(axis=1)
    pairs = pairs.assign(overlap=(end - start).dt.days + 1)
    pairs = pairs[pairs["overlap"] >= params["min_overlap_days"]]
    findings = []
    for person, overlapping in pairs.groupby("person_id", sort=True):
        lots = sorted(set(overlapping["lot_id"]) | set(overlapping["lot_id_other"]))
        findings.append(_concurrent(person, lots, overlapping, site[site["person_id"] == person], params))
    return findings


def _until(last_seen) -> str | None:
    """The end of a period, None while it is open (a manager brought in, no roster end known)."""
    return None if last_seen == _OPEN_END else day(last_seen)


def _concurrent(person: str, lots: list[str], pairs: pd.DataFrame, rows: pd.DataFrame, params: dict) -> Finding:
    longest = int(pairs["overlap"].max())
    rows = rows[rows["lot_id"].isin(lots)].sort_values(["first_seen", "lot_id"])
    spans = "；".join(f"{r.lot_id}（{day(r.first_seen)}至{_until(r.last_seen) or '今'}）" for r in rows.itertuples())
    spans_en = "; ".join(
        f"{r.lot_id} ({day(r.first_seen)} to {_until(r.last_seen) or 'now'})" for r in rows.itertuples()
    )
    zh = f"{person}同时在{len(lots)}个标段担任项目经理：{spans}；最长重叠{longest}天（不少于{params['min_overlap_days']}天）。"
    en = (
        f"{person} is project manager on {len(lots)} sites at once: {spans_en}; the longest overlap is {longest} "
        f"days (at least {params['min_overlap_days']})."
    )
    nodes = [uid("Person", person)] + [uid("Lot", lot) for lot in lots]
    edges = [[uid("Person", person), "ON_SITE", uid("Lot", lot)] for lot in lots]
    firms = sorted(rows["org_id"].dropna().unique())
    nodes += [uid("Organization", o) for o in firms]
    entities = [Entity("person", person, "member")] + [Entity("lot", lot, "context") for lot in lots]
    entities += [Entity("company", o, "context") for o in firms]
    roster = source_records(
        rows,
        lambda r: {
            "lot_id": r.lot_id,
            "org_id": None if pd.isna(r.org_id) else r.org_id,
            "first_seen": day(r.first_seen),
            "last_seen": _until(r.last_seen),
        },
    )
    return warning(
        DETECTOR.id,
        "concurrent_sites",
        min(1.0, 0.6 + 0.1 * (len(lots) - 2) + longest / 365),
        entities,
        _RULES["concurrent_sites"],
        (zh, en),
        {"lots": len(lots), "longest_overlap_days": longest},
        {"min_overlap_days": params["min_overlap_days"]},
        (nodes, edges),
        site_personnel=roster,
    )
