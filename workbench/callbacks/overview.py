"""Overview page: what was loaded, what was found, where, when, and who ranks highest (the
smoke index as the last ``bidgraph detect`` stored it, the same list as ``bidgraph rank``)."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import Input, Output, State, html, no_update

from bidgraph.workbench.callbacks import table_outputs
from bidgraph.workbench.callbacks.explorer import open_request
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import guarded, message
from bidgraph.workbench.present import region_name, sep
from bidgraph.workbench.styles import FONT
from bidgraph.workbench.views import count_by

__all__ = ["overview", "ranking", "bar_figure", "changes_since_last", "register"]

CHARTS = ("detector", "region", "month", "category")  # graph-by-<chart>
RANKED = ("rank", "type", "name", "key", "region", "uscc", "score", "findings", "strongest", "detectors")
RANKED_KEYS = {"findings": "col.count", "detectors": "col.detector"}  # the others: col.<column>
COUNTED = (("Project", "ov.projects"), ("Lot", "ov.lots"), ("Bid", "ov.bids"), ("Organization", "ov.organizations"))


def bar_figure(items: list[tuple[str, int]], horizontal: bool = False) -> go.Figure:
    """A plain bar chart of ``(label, count)`` pairs (labels as categories, never as numbers)."""
    xs, ys = [k for k, _ in items], [v for _, v in items]
    if horizontal:
        trace = go.Bar(x=ys[::-1], y=xs[::-1], orientation="h", marker_color="#4e79a7")
    else:
        trace = go.Bar(x=xs, y=ys, marker_color="#4e79a7")
    fig = go.Figure(trace)
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 12},
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        showlegend=False,
    )
    category = {"yaxis" if horizontal else "xaxis": {"type": "category"}}
    fig.update_layout(**category)
    fig.update_xaxes(automargin=True, gridcolor="#eee")
    fig.update_yaxes(automargin=True, gridcolor="#eee")
    return fig


def ranking(data, lang: str, limit: int = 10) -> tuple[list[dict], list[dict]]:
    """Columns and rows of the overview's ranking table: the top ``limit`` of the stored
    smoke index, every level together."""
    rows = []
    regions = data.region_names()
    finding_region = dict(zip(data.rows()["id"], data.rows()["region"]))
    for i, item in enumerate(data.ranking()[:limit], start=1):
        try:
            node = data.api.node(item["uid"])
            caption, props = node["caption"], node.get("properties") or {}
        except Exception:  # noqa: BLE001 - an entity missing from the graph still ranks, by id
            caption, props = item["entity"], {}
        region = props.get("region_code") or finding_region.get(item["finding"])
        rows.append(
            {
                "rank": i,
                "uid": item["uid"],
                "type": name("entity", item["type"], lang),
                "name": caption,
                "key": item["entity"],
                "region": region_name(region, lang, regions) if region is not None and region == region else "—",
                "uscc": props.get("uscc") or "—",
                "score": item["index"],
                "findings": item["findings"],
                "strongest": round(float(item.get("strongest", 0.0)), 3),
                "detectors": sep(lang).join(name("detector", d, lang) for d in sorted(item["by_detector"])),
            }
        )
    cols = [{"name": t(RANKED_KEYS.get(c, f"col.{c}"), lang), "id": c} for c in RANKED]
    return cols, rows


def changes_since_last(data, lang: str) -> html.Div | None:
    """What the last batch found new, changed and gone against the one before, counted over
    the findings of the user's region; None before the first batch."""
    batch = data.last_batch()
    if batch is None:
        return None
    counts = {kind: len(entries) for kind, entries in batch["changes"].items()}
    return message(t("ov.changes", lang, batch=batch["id"], at=batch["at"], **counts), "info")


def overview(data, lang: str) -> tuple:
    """Everything the overview page shows: (message, count cards, four figures, ranking
    columns, ranking rows)."""
    info = data.api.info()
    rows = data.rows()
    counts = [(t(key, lang), info["nodes"].get(label, 0)) for label, key in COUNTED] + [
        (t("ov.findings", lang), len(rows))
    ]
    cards = [
        html.Div(
            [html.Div(f"{n:,}", className="card-number"), html.Div(label, className="card-label")], className="card"
        )
        for label, n in counts
    ]
    det = [(name("detector", k, lang), v) for k, v in count_by(rows, "detector")]
    cat = [(name("category", k, lang), v) for k, v in count_by(rows, "category")]
    figs = (
        bar_figure(det, horizontal=True),
        bar_figure([(region_name(k, lang, data.region_names()), v) for k, v in count_by(rows, "region")[:20]]),
        bar_figure(count_by(rows, "month")),
        bar_figure(cat),
    )
    cols, top = ranking(data, lang)
    shown = [message(t("ov.no_findings", lang), "warning") if rows.empty else None, changes_since_last(data, lang)]
    msg = [m for m in shown if m is not None] or None
    return (msg, cards, *figs, cols, top)


def register(app, data) -> None:
    outputs = [
        Output("div-overview-msg", "children"),
        Output("div-overview-counts", "children"),
        *[Output(f"graph-by-{chart}", "figure") for chart in CHARTS],
        *table_outputs("table-ranking"),
    ]

    @app.callback(*outputs, Input("store-lang", "data"))
    @guarded(len(outputs), 0)
    def _overview(lang):
        return overview(data, lang)

    @app.callback(
        Output("store-open", "data", allow_duplicate=True),
        Output("tabs-main", "value", allow_duplicate=True),
        Input("table-ranking", "active_cell"),
        State("table-ranking", "data"),
        prevent_initial_call=True,
    )
    def _open_ranked(cell, rows):
        if not cell or not rows:
            return no_update, no_update
        return open_request([rows[cell["row"]]["uid"]]), "explorer"
