"""Findings page: a sortable, filterable table; each row opens its explanation (rule, measured
values, thresholds) and its evidence graph, which can go to the explorer or the cart."""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, html, no_update

from bidgraph.cases.scope import OTHER_REGIONS
from bidgraph.workbench.callbacks import opened, register_row_pick, register_steps, table_outputs
from bidgraph.workbench.callbacks.cases import finding_feedback
from bidgraph.workbench.callbacks.explorer import graph_elements, known_subgraph, open_request
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import guarded, localized, message
from bidgraph.workbench.present import bilingual, finding_summary, measures, region_name, sep
from bidgraph.workbench.scheme_graph import PRESET, has_rotation, ring_elements, rotation_table
from bidgraph.workbench.styles import layout_for
from bidgraph.workbench.views import entity_uid

__all__ = ["findings_table", "detector_status", "finding_detail", "finding_request", "register"]

SHOWN = ("id", "detector", "severity", "score", "region", "category", "date", "entities", "summary")


def _options(values, kind: str | None, lang: str) -> list[dict]:
    return [{"label": name(kind, v, lang) if kind else str(v), "value": v} for v in sorted(set(values.dropna()))]


def findings_table(data, lang: str, detectors=None, severities=None, regions=None) -> dict:
    """Columns, rows (filtered by the three dropdowns), a count line and the dropdown options."""
    rows = data.rows()
    regions_table = data.region_names()
    options = {
        "detector": _options(rows["detector"], "detector", lang),
        "severity": _options(rows["severity"], "severity", lang),
        "region": [
            {"label": region_name(v, lang, regions_table), "value": v} for v in sorted(set(rows["region"].dropna()))
        ],
    }
    by_id = {f["id"]: f for f in data.findings()}
    keep = rows
    for column, chosen in (("detector", detectors), ("severity", severities), ("region", regions)):
        if chosen:
            keep = keep[keep[column].isin(chosen)]
    shown = keep.assign(
        detector=keep["detector"].map(lambda d: name("detector", d, lang)),
        severity=keep["severity"].map(lambda s: name("severity", s, lang)),
        category=keep["category"].map(lambda c: name("category", c, lang) if pd.notna(c) else ""),
        entities=keep["entities"].map(lambda text: _entities(text, lang)),
        region=keep["region"].map(lambda r: region_name(r, lang, regions_table) if pd.notna(r) else ""),
        summary=keep["id"].map(lambda fid: finding_summary(by_id.get(fid, {}), lang)),
    )
    columns = [{"name": t(f"col.{c}", lang), "id": c, **({"type": "numeric"} if c == "score" else {})} for c in SHOWN]
    records = shown[list(SHOWN)].astype(object).where(shown[list(SHOWN)].notna(), "").to_dict("records")
    return {"columns": columns, "rows": records, "count": t("fd.count", lang, n=len(records)), "options": options}


ENTITIES_SHOWN = 5


def _entities(text: str, lang: str) -> str:
    """``company:A person:P1`` → ``单位:A 人员:P1``; after five, how many more."""
    words = text.split()
    shown = " ".join(
        f"{name('entity', kind, lang)}:{key}" for kind, _, key in (w.partition(":") for w in words[:ENTITIES_SHOWN])
    )
    return shown + (f" …(+{len(words) - ENTITIES_SHOWN})" if len(words) > ENTITIES_SHOWN else "")


def detector_status(data, lang: str) -> html.Div | None:
    """The last batch's word on the detectors that found nothing because they could not run:
    not applicable (with what was missing) or failed; None before the first batch."""
    batch = data.last_batch()
    if batch is None:
        return None
    lines = [t("fd.status_batch", lang, batch=batch["id"], at=batch["at"], version=batch["graph_version"])]
    for row in batch["detectors"]:
        detector = name("detector", row["detector"], lang)
        if row["status"] == "not_applicable":
            lines.append(t("fd.status_not_applicable", lang, detector=detector, reason=localized(row["reason"], lang)))
        elif row["status"] == "error":
            lines.append(t("fd.status_error", lang, detector=detector, error=row["error"]))
    kind = "warning" if len(lines) > 1 else "info"
    return html.Div([message(line, kind) for line in lines], id="div-detector-status")


def _bracket(text, lang: str) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _measures(ev: dict, lang: str) -> html.Div:
    """Measured values and thresholds as one table of named measures with crossed/within marks."""
    rows = measures(ev.get("measured"), ev.get("thresholds"), lang)
    head = html.Tr([html.Th(t(k, lang)) for k in ("fd.measure", "fd.measured", "fd.thresholds", "fd.mark")])
    body = [
        html.Tr(
            [html.Td(r["measure"]), html.Td(r["value"]), html.Td(r["threshold"]), html.Td(r["mark"])],
            className="crossed" if r["mark"] in ("越线", "crossed") else None,
        )
        for r in rows
    ]
    table = html.Table([html.Thead(head), html.Tbody(body)], className="props measures") if rows else html.P("—")
    return html.Div([html.H4(t("fd.measures", lang)), table], id="div-finding-measures")


def finding_detail(data, finding_id: str, lang: str) -> tuple[html.Div, list[dict], dict]:
    """The explanation panel, the evidence graph's elements and its layout for one finding (as
    the user may see it: cut to their region, with a count of the entities elsewhere); a ring
    shows its rotation (:mod:`bidgraph.workbench.scheme_graph`). The view is audited."""
    f = data.finding(finding_id)
    data.api.record_view("finding", finding_id)
    ev = f.get("evidence", {})
    roles = {entity_uid(e): e.get("role") for e in f.get("entities", [])}
    sub, missing = known_subgraph(data.api, list(ev.get("nodes", [])) + list(roles))
    captions = {n["id"]: n["caption"] for n in sub["nodes"]}
    entities = [
        html.Li(
            f"{name('entity', e['type'], lang)} {captions.get(entity_uid(e), e['id'])}{_bracket(e['id'], lang)}"
            f" — {name('role', e.get('role'), lang)}"
        )
        for e in f.get("entities", [])
    ]
    if f.get(OTHER_REGIONS):
        entities.append(html.Li(t("fd.other_regions", lang, n=f[OTHER_REGIONS]), className="hint"))
    panel = html.Div(
        [
            html.H3(
                f"{f['id']} · {name('detector', f['detector'], lang)} · {name('severity', f.get('severity'), lang)}"
                f" · {float(f.get('score', 0)):.2f}"
            ),
            html.Div(finding_feedback(data, finding_id, lang), id="div-finding-feedback"),
            html.H4(t("fd.rule", lang)),
            html.P(bilingual(ev.get("rule"), lang)),
            html.H4(t("fd.explanation", lang)),
            html.P(bilingual(ev.get("explanation"), lang)),
            _measures(ev, lang),
            html.H4(t("fd.entities", lang)),
            html.Ul(entities),
            message(t("fd.missing_nodes", lang, n=len(missing), ids=sep(lang).join(missing[:5])), "warning")
            if missing
            else None,
        ],
        id="div-finding-body",
    )
    if has_rotation(f):
        panel.children += [html.H4(t("sg.rotation", lang)), html.P(t("sg.legend", lang), className="hint")]
        panel.children.append(rotation_table(f, captions, lang))
        return panel, ring_elements(f, captions, lang), PRESET
    return panel, graph_elements(sub, lang, roles, ev.get("edges")), layout_for("fcose")


def finding_request(data, finding_id: str) -> dict:
    """The explorer request that opens a finding's evidence with its members highlighted."""
    f = data.finding(finding_id)
    roles = {entity_uid(e): e.get("role") for e in f.get("entities", [])}
    ev = f.get("evidence", {})
    focus = next((u for u, r in roles.items() if r not in ("context",)), None)
    return open_request(list(ev.get("nodes", [])) + list(roles), focus=focus, roles=roles, evidence=ev.get("edges"))


def register(app, data) -> None:
    @app.callback(
        *table_outputs("table-findings"),
        Output("div-findings-count", "children"),
        Output("dropdown-filter-detector", "options"),
        Output("dropdown-filter-severity", "options"),
        Output("dropdown-filter-region", "options"),
        Output("div-findings-msg", "children"),
        Input("dropdown-filter-detector", "value"),
        Input("dropdown-filter-severity", "value"),
        Input("dropdown-filter-region", "value"),
        Input("store-lang", "data"),
    )
    @guarded(7, 6)
    def _table(detectors, severities, regions, lang):
        out = findings_table(data, lang, detectors, severities, regions)
        o = out["options"]
        empty = not out["rows"] and not (detectors or severities or regions)
        shown = [message(t("ov.no_findings", lang), "warning") if empty else None, detector_status(data, lang)]
        msg = [m for m in shown if m is not None] or None
        return out["columns"], out["rows"], out["count"], o["detector"], o["severity"], o["region"], msg

    register_row_pick(app, "table-findings", "store-finding")

    @app.callback(
        Output("div-finding-detail", "children"),
        Output("cyto-evidence", "elements"),
        Output("cyto-evidence", "layout"),
        Input("store-finding", "data"),
        opened("findings"),
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guarded(3, 0)
    def _detail(finding_id, _opened, lang):
        if not finding_id:
            return t("fd.pick", lang), [], no_update
        return finding_detail(data, finding_id, lang)

    def _open(_trigger, s, lang):
        if not s["finding"]:
            return no_update, no_update, message(t("fd.pick", lang), "warning")
        return finding_request(data, s["finding"]), "explorer", None

    outputs = [
        Output("store-open", "data", allow_duplicate=True),
        Output("tabs-main", "value", allow_duplicate=True),
        Output("div-findings-msg", "children", allow_duplicate=True),
    ]
    reads = {"finding": ("store-finding", "data")}
    register_steps(app, outputs, ["button-open-finding"], reads, _open, guarded(3, 2))
