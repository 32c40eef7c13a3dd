"""Strings of the scheme evidence graphs (:mod:`bidgraph.workbench.scheme_graph`), merged into
:data:`bidgraph.workbench.i18n.STRINGS`."""

from __future__ import annotations

__all__ = ["SCHEME_STRINGS"]

SCHEME_STRINGS: dict[str, tuple[str, str]] = {
    "sg.won": ("中标", "won"),
    "sg.cover": ("陪标", "covered"),
    "sg.date": ("开标日期", "Opened"),
    "sg.lot": ("标段", "Lot"),
    "sg.outsider": ("外部中标人", "Outside winner"),
    "sg.rotation": ("轮流中标情况（按开标日期）", "Rotation of wins (by opening date)"),
    "sg.legend": (
        "上排为标段（按开标日期从左到右），下排为成员企业；实线为中标，虚线为陪标，上方灰色为外部中标人。",
        "Top row: the lots, by opening date from left to right; bottom row: the members; solid lines won, "
        "dashed lines covered, grey above: outside winners.",
    ),
}
