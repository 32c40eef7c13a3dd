"""efficiency_anomaly: tenderers and agencies whose savings, invalid bids, competition or speed stray from peers (交易效率).

Rule
----
Per awarded lot: the savings rate (节资率, ``1 - winning price / ceiling``), the invalid-bid rate
(废标率: invalid bids over bids), the number of valid bids and the days from the notice (else the
opening) to the contract. Each lot's value is set against its peers' as a robust z (median and
MAD): the lots of the same category and region, or when fewer than ``min_stratum_lots`` are
there, of the same category anywhere, or else all lots. Per tenderer and per agency, within each
category and region with at least ``min_lots`` lots, ``z = mean lot z * sqrt(lots)``, the lot
z's clipped at 5 and standardised by their stratum's mean and standard deviation (so that z is
near a standard normal for an honest unit whatever its size, also for discrete or skewed
metrics whose robust z does not average zero). Flagged when it strays by
``z_threshold`` in the direction that hurts competition: savings too low (prices at the
ceiling), invalid bids too many (bidders knocked out), valid bids too few, awards too fast; and
still by ``z_threshold`` without its most extreme lot (one dispute is not a pattern).

Emergency projects (category ``emergency``, 应急) may be single-source and are left out of the
comparison above. They have rules of their own: ``emergency_repeat_supplier`` — one supplier
won at least ``emergency_min_wins`` of one tenderer's emergency lots, and at least
``emergency_min_share`` of them; ``emergency_speed`` — a tenderer's emergency awards faster than
its emergency peers' by ``z_threshold``.

Seed: Liaoning's monitoring of trading efficiency (辽宁省公共资源交易监管: 节资率、废标率、
有效投标数、交易时长). Sources: 《招标投标法》第六十六条 and 《政府采购法》第八十五条 (emergency
and disaster-relief procurement may skip tendering, not supervision); Iglewicz & Hoaglin (1993)
for the robust z.

Score: ``0.4 + 0.1 * (|z| - z_threshold)``, at most 0.9; a repeat supplier ``0.5 + 0.4 * share``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bidgraph.detectors.core.common import uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding
from bidgraph.detectors.core.measure_text import value_text
from bidgraph.detectors.stats.lifecycle import awards
from bidgraph.detectors.stats.robust import robust_z_by_strata
from bidgraph.detectors.stats.warning import warning
from bidgraph.graph.regions import region_name
from bidgraph.graph.schema import schema

__all__ = ["DEFAULTS", "DETECTOR", "METRICS", "detect", "lot_metrics"]

DEFAULTS = {
    "min_lots": 5,  # fewest lots of a unit (tenderer or agency) in a category and region to be measured
    "min_stratum_lots": 30,  # fewest lots in a stratum to measure a lot against; else the next wider stratum
    "z_threshold": 3.5,  # z (mean lot z x sqrt(lots)) from which a unit strays, in the harmful direction
    "emergency_min_wins": 3,  # one supplier winning this many of a tenderer's emergency lots or more ...
    "emergency_min_share": 0.5,  # ... and at least this share of them, is a repeat supplier
}

REQUIRES = (("lots.ceiling_price", "bids.is_valid", "contracts.signed_on"),)  # savings, invalid bids, speed
DETECTOR = ModuleDetector("efficiency_anomaly", rule_version="2", defaults=DEFAULTS, module=__name__, requires=REQUIRES)

EMERGENCY = "emergency"
# metric: (zh, en, the direction that hurts competition: -1 too low, +1 too high)
METRICS = {
    "savings_rate": ("节资率", "savings rate", -1),
    "invalid_rate": ("无效投标率", "invalid-bid rate", 1),
    "valid_bids": ("有效投标数", "number of valid bids", -1),
    "days_to_award": ("公告至签约天数", "days from notice to contract", -1),
}
UNITS = {"tenderer_id": ("招标人", "tenderer", "tenderer"), "agency_id": ("代理机构", "agency", "agency")}
_Z_CLIP = 5.0  # a lot counts for at most this many spreads, so one odd lot cannot make a unit stray
_STRATA = [("category", "region_code"), ("category",), ()]
_SEED_ZH = "依据：辽宁省公共资源交易监管对节资率、废标率、有效投标数和交易时长的监测；稳健z（中位数与MAD）。"
_SEED_EN = (
    "Seed: Liaoning's monitoring of savings, invalid-bid rates, valid bids and time to award; robust z (median, MAD)."
)
_RULE = (
    "招标人或代理机构在同类别、同地区的节资率、无效投标率、有效投标数或定标时长显著偏离同行。" + _SEED_ZH,
    "A tenderer's or agency's savings rate, invalid-bid rate, valid bids or time to award strays from its peers "
    "of the same category and region. " + _SEED_EN,
)
_EMERGENCY_RULE = (
    "应急项目可以单一来源采购，但同一供应商反复承接同一招标人的应急项目、或定标明显快于同类应急项目，应予关注。"
    "依据：《招标投标法》第六十六条、《政府采购法》第八十五条（抢险救灾等可不招标，不免于监督）。" + _SEED_ZH,
    "Emergency projects may be single-source, but one supplier taking a tenderer's emergency projects again and "
    "again, or awards far faster than other emergency awards, are watched. Sources: Tendering Law Art. 66, "
    "Government Procurement Law Art. 85. " + _SEED_EN,
)


def lot_metrics(snapshot) -> pd.DataFrame:
    """One row per awarded lot: its context (tenderer_id, agency_id, category, region_code, the
    winner org_id, contract_id) and the four metrics of ``METRICS`` (NaN where unknown)."""
    a = awards(snapshot)
    if a.empty:
        return a.assign(**{m: pd.Series(dtype=float) for m in METRICS})
    bids = snapshot["bids"].assign(valid=lambda b: b["is_valid"].fillna(True).astype(bool))
    counts = bids.groupby("lot_id")["valid"].agg(["size", "sum"])
    a["valid_bids"] = a["lot_id"].map(counts["sum"]).astype(float)
    a["invalid_rate"] = 1 - a["valid_bids"] / a["lot_id"].map(counts["size"])
    # numeric even where a thin export left the columns empty (object dtype)
    price, ceiling = (pd.to_numeric(a[c], errors="coerce") for c in ("price", "ceiling_price"))
    a["savings_rate"] = 1 - price / ceiling.where(ceiling > 0)
    published = pd.to_datetime(a["published_on"]).fillna(pd.to_datetime(a["opened_on"]))
    a["days_to_award"] = (a["signed_on"] - published).dt.days
    a["category"] = a["category"].astype(object).fillna("unknown")
    a["region_code"] = a["region_code"].astype(object).fillna("unknown")
    return a


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Units straying from their peers, and emergency repeat suppliers (``seed`` unused)."""
    lots = lot_metrics(snapshot)
    regular = lots[lots["category"] != EMERGENCY]
    urgent = lots[lots["category"] == EMERGENCY]
    findings = []
    for unit in UNITS:
        for metric in METRICS:
            findings += _strays(regular, unit, metric, _STRATA, params)
    findings += _strays(urgent, "tenderer_id", "days_to_award", [("region_code",), ()], params, EMERGENCY)
    return findings + _repeat_suppliers(urgent, params)


def _strays(lots, unit: str, metric: str, strata, params: dict, kind: str | None = None) -> list[Finding]:
    known = lots.dropna(subset=[unit, metric])
    if known.empty:
        return []
    scored = robust_z_by_strata(known, metric, strata, params["min_stratum_lots"])
    # a unit's lots against all lots of their stratum: the clipped robust z, centred and scaled
    # by the stratum's own mean and spread (discrete or skewed metrics have a mean z off zero)
    clipped = scored["z"].clip(-_Z_CLIP, _Z_CLIP)
    by_stratum = clipped.groupby([scored["stratum"], scored["stratum_key"]])
    spread = by_stratum.transform("std").where(lambda sd: sd > 0)
    scored = scored.assign(z=(clipped - by_stratum.transform("mean")) / spread).dropna(subset=["z"])
    cells = scored.groupby([unit, "category", "region_code"]).agg(
        value=(metric, "mean"),
        lots=("lot_id", "size"),
        mean_z=("z", "mean"),
        sum_z=("z", "sum"),
        max_z=("z", "max"),
        min_z=("z", "min"),
        peer_median=("peer_median", "median"),
        peers=("peers", "max"),
        stratum=("stratum", "first"),
    )
    cells = cells[cells["lots"] >= params["min_lots"]].reset_index()
    cells["z"] = cells["mean_z"] * np.sqrt(cells["lots"])
    direction = METRICS[metric][2]
    # one dispute is not a pattern: the unit must stray without its most extreme lot as well
    strongest = cells["max_z"] if direction > 0 else cells["min_z"]
    cells["z_without_strongest"] = (cells["sum_z"] - strongest) / np.sqrt(cells["lots"] - 1)
    strays = cells[
        (direction * cells["z"] >= params["z_threshold"])
        & (direction * cells["z_without_strongest"] >= params["z_threshold"])
    ].sort_values([unit, "category", "region_code"])
    cell = [unit, "category", "region_code"]
    own = dict(tuple(known.merge(strays[cell], on=cell).groupby(cell, sort=False)))
    kind = kind or f"{UNITS[unit][2]}_{metric}"
    return [
        _stray(r, own[getattr(r, unit), r.category, r.region_code], unit, metric, kind, params)
        for r in strays.itertuples()
    ]


def _stray(r, mine: pd.DataFrame, unit: str, metric: str, kind: str, params: dict) -> Finding:
    """The finding of the unit of cell ``r`` (its row of the cells that stray), whose lots are ``mine``."""
    org = getattr(r, unit)
    unit_zh, unit_en, role = UNITS[unit]
    metric_zh, metric_en, direction = METRICS[metric]
    side_zh, side_en = ("偏高", "above") if direction > 0 else ("偏低", "below")
    category = {lang: schema().value_label(r.category, lang) for lang in ("zh", "en")}
    region = {lang: region_name(r.region_code, lang) for lang in ("zh", "en")}
    stratum = (value_text(r.stratum, "zh"), value_text(r.stratum, "en"))
    zh = (
        f"{unit_zh}{org}在{region['zh']}{category['zh']}类的{r.lots}个标段{metric_zh}均值为{r.value:.3g}，"
        f"同类标段（{stratum[0]}，{r.peers}个）中位数{r.peer_median:.3g}；各标段稳健z均值{r.mean_z:.2f}，"
        f"合计z={r.z:.1f}（去掉最极端的一个标段仍为{r.z_without_strongest:.1f}），{side_zh}（阈值{params['z_threshold']}）。"
    )
    en = (
        f"{unit_en.capitalize()} {org}'s {metric_en} over {r.lots} {category['en']} lots in {region['en']} averages "
        f"{r.value:.3g} against a median of {r.peer_median:.3g} among {r.peers} peer lots ({stratum[1]}); its "
        f"lots' mean robust z is {r.mean_z:.2f}, z {r.z:.1f} over all of them ({r.z_without_strongest:.1f} without its "
        f"most extreme lot), {side_en} the fence of "
        f"{params['z_threshold']}."
    )
    rule = _EMERGENCY_RULE if kind == EMERGENCY else _RULE
    return warning(
        DETECTOR.id,
        kind,
        min(0.9, 0.4 + 0.1 * (abs(r.z) - params["z_threshold"])),
        [Entity("company", org, role)],
        rule,
        (zh, en),
        {
            "metric": metric,
            "value": round(float(r.value), 4),
            "lots": int(r.lots),
            "peer_median": round(float(r.peer_median), 4),
            "peer_lots": int(r.peers),
            "mean_lot_z": round(float(r.mean_z), 3),
            "z": round(float(r.z), 2),
            "stratum": r.stratum,
            "z_without_strongest_lot": round(float(r.z_without_strongest), 2),
        },
        {
            "z_threshold": params["z_threshold"],
            "min_lots": params["min_lots"],
            "min_stratum_lots": params["min_stratum_lots"],
        },
        _unit_graph(org, unit, mine),
        lots=sorted(mine["lot_id"]),
    )


def _unit_graph(org: str, unit: str, lots: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    edge = "TENDERED" if unit == "tenderer_id" else "AGENT_FOR"
    nodes = [uid("Organization", org)]
    edges = []
    for r in lots.sort_values("lot_id").itertuples():
        nodes += [uid("Project", r.project_id), uid("Lot", r.lot_id)]
        edges += [
            [uid("Organization", org), edge, uid("Project", r.project_id)],
            [uid("Project", r.project_id), "HAS_LOT", uid("Lot", r.lot_id)],
        ]
    return nodes, edges


def _repeat_suppliers(urgent: pd.DataFrame, params: dict) -> list[Finding]:
    per_tenderer = urgent.groupby("tenderer_id")["lot_id"].transform("size")
    wins = urgent.assign(all_lots=per_tenderer).groupby(["tenderer_id", "org_id"])
    counted = wins.agg(won=("lot_id", "size"), all_lots=("all_lots", "first")).reset_index()
    counted["share"] = counted["won"] / counted["all_lots"]
    peer_days = float(np.nanmedian(urgent["days_to_award"])) if urgent["days_to_award"].notna().any() else None
    hits = counted[
        (counted["won"] >= params["emergency_min_wins"]) & (counted["share"] >= params["emergency_min_share"])
    ]
    return [_repeat(r, urgent, peer_days, params) for r in hits.sort_values(["tenderer_id", "org_id"]).itertuples()]


def _repeat(r, urgent: pd.DataFrame, peer_days: float | None, params: dict) -> Finding:
    mine = urgent[(urgent["tenderer_id"] == r.tenderer_id) & (urgent["org_id"] == r.org_id)].sort_values("lot_id")
    days = float(mine["days_to_award"].median()) if mine["days_to_award"].notna().any() else None
    speed_zh = (
        "" if days is None or peer_days is None else f"，定标中位{days:.0f}天（全部应急项目中位{peer_days:.0f}天）"
    )
    speed_en = (
        ""
        if days is None or peer_days is None
        else f"; a median {days:.0f} days to award (all emergency: {peer_days:.0f})"
    )
    zh = (
        f"供应商{r.org_id}承接了招标人{r.tenderer_id}的{r.all_lots}个应急标段中的{r.won}个（{r.share:.0%}，"
        f"阈值{params['emergency_min_wins']}个且{params['emergency_min_share']:.0%}）{speed_zh}。"
    )
    en = (
        f"Supplier {r.org_id} won {r.won} of tenderer {r.tenderer_id}'s {r.all_lots} emergency lots ({r.share:.0%}; "
        f"fences {params['emergency_min_wins']} and {params['emergency_min_share']:.0%}){speed_en}."
    )
    nodes, edges = _unit_graph(r.tenderer_id, "tenderer_id", mine)
    nodes.append(uid("Organization", r.org_id))
    edges += [[uid("Organization", r.org_id), "WON", uid("Lot", lot)] for lot in mine["lot_id"]]
    entities = [Entity("company", r.org_id, "winner"), Entity("company", r.tenderer_id, "tenderer")]
    return warning(
        DETECTOR.id,
        "emergency_repeat_supplier",
        0.5 + 0.4 * r.share,
        entities + [Entity("lot", lot, "context") for lot in mine["lot_id"]],
        _EMERGENCY_RULE,
        (zh, en),
        {
            "emergency_lots_won": int(r.won),
            "tenderer_emergency_lots": int(r.all_lots),
            "share": round(float(r.share), 4),
            "median_days_to_award": days,
            "all_emergency_median_days": peer_days,
        },
        {"emergency_min_wins": params["emergency_min_wins"], "emergency_min_share": params["emergency_min_share"]},
        (nodes, edges),
    )
