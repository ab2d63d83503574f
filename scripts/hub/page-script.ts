// The page's script: draws each device the hub sends (page-model.ts PageDevice) and sends
// button presses as JSON POSTs with the command header (routes.ts). It decides nothing about a
// device: what a button does and whether it is enabled came from the hub. A redraw keeps the
// keyboard focus and the open details, and a press keeps its button disabled until answered.
// Ages count on the hub's clock (the skew from /api/state's `now`); a confirmed value's age
// ("confirmed 4 s ago") is from when its confirming report arrived, never older than the value,
// and its title names the challenge it was signed after (the bound on how old it can be).
import { PAGE_ADMIN_SCRIPT } from "./page-script-admin.ts";
import { PAGE_HEALTH_SCRIPT } from "./page-script-health.ts";
import { PAGE_ROWS_SCRIPT } from "./page-script-rows.ts";

// The page's state and helpers, then the parts: each part is text of this one script, in order.
const PAGE_STATE_SCRIPT = `"use strict";
var skew = 0;
var pending = {};
var me = "";
/** Per device: what this page said of its own press, the result the card had before it, and
 *  (once seen) the hub's record of that press's result. */
var own = {};
function lastAt(id) { var v = devices[id]; return v && v.lastResult ? v.lastResult.at : 0; }
var owner = false;
function age(at) {
  var s = Math.max(0, Math.round((Date.now() + skew - at) / 1000));
  return s < 120 ? s + " s" : s < 7200 ? Math.round(s / 60) + " min" : s < 172800 ? Math.round(s / 3600) + " h" : Math.round(s / 86400) + " days";
}
function ages() {
  document.querySelectorAll("[data-at]").forEach(function (e) {
    e.textContent = (e.getAttribute("data-prefix") || "") + age(Number(e.getAttribute("data-at"))) + " ago";
  });
}
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function aged(tag, cls, prefix, at) {
  var e = el(tag, cls);
  e.setAttribute("data-prefix", prefix);
  e.setAttribute("data-at", String(at));
  return e;
}
function chart(history) {
  var ns = "http://www.w3.org/2000/svg";
  var svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", "0 0 90 24");
  svg.setAttribute("aria-hidden", "true");
  if (history.length < 2) return svg;
  var min = Infinity, max = -Infinity;
  history.forEach(function (p) { min = Math.min(min, p.v); max = Math.max(max, p.v); });
  var range = max - min || 1;
  var points = history.map(function (p, i) {
    return (i * 90 / (history.length - 1)).toFixed(1) + "," + (22 - (p.v - min) * 20 / range).toFixed(1);
  });
  var line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.join(" "));
  svg.appendChild(line);
  return svg;
}
/** The badges saying how far a value can be trusted, with its age. */
function marks(parent, m, why) {
  if (m.trust === "confirmed") {
    var b = m.at ? aged("span", "badge confirmed", "confirmed ", m.at) : el("span", "badge confirmed", "confirmed");
    b.title = "signed by the device and current" +
      (m.confirmedAt ? ": signed after it answered the hub's challenge of " + age(m.confirmedAt) + " ago" : "") +
      (m.at ? "; arrived " + age(m.at) + " ago" : "");
    parent.appendChild(b);
  } else if (m.trust === "last known") {
    var s = el("span", "badge unconfirmed", "last known, unconfirmed");
    s.title = (why || "not confirmed by the device") + "; received " + age(m.at) + " ago";
    parent.appendChild(s);
    parent.appendChild(aged("span", "age", "received ", m.at));
  } else if (m.trust === "unsigned") {
    var u = el("span", "badge unsigned", "unsigned");
    u.title = "telemetry is not signed: shown, never acted on";
    parent.appendChild(u);
    if (m.at) parent.appendChild(aged("span", "age", "", m.at));
  }
  if (m.unverified) {
    var w = el("span", "badge unverified", "unverified report ignored");
    w.title = m.unverified;
    parent.appendChild(w);
  }
}
`;

// The cards, the fleet summary and search, the audit list, and the start: state and events.
const PAGE_MAIN_SCRIPT = `var devices = {};
function render(view) {
  devices[view.id] = view;
  var card = document.querySelector('[data-device="' + view.id + '"]');
  if (!card) {
    card = el("article", "device");
    card.setAttribute("data-device", view.id);
    card.setAttribute("aria-label", "Device " + view.id);
    document.getElementById("devices").appendChild(card);
  }
  var focused = document.activeElement;
  var focus = focused && card.contains(focused) && focused.getAttribute("data-command") !== null
    ? '[data-entity="' + focused.closest("[data-entity]").getAttribute("data-entity") + '"] [data-command="' + focused.getAttribute("data-command") + '"]'
    : focused && card.contains(focused) && focused.getAttribute("data-admin") !== null ? '[data-admin="' + focused.getAttribute("data-admin") + '"]'
    : focused && card.contains(focused) && focused.tagName === "SUMMARY" ? "summary" : "";
  var old = card.querySelector("details");
  var open = old ? old.open : false;
  var adminResult = card.querySelector(".admin-result");
  var adminSaid = adminResult ? adminResult.textContent : "";
  card.textContent = "";
  var head = el("h2", "");
  head.appendChild(el("span", "id", view.id));
  head.appendChild(el("span", "badge availability " + view.availability, view.availability));
  var fresh = view.freshness;
  if (fresh) {
    var state = el("span", "badge freshness " + (fresh.confirmed ? "confirmed" : "unconfirmed"), fresh.confirmed ? "state confirmed" : "state unconfirmed");
    if (!fresh.confirmed) state.title = fresh.why || "";
    head.appendChild(state);
  }
  card.appendChild(head);
  if (view.door) door(card, view);
  view.rows.forEach(function (r) { if (r.kind !== "diagnostic") row(card, view, r); });
  // This page's own press until a newer result is recorded (another page, Home Assistant,
  // the owner's tools), then the device's latest result.
  var mine = own[view.id];
  var last = view.lastResult;
  // The first new record of this page's own command word by this operator is its press's.
  if (mine && last && mine.result === undefined && last.at !== mine.before && last.cmd === mine.cmd && last.who === me)
    mine.result = last.at;
  var ours = mine && (!last || last.at === mine.before || last.at === mine.result);
  var box = el("div", "result", ours ? mine.text : last ? "last: " + view.lastSaid : "");
  box.setAttribute("role", "status");
  card.appendChild(box);
  if (owner) admin(card, view, adminSaid);
  var details = el("details", "");
  details.open = open;
  details.appendChild(el("summary", "", "Health and recent events"));
  health(details, view);
  card.appendChild(details);
  if (focus) { var again = card.querySelector(focus); if (again) again.focus(); }
  ages();
}
/** Open or on, as the hub decided it (page-model.ts openOrOn). */
function isOpen(v) {
  return v.openOrOn === true;
}
var refining = 0;
/** The search and filter applied to every card, and the summary of the whole fleet. */
function refine() {
  refining = 0;
  var words = document.getElementById("search").value.trim().toLowerCase();
  var show = document.getElementById("filter").value;
  var all = Object.keys(devices).map(function (id) { return devices[id]; });
  all.forEach(function (v) {
    var match = (!words || v.id.toLowerCase().indexOf(words) >= 0) &&
      (!show || (show === "open" ? isOpen(v) : v.availability === show));
    var card = document.querySelector('[data-device="' + v.id + '"]');
    if (card) card.hidden = !match;
  });
  var open = all.filter(isOpen), offline = all.filter(function (v) { return v.availability !== "online"; });
  var names = function (list) { return list.slice(0, 5).map(function (v) { return v.id; }).join(", ") + (list.length > 5 ? " and " + (list.length - 5) + " more" : ""); };
  document.getElementById("summary").textContent = all.length + (all.length === 1 ? " device: " : " devices: ") + open.length + " open or on" +
    (open.length ? " (" + names(open) + ")" : "") + ", " + offline.length + " offline or not heard from" +
    (offline.length ? " (" + names(offline) + ")" : "");
}
function refineSoon() { if (!refining) refining = setTimeout(refine, 250); }
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
  me = state.operator;
  owner = state.owner === true;
  if (typeof state.now === "number") skew = state.now - Date.now();
  if (state.notice) { var n = document.getElementById("notice"); n.textContent = state.notice; n.hidden = false; }
  state.devices.forEach(render);
  refine();
  document.getElementById("search").addEventListener("input", refineSoon);
  document.getElementById("filter").addEventListener("change", refine);
  state.audit.slice().reverse().forEach(audit);
  setInterval(ages, 1000);
  var live = document.getElementById("live");
  var events = new EventSource("/events");
  events.addEventListener("open", function () { live.textContent = "live"; live.className = "badge online"; });
  events.addEventListener("error", function () { live.textContent = "reconnecting"; live.className = "badge offline"; });
  events.addEventListener("device", function (e) { render(JSON.parse(e.data)); refineSoon(); });
  events.addEventListener("audit", function (e) { audit(JSON.parse(e.data)); });
});
`;

/** The script served as /app.js. */
export const PAGE_SCRIPT =
  PAGE_STATE_SCRIPT + PAGE_ROWS_SCRIPT + PAGE_HEALTH_SCRIPT + PAGE_ADMIN_SCRIPT + PAGE_MAIN_SCRIPT;
