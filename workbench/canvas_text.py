"""The canvas's strings (merged into ``i18n.STRINGS``) and the names of the firm-level
relationship types (merged into the ``rel`` names), Chinese and English."""

from __future__ import annotations

__all__ = ["CANVAS_STRINGS", "CANVAS_RELS"]

CANVAS_RELS: dict[str, tuple[str, str]] = {
    "USED_IP": ("使用IP", "used IP"),
    "USED_DEVICE": ("使用设备", "used device"),
    "USED_DOCUMENT": ("使用标书文件", "used document"),
    "CO_BID": ("共同投标", "bid together"),
}

CANVAS_STRINGS: dict[str, tuple[str, str]] = {
    "cv.co_bid": ("共同投标{lots}个标段·中标{wins}次", "{lots} lots together, {wins} won"),
    "cv.times": ("{n}次", "×{n}"),
    "cv.firms": (
        "{node}：背后共有 {total} 家单位，已显示 {shown} 家。",
        "{node}: {total} firms behind it, {shown} shown.",
    ),
    "cv.relations": (
        "{node}：共 {total} 个关联对象（人员、IP、设备、文件、共同投标单位），已显示 {shown} 个。",
        "{node}: {total} related (people, IPs, devices, documents, co-bidders), {shown} shown.",
    ),
    "cv.more_hint": ("点“更多”显示下一页。", "Press More for the next page."),
    "cv.selection": ("选中的节点（可框选：按住Shift拖动）", "Selected nodes (box-select: drag with Shift)"),
    "cv.none_selected": (
        "请先在图中选择节点（点击或按住Shift框选）。",
        "Select nodes in the graph first (click or Shift-drag).",
    ),
    "cv.hide": ("隐藏所选", "Hide selected"),
    "cv.remove": ("移除所选", "Remove selected"),
    "cv.expand_sel": ("展开所选", "Expand selected"),
    "cv.neighbours": ("选中邻居", "Select neighbours"),
    "cv.pin": ("固定所选", "Pin selected"),
    "cv.unpin": ("取消固定", "Unpin"),
    "cv.show_all": ("显示全部", "Show all"),
    "cv.undo": ("撤销", "Undo"),
    "cv.redo": ("重做", "Redo"),
    "cv.arrange": ("重新排列", "Tidy layout"),
    "cv.behind": ("展开所选关系背后的投标与标段", "Open the bids and lots behind the selected link"),
    "cv.no_edge": (
        "请先点击一条单位级关系（如“使用IP”“共同投标”）。",
        "Click a firm-level link first (used IP, bid together).",
    ),
    "cv.behind_done": ("已展开 {n} 个投标与标段。", "{n} bids and lots added."),
    "cv.hidden": ("已隐藏 {n} 个节点。", "{n} nodes hidden."),
    "cv.removed": ("已移除 {n} 个节点。", "{n} nodes removed."),
    "cv.pinned": ("已固定 {n} 个节点（拖动后位置保留）。", "{n} nodes pinned."),
    "cv.unpinned": ("已取消固定 {n} 个节点。", "{n} nodes unpinned."),
    "cv.shown_all": ("已显示全部节点。", "All nodes shown."),
    "cv.arranged": ("已重新排列。", "Layout tidied."),
    "cv.path_types": ("路径只经过这些关系（不选为全部）", "Paths only through these links (none = all)"),
    "cv.view_name": ("视图名称", "View name"),
    "cv.view_name_ph": ("如：甲乙围标关系图", "e.g. ring around A and B"),
    "cv.save_view": ("保存视图", "Save view"),
    "cv.views": ("已保存的视图", "Saved views"),
    "cv.open_view": ("打开视图", "Open view"),
    "cv.saved": ("视图“{name}”已保存（{n} 个节点）。", "View “{name}” saved ({n} nodes)."),
    "cv.need_name": ("请输入视图名称。", "Enter a name for the view."),
    "cv.opened": ("已打开视图“{name}”。", "View “{name}” opened."),
    "cv.restored": ("已恢复上次的画布（{n} 个节点）。", "Your canvas was restored ({n} nodes)."),
    "cv.dropped": ("{n} 个节点已不存在或不在本地区，未恢复。", "{n} nodes no longer exist or lie outside your region."),
    "cv.raw": ("原始关系（展开投标、标段）", "Stored links (bids, lots)"),
    "cv.size_by": ("节点大小与颜色", "Node size and colour"),
    "cv.by_none": ("按类型（默认）", "By type (default)"),
    "cv.by_smoke": ("按冒烟指数", "By smoke index"),
    "cv.by_wins": ("按中标次数", "By wins"),
    "cv.time": (
        "开标时间（投标、标段与共同投标关系只显示此期间的）",
        "Lot opening date (bids, lots and co-bidding links of this period only)",
    ),
    "cv.time_range": ("{start} 至 {end}：隐藏 {n} 个元素。", "{start} to {end}: {n} elements hidden."),
    "cv.time_all": ("全部时间。", "All dates."),
    "cv.saved_case": (
        "视图“{name}”已保存到案件 {case}（{n} 个节点），本浏览器中也保留一份。",
        "View “{name}” saved with case {case} ({n} nodes), and kept in this browser too.",
    ),
    "cv.case_view_opened": (
        "已打开案件 {case} 的视图“{name}”（{n} 个节点）。",
        "View “{name}” of case {case} opened ({n} nodes).",
    ),
    "cv.case_views": ("画布视图", "Canvas views"),
    "cv.case_views_none": ("本案件还没有保存的画布视图。", "No canvas views saved with this case yet."),
    "cv.case_view_line": ("{name} · {user} · {time} · {n} 个节点", "{name} · {user} · {time} · {n} nodes"),
    "cv.open_in_canvas": ("在图谱中打开", "Open in the canvas"),
}
