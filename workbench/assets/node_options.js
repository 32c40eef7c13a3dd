/* The explorer's node dropdowns (focus, path from, path to) offer the nodes on screen through a
   search (callbacks/explorer.py wires it). A Dash dropdown indexes every option for search as it
   mounts, 0.27 s for three dropdowns of 321 nodes: each gets the chosen node and the first 50
   others (elements.first_options on the server does the same), the rest by typing; every
   option lives once, in store-node-options. */
(function () {
  const SHOWN = 50;
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    nodeOptions: {
      pick: function (search, kept, value) {
        const all = (kept && kept.options) || [];
        const words = String(search || "").toLowerCase().split(/\s+/).filter(Boolean);
        const hit = function (o) {
          const text = (o.label + " " + o.value).toLowerCase();
          return words.every(function (w) { return text.indexOf(w) >= 0; });
        };
        const chosen = all.filter(function (o) { return o.value === value; });
        const found = all.filter(function (o) { return o.value !== value && hit(o); });
        const rest = found.length - SHOWN;
        // the dropdown filters its options by the search too: the line's value carries the search
        const more = { label: kept.more.replace("{n}", rest), value: "…" + (search || ""), disabled: true };
        const tail = rest > 0 ? [more] : [];
        return chosen.concat(found.slice(0, SHOWN), tail);
      },
    },
  });
})();
