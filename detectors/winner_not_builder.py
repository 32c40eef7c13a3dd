"""winner_not_builder: the firm that won a lot is not the one building it (中标与实际建设方不符).

Rule
----
For each awarded lot with site attendance records: (a) the share of recorded person-days on
site that belong to firms other than the winner is at least ``min_other_share``; or (b) the
project manager on site (a role in ``manager_roles``) holds no role at the winner, while none
of the winner's registered project managers ever appears. Either sign says the contract was
passed on (转包) or the winning firm only lent its name (挂靠), which 《招标投标法》第四十八条 and
《建设工程质量管理条例》 forbid; city supervision platforms compare site attendance (实名制考勤)
with the award for exactly this.

Score: (a) ``0.5 + 0.5 * other share``; (b) ``project_manager_score``; both: the larger + 0.1.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.detectors.core.common import bilingual, source_records, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.stats.lifecycle import awards, lot_evidence

__all__ = ["DEFAULTS", "DETECTOR", "detect"]

DEFAULTS = {
    "min_other_share": 0.5,  # share of on-site person-days belonging to other firms that flags a lot
    "manager_roles": ["项目经理", "project_manager"],  # site roles that name the project manager
    "project_manager_score": 0.75,  # score when the site's project manager is a stranger to the winner
}

DETECTOR = ModuleDetector(
    "winner_not_builder", rule_version="1", defaults=DEFAULTS, module=__name__, requires=("site_personnel",)
)


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Lots whose site personnel do not belong to the winner (``seed`` unused)."""
    site = snapshot["site_personnel"]
    if site.empty:
        return []
    won = awards(snapshot)[["lot_id", "org_id", "contract_id"]].rename(columns={"org_id": "winner"})
    site = site.merge(won, on="lot_id", how="inner")
    site["days"] = pd.to_numeric(site["days_present"], errors="coerce").fillna(1).clip(lower=1)
    site["other"] = site["org_id"].notna() & (site["org_id"] != site["winner"])
    # only the roles of people on some site can match: a two-column drop_duplicates over every
    # role took seconds at province scale
    on_site = snapshot.codes("person_roles", "person_id", ("site_personnel", "person_id")) >= 0
    roles = snapshot["person_roles"].loc[on_site, ["person_id", "org_id", "role"]]
    held = roles[["person_id", "org_id"]].drop_duplicates().rename(columns={"org_id": "winner"}).assign(holds=True)
    site = site.merge(held, on=["person_id", "winner"], how="left")
    site["holds"] = site["holds"].fillna(False).astype(bool)
    pms = roles.loc[roles["role"] == "project_manager", ["person_id", "org_id"]].drop_duplicates()
    site = site.merge(
        pms.rename(columns={"org_id": "winner"}).assign(winner_pm=True), on=["person_id", "winner"], how="left"
    )
    site["winner_pm"] = site["winner_pm"].fillna(False).astype(bool)
    site["stranger_pm"] = site["role"].isin(params["manager_roles"]) & ~site["holds"]
    site["other_days"] = site["days"].where(site["other"], 0)
    per_lot = site.groupby("lot_id").agg(
        days=("days", "sum"),
        other_days=("other_days", "sum"),
        stranger_pm=("stranger_pm", "any"),
        winner_pm=("winner_pm", "any"),
    )
    per_lot["other_share"] = per_lot["other_days"] / per_lot["days"]
    per_lot["other_firm"] = per_lot["other_share"] >= params["min_other_share"]
    per_lot["pm_absent"] = per_lot["stranger_pm"] & ~per_lot["winner_pm"]
    flagged = per_lot[per_lot["other_firm"] | per_lot["pm_absent"]]
    findings = []
    for lot, g in site[site["lot_id"].isin(flagged.index)].groupby("lot_id", sort=True):
        f = flagged.loc[lot]
        strangers = g.loc[g["stranger_pm"], "person_id"].tolist() if f["pm_absent"] else []
        findings.append(
            _finding(lot, g["winner"].iat[0], g, float(f["other_share"]), bool(f["other_firm"]), strangers, params)
        )
    return findings


def _finding(lot, winner, g, other_share, other_firm, stranger_pm, params) -> Finding:
    scores = []
    if other_firm:
        scores.append(0.5 + 0.5 * other_share)
    if stranger_pm:
        scores.append(params["project_manager_score"])
    score = max(scores) + (0.1 if len(scores) == 2 else 0.0)
    others = g.loc[g["other"]].groupby("org_id")["days"].sum().sort_values(ascending=False)
    builder = others.index[0] if len(others) else None
    nodes, edges = lot_evidence(lot, winner, g["contract_id"].iat[0])
    entities = [Entity("lot", lot, "context"), Entity("company", winner, "winner")]
    if builder is not None:
        entities.append(Entity("company", builder, "builder"))
        nodes.append(uid("Organization", builder))
    for r in g.itertuples():
        entities.append(Entity("person", r.person_id, "on_site"))
        nodes.append(uid("Person", r.person_id))
        edges.append([uid("Person", r.person_id), "ON_SITE", uid("Lot", lot)])
    zh, en = [], []
    if other_firm:
        zh.append(f"现场人员出勤人天中{other_share:.0%}属于其他企业（主要为{builder}），不属于中标人{winner}")
        en.append(
            f"{other_share:.0%} of the person-days on site belong to firms other than the winner {winner} (mostly {builder})"
        )
    if stranger_pm:
        zh.append(f"现场项目经理{'、'.join(stranger_pm)}在中标人处无任何任职，中标人登记的项目经理从未到场")
        en.append(
            f"the project manager on site ({', '.join(stranger_pm)}) holds no role at the winner, "
            "and none of the winner's registered project managers ever appears"
        )
    people = source_records(
        g, lambda r: {"person_id": r.person_id, "org_id": r.org_id, "role": r.role, "days_present": float(r.days)}
    )
    return Finding(
        DETECTOR.id,
        score,
        entities,
        f"Lot {lot}: " + "; ".join(en),
        {
            "rule": bilingual(
                "中标企业与现场实际施工的人员不符：现场人员主要属于其他企业，或中标人的项目经理从未到场。",
                "The winner is not the builder: people on site mostly belong to other firms, "
                "or the winner's project manager never appears.",
            ),
            "explanation": bilingual(
                "标段" + str(lot) + "：" + "；".join(zh) + "。", f"Lot {lot}: " + "; ".join(en) + "."
            ),
            "measured": {
                "other_firm_share_of_days": round(other_share, 4),
                "stranger_project_managers": len(stranger_pm),
            },
            "thresholds": {"min_other_share": params["min_other_share"]},
            "site_personnel": people,
            "nodes": nodes,
            "edges": edges,
        },
    )
