"""Display names of the detectors, [zh, en]: what explanations and the workbench call each
detector (and the rules some detectors report under their own names)."""

from __future__ import annotations

__all__ = ["DETECTOR_NAMES", "ROLE_NAMES", "SEVERITY_NAMES", "detector_name"]

DETECTOR_NAMES: dict[str, tuple[str, str]] = {
    "shared_device": ("共用上传设备/IP", "Shared upload device or IP"),
    "shared_document": ("标书特征码相同", "Same document fingerprint"),
    "shared_personnel": ("人员交叉任职", "Shared personnel"),
    "bid_ring": ("围标团伙", "Bid ring"),
    "cover_bidder": ("陪标", "Cover bidder"),
    "frequent_winner": ("标王", "Frequent winner"),
    "hidden_link": ("隐性关联", "Hidden link"),
    "tenderer_affinity": ("招标人偏好", "Tenderer affinity"),
    "agency_affinity": ("代理机构偏好", "Agency affinity"),
    "expert_affinity": ("专家关联", "Expert affinity"),
    "expert_bias": ("专家打分偏向", "Expert bias"),
    "price_screen": ("报价异常", "Price screen"),
    "red_flag": ("程序红旗", "Red flag"),
    "contract_splitting": ("拆分合同", "Contract splitting"),
    "winner_not_builder": ("中标不施工", "Winner not builder"),
    "payment_anomaly": ("支付异常", "Payment anomaly"),
    "procedure_gap": ("程序缺失", "Procedure gap"),
    "smoke_index": ("冒烟指数", "Smoke index"),
    "contract_change": ("合同变更异常", "Contract change"),
    "identical_errors": ("标书错误雷同", "Identical errors"),
    "personnel_change": ("项目人员变更", "Personnel change"),
    "quantity_growth": ("工程量增长", "Quantity growth"),
    "screen_ring": ("报价筛查团伙", "Price-screen ring"),
    "statutory_presumption": ("法定串标情形", "Statutory presumption"),
    "low_bid_high_settlement": ("低价中标高价结算", "Low bid, high settlement"),
    "efficiency_anomaly": ("效率指标异常", "Efficiency anomaly"),
    "concurrent_sites": ("项目经理多处在岗", "Concurrent sites"),
}


def detector_name(detector: str, lang: str) -> str:
    """The detector's name in ``lang`` (``zh`` or ``en``); its id when it has none."""
    names = DETECTOR_NAMES.get(detector)
    return detector if names is None else names[0 if lang == "zh" else 1]


# The roles an entity plays in a finding (``entities[].role``).
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "member": ("成员", "member"),
    "winner": ("中标人", "winner"),
    "cover": ("陪标人", "cover"),
    "tenderer": ("招标人", "tenderer"),
    "agency": ("代理机构", "agency"),
    "expert": ("专家", "expert"),
    "context": ("背景", "context"),
    "builder": ("实际施工方", "builder"),
    "link": ("关联", "link"),
    "lot": ("标段", "lot"),
    "on_site": ("现场人员", "on site"),
    "org": ("单位", "organization"),
    "payee": ("收款方", "payee"),
    "project": ("项目", "project"),
    "replaced": ("被替换人员", "replaced"),
    "replacement": ("替换人员", "replacement"),
    "served": ("服务对象", "served"),
    "shared": ("共用", "shared"),
}

SEVERITY_NAMES: dict[str, tuple[str, str]] = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}
