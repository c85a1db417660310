// The network page: vis-network over the JSON the server put in #page-data; expands on click, filters by
// relationship and agency kind, re-asks the server for the network as of the slider's date, and lists the
// leads about the person: choosing one lights up its evidence path (adding any node not on the map) and dims
// the rest.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("page-data").textContent);
  var state = { asOf: DATA.asOf, expanded: {}, loads: 0, busy: false, relOn: {}, agencyOn: {},
                leads: null, lead: null, lit: { nodes: [], edges: [] }, added: [] };
  window.graphcase = state;
  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(DATA.edges);
  var options = DATA.options;
  var network = new vis.Network(document.getElementById("network"), { nodes: nodes, edges: edges }, options);
  window.network = network;
  var statusEl = document.getElementById("status");
  network.on("stabilizationIterationsDone", function () {
    network.setOptions({ physics: { enabled: false } });
    if (state.lead && state.lit.nodes.length) network.fit({ nodes: state.lit.nodes, animation: false });
  });
  document.getElementById("fit").addEventListener("click", function () { network.fit({ animation: false }); });

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function status(text) { statusEl.textContent = text; }
  function counts() { status(nodes.length + " nodes, " + edges.length + " links, as of " + state.asOf); }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }
  function getJSON(url, done) {
    state.busy = true;
    status("loading…");
    fetchJSON(url)
      .then(function (res) {
        state.busy = false;
        if (!res.ok) { status(res.body.error || "the server refused"); return; }
        state.loads += 1;
        done(res.body);
        applyFilters();
        if (state.lead) relight();
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

  // --- leads: the catalogue's leads about this person (as the case view lists them) ---
  // Choosing one lights up the nodes and links its evidence rows name, adds those not on the map yet (from
  // the evidence map the server sent with the leads), and dims everything else; choosing it again clears.
  var leadsBox = document.getElementById("leads");
  var evidence = { nodes: [], edges: [] };
  var before = { nodes: {}, edges: {} };  // the looks of what was lit or dimmed, to put back
  var DIM_NODE = { color: { background: "#f2f4f7", border: "#e4e7ec", highlight: { background: "#f2f4f7", border: "#98a2b3" } },
                   font: { color: "#d0d5dd" } };
  var DIM_EDGE = { color: { color: "#e4e7ec", highlight: "#98a2b3", opacity: 0.5 }, font: { color: "#d0d5dd", strokeWidth: 0 } };
  var LIT = "#d92d20";

  function stepKey(a, rel, b) { return a + "|" + rel + "|" + b; }
  function edgeKey(e) { return stepKey(e.from, e.rel, e.to); }
  function keep(store, item, fields) {
    if (store[item.id]) return;
    var old = {};
    fields.forEach(function (f) { old[f] = item[f] === undefined ? null : item[f]; });
    store[item.id] = old;
  }
  function restore() {
    nodes.update(Object.keys(before.nodes).filter(function (id) { return nodes.get(id); }).map(function (id) {
      return Object.assign({ id: id, dimmed: false, lit: false }, before.nodes[id]);
    }));
    edges.update(Object.keys(before.edges).filter(function (id) { return edges.get(id); }).map(function (id) {
      return Object.assign({ id: id, dimmed: false, lit: false }, before.edges[id]);
    }));
    before = { nodes: {}, edges: {} };
  }
  function litEdge(e, lead, onPath, steps) {
    if (steps[edgeKey(e)] || steps[stepKey(e.to, e.rel, e.from)]) return true;
    return e.rel === "finding" && onPath[e.from] && onPath[e.to] && (e.explanations || []).indexOf(lead.explanation) >= 0;
  }
  function relight() {
    var lead = state.lead;
    restore();
    var onPath = {}, steps = {};
    lead.nodes.forEach(function (id) { onPath[id] = true; });
    lead.steps.forEach(function (s) { steps[stepKey(s[0], s[1], s[2])] = true; });
    var litNodes = [], litEdges = [];
    nodes.update(nodes.get().map(function (n) {
      keep(before.nodes, n, ["color", "font", "borderWidth", "shadow"]);
      if (onPath[n.id]) {
        litNodes.push(n.id);
        return { id: n.id, lit: true, dimmed: false, borderWidth: 5, shadow: { enabled: true, color: LIT, size: 14, x: 0, y: 0 } };
      }
      return Object.assign({ id: n.id, lit: false, dimmed: true }, DIM_NODE);
    }));
    edges.update(edges.get().map(function (e) {
      keep(before.edges, e, ["color", "font", "width"]);
      if (litEdge(e, lead, onPath, steps)) {
        litEdges.push(e.id);
        return { id: e.id, lit: true, dimmed: false, width: Math.max(e.width || 1, 4), color: { color: LIT, highlight: LIT, opacity: 1 } };
      }
      return Object.assign({ id: e.id, lit: false, dimmed: true }, DIM_EDGE);
    }));
    state.lit = { nodes: litNodes, edges: litEdges };
  }
  function addEvidence(lead) {
    var onPath = {}, steps = {}, have = {}, haveEdge = {};
    lead.nodes.forEach(function (id) { onPath[id] = true; });
    lead.steps.forEach(function (s) { steps[stepKey(s[0], s[1], s[2])] = true; });
    nodes.getIds().forEach(function (id) { have[id] = true; });
    var newNodes = evidence.nodes.filter(function (n) { return onPath[n.id] && !have[n.id]; });
    nodes.add(newNodes);
    edges.get().forEach(function (e) { haveEdge[e.id] = true; haveEdge[edgeKey(e)] = true; haveEdge[stepKey(e.to, e.rel, e.from)] = true; });
    var newEdges = evidence.edges.filter(function (e) {
      return !haveEdge[e.id] && !haveEdge[edgeKey(e)] && nodes.get(e.from) && nodes.get(e.to) && litEdge(e, lead, onPath, steps);
    });
    edges.add(newEdges);
    var kinds = newNodes.map(function (n) { return n.agency_kind; });
    addFilters({  // a checkbox for each relationship and agency kind the evidence brought
      relationships: newEdges.map(function (e) { return e.rel; }),
      legend: { agencyKinds: ((evidence.legend && evidence.legend.agencyKinds) || []).filter(function (k) { return kinds.indexOf(k.kind) >= 0; }) }
    });
    newNodes.forEach(function (n) { if (state.added.indexOf(n.id) < 0) state.added.push(n.id); });
    if (newNodes.length) {  // let the layout find them a place (physics stops again when it settles)
      applyFilters();
      network.setOptions({ physics: { enabled: true } });
      network.stabilize(150);
    }
  }
  function chooseLead(lead, button) {
    var again = state.lead && state.lead.id === lead.id;
    Array.prototype.forEach.call(leadsBox.querySelectorAll("button.lead-choice"), function (b) { b.setAttribute("aria-pressed", "false"); });
    restore();
    state.lead = null;
    state.lit = { nodes: [], edges: [] };
    if (again) { status("lead cleared"); counts(); return; }
    state.lead = lead;
    button.setAttribute("aria-pressed", "true");
    addEvidence(lead);
    relight();
    counts();
    if (state.lit.nodes.length) network.fit({ nodes: state.lit.nodes, animation: false });
  }
  function showLeads(data) {
    leadsBox.textContent = "";
    leadsBox.className = "";
    evidence = { nodes: data.nodes, edges: data.edges, legend: data.legend, relationships: data.relationships };
    state.leads = data.leads;
    if (!data.leads.length) leadsBox.appendChild(el("div", { "class": "muted", id: "no-leads" }, "No leads about this person's network."));
    data.leads.forEach(function (lead) {
      var button = el("button", { type: "button", "class": "lead-choice", "aria-pressed": "false", "data-lead": lead.id });
      button.appendChild(el("b", {}, lead.title));
      button.appendChild(el("span", { "class": "small" }, " " + lead.explanation));
      if (lead.withheld.length) button.appendChild(el("span", { "class": "restricted small" }, " " + lead.withheld.join(" ")));
      button.addEventListener("click", function () { chooseLead(lead, button); });
      leadsBox.appendChild(button);
    });
  }
  window.graphcaseChooseLead = function (index) {
    chooseLead(state.leads[index], leadsBox.querySelectorAll("button.lead-choice")[index]);
  };
  fetchJSON(base + "/leads")
    .then(function (res) {
      if (!res.ok) { leadsBox.textContent = res.body.error || "the server refused"; return; }
      showLeads(res.body);
    })
    .catch(function (err) { leadsBox.textContent = "could not load the leads: " + err.message; });

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
    sliderText.textContent = day;
    getJSON(base + "?" + new URLSearchParams({ as_of: day }), function (data) {
      state.asOf = day;
      state.expanded = {};
      nodes.clear(); edges.clear();
      before = { nodes: {}, edges: {} };
      state.lead = null; state.lit = { nodes: [], edges: [] }; state.added = [];
      Array.prototype.forEach.call(leadsBox.querySelectorAll("button.lead-choice"), function (b) { b.setAttribute("aria-pressed", "false"); });
      nodes.add(data.nodes); edges.add(data.edges);
      addFilters(data);
      network.setOptions({ physics: { enabled: true } });
      network.stabilize(200);
    });
  });
  window.graphcaseSetDate = function (monthsBack) {
    slider.value = String(Number(slider.max) - monthsBack);
    slider.dispatchEvent(new Event("change"));
  };

  sliderText.textContent = state.asOf;
  addFilters(DATA); counts();
})();
