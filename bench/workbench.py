"""Server-side time of the workbench's search, expand and path callbacks.

Each request goes through the real app (Flask test client → Dash → callback → query API →
JSON), as a browser would send it, on a generated city or province:

- search: names (fragments of real organization names), USCC, phones, IPs, lot ids;
- expand: the biggest hubs (shared public IPs, the largest bidders), first page and "more",
  each followed by the callback that redraws the screen (options, stats);
- path: shortest paths (up to 4 hops) between planted ring members and between co-bidders;
- view300: "links among nodes on screen" and the redraw with 300+ nodes on screen.

Targets (issue 5): p95 under 300 ms at city scale, under 1 s at province scale.

Usage::

    python bench/workbench.py --scale city [--seed 1] [--rounds 40]

The generated bundle (``--cache``, shared with bench/load.py) and the loaded workspace
(``--work``) are kept and reused.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from worlds import CACHE, WORK, cached_bundle, loaded_workspace

from bidgraph.graph.embedded.store import EmbeddedStore
from bidgraph.workbench.app import create_app

TARGET_MS = {"small": 300, "city": 300, "province": 1000}


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

    def call(self, output_has: str, values: dict, changed: list[str]) -> tuple[float, dict]:
        key = next(k for k in self.app.callback_map if output_has in k)
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


def run(store: EmbeddedStore, truth: dict, rounds: int, seed: int) -> dict:
    app = create_app(store)
    client = Client(app)
    lang = {"store-lang.data": "zh"}
    timings: dict[str, list[float]] = {"search": [], "expand": [], "more": [], "path": [], "view300": []}
    sizes = {}
    qs = samples(store, truth, rounds, seed)
    client.call(
        "table-search.columns", {**lang, "input-search.value": qs["search"][0]}, ["button-search.n_clicks"]
    )  # warm
    for text in qs["search"]:
        dt, _ = client.call(
            "table-search.columns",
            {**lang, "input-search.value": text, "button-search.n_clicks": 1},
            ["button-search.n_clicks"],
        )
        timings["search"].append(dt)

    def act(elements, changed, **state):
        values = {**lang, "store-elements.data": elements, **{k.replace("__", "."): v for k, v in state.items()}}
        dt, resp = client.call("store-elements.data", values, [changed])
        new = _prop(resp, "store-elements", "data")
        redraw, _ = client.call(
            "dropdown-focus.options", {**lang, "store-elements.data": new or elements}, ["store-elements.data"]
        )
        return dt + redraw, resp, new or elements

    for hub in qs["hubs"]:
        start = [{"data": {"id": hub, "label": hub, "caption": hub, "type": hub.split(":")[0]}, "classes": ""}]
        dt, resp, elements = act(start, "button-expand.n_clicks", **{"dropdown-focus__value": hub})
        timings["expand"].append(dt)
        paging = _prop(resp, "store-paging", "data")
        for _ in range(3):
            dt, resp, elements = act(
                elements, "button-more.n_clicks", **{"dropdown-focus__value": hub, "store-paging__data": paging}
            )
            paging = _prop(resp, "store-paging", "data") or paging
            timings["more"].append(dt)
    for a, b in qs["pairs"]:
        start = [{"data": {"id": u, "label": u, "caption": u, "type": "Organization"}, "classes": ""} for u in (a, b)]
        dt, _, _ = act(
            start,
            "button-path.n_clicks",
            **{"dropdown-path-from__value": a, "dropdown-path-to__value": b, "dropdown-hops__value": 4},
        )
        timings["path"].append(dt)

    # a screen of 300+ nodes: the biggest hub, paged until it has that many neighbours
    hub = qs["hubs"][0]
    elements = [{"data": {"id": hub, "label": hub, "caption": hub, "type": hub.split(":")[0]}, "classes": ""}]
    _, resp, elements = act(elements, "button-expand.n_clicks", **{"dropdown-focus__value": hub})
    paging = _prop(resp, "store-paging", "data")
    for other in qs["hubs"][1:]:
        while sum("source" not in e["data"] for e in elements) < 320 and paging and paging["offset"] < paging["total"]:
            _, resp, elements = act(
                elements,
                "button-more.n_clicks",
                **{"dropdown-focus__value": paging["uid"], "store-paging__data": paging},
            )
            paging = _prop(resp, "store-paging", "data")
        if sum("source" not in e["data"] for e in elements) >= 320:
            break
        _, resp, elements = act(elements, "button-expand.n_clicks", **{"dropdown-focus__value": other})
        paging = _prop(resp, "store-paging", "data")
    for _ in range(max(5, rounds // 4)):
        dt, _, shown = act(elements, "button-links.n_clicks")
        timings["view300"].append(dt)
    sizes["view300_nodes"] = sum("source" not in e["data"] for e in shown)
    sizes["view300_edges"] = sum("source" in e["data"] for e in shown)
    sizes["view300_json_kb"] = round(len(json.dumps(shown, ensure_ascii=False).encode()) / 1024)
    return {"timings": timings, "sizes": sizes}


def summarize(result: dict, scale: str) -> list[dict]:
    target = TARGET_MS[scale]
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
                "target_p95_ms": target,
                "ok": bool(np.percentile(ms, 95) < target),
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
    args = p.parse_args(argv)
    store, truth = prepare(args.scale, args.seed, args.cache, args.work)
    info = store.info()
    print(f"{args.scale}: {sum(info['nodes'].values()):,} nodes, {sum(info['relationships'].values()):,} relationships")
    result = run(store, truth, args.rounds, args.seed)
    rows = summarize(result, args.scale)
    print(f"{'callback':10} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>7}  ok")
    for r in rows:
        print(
            f"{r['callback']:10} {r['n']:>4} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} {r['target_p95_ms']:>7}  "
            f"{'yes' if r['ok'] else 'NO'}"
        )
    print("300-node view:", result["sizes"])
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "rows": rows, "sizes": result["sizes"]}, indent=1))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
