// The network page: vis-network over the JSON the server put in #page-data; expands on click, filters by
// relationship and agency kind, and re-asks the server for the network as of the slider's date.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("page-data").textContent);
  var state = { asOf: DATA.asOf, expanded: {}, loads: 0, busy: false, relOn: {}, agencyOn: {} };
  window.graphcase = state;
  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(DATA.edges);
  var options = DATA.options;
  var network = new vis.Network(document.getElementById("network"), { nodes: nodes, edges: edges }, options);
  window.network = network;
  var statusEl = document.getElementById("status");
  network.on("stabilizationIterationsDone", function () { network.setOptions({ physics: { enabled: false } }); });
  document.getElementById("fit").addEventListener("click", function () { network.fit({ animation: false }); });

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function status(text) { statusEl.textContent = text; }
  function counts() { status(nodes.length + " nodes, " + edges.length + " links, as of " + state.asOf); }

  function getJSON(url, done) {
    state.busy = true;
    status("loading…");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        state.busy = false;
        if (!res.ok) { status(res.body.error || "the server refused"); return; }
        state.loads += 1;
        done(res.body);
        applyFilters();
        counts();
      })
      .catch(function (err) { state.busy = false; status("could not load: " + err.message); });
  }
  var base = "/api/network/" + encodeURIComponent(DATA.person);

  // --- filters ---
  function applyFilters() {
    var hiddenNodes = {};
    nodes.update(nodes.get().map(function (n) {
      var hide = !!(n.agency_kind && state.agencyOn[n.agency_kind] === false);
      if (hide) hiddenNodes[n.id] = true;
      return { id: n.id, hidden: hide };
    }));
    edges.update(edges.get().map(function (e) {
      return { id: e.id, hidden: state.relOn[e.rel] === false || !!hiddenNodes[e.from] || !!hiddenNodes[e.to] };
    }));
  }
  function checkbox(container, id, label, store, key) {
    if (store[key] !== undefined) return;
    store[key] = true;
    var row = el("label", { "for": id, "class": "filter-row" });
    var box = el("input", { type: "checkbox", id: id });
    box.checked = true;
    box.addEventListener("change", function () { store[key] = box.checked; applyFilters(); });
    row.appendChild(box); row.appendChild(el("span", {}, " " + label)); container.appendChild(row);
    container.appendChild(el("br"));
  }
  function addFilters(data) {
    (data.relationships || []).forEach(function (r) { checkbox(document.getElementById("filter-rels"), "rel-" + r, r, state.relOn, r); });
    (data.legend.agencyKinds || []).forEach(function (k) { checkbox(document.getElementById("filter-agencies"), "agency-" + k.kind, k.label, state.agencyOn, k.kind); });
  }

  // --- leads: select the lead's edge (its evidence path is drawn on the map) ---
  function showFindings(data) {
    var box = document.getElementById("findings");
    box.textContent = "";
    if (!data.findings.length) box.appendChild(el("div", { "class": "muted" }, "none on this map"));
    data.findings.forEach(function (f) {
      var div = el("div", { "class": "finding" });
      div.appendChild(el("b", {}, f.headline)); div.appendChild(el("div", { "class": "small" }, f.explanation));
      div.addEventListener("click", function () {
        if (f.edgeId) network.selectEdges([f.edgeId]); else network.selectNodes([f.subject_id]);
        network.focus(f.subject_id, { scale: 1.2, animation: false });
      });
      box.appendChild(div);
    });
  }

  // --- expand on click ---
  var details = document.getElementById("details");
  function expand(id) {
    var n = nodes.get(id);
    details.textContent = (n && n.name ? n.name + " " : "") + "(" + id + ")";
    if (!n || (n.kind !== "child" && n.kind !== "adult") || state.expanded[id]) return;
    getJSON(base + "/expand?" + new URLSearchParams({ node: id, as_of: state.asOf }), function (data) {
      state.expanded[id] = true;
      var have = {};
      nodes.getIds().forEach(function (i) { have[i] = true; });
      nodes.add(data.nodes.filter(function (x) { return !have[x.id]; }));
      var haveEdge = {};
      edges.getIds().forEach(function (i) { haveEdge[i] = true; });
      edges.add(data.edges.filter(function (x) { return !haveEdge[x.id]; }));
      addFilters(data);
    });
  }
  window.graphcaseExpand = expand;
  network.on("click", function (p) { if (p.nodes.length) expand(p.nodes[0]); });

  // --- the date slider: months back from the store's as-of date ---
  var slider = document.getElementById("as-of");
  var sliderText = document.getElementById("as-of-text");
  var end = new Date(DATA.end + "T00:00:00Z");
  function dateAt(v) {
    var d = new Date(end.getTime());
    d.setUTCMonth(d.getUTCMonth() - (Number(slider.max) - Number(v)));
    return d.toISOString().slice(0, 10);
  }
  slider.addEventListener("input", function () { sliderText.textContent = dateAt(slider.value); });
  slider.addEventListener("change", function () {
    var day = dateAt(slider.value);
    getJSON(base + "?" + new URLSearchParams({ as_of: day }), function (data) {
      state.asOf = day;
      state.expanded = {};
      nodes.clear(); edges.clear();
      nodes.add(data.nodes); edges.add(data.edges);
      addFilters(data); showFindings(data);
      network.setOptions({ physics: { enabled: true } });
      network.stabilize(200);
    });
  });
  window.graphcaseSetDate = function (monthsBack) {
    slider.value = String(Number(slider.max) - monthsBack);
    slider.dispatchEvent(new Event("change"));
  };

  sliderText.textContent = state.asOf;
  addFilters(DATA); showFindings(DATA); counts();
})();
