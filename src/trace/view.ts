/**
 * `mpi4ts view`: a trace as one self-contained HTML page (no network access; script, style and data inlined).
 * The trace travels as JSON inside a non-executed script element, with every `<` written as \u003c so that
 * nothing in it can close the element; the page's script (page.ts) puts program strings on the page as text only.
 */
import type { Trace } from "./merge.js";
import { PAGE_SCRIPT, PAGE_STYLE } from "./page.js";

/** JSON that is inert inside <script type="application/json">: no `<`, and no line separators JS would mind. */
function embeddableJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export function renderPage(trace: Trace): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>mpi4ts trace</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1 id="title">mpi4ts trace</h1>
<div class="meta" id="meta"></div>
<div class="legend">
  <span><i style="background:#4e79a7"></i>point-to-point</span><span><i style="background:#f28e2b"></i>collective</span>
  <span><i style="background:#e15759"></i>waiting (in a call, or a wait)</span><span><i style="background:#59a14f"></i>your marks and spans</span>
  <span>&#8594; message (send to the receive that matched it)</span>
  <button id="reset">reset zoom</button> <small>wheel: zoom, drag: pan, hover: details</small>
</div>
<div class="panel" id="timeline"></div>
<div id="details">hover over a call or a message</div>
<div class="grid">
  <div><h2>bytes sent, rank &#215; rank</h2><div id="heat"></div></div>
  <div><h2>time per rank: compute, in MPI, waiting in MPI</h2><div id="time"></div></div>
</div>
<script type="application/json" id="trace-data">${embeddableJson(trace)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
