"""双随机抽查 page: the pool chosen by filters in the user's region view, the officers' pool,
the seed fixed and audited before the draw (:mod:`bidgraph.cases.draw_plans`), the draw, the
list, results and the repeat of a draw from its seed. Pools are the cases functions' over the
user's view of the graph; the desk authorizes each call and audits every step."""

from __future__ import annotations

import time

from dash import Input, Output, State, html, no_update

from bidgraph.errors import InputError
from bidgraph.workbench.callbacks import form_values, opened, register_steps, table_outputs
from bidgraph.workbench.callbacks.item_detail import near, register_item
from bidgraph.workbench.callbacks.sending import day, whole
from bidgraph.workbench.i18n import name, t
from bidgraph.workbench.messages import guarded, message
from bidgraph.workbench.present import colon, region_name, sep

__all__ = ["pool_filters", "announce", "inspection_table", "inspection_detail", "act", "register"]

COLUMNS = ("id", "target", "drawn_on", "seed", "items", "officers", "results")
BUTTONS = ("button-insp-draw", "button-insp-record", "button-insp-repeat")
POOL_STATES = form_values(
    "insp",
    "dropdown-insp-target dropdown-insp-region dropdown-insp-category dropdown-insp-procedure input-insp-from "
    "input-insp-to input-insp-n dropdown-insp-officers input-insp-officers-n",
)
WORK_STATES = form_values("insp", "dropdown-insp-item dropdown-insp-result input-insp-note")


def pool_filters(s: dict, lang: str) -> dict:
    """The filters of the form, as recorded (empty ones left out; days checked)."""
    days = {k: day(s[k], lang) for k in ("from", "to")}
    chosen = {k: s[k] for k in ("region", "category", "procedure") if s.get(k)}
    return {**chosen, **{k: v.isoformat() for k, v in days.items() if v}}


def announce(data, s: dict, lang: str) -> tuple[str, int]:
    """Fix and audit the seed for the form's pool; (the line that shows it, its audit seq)."""
    desk, filters = data.supervision, pool_filters(s, lang)
    pool = desk.pool(data.api.snapshot(), s["target"], filters)
    n, officers_n = whole(s["n"], "ri.bad_n", lang, 10_000), whole(s["officers_n"], "ri.bad_n", lang, 1000)
    plan = desk.announce_draw(s["target"], pool, n, list(s["officers"] or []), officers_n, filters)
    text = t("ri.announced", lang, seed=plan["seed"], seq=plan["seq"], size=plan["pool_size"], sha=plan["pool_sha256"])
    return text, plan["seq"]


def inspection_table(data, lang: str) -> tuple[list[dict], list[dict]]:
    columns = [{"name": t(f"ri.col.{c}", lang), "id": c} for c in COLUMNS]
    rows = [
        {
            "id": i["id"],
            "target": name("inspection_target", i["target"], lang),
            "drawn_on": i["drawn_on"],
            "seed": str(i["seed"]),
            "items": sep(lang).join(i["items"]),
            "officers": sep(lang).join(i["officers"]),
            "results": f"{len(i['results'])}/{len(i['items'])}",
        }
        for i in data.supervision.list_inspections()
    ]
    return columns, rows


def _filters_text(filters: dict, data, lang: str) -> str:
    parts = []
    for key, label in (("region", "ri.region"), ("category", "ri.category"), ("procedure", "ri.procedure")):
        if filters.get(key):
            value = filters[key]
            shown = region_name(value, lang, data.region_names()) if key == "region" else name(key, value, lang)
            parts.append(f"{t(label, lang)}{colon(lang)}{shown}")
    for key, label in (("from", "ri.from"), ("to", "ri.to")):
        if filters.get(key):
            parts.append(f"{t(label, lang)}{colon(lang)}{filters[key]}")
    return sep(lang).join(parts) or t("ri.all_regions", lang)


def inspection_detail(data, inspection_id: str, lang: str) -> tuple[list, list]:
    """The chosen inspection (seed, filters, pool hash, officers, each item and its result) and
    the options of the item dropdown (items still without a result)."""
    i = data.supervision.get_inspection(inspection_id)
    results = {r["item_id"]: r for r in i["results"]}

    def item_line(item: str) -> html.Li:
        r = results.get(item)
        if r is None:
            return html.Li(f"{item}{colon(lang)}{t('ri.no_result', lang)}")
        shown = (
            f"{name('inspection_result', r['result'], lang)}（{r['note']}）"
            if lang == "zh"
            else (f"{name('inspection_result', r['result'], lang)} ({r['note']})")
        )
        return html.Li(
            f"{item}{colon(lang)}{shown} · {r['recorded_on']} · {t('ri.publish_by', lang, day=r['publish_by'])}"
        )

    shown = [
        html.H3(t("ri.detail", lang, id=i["id"], seed=i["seed"])),
        html.P(f"{t('ri.filters', lang)}{colon(lang)}{_filters_text(i['filters'], data, lang)}"),
        html.P(f"{t('ri.pool_sha', lang)}{colon(lang)}{i['pool_sha256']}", className="hint"),
        html.P(f"{t('ri.col.officers', lang)}{colon(lang)}{sep(lang).join(i['officers'])}"),
        html.Ul([item_line(item) for item in i["items"]]),
    ]
    open_items = [{"label": item, "value": item} for item in i["items"] if item not in results]
    return shown, open_items


def act(data, trigger: str, plan_seq, inspection_id, s: dict, lang: str) -> tuple[str, str | None]:
    """Run the step of button ``trigger``; (message, the inspection to show)."""
    desk = data.supervision
    if trigger == "button-insp-draw":
        if not plan_seq:
            raise InputError(t("ri.need_seed", lang))
        pool = desk.pool(data.api.snapshot(), s["target"], pool_filters(s, lang))
        drawn = desk.draw_announced(int(plan_seq), pool)
        items, officers = sep(lang).join(drawn["items"]), sep(lang).join(drawn["officers"])
        return t("ri.drawn", lang, id=drawn["id"], items=items, officers=officers), drawn["id"]
    if not inspection_id:
        raise InputError(t("ri.pick", lang))
    if trigger == "button-insp-repeat":
        again = desk.repeat_inspection(inspection_id, data.api.snapshot())
        items, officers = sep(lang).join(again["items"]), sep(lang).join(again["officers"])
        if again["same"]:
            return t("ri.repeat_same", lang, items=items, officers=officers), inspection_id
        pool = t("ri.pool_same" if again["same_pool"] else "ri.pool_changed", lang)
        return t("ri.repeat_differs", lang, pool=pool, items=items), inspection_id
    if not s["item"] or not s["result"]:
        raise InputError(t("ri.need_item", lang))
    if not (s["note"] or "").strip():
        raise InputError(t("ri.need_note", lang))
    done = desk.record_inspection(inspection_id, s["item"], s["result"], s["note"] or "")
    publish_by = next(r["publish_by"] for r in done["results"] if r["item_id"] == s["item"])
    return t("ri.recorded", lang, item=s["item"], day=publish_by), inspection_id


def _choices(data, lang: str) -> tuple[list, list, list, list]:
    """Regions, categories and procedures of the user's projects, and the officers' pool."""
    projects = data.api.snapshot()["projects"]
    regions, names = sorted(projects["region_code"].dropna().astype(str).unique()), data.region_names()

    def values(column: str) -> list[str]:
        return sorted(projects[column].dropna().astype(str).unique()) if column in projects else []

    return (
        [{"label": region_name(r, lang, names), "value": r} for r in regions],
        [{"label": name("category", c, lang), "value": c} for c in values("category")],
        [{"label": name("procedure", p, lang), "value": p} for p in values("procedure")],
        [{"label": o, "value": o} for o in data.supervision.officers()],
    )


def register(app, data) -> None:
    @app.callback(
        *table_outputs("table-inspections"),
        Output("div-insp-msg", "children"),
        Output("dropdown-insp-region", "options"),
        Output("dropdown-insp-category", "options"),
        Output("dropdown-insp-procedure", "options"),
        Output("dropdown-insp-officers", "options"),
        Input("store-inspection-refresh", "data"),
        opened("inspections"),
        State("tabs-main", "value"),
        State("store-lang", "data"),
    )
    @guarded(7, 2)
    def _list(_refresh, _opened, tab, lang):
        if tab != "inspections":
            return (no_update,) * 7
        if data.supervision is None:
            return [], [], message(t("dp.login_needed", lang), "warning"), [], [], [], []
        columns, rows = inspection_table(data, lang)
        return columns, rows, no_update if rows else message(t("ri.none", lang), "info"), *_choices(data, lang)

    detail = [("div-inspection-detail", "children"), ("dropdown-insp-item", "options")]
    register_item(
        app,
        data,
        "table-inspections",
        "store-inspection",
        detail,
        inspection_detail,
        lambda lang: (t("ri.pick", lang), []),
    )

    def _announce(_trigger, s, lang):
        if data.supervision is None:
            return no_update, no_update
        text, seq = announce(data, s, lang)
        return seq, message(text, "info")

    announced = [Output("store-insp-plan", "data"), Output("div-insp-announced", "children")]
    register_steps(app, announced, ["button-insp-announce"], POOL_STATES, _announce, guarded(2, 1))

    def _step(trigger, s, lang):
        here = [no_update, no_update]  # beside the draw button, beside the result form
        if data.supervision is None:
            here[trigger != "button-insp-draw"] = message(t("dp.login_needed", lang), "warning")
            return no_update, *here, no_update, no_update
        text, shown = act(data, trigger, s["plan"], s["inspection"], s, lang)
        here[trigger != "button-insp-draw"] = message(text, "info")
        spent = None if trigger == "button-insp-draw" else no_update  # a seed is drawn once
        return time.time_ns(), *here, shown, spent

    outputs = [
        Output("store-inspection-refresh", "data"),
        Output("div-insp-announced", "children", allow_duplicate=True),
        Output("div-insp-step-msg", "children"),
        Output("store-inspection", "data", allow_duplicate=True),
        Output("store-insp-plan", "data", allow_duplicate=True),
    ]
    reads = {"plan": ("store-insp-plan", "data"), "inspection": ("store-inspection", "data")}
    register_steps(
        app, outputs, BUTTONS, {**reads, **POOL_STATES, **WORK_STATES}, _step, near(5, {"button-insp-draw": 1}, 2)
    )
