"""The workbench: a Dash app over the query API and the findings.

``create_app(store)`` builds the app for any query-API store (``bidgraph.graph.api``);
``run_server(store, host, port)`` serves it. The page is in Simplified Chinese unless the URL
asks for ``?lang=en``.

The callbacks get one object, ``data``, whose only store is scoped
(:class:`~bidgraph.cases.scoped_store.ScopedStore`): the store given to ``create_app`` stays
behind it. With ``auth`` (:class:`bidgraph.workbench.auth.Auth`: login, sessions and CSRF
checks on the Flask server) ``data`` is the logged-in user's region view and cases desk
(``auth.data_for(store)``); ``auth=None`` serves the whole graph to everyone, without cases or
audit trail, under an "authentication disabled" banner.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import dash
import dash_cytoscape as cyto
from flask import has_request_context, request

from bidgraph.cases.region_index import has_regions
from bidgraph.cases.scoped_store import RegionViews
from bidgraph.graph import firm_view
from bidgraph.graph.collector import freeze_held
from bidgraph.workbench.callbacks import (
    cart,
    cases,
    explorer,
    findings,
    overview,
    portraits,
    register_pages_opened,
    search,
    supervision,
    today,
)
from bidgraph.workbench.data import WorkbenchData
from bidgraph.workbench.i18n import pick_lang, t
from bidgraph.workbench.layout import build_layout
from bidgraph.workbench.public import PUBLIC_PATH, PublicPage

__all__ = ["create_app", "run_server", "keep_warm"]

LANG_COOKIE = "bidgraph_lang"
ASSETS = Path(__file__).resolve().parent / "assets"
CALLBACKS = (overview, today, findings, search, explorer, cart, cases, supervision, portraits)
WARM_EVERY = 30.0  # seconds between looks for a new graph version
log = logging.getLogger(__name__)

cyto.load_extra_layouts()  # fcose: a fast force-directed layout that stays readable at 300+ nodes


def create_app(store, *, lang: str = "zh", auth=None, public: bool = False) -> dash.Dash:
    """The workbench app for ``store`` (any object with the query API).

    Parameters
    ----------
    store : GraphStore
        Where every page reads from, through a scoped view; callbacks never get it.
    lang : {"zh", "en"}
        The page's language when the URL does not say (``?lang=en`` / ``?lang=zh``).
    auth : :class:`bidgraph.workbench.auth.Auth`, optional
        Access control (login, roles, region scope, audit); None serves the app open, with a banner.
    public : bool
        Also serve the public page (公开专栏, ``/public``: aggregate figures only) without login.
    """
    default = pick_lang(lang)
    app = dash.Dash(
        __name__,
        assets_folder=str(ASSETS),
        title=t("app.title", default),
        suppress_callback_exceptions=True,
        update_title=None,  # type: ignore[arg-type]  # None keeps the tab title still (Dash's documented value)
    )

    def layout():
        # The layout is fetched by a script, without the page's query: the language chosen
        # with ?lang= travels in a cookie set when the page itself was served.
        asked = request.cookies.get(LANG_COOKIE) if has_request_context() else None
        return build_layout(
            pick_lang(asked or default),
            auth_enabled=auth is not None,
            account=auth.account() if auth is not None else None,
        )

    app.layout = layout

    @app.server.after_request
    def _remember_language(response):
        asked = request.args.get("lang")
        if asked:
            response.set_cookie(LANG_COOKIE, pick_lang(asked), samesite="Lax", httponly=True)
        return response

    data = auth.data_for(store) if auth is not None else WorkbenchData(RegionViews(store).store(None))
    register_pages_opened(app)
    for module in CALLBACKS:
        module.register(app, data)
    if public:
        results = auth.inspection_results if auth is not None else None
        PublicPage(RegionViews(store).store(None), results).init_app(app.server)
        if auth is not None:
            auth.open_paths.add(PUBLIC_PATH)
    if auth is not None:
        auth.init_app(app.server)
    return app


def run_server(
    store, host: str = "127.0.0.1", port: int = 8050, *, lang: str = "zh", auth=None, public: bool = False
) -> None:
    """Serve the workbench until interrupted (Flask's threaded server, no debug mode, so no
    traceback ever reaches a browser)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app(store, lang=lang, auth=auth, public=public)
    keep_warm(store)
    app.run(host=host, port=port, debug=False, dev_tools_ui=False, dev_tools_props_check=False)


def keep_warm(store, every: float = WARM_EVERY) -> threading.Event:
    """Build the city-wide firm-level tables of the live graph version in a background thread,
    now and whenever a new version goes live, so that no one's first expansion waits for them;
    and, when the graph places anything in a region, its region index (county users' scope).
    Both are kept on disk beside the version (``graph/firm_disk.py``), so the scoped stores the
    callbacks read (their own instances) open them instead of building them again; a store
    without version folders (Neo4j) is not warmed, as no callback would read what was built.
    Each warm-up ends with ``freeze_held()`` (``graph/collector.py``): what the process holds by
    then (modules, the app, the store) leaves the cyclic collector's view. Returns an event that
    stops the thread when set."""
    stop = threading.Event()

    def run() -> None:
        warmed = None
        while not stop.is_set():
            try:
                info = store.info()
                version = info.get("version")
                if version != warmed and info.get("workspace"):
                    started = time.perf_counter()
                    views = RegionViews(store)
                    firm_view.warm(views.store(None))
                    if has_regions(store.snapshot()):
                        views.regions()
                    freeze_held()
                    log.info(
                        "firm-level tables and region index of %s ready in %.1f s",
                        version,
                        time.perf_counter() - started,
                    )
                    warmed = version
            except Exception as e:  # nothing loaded yet, or the store is down: look again later
                log.warning("firm-level tables not warmed: %s", e)
            stop.wait(every)

    threading.Thread(target=run, name="bidgraph-warm", daemon=True).start()
    return stop
