"""The home's to-do panel (今日待办) strings, merged into :data:`bidgraph.workbench.i18n.STRINGS`."""

from __future__ import annotations

__all__ = ["TODAY_STRINGS"]

TODAY_STRINGS: dict[str, tuple[str, str]] = {
    "td.title": ("今日待办", "Today"),
    "td.since_visit": ("上次访问：{at}", "Last visit: {at}"),
    "td.first_visit": (
        "首次访问：新增线索按最近一次检测批次统计",
        "First visit: new leads are those of the last batch",
    ),
    "td.new_high": ("新增高风险线索", "New high findings"),
    "td.unassigned": ("未认领高风险线索", "Unassigned high findings"),
    "td.cases_overdue": ("我的逾期案件", "My cases overdue"),
    "td.cases_due": ("三个工作日内到期", "Due within 3 working days"),
    "td.dispatches_overdue": ("逾期督办事项", "Dispatches overdue"),
    "td.notifications": ("未读提醒", "Unread notifications"),
    "td.reason_new": ("新增", "new"),
    "td.reason_unassigned": ("未认领", "unassigned"),
    "td.col_why": ("类别", "Why"),
    "td.col_title": ("案件名称", "Case title"),
    "td.overdue": ("已逾期", "overdue"),
    "td.nothing": ("今日没有待办事项。", "Nothing to do today."),
    "td.no_login": ("未登录：案件与督办待办不显示", "Not signed in: cases and dispatches are not shown"),
    "td.open_hint": ("点击一行打开线索或案件。", "Click a row to open the finding or case."),
}
