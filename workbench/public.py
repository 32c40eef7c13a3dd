"""The public page (公开专栏): aggregate, non-secret figures served WITHOUT login at ``/public``,
and only when the server is started with ``bidgraph serve --public`` (off by default).

It shows counts only: projects, lots and bids; warnings per kind (detector) and per region;
random-inspection results per target and result, and each result (inspection, project or firm
id, result, day recorded; 双随机、一公开). No name of a person or organization, no id
number, phone or address, no finding id, no open dispatch or complaint, no officer or note
reaches it: the figures are computed here from the whole graph's counts and the findings'
detector and region, and nothing else of a finding is read.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from html import escape

from flask import Response, request

from bidgraph.cases.scoped_store import ScopedStore
from bidgraph.workbench.i18n import name, pick_lang, t
from bidgraph.workbench.present import region_name
from bidgraph.workbench.views import count_by, finding_rows

__all__ = ["PUBLIC_PATH", "PublicPage", "public_figures", "render"]

PUBLIC_PATH = "/public"
COUNTED = (("Project", "pub.projects"), ("Lot", "pub.lots"), ("Bid", "pub.bids"))
RANKING = "smoke_index"  # a ranking of entities, not a warning: never shown here
PAGE = """<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/workbench.css"></head><body class="public-page"><div class="app">
<div class="header"><h1>{title}</h1><a href="{path}?lang={other}" id="link-lang" class="lang-switch">{switch}</a></div>
<p class="hint">{note}</p>{body}</div></body></html>"""


def public_figures(api: ScopedStore, results: list[dict] | None) -> dict:
    """The figures of the public page, language-free: ``counts`` {label: n}, ``by_kind`` and
    ``by_region`` [(value, n)], ``inspections`` [((target, result), n)], ``regions`` {code: name}.

    ``results`` are the recorded inspection results as ``{"target", "result"}`` (None: no
    cases store, so none shown)."""
    info = api.info()
    counts = {label: int(info.get("nodes", {}).get(label, 0)) for label, _ in COUNTED}
    findings = [f for f in api.findings() if f.get("detector") != RANKING]
    snapshot = api.snapshot()
    rows = finding_rows(findings, snapshot)
    regions: dict[str, str] = {}
    if "regions" in snapshot:
        table = snapshot["regions"]
        if {"region_code", "name"} <= set(table.columns):
            regions = {str(c): str(n) for c, n in zip(table["region_code"], table["name"]) if isinstance(n, str)}
    tally = Counter((r["target"], r["result"]) for r in results or [])
    listed = sorted(
        (
            (r["inspection"], r["target"], r["item"], r["result"], r["recorded_on"])
            for r in results or []
            if "item" in r
        ),
        reverse=True,
    )
    return {
        "counts": {**counts, "warnings": len(rows)},
        "by_kind": count_by(rows, "detector"),
        "by_region": count_by(rows, "region"),
        "inspections": sorted(tally.items()),
        "results": listed,
        "regions": regions,
    }


def _table(headers: list[str], rows: list[tuple], table_id: str, lang: str) -> str:
    if not rows:
        return f'<p id="{table_id}" class="hint">{escape(t("pub.none", lang))}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table id="{table_id}" class="public-table"><tr>{head}</tr>{body}</table>'


def render(figures: dict, lang: str) -> str:
    """The page as HTML in ``lang`` (every value escaped)."""
    counts = figures["counts"]
    cards = [(t(key, lang), counts[label]) for label, key in COUNTED] + [(t("pub.warnings", lang), counts["warnings"])]
    regions = figures["regions"]

    def region(code: str) -> str:  # by name: the bundle's regions table, else (Chinese page) GB/T 2260
        if code in ("?", "", None):
            return t("pub.unplaced", lang)
        return region_name(code, lang, regions) if lang == "zh" or code in regions else code

    target_names = {"project": t("pub.target.project", lang), "firm": t("pub.target.firm", lang)}
    body = [
        f"<h2>{escape(t('pub.counts', lang))}</h2>",
        _table(
            [t("pub.figure", lang), t("pub.count", lang)],
            [(label, f"{n:,}") for label, n in cards],
            "table-public-counts",
            lang,
        ),
        f"<h2>{escape(t('pub.by_kind', lang))}</h2>",
        _table(
            [t("pub.kind", lang), t("pub.count", lang)],
            [(name("detector", k, lang), n) for k, n in figures["by_kind"]],
            "table-public-kinds",
            lang,
        ),
        f"<h2>{escape(t('pub.by_region', lang))}</h2>",
        _table(
            [t("pub.region", lang), t("pub.count", lang)],
            [(region(k), n) for k, n in figures["by_region"]],
            "table-public-regions",
            lang,
        ),
        f"<h2>{escape(t('pub.inspections', lang))}</h2>",
        _table(
            [t("pub.target", lang), t("pub.result", lang), t("pub.count", lang)],
            [
                (target_names.get(tg, tg), name("inspection_result", rs, lang), n)
                for (tg, rs), n in figures["inspections"]
            ],
            "table-public-inspections",
            lang,
        ),
        f"<h2>{escape(t('pub.results', lang))}</h2>",
        _table(
            [
                t("pub.inspection", lang),
                t("pub.target", lang),
                t("pub.item", lang),
                t("pub.result", lang),
                t("pub.recorded", lang),
            ],
            [
                (i, target_names.get(tg, tg), item, name("inspection_result", rs, lang), day)
                for i, tg, item, rs, day in figures["results"]
            ],
            "table-public-results",
            lang,
        ),
    ]
    return PAGE.format(
        html_lang="zh-CN" if lang == "zh" else "en",
        title=escape(t("pub.title", lang)),
        note=escape(t("pub.note", lang)),
        path=PUBLIC_PATH,
        other="en" if lang == "zh" else "zh",
        switch=escape(t("app.switch", lang)),
        body="".join(body),
    )


class PublicPage:
    """The ``/public`` route: figures cached per graph version (inspection results read each time).

    Parameters
    ----------
    api : ScopedStore
        The whole graph, read for counts and the findings' detector and region only.
    results : callable returning the recorded inspection results, or None
        ``[{"target", "result"}]`` (see :meth:`bidgraph.workbench.auth.Auth.inspection_results`).
    """

    def __init__(self, api: ScopedStore, results: Callable[[], list[dict]] | None):
        self._api, self._results = api, results
        self._lock = threading.Lock()
        self._cache: tuple | None = None

    def figures(self) -> dict:
        results = self._results() if self._results else None
        version = self._api.info().get("version")
        with self._lock:
            if self._cache is None or self._cache[0] != (version, repr(results)):
                self._cache = ((version, repr(results)), public_figures(self._api, results))
            return self._cache[1]

    def init_app(self, server) -> None:
        server.add_url_rule(PUBLIC_PATH, "bidgraph_public", self._serve, methods=["GET"])

    def _serve(self):
        lang = pick_lang(request.args.get("lang") or request.cookies.get("bidgraph_lang"))
        return Response(render(self.figures(), lang), 200, mimetype="text/html")
