/* The explorer's canvas in the browser (callbacks/explorer.py wires it): draws store-elements
   with their server-computed positions, writes dragged positions back into store-elements, and
   keeps the undo/redo history (store-history) without a round trip to the server. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  canvas: {
    keep: function (elements, drawn, _undo, _redo, _tab, history) {
      const nu = window.dash_clientside.no_update;
      const MAX = 30;
      const ctx = window.dash_clientside.callback_context;
      const fired = (ctx.triggered || []).map(function (t) { return t.prop_id; });
      const h = history || { past: [], future: [], current: null };
      const isNode = function (e) { return !("source" in e.data); };
      const layout = function (els) {
        const positions = {};
        (els || []).forEach(function (e) { if (isNode(e) && e.position) positions[e.data.id] = e.position; });
        return { name: "preset", positions: positions, fit: true, padding: 30, animate: false };
      };
      const draw = function (els) { return JSON.parse(JSON.stringify(els || [])); };
      // dcc.Store (Dash 4) does not always re-render when a callback updates store-elements, so
      // its session-storage copy (what a reload restores) can lag: keep it current from here.
      const persist = function (els) {
        try {
          window.sessionStorage.setItem("store-elements", JSON.stringify(els || []));
          window.sessionStorage.setItem("store-elements-timestamp", String(Date.now()));
        } catch (e) { /* storage full or disabled: the canvas still works, a reload loses it */ }
      };
      if (fired.indexOf("button-undo.n_clicks") >= 0 || fired.indexOf("button-redo.n_clicks") >= 0) {
        const undo = fired.indexOf("button-undo.n_clicks") >= 0;
        const from = undo ? h.past : h.future;
        if (!from.length) return [nu, nu, nu, nu];
        const next = from[from.length - 1];
        const hist = undo
          ? { past: h.past.slice(0, -1), future: h.future.concat([h.current]), current: next }
          : { past: h.past.concat([h.current]), future: h.future.slice(0, -1), current: next };
        persist(next);
        return [next, hist, draw(next), layout(next)];
      }
      if (fired.indexOf("store-elements.data") >= 0) {
        const els = elements || [];
        persist(els);
        const same = JSON.stringify(els) === JSON.stringify(h.current);
        const past = h.current && !same ? h.past.concat([h.current]).slice(-MAX) : h.past;
        return [nu, { past: past, future: same ? h.future : [], current: els }, draw(els), layout(els)];
      }
      if (fired.indexOf("cyto-explorer.elements") >= 0) {
        // the store as it is now: the history may not yet have seen the server's last answer
        const current = elements || h.current || [];
        const at = {};
        (drawn || []).forEach(function (e) { if (e.position) at[e.data.id] = e.position; });
        let moved = false;
        const next = current.map(function (e) {
          const p = at[e.data.id];
          if (!isNode(e) || !p || (e.position && Math.abs(e.position.x - p.x) < 0.5 && Math.abs(e.position.y - p.y) < 0.5)) return e;
          moved = true;
          return Object.assign({}, e, { position: { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 } });
        });
        if (!moved) return [nu, nu, nu, nu];
        persist(next);
        return [next, { past: h.past.concat([current]).slice(-MAX), future: [], current: next }, nu, nu];
      }
      const els = h.current || elements || [];  // the tab shown again: a remounted graph needs its elements
      return [nu, nu, draw(els), layout(els)];
    },
  },
});
