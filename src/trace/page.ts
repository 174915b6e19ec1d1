/**
 * The timeline page's own script and style (view.ts inlines them): plain DOM and SVG, no framework, nothing
 * fetched. Every string that came from the program (communicator names, marks, host names, file names) reaches
 * the page only through `textContent` and SVG attributes set with setAttribute, never as markup.
 * Written without template literals, so that it can sit in this file as one string.
 */
export const PAGE_STYLE = `
body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 18px; margin: 0 0 4px; }
.meta { color: #555; margin-bottom: 8px; white-space: pre-wrap; }
.panel { border: 1px solid #ccc; margin: 8px 0; }
#timeline { width: 100%; overflow: hidden; cursor: grab; user-select: none; }
#details { min-height: 3em; padding: 6px; background: #f6f6f6; white-space: pre-wrap; font-family: ui-monospace, monospace; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
.grid { display: flex; gap: 24px; flex-wrap: wrap; }
h2 { font-size: 15px; margin: 12px 0 4px; }
`;

export const PAGE_SCRIPT = `
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var trace = JSON.parse(document.getElementById("trace-data").textContent);
  var meta = trace.mpi4ts || { size: 0, hosts: [], engine: "?", command: [], version: "?" };
  var events = trace.traceEvents || [];
  var size = meta.size;
  var COLORS = { p2p: "#4e79a7", collective: "#f28e2b", wait: "#e15759", user: "#59a14f", message: "#333" };
  var LANE = 34, LABEL = 150, TOP = 24;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var k in attrs) node.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, content, attrs) {
    var t = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = content;
    return t;
  }
  function fmt(us) {
    if (us >= 1e6) return (us / 1e6).toFixed(3) + " s";
    if (us >= 1e3) return (us / 1e3).toFixed(3) + " ms";
    return us.toFixed(1) + " \\u00b5s";
  }
  function describe(e) {
    var lines = [e.name + "  (" + e.cat + ", rank " + e.pid + ")", "start " + fmt(e.ts) + (e.dur !== undefined ? "   duration " + fmt(e.dur) : "")];
    var args = e.args || {};
    for (var k in args) lines.push(k + ": " + (typeof args[k] === "number" && /_us$/.test(k) ? fmt(args[k]) : String(args[k])));
    return lines.join("\\n");
  }

  document.getElementById("title").textContent = "mpi4ts trace: " + size + " ranks, " + meta.engine + " engine";
  document.getElementById("meta").textContent = "command: " + (meta.command || []).join(" ") + "\\nhosts: " +
    (meta.hosts || []).join(", ") + "\\nmpi4ts " + meta.version +
    ((meta.dropped || []).some(function (d) { return d > 0; }) ? "\\ndropped events per rank: " + meta.dropped.join(", ") : "");

  var spans = [], marks = [], sends = {}, arrows = [];
  var end = 0;
  events.forEach(function (e) {
    if (e.ph === "X") { spans.push(e); end = Math.max(end, e.ts + (e.dur || 0)); }
    else if (e.ph === "i") { marks.push(e); end = Math.max(end, e.ts); }
    else if (e.ph === "s") sends[e.id] = e;
  });
  events.forEach(function (e) { if (e.ph === "f" && sends[e.id]) arrows.push([sends[e.id], e]); });
  end = Math.max(end, 1);

  // ---- the timeline: lanes, spans, arrows; wheel zooms around the pointer, drag pans -----------------------
  var box = document.getElementById("timeline");
  var details = document.getElementById("details");
  var width = Math.max(box.clientWidth, 600);
  var view = { from: 0, to: end * 1.02 };
  var svg = el("svg", { width: width, height: TOP + size * LANE + 10, id: "timeline-svg" }, box);
  var defs = el("defs", {}, svg);
  var marker = el("marker", { id: "head", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", fill: COLORS.message }, marker);
  var layer = el("g", {}, svg);

  function x(ts) { return LABEL + (ts - view.from) / (view.to - view.from) * (width - LABEL - 10); }
  function laneY(rank) { return TOP + rank * LANE; }
  function hover(node, e) {
    var title = el("title", {}, node);
    title.textContent = describe(e);
    node.addEventListener("mouseenter", function () { details.textContent = describe(e); });
  }

  function draw() {
    while (layer.firstChild) layer.removeChild(layer.firstChild);
    for (var r = 0; r < size; r++) {
      var lane = el("g", { class: "lane", "data-rank": r }, layer);
      el("rect", { x: 0, y: laneY(r), width: width, height: LANE - 4, fill: r % 2 ? "#fafafa" : "#f0f0f0" }, lane);
      text(lane, 4, laneY(r) + 19, "rank " + r + " on " + ((meta.hosts || [])[r] || "?"), { "font-size": 12 });
    }
    var ticks = el("g", { class: "axis" }, layer);
    for (var i = 0; i <= 8; i++) {
      var t = view.from + (view.to - view.from) * i / 8;
      el("line", { x1: x(t), x2: x(t), y1: TOP - 6, y2: TOP + size * LANE, stroke: "#ddd" }, ticks);
      text(ticks, x(t) + 2, TOP - 10, fmt(t), { "font-size": 10, fill: "#666" });
    }
    spans.forEach(function (e) {
      var x0 = x(e.ts), x1 = x(e.ts + (e.dur || 0));
      if (x1 < LABEL || x0 > width) return;
      x0 = Math.max(x0, LABEL);
      var y = laneY(e.pid) + (e.cat === "user" ? 2 : 8);
      var h = e.cat === "user" ? 4 : LANE - 16;
      var span = el("rect", { class: "span span-" + e.cat, x: x0, y: y, width: Math.max(x1 - x0, 1), height: h, fill: COLORS[e.cat] || "#999" }, layer);
      hover(span, e);
      var wait = e.args && e.args.wait_us;
      if (typeof wait === "number" && wait > 0 && e.cat !== "user") {
        var w = el("rect", { class: "waiting", x: x0, y: y + h - 5, width: Math.max(Math.min(x(e.ts + wait), x1) - x0, 1), height: 5, fill: COLORS.wait }, layer);
        hover(w, e);
      }
    });
    marks.forEach(function (e) {
      if (e.cat !== "user") return;
      var mx = x(e.ts);
      if (mx < LABEL || mx > width) return;
      var m = el("path", { class: "mark", d: "M" + mx + "," + (laneY(e.pid) + 2) + " l4,-6 h-8 z", fill: COLORS.user }, layer);
      hover(m, e);
    });
    arrows.forEach(function (pair) {
      var s = pair[0], f = pair[1];
      var line = el("line", {
        class: "arrow", x1: x(s.ts), y1: laneY(s.pid) + LANE / 2 - 2, x2: x(f.ts), y2: laneY(f.pid) + LANE / 2 - 2,
        stroke: COLORS.message, "stroke-width": 1, "marker-end": "url(#head)",
      }, layer);
      hover(line, { name: "message", cat: "message", pid: s.pid, ts: s.ts, dur: f.ts - s.ts, args: s.args });
    });
  }
  box.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var rect = svg.getBoundingClientRect();
    var at = view.from + Math.max(0, ev.clientX - rect.left - LABEL) / (width - LABEL - 10) * (view.to - view.from);
    var k = ev.deltaY > 0 ? 1.25 : 0.8;
    view.from = Math.max(0, at - (at - view.from) * k);
    view.to = Math.max(view.from + 1, at + (view.to - at) * k);
    draw();
  }, { passive: false });
  var dragging = null;
  box.addEventListener("mousedown", function (ev) { dragging = { x: ev.clientX, from: view.from, to: view.to }; });
  window.addEventListener("mouseup", function () { dragging = null; });
  window.addEventListener("mousemove", function (ev) {
    if (!dragging) return;
    var shift = (dragging.x - ev.clientX) / (width - LABEL - 10) * (dragging.to - dragging.from);
    view.from = dragging.from + shift;
    view.to = dragging.to + shift;
    draw();
  });
  document.getElementById("reset").addEventListener("click", function () { view = { from: 0, to: end * 1.02 }; draw(); });
  draw();

  // ---- rank x rank bytes ------------------------------------------------------------------------------------
  var bytes = [], most = 0;
  for (var a = 0; a < size; a++) { bytes.push([]); for (var b = 0; b < size; b++) bytes[a].push(0); }
  arrows.forEach(function (pair) {
    var s = pair[0], f = pair[1];
    bytes[s.pid][f.pid] += (s.args && s.args.bytes) || 0;
    most = Math.max(most, bytes[s.pid][f.pid]);
  });
  var CELL = Math.max(14, Math.min(40, Math.floor(360 / Math.max(size, 1))));
  var heat = el("svg", { id: "heatmap", width: 60 + CELL * size, height: 40 + CELL * size }, document.getElementById("heat"));
  text(heat, 60, 12, "to rank \\u2192", { "font-size": 11 });
  text(heat, 0, 12, "from \\u2193", { "font-size": 11 });
  for (var from = 0; from < size; from++) {
    text(heat, 4, 30 + from * CELL + CELL / 2 + 4, String(from), { "font-size": 11 });
    for (var to = 0; to < size; to++) {
      if (from === 0) text(heat, 60 + to * CELL + CELL / 2 - 4, 28, String(to), { "font-size": 11 });
      var v = bytes[from][to];
      var shade = most > 0 ? v / most : 0;
      var cell = el("rect", {
        class: "cell", x: 60 + to * CELL, y: 30 + from * CELL, width: CELL - 1, height: CELL - 1,
        fill: v === 0 ? "#f4f4f4" : "rgba(78,121,167," + (0.15 + 0.85 * shade).toFixed(3) + ")",
      }, heat);
      var title = el("title", {}, cell);
      title.textContent = "rank " + from + " \\u2192 rank " + to + ": " + v + " bytes";
    }
  }

  // ---- per rank: compute vs time in MPI (waiting, moving) ---------------------------------------------------
  var bars = el("svg", { id: "bars", width: 520, height: 30 + size * 22 }, document.getElementById("time"));
  for (var rank = 0; rank < size; rank++) {
    var first = Infinity, last = 0, mpi = 0, waiting = 0;
    events.forEach(function (e) {
      if (e.pid !== rank || e.ph === "M") return;
      first = Math.min(first, e.ts);
      last = Math.max(last, e.ts + (e.dur || 0));
      if (e.ph === "X" && e.cat !== "user" && e.name !== "receive completed") {
        mpi += e.dur || 0;
        if (e.args && typeof e.args.wait_us === "number") waiting += e.args.wait_us;
      }
    });
    var run = Math.max(last - first, 1), scale = 380 / run, y0 = 20 + rank * 22;
    text(bars, 0, y0 + 12, "rank " + rank, { "font-size": 11 });
    var parts = [["compute", run - mpi, "#bab0ac"], ["in MPI, not waiting", mpi - waiting, COLORS.p2p], ["in MPI, waiting", waiting, COLORS.wait]];
    var at0 = 60;
    parts.forEach(function (p) {
      var w2 = Math.max(0, p[1] * scale);
      var r2 = el("rect", { class: "bar", x: at0, y: y0, width: w2, height: 16, fill: p[2] }, bars);
      var t2 = el("title", {}, r2);
      t2.textContent = "rank " + rank + " " + p[0] + ": " + fmt(Math.max(0, p[1])) + " (" + (100 * Math.max(0, p[1]) / run).toFixed(1) + "%)";
      at0 += w2;
    });
    text(bars, at0 + 6, y0 + 12, (100 * mpi / run).toFixed(1) + "% in MPI", { "font-size": 11 });
  }
  document.body.setAttribute("data-ready", "true");
})();
`;
