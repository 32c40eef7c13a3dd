"""red_flag: Open Contracting Partnership Cardinal indicators (R003 ... R058) as findings.

Rule
----
The indicators need what only OCDS holds (tender periods, bid and award statuses, item
classifications), so they run on OCDS compiled releases (``bidgraph.detectors.cardinal``, a faithful
re-implementation of Cardinal 0.0.8, MIT; see docs/redflags.md). ``findings_from_results``
turns Cardinal's output into findings: one per flagged process (entity ``project``: the
ocid) or organisation (``company``: buyer, procuring entity or tenderer id), with the indicator
code, the value Cardinal reports, what was measured and the fence it crossed. ``detect`` runs
the indicators on the compiled releases an OCDS load stores in the snapshot (table
``ocds_releases``, in the order the file gave them), and finds nothing in a snapshot of another
origin.

Scores are fixed per indicator (``[red_flag] scores`` in settings.toml): how strongly the pattern alone points
at collusion or favouritism, from 0.5 (a weak signal, common for honest reasons: a short
period, a single bid, a diverse supplier) to 0.85 (identical prices, a late bid that won).
"""

from __future__ import annotations

import json
from collections import defaultdict

from bidgraph.detectors.cardinal.common import GROUPS, Flag
from bidgraph.detectors.cardinal.engine import INDICATORS, flag_releases, to_cardinal_json
from bidgraph.detectors.cardinal.settings import Settings, read_settings
from bidgraph.detectors.core.common import bilingual, uid
from bidgraph.detectors.core.contract import ModuleDetector
from bidgraph.detectors.core.finding import Entity, Finding

__all__ = ["DETECTOR_ID", "detect", "findings_from_results"]

DETECTOR_ID = "red_flag"


# code: (zh title, en title, zh rule, en rule, role of a flagged tenderer, zh/en name of the measure)
TEXTS = {
    "R003": (
        "投标期过短",
        "short submission period",
        "投标期（自开始接受投标至投标截止）的天数少于阈值（默认15天）。",
        "The tender period is shorter than the threshold (15 days by default).",
        "bidder",
        "投标期天数",
        "tender period in days",
    ),
    "R018": (
        "仅一家投标",
        "single bid received",
        "公开或邀请招标只收到一份投标。",
        "An open or selective procedure received exactly one bid.",
        "bidder",
        "投标人数",
        "number of tenderers",
    ),
    "R024": (
        "次低价与中标价过近",
        "price close to winning bid",
        "次低有效报价与中标价的相对差距是全体项目中的低异常值（≤ Q1 − 1.5·IQR 或阈值）。",
        "The gap between the winning bid and the second-lowest valid bid is a low outlier "
        "(at or below Q1 − 1.5·IQR, or the threshold).",
        "bidder",
        "(次低价−中标价)/中标价",
        "(second-lowest − winning)/winning bid",
    ),
    "R025": (
        "屡投不中",
        "excessive unsuccessful bids",
        "投标次数居前的投标人中标率是低异常值（≤ Q1 − 1.5·IQR 或阈值），疑似陪标。",
        "A tenderer among the most frequent bidders wins a share of its bids that is a low "
        "outlier (at or below Q1 − 1.5·IQR, or the threshold): a possible cover bidder.",
        "bidder",
        "中标次数/投标项目数",
        "wins / processes bid in",
    ),
    "R028": (
        "报价完全相同",
        "identical bid prices",
        "同一项目中不同投标人的报价金额与币种完全相同。",
        "Different tenderers submitted exactly the same price in one process.",
        "bidder",
        "相同报价",
        "identical price",
    ),
    "R030": (
        "逾期投标中标",
        "late bid won",
        "投标截止后提交的有效投标最终中标。",
        "A valid bid dated after the submission deadline won.",
        "winner",
        "中标人逾期投标日期 > 截止时间",
        "winner's late bid date > deadline",
    ),
    "R035": (
        "除中标人外全部被否决",
        "all except winner disqualified",
        "只有中标人的投标有效，其余投标人均被否决。",
        "Only the winner's bid was valid; every other tenderer was disqualified.",
        "winner",
        "被否决的其他投标人数",
        "other tenderers disqualified",
    ),
    "R036": (
        "最低价被否决",
        "lowest bid disqualified",
        "价格最低的投标被否决，而存在有报价的有效投标。",
        "The lowest submitted bid was disqualified although valid priced bids exist.",
        "bidder",
        "被否决的最低报价",
        "lowest submitted price (disqualified)",
    ),
    "R038": (
        "否决比例过高",
        "excessive disqualified bids",
        "采购人、采购代理或投标人的投标被否决比例是高异常值（≥ Q3 + 1.5·IQR 或阈值）。",
        "The share of disqualified bids of a buyer, procuring entity or tenderer is a high "
        "outlier (at or above Q3 + 1.5·IQR, or the threshold).",
        "bidder",
        "被否决投标比例",
        "share of bids disqualified",
    ),
    "R048": (
        "供应商经营范围异常宽",
        "heterogeneous supplier",
        "供应商中标的品目大类数量是高异常值（≥ Q3 + 1.5·IQR 或阈值）。",
        "A supplier is awarded items from a number of categories that is a high outlier "
        "(at or above Q3 + 1.5·IQR, or the threshold).",
        "supplier",
        "中标品目大类数",
        "item categories won",
    ),
    "R058": (
        "中标价大幅低于次低价",
        "heavily discounted bid",
        "中标价与次低有效报价的相对差距是高异常值（≥ Q3 + 1.5·IQR 或阈值）。",
        "The gap between the winning bid and the second-lowest valid bid is a high outlier "
        "(at or above Q3 + 1.5·IQR, or the threshold).",
        "winner",
        "(次低价−中标价)/中标价",
        "(second-lowest − winning)/winning bid",
    ),
}
# group: (entity type, role (None: the indicator's tenderer role), zh name, en name)
_GROUP = {
    "OCID": ("project", "flagged", "项目", "process"),
    "Buyer": ("company", "tenderer", "采购人", "buyer"),
    "ProcuringEntity": ("company", "procuring_entity", "采购组织机构", "procuring entity"),
    "Tenderer": ("company", None, "投标人", "tenderer"),
}
# Cardinal's Meta key holding the computed fence of an indicator ({group} for R038's per group).
_META_FENCE = {
    "R024": "lower_fence",
    "R025": "lower_fence",
    "R038": "{group}_upper_fence",
    "R048": "upper_fence",
    "R058": "upper_fence",
}
_OPS = {"R024": "<=", "R025": "<=", "R038": ">=", "R048": ">=", "R058": ">="}


def detect(snapshot, params: dict, seed: int) -> list[Finding]:
    """Cardinal's red flags on the snapshot's OCDS releases (``snapshot["ocds_releases"]``).

    No releases (a snapshot not loaded from OCDS): no findings, not yet a "not applicable" status.
    ``seed`` is unused (the indicators are deterministic).
    """
    releases = snapshot["ocds_releases"]
    if releases.empty:
        return []
    settings = (
        read_settings(params["settings"])
        if params["settings"]
        else Settings(sections={cls.code: {} for cls in INDICATORS})
    )
    ordered = releases.sort_values("position", kind="stable")["release"]
    run = flag_releases(map(json.loads, ordered), settings)
    return findings_from_results(to_cardinal_json(run), run.flags, params["scores"])


def findings_from_results(
    results: dict, flags: list[Flag] | None = None, scores: dict[str, float] | None = None
) -> list[Finding]:
    """Findings from Cardinal's output (``run_indicators`` or ``ocdscardinal indicators``).

    Parameters
    ----------
    results : dict
        ``{group: {id: {code: value}}}``, with ``Meta`` (fences) and ``Maps`` (processes of
        flagged organisations) used when present.
    flags : list of Flag, optional
        The engine's flags (``flag_releases(...).flags``): exact measured values, fences and the
        process behind each organisation flag.
    scores : dict, optional
        Score per indicator code (default: ``[red_flag] scores`` of the settings).

    Returns
    -------
    list of Finding
        One per (group, id, indicator), in the order of the results.
    """
    weights = scores or INDICATOR_SCORES
    behind: dict[tuple[str, str, str], list[Flag]] = defaultdict(list)
    for flag in flags or []:
        behind[(flag.group, flag.id, flag.code)].append(flag)
    meta, maps = results.get("Meta") or {}, results.get("Maps") or {}
    findings = []
    for group in GROUPS:
        for key, codes in (results.get(group) or {}).items():
            for code, value in codes.items():
                if code in TEXTS:
                    findings.append(
                        _finding(
                            group,
                            key,
                            code,
                            value,
                            behind[(group, key, code)],
                            flags or [],
                            meta,
                            maps,
                            weights.get(code, 0.5),
                        )
                    )
    return findings


def _finding(
    group: str, key: str, code: str, value, own: list[Flag], flags: list[Flag], meta: dict, maps: dict, score: float
) -> Finding:
    zh_title, en_title, zh_rule, en_rule, bidder_role, zh_measure, en_measure = TEXTS[code]
    etype, role, zh_group, en_group = _GROUP[group]
    fence = own[0].fence if own else (meta.get(code) or {}).get(_META_FENCE.get(code, "").format(group=group))
    measured = own[0].measured if own else value
    op = own[0].op if own else _OPS.get(code, "")
    entities = [Entity(etype, key, role or bidder_role)]
    if group == "OCID":
        related = {f.id for f in flags if f.code == code and f.ocid == key and f.group == "Tenderer"}
        related |= set(maps.get(f"ocid_tenderer_{code.lower()}", {}).get(key, []))
        entities += [Entity("company", org, bidder_role) for org in sorted(related)]
    else:
        processes = {f.ocid for f in own if f.ocid}
        processes |= {ocid for ocid, orgs in maps.get(f"ocid_tenderer_{code.lower()}", {}).items() if key in orgs}
        if group != "Tenderer":
            name = f"ocid_{group.lower()}_{code.lower()}"
            processes |= {ocid for ocid, org in maps.get(name, {}).items() if org == key}
        entities += [Entity("project", ocid, "context") for ocid in sorted(processes)]
    shown = "—" if value is None else f"{value:g}"
    numbers = [f"{v:g}" if isinstance(v, (int, float)) else "" for v in (measured, fence)]
    test = " ".join(filter(None, (numbers[0], op, numbers[1])))
    explanation = bilingual(
        f"{code} {zh_title}：{zh_group} {key}，{zh_measure} {test}（Cardinal 值 {shown}）。",
        f"{code} {en_title}: {en_group} {key}, {en_measure} {test} (Cardinal value {shown}).",
    )
    evidence = {
        "indicator": code,
        "group": group,
        "rule": bilingual(zh_rule, en_rule),
        "explanation": explanation,
        "measured": {"value": value, code: measured},
        "thresholds": {"fence": fence, "op": op},
        "processes": sorted({f.ocid for f in own if f.ocid}),
        "nodes": [uid("Project" if e.type == "project" else "Organization", e.id) for e in entities],
        "edges": [],
        "source": "Open Contracting Partnership Cardinal (MIT), re-implemented",
    }
    return Finding(DETECTOR_ID, score, entities, explanation["en"], evidence)


INDICATOR_SCORES: dict[str, float] = {
    "R003": 0.5,
    "R018": 0.5,
    "R024": 0.7,
    "R025": 0.6,
    "R028": 0.85,
    "R030": 0.85,
    "R035": 0.8,
    "R036": 0.7,
    "R038": 0.6,
    "R048": 0.5,
    "R058": 0.6,
}

DEFAULTS = {
    "settings": "",  # a Cardinal settings (.ini) file; empty: every indicator with Cardinal's defaults
    "scores": INDICATOR_SCORES,  # Score of a flag per indicator: how strongly the pattern alone points at collusion or favouritism.
}

DETECTOR = ModuleDetector(
    DETECTOR_ID, rule_version="1", defaults=DEFAULTS, module=__name__, requires=("ocds_releases",)
)
