// The operators' page: static HTML, CSS and script (no inline code, so the server's Content
// Security Policy can forbid it). The script renders whatever entities the hub reports for
// each device (entities.ts): it has no idea of relays or covers beyond their component.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Latchkey hub</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><h1>Latchkey</h1><span id="operator"></span><span id="live" class="badge">connecting</span></header>
<main id="devices"></main>
<section><h2>Recent actions</h2><ol id="audit"></ol></section>
</body>
</html>
`;

export const PAGE_CSS = `
body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { display: flex; gap: 1em; align-items: baseline; padding: .8em 1.2em; background: #1d2330; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 1em; padding: 1em; }
section { padding: 0 1.2em 1em; }
.device { background: #fff; border-radius: 8px; padding: 1em; box-shadow: 0 1px 3px #0002; }
.device h2 { font-size: 1.05em; margin: 0 0 .5em; display: flex; justify-content: space-between; }
.entity { display: flex; align-items: center; gap: .6em; padding: .35em 0; border-top: 1px solid #eee; }
.entity .name { flex: 1; }
.entity.diagnostic { color: #667; font-size: .9em; }
.value { font-weight: 600; min-width: 4em; text-align: right; }
.badge { font-size: .75em; padding: .1em .5em; border-radius: 1em; background: #ccd; color: #223; }
.online { background: #bfe8c8; } .offline { background: #f3c0c0; } .unverified { background: #ffd27a; }
button { font: inherit; padding: .3em .9em; border-radius: 5px; border: 1px solid #2a5bd7; background: #2a5bd7; color: #fff; cursor: pointer; }
button:disabled { opacity: .5; cursor: wait; }
svg.chart { width: 90px; height: 24px; }
svg.chart polyline { fill: none; stroke: #2a5bd7; stroke-width: 1.5; }
.result { font-size: .85em; color: #556; margin-top: .4em; }
#audit { font-size: .85em; color: #334; }
`;

export const PAGE_SCRIPT = `"use strict";
var devices = {};
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function chart(history) {
  var ns = "http://www.w3.org/2000/svg";
  var svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", "0 0 90 24");
  if (history.length < 2) return svg;
  var min = Infinity, max = -Infinity;
  history.forEach(function (p) { min = Math.min(min, p.v); max = Math.max(max, p.v); });
  var span = max - min || 1;
  var points = history.map(function (p, i) {
    return (i * 90 / (history.length - 1)).toFixed(1) + "," + (22 - (p.v - min) * 20 / span).toFixed(1);
  });
  var line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.join(" "));
  svg.appendChild(line);
  return svg;
}
function press(device, entity, word, button) {
  button.disabled = true;
  fetch("/api/command", {
    method: "POST",
    headers: { "content-type": "application/json", "x-latchkey-command": "1" },
    body: JSON.stringify({ device: device, entity: entity, cmd: word })
  }).then(function (r) { return r.json(); }).then(function (outcome) {
    var box = document.querySelector('[data-device="' + device + '"] .result');
    if (box) box.textContent = word + ": " + (outcome.accepted ? "done, " : "refused, ") + (outcome.detail || outcome.error);
  }).finally(function () { button.disabled = false; });
}
function render(view) {
  devices[view.id] = view;
  var card = document.querySelector('[data-device="' + view.id + '"]');
  if (!card) {
    card = el("article", "device");
    card.setAttribute("data-device", view.id);
    document.getElementById("devices").appendChild(card);
  }
  card.textContent = "";
  var head = el("h2", "", view.id);
  head.appendChild(el("span", "badge availability " + view.availability, view.availability));
  card.appendChild(head);
  view.entities.forEach(function (entity) {
    var slot = view.values[entity.id] || { history: [] };
    var row = el("div", "entity" + (entity.diagnostic ? " diagnostic" : ""));
    row.setAttribute("data-entity", entity.id);
    row.appendChild(el("span", "name", entity.name));
    if (entity.chart) row.appendChild(chart(slot.history));
    var shown = slot.value === undefined ? "?" : slot.value + (entity.unit ? " " + entity.unit : "");
    row.appendChild(el("span", "value", shown));
    if (slot.unverified) {
      var warn = el("span", "badge unverified", "unverified");
      warn.title = slot.unverified;
      row.appendChild(warn);
    } else if (slot.unsigned) row.appendChild(el("span", "badge", "unsigned"));
    if (entity.command) entity.command.words.forEach(function (word) {
      var b = el("button", "", word);
      b.setAttribute("data-command", word);
      b.addEventListener("click", function () { press(view.id, entity.id, word, b); });
      row.appendChild(b);
    });
    card.appendChild(row);
  });
  var result = el("div", "result");
  if (view.lastResult) result.textContent = "last: " + view.lastResult.cmd + " by " + view.lastResult.who + ": " +
    (view.lastResult.accepted ? "done, " : "refused, ") + view.lastResult.detail;
  card.appendChild(result);
}
function audit(record) {
  var list = document.getElementById("audit");
  var text = record.at.replace("T", " ").slice(0, 19) + "  " + record.who + " (" + record.via + ")  " +
    record.device + "/" + record.entity + "  " + record.cmd + "  " + record.phase +
    (record.detail ? ": " + record.detail : "");
  list.insertBefore(el("li", "", text), list.firstChild);
  while (list.children.length > 20) list.removeChild(list.lastChild);
}
fetch("/api/state").then(function (r) { return r.json(); }).then(function (state) {
  document.getElementById("operator").textContent = "operator: " + state.operator;
  state.devices.forEach(render);
  state.audit.slice().reverse().forEach(audit);
  var live = document.getElementById("live");
  var events = new EventSource("/events");
  events.addEventListener("open", function () { live.textContent = "live"; live.className = "badge online"; });
  events.addEventListener("error", function () { live.textContent = "reconnecting"; live.className = "badge offline"; });
  events.addEventListener("device", function (e) { render(JSON.parse(e.data)); });
  events.addEventListener("audit", function (e) { audit(JSON.parse(e.data)); });
});
`;
