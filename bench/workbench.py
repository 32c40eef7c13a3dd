"""Server-side time of the workbench's search, expand and path callbacks.

Each request goes through the real app (Flask test client → Dash → callback → query API →
JSON), as a browser would send it, on a generated city or province:

- search: names (fragments of real organization names), USCC, phones, IPs, lot ids;
- expand: the biggest hubs (shared public IPs, the largest bidders), first page and "more",
  each followed by the callback that redraws the screen (options, stats);
- details: the details panel of a focused node (the hubs, then ring members and co-bidders;
  a firm's panel carries its monthly bids and wins);
- path: shortest paths (up to 4 hops) between planted ring members and between co-bidders;
- view300: "links among nodes on screen" and the redraw with 300+ nodes on screen;
- on that 300-node canvas: hide, tidy (arrange), restore after a reload (scope check and
  relabel), the stylesheet by smoke index and by wins, and the lot-opening-date window;
- with ``--browser``: the same 300-node canvas drawn by Cytoscape in headless Chromium (from
  the explorer tab's click, on a page whose first callbacks have finished, to the canvas on
  screen with every node at its preset position; as WebDriver sees it, and in the page's own
  clock), the page load (to the overview drawn), "links among nodes on screen" from the
  click to the new links drawn, and the explorer's first open when it was not mounted ahead
  (``browser_canvas``). ``--browser-only`` skips the server's
  timings (the 300-node screen is still built through the callbacks).

Targets (issue 12): p95 under 300 ms at city and at province scale; the browser's draw of the
300-node canvas under 1 s. The first firm-level expansion after a new graph version builds the
firm-level tables (``graph/firm_tables.py``, kept on disk beside the version): it is reported
apart (``first_expand_ms``), like the first search's warm-up. With ``--cold``, a fresh process
first measures the cold start apart (wall and CPU seconds): the first expansion through a new
app (reading the kept tables, or building and keeping them when the version has none yet), then
a build of the firm-level tables alone and of the region index (what a county user's view needs).
With ``--region CODE`` as well, the cold start of a county user of that region: the region
index opened (or built and kept beside the version, ``cases/region_index.py``) and the first
firm-level expansion of a firm of the region; run twice in fresh processes, so that the second
reads what the first kept.

Usage::

    python bench/workbench.py --scale city [--seed 1] [--rounds 40] [--browser [--browser-only]
        [--browser-rounds N]] [--cold [--region CODE]]

The generated bundle (``--cache``, shared with bench/load.py) and the loaded workspace
(``--work``) are kept and reused.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from worlds import CACHE, WORK, cached_bundle, loaded_workspace

from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.workbench.app import create_app, keep_warm

TARGET_MS = {"small": 300, "city": 300, "province": 300}
BROWSER_TARGET_MS = 1000  # the 300-node canvas drawn in the browser


def prepare(scale: str, seed: int, cache: Path, work: Path) -> tuple[EmbeddedStore, dict]:
    """The loaded store of a generated world (see bench/worlds.py), and the generator's truth
    (planted rings)."""
    bundle = cached_bundle(scale, seed, cache)
    store = EmbeddedStore(loaded_workspace(bundle, work))
    return store, json.loads((bundle / "truth.json").read_text(encoding="utf-8"))


class Client:
    """Sends callback requests the way the browser's Dash renderer does."""

    def __init__(self, app):
        self.app, self.http = app, app.server.test_client()
        self.http.get("/")

    def call(self, output_has: str, values: dict, changed: list[str], input_has: str = "") -> tuple[float, dict]:
        key = next(
            k
            for k, cb in self.app.callback_map.items()
            if output_has in k and any(input_has in d["id"] for d in cb["inputs"])
        )
        cb = self.app.callback_map[key]
        from dash._utils import split_callback_id

        outputs = split_callback_id(key)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        fill = lambda deps: [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in deps]  # noqa: E731
        body = {
            "output": key,
            "outputs": outputs,
            "inputs": fill(cb["inputs"]),
            "state": fill(cb["state"]),
            "changedPropIds": changed,
        }
        started = time.perf_counter()
        resp = self.http.post("/_dash-update-component", json=body)
        elapsed = time.perf_counter() - started
        if resp.status_code == 204:
            return elapsed, {}
        if resp.status_code != 200:
            raise RuntimeError(f"{key}: HTTP {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
        return elapsed, resp.get_json()["response"]


def _prop(response: dict, component: str, prop: str):
    return response.get(component, {}).get(prop)


def samples(store: EmbeddedStore, truth: dict, rounds: int, seed: int) -> dict:
    """Deterministic queries drawn from the loaded world."""
    rng = np.random.default_rng(seed)
    snap = store.snapshot()
    orgs, bids, uploads = snap["organizations"], snap["bids"], snap["bid_uploads"]
    firms = orgs[orgs["kind"].fillna("") == "enterprise"]
    pick = lambda values, n: [values[i] for i in rng.choice(len(values), size=min(n, len(values)), replace=False)]  # noqa: E731
    names = [n[3:7] if len(n) > 8 else n for n in pick(list(firms["name"].astype(str)), rounds)]
    texts = (
        names
        + pick(list(orgs["uscc"].dropna().astype(str)), rounds // 4)
        + pick(list(orgs["phone"].dropna().astype(str)), rounds // 4)
        + pick(list(uploads["ip"].dropna().astype(str)), rounds // 4)
        + pick(list(snap["lots"]["lot_id"].astype(str)), rounds // 4)
    )
    hubs = [f"IP:{ip}" for ip in uploads["ip"].value_counts().index[:5]] + [
        f"Organization:{o}" for o in bids["org_id"].value_counts().index[:5]
    ]
    pairs = []
    for ring in truth.get("rings", []):
        m = ring["members"]
        pairs += [(f"Organization:{a}", f"Organization:{b}") for a, b in zip(m, m[1:])]
    lots = bids.groupby("lot_id")["org_id"].apply(list)
    for lot in pick(list(lots.index), rounds):
        members = lots[lot]
        if len(members) >= 2:
            pairs.append((f"Organization:{members[0]}", f"Organization:{members[-1]}"))
    return {"search": texts, "hubs": hubs, "pairs": pairs[: rounds * 2]}


def run(store: EmbeddedStore, truth: dict, rounds: int, seed: int, server: bool = True) -> dict:
    """The server's timings (``server=False``: none, only the 300-node screen the browser draws)."""
    app = create_app(store)
    stop = keep_warm(store)  # as run_server does
    try:
        client = Client(app)
        if server:
            return _rounds(store, truth, rounds, seed, client)
        elements = screen300(client, samples(store, truth, rounds, seed)["hubs"])
        _, _, shown = act(client, elements, "button-links.n_clicks")
        return {"timings": {}, "sizes": {"view300_nodes": node_count(shown)}, "canvas": shown}
    finally:
        stop.set()


LANG = {"store-lang.data": "zh"}


def act(client: Client, elements: list[dict], changed: str, **state) -> tuple[float, dict, list[dict]]:
    """A canvas action (``changed`` is the input that fired, ``state`` the other values, ``__``
    for ``.``) and the redraw it causes: (seconds, the action's response, the new elements)."""
    values = {**LANG, "store-elements.data": elements, **{k.replace("__", "."): v for k, v in state.items()}}
    dt, resp = client.call("store-elements.data", values, [changed])
    new = _prop(resp, "store-elements", "data")
    redraw, _ = client.call(
        "dropdown-focus.options", {**LANG, "store-elements.data": new or elements}, ["store-elements.data"]
    )
    return dt + redraw, resp, new or elements


def node_count(elements: list[dict]) -> int:
    return sum("source" not in e["data"] for e in elements)


def screen300(client: Client, hubs: list[str]) -> list[dict]:
    """A screen of 300+ nodes: the biggest hub, paged until it has that many neighbours, then the
    next hubs."""
    hub = hubs[0]
    elements = [{"data": {"id": hub, "label": hub, "caption": hub, "type": hub.split(":")[0]}, "classes": ""}]
    _, resp, elements = act(client, elements, "button-expand.n_clicks", **{"dropdown-focus__value": hub})
    paging = _prop(resp, "store-paging", "data")
    for other in hubs[1:]:
        while node_count(elements) < 320 and paging and paging["offset"] < paging["total"]:
            _, resp, elements = act(
                client,
                elements,
                "button-more.n_clicks",
                **{"dropdown-focus__value": paging["uid"], "store-paging__data": paging},
            )
            paging = _prop(resp, "store-paging", "data")
        if node_count(elements) >= 320:
            break
        _, resp, elements = act(client, elements, "button-expand.n_clicks", **{"dropdown-focus__value": other})
        paging = _prop(resp, "store-paging", "data")
    return elements


def _rounds(store: EmbeddedStore, truth: dict, rounds: int, seed: int, client: Client) -> dict:
    timings: dict[str, list[float]] = {"search": [], "expand": [], "more": [], "details": [], "path": [], "view300": []}
    sizes = {}
    qs = samples(store, truth, rounds, seed)
    client.call(
        "table-search.columns", {**LANG, "input-search.value": qs["search"][0]}, ["button-search.n_clicks"]
    )  # warm
    for text in qs["search"]:
        dt, _ = client.call(
            "table-search.columns",
            {**LANG, "input-search.value": text, "button-search.n_clicks": 1},
            ["button-search.n_clicks"],
        )
        timings["search"].append(dt)

    first = [{"data": {"id": qs["hubs"][0], "label": "", "caption": "", "type": "IP"}, "classes": ""}]
    sizes["first_expand_ms"] = round(
        1000 * act(client, first, "button-expand.n_clicks", **{"dropdown-focus__value": qs["hubs"][0]})[0]
    )
    for hub in qs["hubs"]:
        start = [{"data": {"id": hub, "label": hub, "caption": hub, "type": hub.split(":")[0]}, "classes": ""}]
        dt, resp, elements = act(client, start, "button-expand.n_clicks", **{"dropdown-focus__value": hub})
        timings["expand"].append(dt)
        paging = _prop(resp, "store-paging", "data")
        for _ in range(3):
            dt, resp, elements = act(
                client,
                elements,
                "button-more.n_clicks",
                **{"dropdown-focus__value": hub, "store-paging__data": paging},
            )
            paging = _prop(resp, "store-paging", "data") or paging
            timings["more"].append(dt)
    for uid in qs["hubs"] + [a for a, _ in qs["pairs"]][:rounds]:  # the details panel of a focused node
        dt, _ = client.call("div-details.children", {**LANG, "dropdown-focus.value": uid}, ["dropdown-focus.value"])
        timings["details"].append(dt)
    for a, b in qs["pairs"]:
        start = [{"data": {"id": u, "label": u, "caption": u, "type": "Organization"}, "classes": ""} for u in (a, b)]
        dt, _, _ = act(
            client,
            start,
            "button-path.n_clicks",
            **{"dropdown-path-from__value": a, "dropdown-path-to__value": b, "dropdown-hops__value": 4},
        )
        timings["path"].append(dt)

    elements = screen300(client, qs["hubs"])
    for _ in range(max(5, rounds // 4)):
        dt, _, shown = act(client, elements, "button-links.n_clicks")
        timings["view300"].append(dt)
    timings.update(canvas_timings(client, store, shown, rounds))
    sizes["view300_nodes"] = node_count(shown)
    sizes["view300_edges"] = sum("source" in e["data"] for e in shown)
    sizes["view300_json_kb"] = round(len(json.dumps(shown, ensure_ascii=False).encode()) / 1024)
    return {"timings": timings, "sizes": sizes, "canvas": shown}


def _stepper(out: dict):
    def step(name, work):
        wall, cpu = time.perf_counter(), time.process_time()
        done = work()
        out[name] = [round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)]
        return done

    return step


def cold_start(workspace: Path, hub: str) -> dict:
    """The cold start split, in this (fresh) process: ``{step: [wall s, cpu s]}`` and whether
    the firm-level tables were on disk before the first expansion."""
    from bidgraph.cases import region_index
    from bidgraph.graph import firm_disk, firm_view
    from bidgraph.graph.firm_tables import FORMAT, build_arrays

    out: dict = {}
    step = _stepper(out)
    store = step("open", lambda: EmbeddedStore(workspace))
    out["kept_before"] = (store.workspace.require_current() / firm_disk.FOLDER / f"{FORMAT}-city").exists()
    client = step("app", lambda: Client(create_app(store)))
    element = [{"data": {"id": hub, "label": hub, "caption": hub, "type": hub.split(":")[0]}, "classes": ""}]
    values = {"store-lang.data": "zh", "store-elements.data": element, "dropdown-focus.value": hub}
    step("first_expand", lambda: client.call("store-elements.data", values, ["button-expand.n_clicks"]))
    step("build_firm_tables", lambda: build_arrays(store.snapshot(), firm_view.BID_HUBS))
    step("region_index", lambda: region_index.build_arrays(store.snapshot()))
    return out


def county_cold_start(workspace: Path, region: str) -> dict:
    """A county user's cold start in this (fresh) process: ``{step: [wall s, cpu s]}``, and
    whether the region index and the county's firm-level tables were on disk before."""
    from bidgraph.cases import region_index
    from bidgraph.cases.scoped_store import RegionViews
    from bidgraph.graph import firm_disk, firm_view
    from bidgraph.graph.firm_tables import FORMAT

    out: dict = {}
    step = _stepper(out)
    store = step("open", lambda: EmbeddedStore(workspace))
    version = store.workspace.require_current()
    out["index_kept_before"] = (version / region_index.KIND / f"{region_index.FORMAT}-city").exists()
    out["tables_kept_before"] = (version / firm_disk.FOLDER / f"{FORMAT}-{region}").exists()
    views = RegionViews(store)
    index = step("region_index", views.regions)
    firm = "Organization:" + min(index.ids_in("company", region))
    step("first_expand", lambda: firm_view.firm_relations(views.store(region), firm))
    return out


def canvas_timings(client: Client, store: EmbeddedStore, shown: list[dict], rounds: int) -> dict[str, list[float]]:
    """Server-side time of the canvas callbacks on a 300-node screen."""
    from bidgraph.workbench.canvas_style import month_span

    ids = sorted(e["data"]["id"] for e in shown if "source" not in e["data"])
    lo, hi = month_span(store) or (0, 1)
    out: dict[str, list[float]] = {k: [] for k in ("hide", "arrange", "restore", "smoke", "wins", "window")}
    for i in range(max(5, rounds // 4)):
        values = {**LANG, "store-elements.data": shown}
        picked = [{"id": ids[(i * 7) % len(ids)]}]
        dt, _ = client.call(
            "store-paging.data",
            {**values, "cyto-explorer.selectedNodeData": picked},
            ["button-hide.n_clicks"],
        )
        out["hide"].append(dt)
        dt, _ = client.call("store-paging.data", values, ["button-arrange.n_clicks"])
        out["arrange"].append(dt)
        dt, _ = client.call("store-elements.data", values, ["store-lang.data"], input_has="store-lang")
        out["restore"].append(dt)
        style = {**values, "slider-time.min": lo, "slider-time.max": hi, "slider-time.value": [lo, hi]}
        for by in ("smoke", "wins"):
            dt, _ = client.call(
                "cyto-explorer.stylesheet", {**style, "dropdown-style-by.value": by}, ["dropdown-style-by.value"]
            )
            out[by].append(dt)
        narrow = {**style, "dropdown-style-by.value": "none", "slider-time.value": [lo, (lo + hi) // 2]}
        dt, _ = client.call("cyto-explorer.stylesheet", narrow, ["slider-time.value"])
        out["window"].append(dt)
    return out


def browser_canvas(app, elements: list[dict], rounds: int) -> dict:
    """Cytoscape in headless Chromium, each round on a page loaded with the 300-node canvas kept
    (restored on load) and left to settle (no request for 0.5 s), as a person clicks once the
    page has loaded. Seconds per round (``timings``):

    - ``browser_draw300``: from the explorer tab's click until the canvas is on screen (the
      topmost element at its centre) with every node in Cytoscape, as WebDriver sees it polling
      (its own round trips included);
    - ``browser_draw300_page``: the same in the page's clock, from the click event to the frame
      after the one that showed the canvas with every node, without WebDriver's latency;
    - ``browser_load``: the page load, from navigation to the frame after the overview's answer
      was drawn (its count cards, with its four charts), in the page's clock; one untimed load
      first, so that the server's cold first load is not among them;
    - ``browser_links300``: "links among nodes on screen", from the click to the answer drawn;
    - ``browser_open_unmounted321_page``: the explorer's tab clicked before the explorer was
      mounted (the mount ahead in idle time held back, as when the click comes first), the page
      holding the 321-node canvas: the click mounts the page and draws the graph, in the page's
      clock;
    - ``browser_open_unmounted_empty_page``: the same on a fresh session with no kept canvas
      (nothing is mounted ahead then): the first open of an empty explorer.

    ``mounted_ahead``: in how many rounds the explorer was already mounted (hidden) when its tab
    was clicked; ``unmounted``: in how many of the "unmounted" clicks it was not (it should be
    all)."""
    import shutil
    import tempfile
    import threading

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_port}/?lang=zh"
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or ""
    profile = tempfile.mkdtemp(prefix="bidgraph-bench-chromium-")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1600,1000", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or ""), options=opts)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PAGE_HOOKS})
    edges = (
        "const c = document.getElementById('cyto-explorer'); return c && c._cyreg ? c._cyreg.cy.edges().length : -1;"
    )
    n_nodes = node_count(elements)
    tab_xpath = "//div[contains(@class,'tab') and normalize-space()='图谱分析']"
    msg = "return document.getElementById('div-explorer-msg').innerText"
    kept = [e for e in elements if "source" not in e["data"]]
    mounted = "return !!document.getElementById('cyto-explorer')"
    names = ("browser_draw300", "browser_draw300_page", "browser_load", "browser_links300")
    out: dict[str, list[float]] = {k: [] for k in names}
    first_open: dict[str, list[float]] = {"browser_open_unmounted321_page": [], "browser_open_unmounted_empty_page": []}
    ahead = unmounted = 0

    def load(canvas: list[dict], mount_ahead: bool = True):
        """A fresh page holding ``canvas`` as the kept canvas, its overview drawn and no request
        for 0.5 s; its explorer tab."""
        driver.get(url)
        driver.execute_script(
            "window.sessionStorage.setItem('store-elements', arguments[0]);"
            "window.sessionStorage.setItem('bench-no-ahead', arguments[1] ? '' : 'yes');",
            json.dumps(canvas),
            mount_ahead,
        )
        driver.get(url)
        _until(lambda: driver.find_elements(By.XPATH, tab_xpath))
        _settle(driver)
        _until(lambda: driver.execute_script("return window.__overviewAt"))
        return driver.find_element(By.XPATH, tab_xpath)

    def open_explorer(tab, nodes: int) -> float:
        """Click the explorer's tab; seconds in the page's clock until its canvas is on screen
        with ``nodes`` nodes."""
        driver.execute_script("window.__watchDraw(arguments[0])", nodes)
        tab.click()
        _until(lambda: driver.execute_script("return window.__drawnAt"))
        return driver.execute_script("return window.__drawnAt - window.__clicked") / 1000

    try:
        load(kept)  # untimed: the server's cold first load
        for _ in range(rounds):
            for name, canvas in (("321", kept), ("_empty", [])):
                tab = load(canvas, mount_ahead=False)
                unmounted += not driver.execute_script(mounted)
                first_open[f"browser_open_unmounted{name}_page"].append(open_explorer(tab, node_count(canvas)))
            tab = load(kept)
            out["browser_load"].append(driver.execute_script("return window.__overviewAt") / 1000)
            ahead += driver.execute_script(mounted)
            driver.execute_script("window.__watchDraw(arguments[0])", n_nodes)
            started = time.perf_counter()
            tab.click()
            _until(lambda: driver.execute_script("return window.__canvasShown(arguments[0])", n_nodes))
            out["browser_draw300"].append(time.perf_counter() - started)
            _until(lambda: driver.execute_script("return window.__drawnAt"))
            out["browser_draw300_page"].append(
                driver.execute_script("return window.__drawnAt - window.__clicked") / 1000
            )
            _settle(driver)
            started = time.perf_counter()
            driver.find_element(By.ID, "button-links").click()
            try:
                _until(lambda: "屏幕上节点之间的" in driver.execute_script(msg), timeout=180)
            except TimeoutError:
                print("links: no answer drawn; the page says:", driver.execute_script(msg), file=sys.stderr)
                raise
            _until(lambda: driver.execute_script(edges) == _edges(driver))
            out["browser_links300"].append(time.perf_counter() - started)
    finally:
        driver.quit()
        httpd.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    return {"timings": out, "first_open": first_open, "mounted_ahead": ahead, "unmounted": unmounted}


# What the page records for the bench: the requests to the server still running (the clicks are
# timed on a page at rest), the last click's time, when the overview was drawn, and when the
# explorer's canvas was shown with every node (``__watchDraw``: the frame after the one that
# showed it). All in the page's clock (milliseconds from navigation).
PAGE_HOOKS = """
if (window.sessionStorage.getItem("bench-no-ahead")) {  // the explorer not mounted in idle time (assets/canvas.js)
  window.requestIdleCallback = function () {};
}
window.__busy = 0;
const fetched = window.fetch;
window.fetch = function () {
  window.__busy++;
  return fetched.apply(this, arguments).finally(function () { window.__busy--; });
};
document.addEventListener("click", function (e) { window.__clicked = e.timeStamp; }, true);
const untilFrame = function (done, then) {
  const look = function () { if (done()) then(); else requestAnimationFrame(look); };
  requestAnimationFrame(look);
};
untilFrame(function () {  // the overview's answer drawn: its count cards (its charts come in the same answer)
  return document.querySelector("#div-overview-counts .card") &&
    ["detector", "region", "month", "category"].every(function (k) {
      return document.querySelector("#graph-by-" + k + " .main-svg");
    });
}, function () { requestAnimationFrame(function () { window.__overviewAt = performance.now(); }); });
window.__canvasShown = function (n) {
  const c = document.getElementById("cyto-explorer");
  const cy = c && c._cyreg && c._cyreg.cy;
  if (!cy || cy.nodes().length < n) return false;
  const r = c.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return r.width > 0 && r.height > 0 && top !== null && c.contains(top);
};
window.__watchDraw = function (n) {
  window.__drawnAt = null;
  untilFrame(function () { return window.__canvasShown(n); }, function () {
    requestAnimationFrame(function () { window.__drawnAt = performance.now(); });
  });
};
"""


def _settle(driver, quiet: float = 0.5) -> None:
    """Wait until the page has sent no request for ``quiet`` seconds."""
    since = time.perf_counter()
    end = since + 600  # a province's first load builds its region index
    while time.perf_counter() - since < quiet:
        if driver.execute_script("return window.__busy || 0"):
            since = time.perf_counter()
        if time.perf_counter() > end:
            raise TimeoutError("the page did not settle")
        time.sleep(0.05)


def _edges(driver) -> int:
    """Links in the kept canvas (what the page will draw)."""
    kept = driver.execute_script("return window.sessionStorage.getItem('store-elements')") or "[]"
    return sum("source" in e["data"] for e in json.loads(kept))


def _until(done, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the browser did not finish drawing")
        time.sleep(0.01)


def summarize(result: dict, target: int | None) -> list[dict]:
    """p50, p95 and max of each timing; ``ok`` when p95 is under ``target`` (None: no target)."""
    rows = []
    for name, values in result["timings"].items():
        ms = np.array(values) * 1000
        rows.append(
            {
                "callback": name,
                "n": len(ms),
                "p50_ms": round(float(np.percentile(ms, 50)), 1),
                "p95_ms": round(float(np.percentile(ms, 95)), 1),
                "max_ms": round(float(ms.max()), 1),
                "target_p95_ms": target or "-",
                "ok": target is None or bool(np.percentile(ms, 95) < target),
            }
        )
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", default="city", choices=list(TARGET_MS))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cache", type=Path, default=CACHE, help="generated bundles (see bench/worlds.py)")
    p.add_argument("--work", type=Path, default=WORK, help="loaded workspaces (see bench/worlds.py)")
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--browser", action="store_true", help="also draw the 300-node canvas in headless Chromium")
    p.add_argument("--browser-only", action="store_true", help="with --browser: no server timings")
    p.add_argument("--browser-rounds", type=int, help="browser rounds (default: rounds / 8, at least 3)")
    p.add_argument("--cold", action="store_true", help="first measure the cold start in a fresh process")
    p.add_argument("--region", help="with --cold: also the cold start of a county user of this region code")
    p.add_argument("--cold-child", nargs=2, metavar=("WORKSPACE", "HUB"), help=argparse.SUPPRESS)
    p.add_argument("--county-child", nargs=2, metavar=("WORKSPACE", "REGION"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.cold_child:
        print(json.dumps(cold_start(Path(args.cold_child[0]), args.cold_child[1])))
        return 0
    if args.county_child:
        print(json.dumps(county_cold_start(Path(args.county_child[0]), args.county_child[1])))
        return 0
    store, truth = prepare(args.scale, args.seed, args.cache, args.work)
    info = store.info()
    print(f"{args.scale}: {sum(info['nodes'].values()):,} nodes, {sum(info['relationships'].values()):,} relationships")
    if args.cold:
        hub = samples(store, truth, args.rounds, args.seed)["hubs"][0]
        print("cold start (fresh process; [wall s, cpu s]):", _child("--cold-child", store, hub), flush=True)
        for run_ in ("first", "second") if args.region else ():
            county = _child("--county-child", store, args.region)
            print(f"county {args.region} cold start, {run_} fresh process:", county, flush=True)
    result = run(store, truth, args.rounds, args.seed, server=not args.browser_only)
    rows = summarize(result, TARGET_MS[args.scale])
    _print(rows, result["sizes"])  # the server's figures first, whatever the browser does
    if args.browser:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        browser_rounds = args.browser_rounds or max(3, args.rounds // 8)
        drawn = browser_canvas(create_app(store), result["canvas"], browser_rounds)
        load = summarize({"timings": {"browser_load": drawn["timings"].pop("browser_load")}}, None)
        first_open = summarize({"timings": drawn["first_open"]}, None)
        browser_rows = summarize(drawn, BROWSER_TARGET_MS) + load + first_open
        _print(browser_rows, None)
        rows += browser_rows
        print(f"explorer mounted before its tab's click in {drawn['mounted_ahead']} of {browser_rounds} rounds")
        print(f"explorer not yet mounted in {drawn['unmounted']} of {2 * browser_rounds} 'unmounted' clicks")
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "rows": rows, "sizes": result["sizes"]}, indent=1))
    return 0 if all(r["ok"] for r in rows) else 1


def _child(flag: str, store: EmbeddedStore, arg: str) -> dict:
    child = [sys.executable, __file__, flag, str(store.workspace.root), arg]
    return json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout.splitlines()[-1])


def _print(rows: list[dict], sizes: dict | None) -> None:
    print(f"{'callback':10} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>7}  ok")
    for r in rows:
        print(
            f"{r['callback']:10} {r['n']:>4} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} {r['target_p95_ms']:>7}  "
            f"{'yes' if r['ok'] else 'NO'}",
            flush=True,
        )
    if sizes is not None:
        print("300-node view:", sizes, flush=True)


if __name__ == "__main__":
    sys.exit(main())
