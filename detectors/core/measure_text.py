"""How a finding's measured values and thresholds read, in Chinese or English.

- :func:`measures`: measured values and thresholds as rows of named measures, the threshold
  beside the value it bounds and a crossed/within mark.
- :func:`measure_name`: a bilingual name for a measure key; an unknown key is read word by word
  (never raw snake_case in Chinese).
- :func:`value_text`: a measured value as text (numbers rounded, yes/no, known codes named).

The workbench's pages and the evidence pack's report both read findings through these.
"""

from __future__ import annotations

import math
import re

__all__ = ["measure_name", "measures", "value_text", "sep", "SNAKE"]


def sep(lang: str) -> str:
    """The list separator: 、 in Chinese, a comma in English."""
    return "、" if lang == "zh" else ", "


# Words of the detectors' measure and threshold keys (scanned from a generated city's findings).
WORDS: dict[str, str] = {
    "abs": "绝对", "added": "新增", "address": "地址", "adj": "校正", "after": "之后", "all": "全部",
    "allowed": "允许", "alpha": "显著性水平", "always": "始终", "amount": "金额", "approved": "已批准",
    "at": "在", "author": "作者", "before": "之前", "behaviour": "行为", "bid": "投标", "bidders": "投标人",
    "bidding": "投标", "bids": "投标", "boilerplate": "模板文本", "boost": "加成", "by": "依据",
    "cap": "上限", "ceiling": "控制价", "change": "变更", "changed": "变更", "changes": "变更",
    "close": "接近", "closeness": "接近度", "coalition": "团伙", "cobids": "同场投标", "coincidence": "巧合",
    "combined": "合并", "community": "社群", "compared": "比较", "competitive": "竞争性",
    "competitors": "竞争者", "context": "背景", "contract": "合同", "control": "对照", "coordinated": "协同",
    "coordination": "协同", "count": "数", "cv": "变异系数", "days": "天数", "deviation": "偏差",
    "diffp": "报价差", "direction": "方向", "draw": "抽取", "each": "单项", "early": "提前",
    "elsewhere": "其他处", "email": "邮箱", "evenness": "均匀度", "evidence": "证据", "excess": "超出",
    "expected": "期望", "experts": "专家", "exposure": "暴露度", "extreme": "极端", "fair": "公平",
    "favour": "偏向", "fence": "界限", "file": "文件", "findings": "疑点", "fingerprint": "特征码",
    "firm": "企业", "firms": "企业", "for": "对", "from": "来自", "full": "满分", "gap": "差距",
    "growth": "增长", "hardware": "硬件", "hhi": "集中度", "id": "编号", "in": "在", "index": "指数",
    "ip": "IP", "items": "项", "kind": "类型", "ks": "分布检验", "kurt": "峰度", "lift": "提升度",
    "link": "关联", "longest": "最长", "losers": "落标人", "losses": "落标", "lots": "标段",
    "lowest": "最低", "mac": "MAC", "mad": "中位绝对偏差", "managers": "项目经理", "margin": "差额",
    "market": "市场", "max": "最大", "mean": "平均", "median": "中位", "meetings": "相遇",
    "member": "成员", "members": "成员", "min": "最小", "n": "数", "named": "列名", "near": "接近",
    "notice": "公告", "of": "的", "on": "于", "only": "仅", "open": "公开", "opened": "开标",
    "opening": "开标", "other": "其他", "outsider": "外来者", "overlap": "重叠", "overpay": "超付",
    "p": "概率", "paid": "已付", "pair": "配对", "pairs": "配对", "panel": "评标委员会",
    "panels": "评标委员会", "percentile": "百分位", "person": "人员", "phone": "电话", "points": "分",
    "position": "名次", "price": "报价", "prior": "此前", "probability": "概率", "project": "项目",
    "public": "公共", "publicity": "公示", "published": "发布", "quantile": "分位数", "rare": "罕见",
    "rate": "率", "ratio": "比", "rd": "相对差", "reason": "原因", "record": "记录", "ring": "围标",
    "robust": "稳健", "role": "角色", "roles": "角色", "scale": "尺度", "score": "分值", "scored": "评分",
    "scores": "评分", "screens": "筛查", "second": "第二", "seeded": "起因", "served": "服务",
    "service": "服务", "settled": "结算", "sha256": "哈希", "share": "占比", "shared": "共同",
    "signal": "信号", "signed": "签约", "signing": "签约", "similarity": "相似度", "sitting": "同席",
    "size": "规模", "skew": "偏度", "span": "跨度", "spd": "报价离散度", "specific": "特定",
    "spread": "离散", "stranger": "外来", "structure": "结构", "surprise": "意外度", "t": "检验值",
    "tail": "尾部", "tender": "招标", "tests": "检验", "threshold": "阈值", "to": "与", "together": "共同",
    "tolerance": "容差", "top": "首位", "total": "合计", "traced": "有痕迹", "valid": "有效",
    "value": "值", "values": "值", "varied": "变更", "via": "途径", "weight": "权重", "weighted": "加权",
    "win": "中标", "window": "窗口", "winner": "中标人", "winning": "中标", "wins": "中标", "won": "中标",
    "z": "标准分",
}  # fmt: skip

# Measures whose word-by-word reading is poor: their own names.
MEASURES: dict[str, tuple[str, str]] = {
    "mean_pair_surprise": ("成员两两同场投标的平均意外度", "Mean surprise of the members' co-bidding"),
    "total_pair_surprise": ("成员两两同场投标的意外度合计", "Total surprise of the members' co-bidding"),
    "mean_pair_cobids": ("成员两两平均同场次数", "Mean co-bids per pair of members"),
    "mean_pair_expected": ("成员两两期望同场次数", "Expected co-bids per pair of members"),
    "min_surprise": ("最小意外度", "Minimum surprise"),
    "surprise": ("意外度", "Surprise"),
    "bidders_sharing": ("共用的投标人数", "Bidders sharing it"),
    "lots_shared": ("涉及标段数", "Lots where shared"),
    "min_bidders": ("最少投标人数", "Minimum bidders"),
    "shared_persons": ("共同人员数", "Persons shared"),
    "min_shared": ("最少共同人员", "Minimum persons shared"),
    "index": ("冒烟指数", "Smoke index"),
    "min_index": ("最低冒烟指数", "Minimum smoke index"),
    "findings": ("疑点数", "Findings"),
    "p": ("概率（p值）", "Probability (p-value)"),
    "p_adj": ("校正后p值", "Adjusted p-value"),
    "alpha": ("显著性水平", "Significance level"),
    "win_rate": ("中标率", "Win rate"),
    "max_win_rate": ("中标率上限", "Maximum win rate"),
    "lots_won": ("中标标段数", "Lots won"),
    "n_bids": ("投标数", "Bids"),
    "hhi_bids": ("投标集中度（HHI）", "Concentration of bids (HHI)"),
    "hhi_wins": ("中标集中度（HHI）", "Concentration of wins (HHI)"),
    "cv": ("报价变异系数", "Coefficient of variation of prices"),
    "z_fence": ("标准分界限", "z-score fence"),
    "robust_z": ("稳健标准分", "Robust z-score"),
    "weighted_similarity": ("加权相似度", "Weighted similarity"),
    "min_similarity": ("最低相似度", "Minimum similarity"),
}

# Words and codes that appear as measured values.
VALUES: dict[str, tuple[str, str]] = {
    "low": ("偏低", "low"), "high": ("偏高", "high"), "erratic": ("无规律", "erratic"),
    "region": ("区划", "region"), "tenderer": ("招标人", "tenderer"), "agency": ("代理机构", "agency"),
    "traces": ("痕迹", "traces"), "p": ("概率", "probability"), "project_manager": ("项目经理", "project manager"),
    "technical_lead": ("技术负责人", "technical lead"), "bid_agent": ("投标代理人", "bid agent"),
    "payer_account": ("保证金缴纳账户", "bond payer account"), "named_manager": ("列名项目经理", "named manager"),
    "file_sha256": ("文件哈希", "file hash"), "author": ("文档作者", "document author"),
    "fingerprint": ("标书特征码", "document fingerprint"), "compiler": ("编制人", "compiler"),
    "ip": ("IP地址", "IP address"), "mac": ("MAC地址", "MAC address"), "hardware_id": ("机器码", "hardware id"),
    "phone": ("电话", "phone"), "email": ("邮箱", "email"), "address": ("地址", "address"), "person": ("人员", "person"),
    "category+region_code": ("同地区同类别", "same region and category"), "category": ("同类别", "same category"),
    "all": ("全部标段", "all lots"),
}  # fmt: skip

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _words(key: str) -> list[str]:
    return [w for w in key.split("_") if w]


def measure_name(key: str, lang: str) -> str:
    """A measure's name in ``lang``: its own name, else its words read one by one."""
    if key in MEASURES:
        return MEASURES[key][0 if lang == "zh" else 1]
    words = _words(key)
    if lang == "zh":
        return "".join(WORDS.get(w, w.upper()) for w in words) or key
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def value_text(value, lang: str) -> str:
    """A measured value or threshold as text: numbers rounded, yes/no, lists joined, known codes named."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return sep(lang).join(value_text(v, lang) for v in value) or "—"
    if isinstance(value, dict):
        return sep(lang).join(f"{measure_name(str(k), lang)} {value_text(v, lang)}" for k, v in value.items())
    text = str(value)
    if text in VALUES:
        return VALUES[text][0 if lang == "zh" else 1]
    if SNAKE.match(text) and len(text) >= 3:
        return measure_name(text, lang)
    return text


def _bound(key: str, measured: dict) -> str | None:
    """The measured key a threshold ``min_X`` / ``max_X`` / ``X_fence`` bounds, if any."""
    base = re.sub(r"^(min|max)_|_(fence|threshold)$", "", key)
    numeric = [m for m, v in measured.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    for test in (
        lambda m: m == base,
        lambda m: m.endswith("_" + base),
        lambda m: base.endswith("_" + m) or base.endswith(m),
        lambda m: base in m,
    ):
        hit = next((m for m in numeric if test(m)), None)
        if hit:
            return hit
    return None


def _crossed(key: str, value: float, threshold) -> bool | None:
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool):
        return None
    if key.startswith("max_"):
        return value > threshold
    if key.startswith("min_") or key.endswith("_fence"):
        return value >= threshold
    return None


def measures(measured: dict | None, thresholds: dict | None, lang: str) -> list[dict]:
    """Rows {measure, value, threshold, mark}: each measured value with the threshold that bounds
    it and whether it crossed (越线 / crossed) or not (未越线 / within); thresholds that bound no
    measured value follow as rows of their own."""
    measured, thresholds = dict(measured or {}), dict(thresholds or {})
    paired: dict[str, str] = {}
    for key in thresholds:
        target = _bound(key, measured)
        if target and target not in paired:
            paired[target] = key
    marks = {True: ("越线", "crossed"), False: ("未越线", "within")}
    rows = []
    for key, value in measured.items():
        tkey = paired.get(key)
        row = {"measure": measure_name(key, lang), "value": value_text(value, lang), "threshold": "", "mark": ""}
        if tkey:
            row["threshold"] = f"{measure_name(tkey, lang)} {value_text(thresholds[tkey], lang)}"
            crossed = _crossed(tkey, value, thresholds[tkey])
            if crossed is not None:
                row["mark"] = marks[crossed][0 if lang == "zh" else 1]
        rows.append(row)
    for key, value in thresholds.items():
        if key not in paired.values():
            rows.append(
                {"measure": measure_name(key, lang), "value": "", "threshold": value_text(value, lang), "mark": ""}
            )
    return rows
