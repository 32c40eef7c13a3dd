/* The explorer's canvas in the browser (callbacks/explorer.py wires it): draws store-elements
   with their server-computed positions, writes dragged positions back into store-elements, and
   keeps the undo/redo history (store-history) without a round trip to the server.

   Cytoscape (react-cytoscapejs) compares each element's fields by reference and updates every
   element whose object is new: handing it a fresh copy of all 600 elements on each change
   restyled the whole canvas. Elements that did not change keep their object (`drawn` below),
   and the layout (preset positions, fit) is sent only when a node was added, moved or removed. */
(function () {
  const MAX = 30;
  const drawn = {};  // element id -> {key: its JSON, el: the object Cytoscape was given}
  let shape = null;  // node ids and positions of the last layout sent
  let runs = 0;  // layouts sent
  const isNode = function (e) { return !("source" in e.data); };
  const draw = function (els, fresh) {
    return (els || []).map(function (e) {
      const key = JSON.stringify(e);
      const kept = drawn[e.data.id];
      if (kept && kept.key === key && !fresh) return kept.el;
      const el = JSON.parse(key);
      drawn[e.data.id] = { key: key, el: el };
      return el;
    });
  };
  const nodesOf = function (els) {
    return (els || []).filter(isNode).map(function (e) {
      return e.data.id + "@" + (e.position ? e.position.x + "," + e.position.y : "");
    }).join("|");
  };
  const drawnGraph = function () {
    const graph = document.getElementById("cyto-explorer");
    return graph && graph._cyreg && graph._cyreg.cy;
  };
  const layout = function (els, force) {
    const now = nodesOf(els);
    if (!force && now === shape) return window.dash_clientside.no_update;
    shape = now;  // no positions map: the preset layout keeps each node where its element says
    const cy = drawnGraph();
    if (cy) cy.resize();  // fit to the graph's size now, not as it was when it mounted
    // react-cytoscapejs runs a layout only if its options differ from the last ones: `run` makes
    // each differ (Cytoscape ignores it), else the canvas is never fitted to what was added
    runs += 1;
    return { name: "preset", fit: true, padding: 30, animate: false, run: runs };
  };
  // Groups (canvas_groups.py) are compound nodes. Cytoscape changes a node's parent only by
  // moving it, and removing a parent removes its children: before the new elements are drawn,
  // move each node drawn under another parent than it now names (out of a group being removed
  // or collapsed, or into one already drawn). A node moving into a new group is moved by the
  // draw itself, once the group is added.
  const reparent = function (els) {
    const cy = drawnGraph();
    if (!cy) return;
    (els || []).forEach(function (e) {
      if (!isNode(e)) return;
      const node = cy.getElementById(e.data.id);
      const want = e.data.parent || null;
      if (node.empty() || (node.data("parent") || null) === want) return;
      if (want === null || !cy.getElementById(want).empty()) node.move({ parent: want });
    });
  };
  // dcc.Store (Dash 4) does not always re-render when a callback updates store-elements, so its
  // session-storage copy (what a reload restores) can lag: bring it up to date once the update
  // is over, and only if it differs. Writing it inside the update raced the Store's own write
  // and made React give up ("maximum update depth exceeded", error #185) on a large canvas.
  let pending = null;
  const persist = function (els) {
    pending = els || [];
    window.setTimeout(function () {
      if (pending === null) return;
      const text = JSON.stringify(pending);
      pending = null;
      try {
        if (window.sessionStorage.getItem("store-elements") !== text) {
          window.sessionStorage.setItem("store-elements", text);
          window.sessionStorage.setItem("store-elements-timestamp", String(Date.now()));
        }
      } catch (e) { /* storage full or disabled: the canvas still works, a reload loses it */ }
    }, 0);
  };

  // A resized window (maximised, moved to a wider screen) leaves the graph where it was in a
  // canvas of another size: fit it again once the resizing stops.
  let resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(function () {
      const cy = drawnGraph();
      if (cy) { cy.resize(); cy.fit(undefined, 30); }
    }, 150);
  });

  // The explorer page is kept mounted outside the main tabs (layout._kept_explorer). It mounts
  // when first opened, or before: when the page holds a kept canvas while another tab is shown,
  // at the browser's next idle moment (between the page's own tasks, not during them), so that
  // opening it shows a graph already drawn instead of building it in the click.
  const idle = window.requestIdleCallback || function (f) { return window.setTimeout(f, 200); };
  let ahead = false;  // the mount ahead is asked for
  const mountAhead = function () {
    if (ahead) return;
    ahead = true;
    idle(function () { window.dash_clientside.set_props("tabs-mount-explorer", { value: "now" }); }, { timeout: 3000 });
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    canvas: {
      page: function (tab, elements, mounted) {
        const nu = window.dash_clientside.no_update;
        const ctx = window.dash_clientside.callback_context;
        const tabChanged = (ctx.triggered || []).some(function (t) { return t.prop_id === "tabs-main.value"; });
        const open = tab === "explorer";
        if (!open && mounted !== "now" && (elements || []).length) mountAhead();
        return [
          tabChanged ? (open ? "kept-page" : "kept-page kept-hidden") : nu,
          open && mounted !== "now" ? "now" : nu,
        ];
      },
      keep: function (elements, shown, _undo, _redo, _tab, history) {
        const nu = window.dash_clientside.no_update;
        const ctx = window.dash_clientside.callback_context;
        const fired = (ctx.triggered || []).map(function (t) { return t.prop_id; });
        const h = history || { past: [], future: [], current: null };
        if (fired.indexOf("button-undo.n_clicks") >= 0 || fired.indexOf("button-redo.n_clicks") >= 0) {
          const undo = fired.indexOf("button-undo.n_clicks") >= 0;
          const from = undo ? h.past : h.future;
          if (!from.length) return [nu, nu, nu, nu];
          const next = from[from.length - 1];
          const hist = undo
            ? { past: h.past.slice(0, -1), future: h.future.concat([h.current]), current: next }
            : { past: h.past.concat([h.current]), future: h.future.slice(0, -1), current: next };
          persist(next);
          reparent(next);
          return [next, hist, draw(next), layout(next)];
        }
        if (fired.indexOf("store-elements.data") >= 0) {
          const els = elements || [];
          persist(els);
          const same = JSON.stringify(els) === JSON.stringify(h.current);
          const past = h.current && !same ? h.past.concat([h.current]).slice(-MAX) : h.past;
          reparent(els);
          return [nu, { past: past, future: same ? h.future : [], current: els }, draw(els), layout(els)];
        }
        if (fired.indexOf("cyto-explorer.elements") >= 0) {
          // the store as it is now: the history may not yet have seen the server's last answer
          const current = elements || h.current || [];
          // Cytoscape has just replaced its elements with its own copies (data and position
          // only): where they say the same as what it was given, they are what it now holds
          const same = function (a, b) { return JSON.stringify(a || null) === JSON.stringify(b || null); };
          (shown || []).forEach(function (e) {
            const kept = drawn[e.data.id];
            if (kept && same(e.data, kept.el.data) && same(e.position, kept.el.position)) kept.el = e;
          });
          const at = {};
          (shown || []).forEach(function (e) { if (e.position) at[e.data.id] = e.position; });
          // an expanded group's position is its members' box: Cytoscape's, not the analyst's
          current.forEach(function (e) { if (e.data.parent) delete at[e.data.parent]; });
          let moved = false;
          const next = current.map(function (e) {
            const p = at[e.data.id];
            if (!isNode(e) || !p || (e.position && Math.abs(e.position.x - p.x) < 0.5 && Math.abs(e.position.y - p.y) < 0.5)) return e;
            moved = true;
            return Object.assign({}, e, { position: { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 } });
          });
          if (!moved) return [nu, nu, nu, nu];
          shape = nodesOf(next);  // Cytoscape already shows the drag: no layout to rerun
          persist(next);
          return [next, { past: h.past.concat([current]).slice(-MAX), future: [], current: next }, nu, nu];
        }
        // The tab shown: the graph (mounted when first shown or ahead of it, then kept) holds the
        // elements it was last given. If Cytoscape had replaced them with its own copies
        // (without classes: hidden, pinned, roles), it needs them whole again.
        const els = h.current || elements || [];
        const whole = (shown || []).length === els.length && (shown || []).every(function (e) { return "classes" in e; });
        return [nu, nu, whole ? nu : draw(els, true), nu];
      },
    },
  });
})();
