"""Portraits page (画像档案): a firm's, an expert's or a project's portrait, opened by id, by the
URL ``?portrait=kind:key`` or by the portrait links beside a finding, the search results and the
explorer's current node; exported as PDF.

The portrait is read through the user's scoped store (``bidgraph.graph.profiles``: an entity
outside their region is "not found" and the refusal audited, like any node view) and the cases
desk (``bidgraph.cases.portrait_links``); nothing is computed here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

from dash import Input, Output, State, html, no_update

from bidgraph.cases.portrait_links import gather
from bidgraph.errors import InputError
from bidgraph.graph import profiles
from bidgraph.workbench.callbacks import refused, register_download
from bidgraph.workbench.i18n import t
from bidgraph.workbench.messages import guarded, message
from bidgraph.workbench.portrait_sections import pdf_bytes, sections, title_of
from bidgraph.workbench.portraits import ENTITIES, link, parse_ref, ref_of_uid, render

__all__ = ["portrait", "portrait_pdf", "finding_links", "search_links", "node_links", "register"]

BUILDERS = {"firm": profiles.firm_profile, "expert": profiles.expert_profile, "project": profiles.project_profile}


def _keys(profile: dict) -> set[tuple[str, str]]:
    if profile["kind"] == "firm":
        return {("company", profile["id"])}
    if profile["kind"] == "expert":
        return {("expert", profile["id"])}
    return {("project", profile["id"])} | {("lot", lot) for lot in profile["lots"]}


def portrait(data, ref: str, lang: str) -> tuple[dict, list, str]:
    """(profile, sections, note) of the portrait ``ref`` (``kind:key``) as the user may see it."""
    parsed = parse_ref(ref)
    if parsed is None:
        raise InputError(t("pt.bad_ref", lang, ref=ref))
    kind, key = parsed
    profile = BUILDERS[kind](data.api, key, data.findings())
    links = gather(data.cases, _keys(profile), {f["id"] for f in profile["findings"]})
    version = data.api.info().get("version") or ""
    at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = t("pt.generated", lang, at=at, version=version)
    if not data.api.scope.is_all:
        note += " " + t("pt.scope_note", lang)
    return profile, sections(profile, links, lang, data.region_names()), note


def portrait_pdf(data, ref: str, lang: str) -> tuple[dict, str]:
    """The portrait as a PDF download (``dcc.Download`` data) and its file name; recorded as an export."""
    profile, parts, note = portrait(data, ref, lang)
    filename = f"bidgraph-{profile['kind']}-{profile['id']}.pdf"
    data.api.record_export("pdf", filename, 1)
    return {"content": _b64(pdf_bytes(profile, parts, lang, note)), "filename": filename, "base64": True}, filename


def _b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode("ascii")


def _bar(refs: list[tuple[str, str, str]], lang: str) -> list:
    """A row of portrait links (kind, key, text), without repeats."""
    seen, out = set(), []
    for kind, key, text in refs:
        if (kind, key) not in seen:
            seen.add((kind, key))
            out.append(link(kind, key, f"{t('pt.kind.' + kind, lang)} {text}", lang))
    return [html.Span(t("pt.links", lang)), *out] if out else []


def finding_links(data, finding_id: str, lang: str) -> list:
    """Portrait links of a finding's firms, experts, projects (a lot: its project)."""
    finding = data.finding(finding_id)
    lots = {e["id"] for e in finding.get("entities") or [] if e["type"] == "lot"}
    table = data.api.snapshot()["lots"]
    projects = sorted(set(table.loc[table["lot_id"].astype(str).isin(lots), "project_id"].astype(str)))
    refs = [(ENTITIES[e["type"]], str(e["id"]), str(e["id"])) for e in finding["entities"] if e["type"] in ENTITIES]
    return _bar(refs + [("project", p, p) for p in projects], lang)


def search_links(rows: list[dict] | None, lang: str) -> list:
    """Portrait links of the search results that have one."""
    refs = [(*ref, r.get("name") or ref[1]) for r in rows or [] if (ref := ref_of_uid(r.get("id", ""))) is not None]
    return _bar(refs, lang)


def node_links(uid: str | None, lang: str) -> list:
    ref = ref_of_uid(uid or "")
    return _bar([(*ref, ref[1])], lang) if ref else []


def _from_search(search: str | None) -> str | None:
    values = parse_qs((search or "").lstrip("?")).get("portrait")
    return values[0] if values else None


def register(app, data) -> None:
    @app.callback(
        Output("store-portrait", "data"),
        Output("tabs-main", "value", allow_duplicate=True),
        Input("url-portrait", "search"),
        prevent_initial_call="initial_duplicate",
    )
    def _from_url(search):
        ref = _from_search(search)
        return (ref, "portrait") if ref else (no_update, no_update)

    @app.callback(
        Output("url-portrait", "search"),
        Input("button-portrait-open", "n_clicks"),
        Input("input-portrait-id", "n_submit"),
        State("dropdown-portrait-kind", "value"),
        State("input-portrait-id", "value"),
        prevent_initial_call=True,
    )
    def _open(_clicks, _submit, kind, key):
        return f"?portrait={kind}:{(key or '').strip()}" if (key or "").strip() else no_update

    @app.callback(
        Output("div-portrait", "children"),
        Output("div-portrait-msg", "children"),
        Output("dropdown-portrait-kind", "value"),
        Output("input-portrait-id", "value"),
        Input("store-portrait", "data"),
        State("store-lang", "data"),
        prevent_initial_call=True,
    )
    @guarded(4, 1)
    def _show(ref, lang):
        profile, parts, note = portrait(data, ref, lang)
        return render(title_of(profile, lang), parts, note, lang), None, profile["kind"], profile["id"]

    def _pdf(ref, lang):
        if not ref:
            return refused("pt.nothing", lang)
        download, filename = portrait_pdf(data, ref, lang)
        return download, message(t("pt.exported", lang, file=filename), "info")

    register_download(
        app, "button-portrait-pdf", "download-portrait", "div-portrait-msg", ("store-portrait", "data"), _pdf
    )

    bars = (
        ("finding", Input("store-finding", "data"), lambda fid, lang: finding_links(data, fid, lang) if fid else []),
        ("search", Input("table-search", "data"), search_links),
        ("node", Input("dropdown-focus", "value"), node_links),
    )
    for source, trigger, build in bars:
        app.callback(
            Output(f"div-portrait-links-{source}", "children"),
            trigger,
            State("store-lang", "data"),
            prevent_initial_call=True,
        )(guarded(1, 0)(build))
