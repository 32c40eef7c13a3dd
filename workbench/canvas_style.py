"""Style rules the canvas adds to its stylesheet, without touching the elements (so nothing
enters the undo history and nothing is deleted):

- size and colour by a stored property: the smoke index of the last detector batch
  (``data.ranking()``, nothing recomputed) or a firm's stored wins (``firm_view.firm_wins``);
- the time window: bids, lots and the firm-level links behind them (``CO_BID``, ``USED_*``,
  by the lots they carry) whose lot opening month lies outside it are hidden.

Months are numbered ``year * 12 + month - 1`` so that a range slider can carry them.
"""

from __future__ import annotations

import pandas as pd

from bidgraph.graph import firm_view
from bidgraph.workbench.canvas import CANVAS_RULES
from bidgraph.workbench.styles import stylesheet

__all__ = [
    "STYLE_BY",
    "month_number",
    "month_name",
    "month_span",
    "values",
    "size_rules",
    "time_rules",
    "slider_marks",
    "canvas_stylesheet",
]

STYLE_BY = ("none", "smoke", "wins")
SMALL, LARGE = 22.0, 60.0  # px: the smallest and largest node sized by a value
LOW, HIGH = (253, 224, 197), (179, 0, 0)  # colour of the smallest and the largest value


def month_number(month: str) -> int:
    year, _, mon = month.partition("-")
    return int(year) * 12 + int(mon) - 1


def month_name(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def month_span(api) -> tuple[int, int] | None:
    """The first and last lot opening month of the store (the user's view), numbered; worked out
    once per snapshot (each page load asks, and a province has 192,000 lots' dates to read)."""
    snapshot = api.snapshot()
    return snapshot.derived("month_span", lambda: _month_span(snapshot["lots"]))


def _month_span(lots: pd.DataFrame) -> tuple[int, int] | None:
    opened = pd.to_datetime(lots["opened_on"], errors="coerce").dropna() if "opened_on" in lots else pd.Series([])
    if opened.empty:
        return None
    return month_number(opened.min().strftime("%Y-%m")), month_number(opened.max().strftime("%Y-%m"))


def values(data, by: str | None, node_ids: list[str]) -> dict[str, float]:
    """The stored value of each node on the canvas that has one: smoke index or wins."""
    if by == "smoke":
        stored = {r["uid"]: float(r["index"]) for r in data.ranking()}
    elif by == "wins":
        stored = {k: float(v) for k, v in firm_view.firm_wins(data.api, node_ids).items()}  # the screen's only
    else:
        return {}
    return {u: stored[u] for u in node_ids if stored.get(u)}


def _quoted(uid: str) -> str:
    return '"' + uid.replace("\\", "\\\\").replace('"', '\\"') + '"'


def size_rules(vals: dict[str, float]) -> list[dict]:
    """One rule per valued node: size and colour grow with the value (the largest on screen
    gets ``LARGE`` and the darkest red)."""
    top = max(vals.values(), default=0.0)
    rules = []
    for uid, v in sorted(vals.items()):
        share = v / top if top else 0.0
        rgb = tuple(round(lo + (hi - lo) * share) for lo, hi in zip(LOW, HIGH))
        side = round(SMALL + (LARGE - SMALL) * share, 1)
        rules.append(
            {
                "selector": f"node[id = {_quoted(uid)}]",
                "style": {"width": side, "height": side, "background-color": "#" + "".join(f"{c:02x}" for c in rgb)},
            }
        )
    return rules


def _dated(elements: list[dict]) -> dict[str, list[str]]:
    """Element id → the uids whose months date it: a bid or lot node itself, a link by the lots
    it carries (``props.lots``)."""
    out = {}
    for e in elements:
        d = e["data"]
        if "source" not in d and d.get("type") in ("Bid", "Lot"):
            out[d["id"]] = [d["id"]]
        elif "source" in d and (d.get("props") or {}).get("lots"):
            out[d["id"]] = [f"Lot:{lot}" for lot in d["props"]["lots"]]
    return out


def time_rules(api, elements: list[dict], window: tuple[int, int]) -> list[dict]:
    """Hide the bids, lots and firm-level links dated only outside ``window`` (numbered months,
    both ends included); undated elements stay."""
    dated = _dated(elements)
    months = firm_view.months(api, sorted({u for uids in dated.values() for u in uids}))
    lo, hi = window
    hidden = []
    for element_id, uids in dated.items():
        seen = [month_number(months[u]) for u in uids if u in months]
        if seen and not any(lo <= m <= hi for m in seen):
            hidden.append(element_id)
    return [{"selector": f"[id = {_quoted(u)}]", "style": {"display": "none"}} for u in sorted(hidden)]


def slider_marks(span: tuple[int, int]) -> dict:
    """Marks of the time slider: its ends and each January between them."""
    lo, hi = span
    marks = {n: month_name(n)[:4] for n in range(lo, hi + 1) if n % 12 == 0}
    return {**marks, lo: month_name(lo), hi: month_name(hi)}


def canvas_stylesheet(data, elements: list[dict], by: str | None, window, span) -> tuple[list[dict], int | None]:
    """The canvas's whole stylesheet (labels' style, canvas marks, sizes, the time window) and
    how many elements the window hides (None: the window is the whole span)."""
    nodes = [e["data"]["id"] for e in elements if "source" not in e["data"]]
    rules = stylesheet(len(nodes)) + CANVAS_RULES + size_rules(values(data, by, nodes))
    if not span or not window or tuple(window) == tuple(span):
        return rules, None
    hidden = time_rules(data.api, elements, (int(window[0]), int(window[1])))
    return rules + hidden, len(hidden)
