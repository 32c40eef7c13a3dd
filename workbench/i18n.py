"""Every string the workbench shows, in Simplified Chinese (the default) and English.

``t(key, lang)`` looks a string up; ``name(kind, value, lang)`` names a node label,
relationship type, detector, severity, category or entity role, falling back to the raw value.
"""
from __future__ import annotations

__all__ = ["LANGS", "DEFAULT_LANG", "t", "name", "pick_lang"]

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("招投标监督图谱工作台", "Procurement supervision workbench"),
    "app.no_auth": ("未启用登录 / authentication disabled：任何能访问本页面的人都能看到全部数据",
                    "未启用登录 / authentication disabled: anyone who can reach this page sees all data"),
    "app.switch": ("English", "中文"),
    "tab.overview": ("总览", "Overview"),
    "tab.findings": ("疑点线索", "Findings"),
    "tab.search": ("搜索", "Search"),
    "tab.explorer": ("图谱分析", "Graph explorer"),
    "tab.cart": ("证据篮", "Evidence cart"),
    # overview
    "ov.projects": ("项目", "Projects"),
    "ov.lots": ("标段", "Lots"),
    "ov.bids": ("投标", "Bids"),
    "ov.organizations": ("单位", "Organizations"),
    "ov.findings": ("疑点", "Findings"),
    "ov.by_detector": ("各类疑点数量", "Findings per detector"),
    "ov.by_region": ("各区划疑点数量", "Findings per region"),
    "ov.by_month": ("疑点随时间变化（按开标月份）", "Findings over time (by opening month)"),
    "ov.by_category": ("各项目类别疑点数量", "Findings per project category"),
    "ov.ranking": ("冒烟指数排名", "Smoke-index ranking"),
    "ov.ranking_note": ("各模型预警按权重累加（单一模型封顶，满分100），标段、项目、企业、招标人一并排序；权重见 detectors/settings.toml。",
                        "Weighted findings added up per entity (each detector capped, at most 100) for lots, projects, "
                        "organizations and tenderers; weights in detectors/settings.toml."),
    "ov.no_findings": ("尚无疑点：请先运行 bidgraph detect。", "No findings yet: run bidgraph detect first."),
    "col.rank": ("排名", "Rank"),
    "col.entity": ("实体", "Entity"),
    "col.type": ("类型", "Type"),
    "col.name": ("名称", "Name"),
    "col.key": ("编号", "Id"),
    "col.score": ("分值", "Score"),
    "col.count": ("疑点数", "Findings"),
    "col.detector": ("疑点类型", "Detector"),
    "col.severity": ("等级", "Severity"),
    "col.region": ("区划", "Region"),
    "col.category": ("类别", "Category"),
    "col.date": ("日期", "Date"),
    "col.entities": ("涉及实体", "Entities"),
    "col.summary": ("摘要", "Summary"),
    "col.id": ("编号", "Id"),
    "col.match": ("匹配度", "Match"),
    "col.property": ("属性", "Property"),
    "col.value": ("值", "Value"),
    "col.kind": ("条目", "Item"),
    "col.title": ("内容", "Content"),
    "col.note": ("备注（可编辑）", "Note (editable)"),
    "col.size": ("节点/关系", "Nodes/links"),
    "col.month": ("月份", "Month"),
    "col.role": ("角色", "Role"),
    # findings
    "fd.filter_detector": ("按疑点类型筛选", "Filter by detector"),
    "fd.filter_severity": ("按等级筛选", "Filter by severity"),
    "fd.filter_region": ("按区划筛选", "Filter by region"),
    "fd.filter_ph": ("筛选…", "filter…"),
    "fd.count": ("共 {n} 条疑点", "{n} findings"),
    "fd.pick": ("点击表格中的一行查看疑点说明和证据图。", "Click a row to see the finding's explanation and evidence graph."),
    "fd.rule": ("规则", "Rule"),
    "fd.explanation": ("本案说明", "What was measured"),
    "fd.measured": ("实测值", "Measured"),
    "fd.thresholds": ("阈值", "Thresholds"),
    "fd.entities": ("涉及实体", "Entities"),
    "fd.evidence": ("证据图", "Evidence graph"),
    "fd.open": ("在图谱中打开", "Open in explorer"),
    "fd.pin": ("加入证据篮", "Pin to cart"),
    "fd.unknown": ("没有编号为 {id} 的疑点。", "There is no finding {id}."),
    "fd.missing_nodes": ("证据中有 {n} 个节点不在当前图中：{ids}", "{n} evidence nodes are not in the current graph: {ids}"),
    # search
    "se.placeholder": ("单位名称、统一社会信用代码、人名、身份证号、电话、IP、MAC、标书特征码、项目或标段编号",
                       "Organization name, USCC, person name or ID number, phone, IP, MAC, document fingerprint, project or lot id"),
    "se.button": ("搜索", "Search"),
    "se.empty": ("请输入要搜索的内容。", "Type something to search for."),
    "se.none": ("没有找到与“{q}”匹配的结果。", "Nothing matches “{q}”."),
    "se.count": ("找到 {n} 个结果，点击一行在图谱中打开。", "{n} results; click a row to open it in the explorer."),
    # explorer
    "ex.focus": ("当前节点", "Current node"),
    "ex.focus_ph": ("选择图中的节点（也可直接点击图中节点）", "Pick a node on screen (or click it in the graph)"),
    "ex.types": ("关系类型（不选为全部）", "Relationship types (none = all)"),
    "ex.expand": ("展开", "Expand"),
    "ex.more": ("更多", "More"),
    "ex.links": ("只显示屏幕上节点之间的关系", "Links among nodes on screen"),
    "ex.clear": ("清空", "Clear"),
    "ex.layout": ("布局", "Layout"),
    "ex.path_from": ("路径起点", "Path from"),
    "ex.path_to": ("路径终点", "Path to"),
    "ex.path_hops": ("最多跳数", "Max hops"),
    "ex.path": ("查找路径", "Find paths"),
    "ex.ring": ("高亮疑点成员", "Highlight a finding's members"),
    "ex.ring_ph": ("选择涉及当前节点的疑点", "Pick a finding involving the current node"),
    "ex.note": ("备注", "Note"),
    "ex.pin_node": ("当前节点加入证据篮", "Pin current node"),
    "ex.pin_path": ("路径加入证据篮", "Pin path"),
    "ex.empty": ("从“搜索”或“疑点线索”打开一个节点开始分析。", "Open a node from Search or Findings to start."),
    "ex.expanded": ("{node}：共 {total} 条关系，已显示 {shown} 条。", "{node}: {total} links, {shown} shown."),
    "ex.hub": ("这是一个枢纽节点（{total} 条关系），按“更多”继续展开。", "This is a hub ({total} links): press More to go on."),
    "ex.no_more": ("没有更多关系了。", "No more links."),
    "ex.need_focus": ("请先选择当前节点。", "Pick the current node first."),
    "ex.need_ends": ("请选择路径的起点和终点。", "Pick both ends of the path."),
    "ex.paths": ("找到 {n} 条最短路径（{hops} 跳）。", "{n} shortest paths found ({hops} hops)."),
    "ex.no_path": ("{hops} 跳以内没有路径。", "No path within {hops} hops."),
    "ex.links_done": ("已补充屏幕上节点之间的 {n} 条关系。", "{n} links among the nodes on screen."),
    "ex.ring_done": ("已高亮疑点 {id} 的 {n} 个成员。", "{n} members of finding {id} highlighted."),
    "ex.nodes_shown": ("屏幕上 {n} 个节点、{m} 条关系", "{n} nodes, {m} links on screen"),
    "ex.details": ("节点详情", "Node details"),
    "ex.source": ("来源：文件 {file}，第 {row} 行（表 {table}）", "Source: file {file}, row {row} (table {table})"),
    "ex.no_source": ("由其他表中的取值生成（无单独来源行）", "Derived from values in other tables (no row of its own)"),
    "ex.degree": ("关系数", "Links"),
    "ex.timeline": ("投标与中标时间线", "Bids and wins over time"),
    "ex.bids": ("投标数", "Bids"),
    "ex.wins": ("中标数", "Wins"),
    "ex.node_findings": ("涉及该节点的疑点", "Findings involving this node"),
    "ex.legend": ("图例", "Legend"),
    "ex.pinned": ("已加入证据篮。", "Pinned to the cart."),
    "ex.no_path_to_pin": ("请先查找路径。", "Find a path first."),
    # cart
    "ca.empty": ("证据篮是空的：在图谱或疑点页面点击“加入证据篮”。", "The cart is empty: use “Pin” in the explorer or on a finding."),
    "ca.export": ("导出", "Export"),
    "ca.png": ("图片 PNG", "PNG image"),
    "ca.xlsx": ("Excel XLSX", "Excel XLSX"),
    "ca.csv": ("CSV（压缩包）", "CSV (zip)"),
    "ca.graphml": ("GraphML", "GraphML"),
    "ca.gexf": ("GEXF（Gephi）", "GEXF (Gephi)"),
    "ca.json": ("JSON", "JSON"),
    "ca.clear": ("清空证据篮", "Empty the cart"),
    "ca.count": ("证据篮中 {n} 项，共 {nodes} 个节点、{edges} 条关系。", "{n} items, {nodes} nodes, {edges} links in the cart."),
    "kind.node": ("节点", "Node"),
    "kind.path": ("路径", "Path"),
    "kind.finding": ("疑点", "Finding"),
    # errors
    "err.store": ("图数据不可用：{msg}", "The graph store is not available: {msg}"),
    "err.not_found": ("找不到：{msg}", "Not found: {msg}"),
    "err.input": ("输入有误：{msg}", "Bad input: {msg}"),
    "err.internal": ("内部错误（{kind}），详情已写入服务器日志。", "Internal error ({kind}); details are in the server log."),
}

NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "label": {
        "Organization": ("单位", "Organization"), "Bidder": ("投标人", "Bidder"), "Tenderer": ("招标人", "Tenderer"),
        "Agency": ("代理机构", "Agency"), "Person": ("人员", "Person"), "Expert": ("评标专家", "Expert"),
        "Project": ("项目", "Project"), "Lot": ("标段", "Lot"), "Bid": ("投标", "Bid"), "IP": ("IP地址", "IP"),
        "Device": ("设备（MAC/机器码）", "Device (MAC/hardware)"), "Document": ("标书文件", "Document"),
        "Phone": ("电话", "Phone"), "Email": ("邮箱", "Email"), "Address": ("地址", "Address"),
        "Contract": ("合同", "Contract"), "Payment": ("支付", "Payment"),
    },
    "rel": {
        "TENDERED": ("招标", "tendered"), "AGENT_FOR": ("代理", "agent for"), "HAS_LOT": ("包含标段", "has lot"),
        "SUBMITTED": ("提交投标", "submitted"), "FOR_LOT": ("投标标段", "for lot"), "WON": ("中标", "won"),
        "UPLOADED_FROM": ("上传IP", "uploaded from"), "UPLOADED_ON": ("上传设备", "uploaded on"),
        "HAS_DOCUMENT": ("标书文件", "has document"), "SCORED": ("评分", "scored"), "IS_PERSON": ("本人", "is person"),
        "EMPLOYED_BY": ("任职于", "employed by"), "HOLDS_ROLE": ("任职/持股", "holds role"),
        "ON_SITE": ("现场人员", "on site"), "HAS_PHONE": ("电话", "has phone"), "HAS_EMAIL": ("邮箱", "has email"),
        "LOCATED_AT": ("地址", "located at"), "CONTRACT_FOR": ("合同标段", "contract for"),
        "AWARDED_TO": ("签约单位", "awarded to"), "PAID_UNDER": ("合同付款", "paid under"),
    },
    "detector": {
        "shared_device": ("共用上传设备/IP", "Shared upload device or IP"),
        "shared_document": ("标书特征码相同", "Same document fingerprint"),
        "shared_personnel": ("人员交叉任职", "Shared personnel"),
        "bid_ring": ("围标团伙", "Bid ring"), "cover_bidder": ("陪标", "Cover bidder"),
        "frequent_winner": ("标王", "Frequent winner"), "hidden_link": ("隐性关联", "Hidden link"),
        "tenderer_affinity": ("招标人偏好", "Tenderer affinity"), "agency_affinity": ("代理机构偏好", "Agency affinity"),
        "expert_affinity": ("专家关联", "Expert affinity"), "expert_bias": ("专家打分偏向", "Expert bias"),
        "price_screen": ("报价异常", "Price screen"), "red_flag": ("程序红旗", "Red flag"),
        "contract_splitting": ("拆分合同", "Contract splitting"), "winner_not_builder": ("中标不施工", "Winner not builder"),
        "payment_anomaly": ("支付异常", "Payment anomaly"), "procedure_gap": ("程序缺失", "Procedure gap"),
        "smoke_index": ("冒烟指数", "Smoke index"),
    },
    "severity": {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")},
    "category": {"construction": ("工程", "construction"), "goods": ("货物", "goods"),
                 "services": ("服务", "services"), "emergency": ("应急", "emergency")},
    "entity": {"company": ("单位", "company"), "person": ("人员", "person"), "expert": ("专家", "expert"),
               "lot": ("标段", "lot"), "project": ("项目", "project"), "contract": ("合同", "contract"),
               "ip": ("IP", "IP"), "device": ("设备", "device"), "document": ("标书", "document")},
    "role": {"member": ("成员", "member"), "winner": ("中标人", "winner"), "cover": ("陪标人", "cover"),
             "tenderer": ("招标人", "tenderer"), "agency": ("代理机构", "agency"), "expert": ("专家", "expert"),
             "context": ("背景", "context")},
}


def pick_lang(value: str | None) -> str:
    """``value`` if it is a supported language, else the default (Chinese)."""
    return value if value in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fmt) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``."""
    text = STRINGS[key][LANGS.index(pick_lang(lang))]
    return text.format(**fmt) if fmt else text


def name(kind: str, value, lang: str = DEFAULT_LANG) -> str:
    """A display name for a label, relationship, detector, severity, category, entity type or role."""
    pair = NAMES[kind].get(value)
    return pair[LANGS.index(pick_lang(lang))] if pair else ("" if value is None else str(value))
