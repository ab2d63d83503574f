// The page's script: draws each device the hub sends (page-model.ts PageDevice) and sends
// button presses as JSON POSTs with the command header (routes.ts). It decides nothing about a
// device: what a button does and whether it is enabled came from the hub. A redraw keeps the
// keyboard focus and the open details, and a press keeps its button disabled until answered.
// Ages count on the hub's clock (the skew from /api/state's `now`); a confirmed value's age
// ("confirmed 4 s ago") is from when its confirming report arrived, never older than the value,
// and its title names the challenge it was signed after (the bound on how old it can be).
export const PAGE_SCRIPT = `"use strict";
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
function press(device, entity, b) {
  var key = device + "/" + entity;
  var word = b.word;
  pending[key] = word;
  document.querySelectorAll('[data-device="' + device + '"] [data-entity="' + entity + '"] button').forEach(function (x) { x.disabled = true; });
  var box = document.querySelector('[data-device="' + device + '"] .result');
  own[device] = { text: b.label + ": sent, waiting for the device", cmd: word, before: lastAt(device) };
  if (box) box.textContent = own[device].text;
  fetch("/api/command", {
    method: "POST",
    headers: { "content-type": "application/json", "x-latchkey-command": "1" },
    body: JSON.stringify({ device: device, entity: entity, cmd: word })
  }).then(function (r) { return r.json(); }).then(function (outcome) {
    var box = document.querySelector('[data-device="' + device + '"] .result');
    var o = own[device];
    if (o) o.text = b.label + ": " + (outcome.said || "refused, " + (outcome.detail || outcome.error));
    if (box && o) box.textContent = o.text;
  }).finally(function () {
    delete pending[key];
    if (devices[device]) render(devices[device]);
  });
}
function buttons(parent, view, entity, list, what) {
  list.forEach(function (b) {
    var button = el("button", "", b.label);
    button.type = "button";
    button.setAttribute("data-command", b.word);
    button.setAttribute("aria-label", b.label + " " + what);
    if (b.on !== undefined) {
      button.setAttribute("role", "switch");
      button.setAttribute("aria-checked", b.on ? "true" : "false");
    }
    button.disabled = !b.enabled || pending[view.id + "/" + entity] !== undefined;
    button.addEventListener("click", function () { press(view.id, entity, b); });
    parent.appendChild(button);
  });
}
var DOOR_ICONS = { Open: "\\u25A1", Opening: "\\u25B2", Closed: "\\u25A0", Closing: "\\u25BC", Stopped: "\\u25A3", Fault: "\\u26A0", Unknown: "?" };
function door(card, view) {
  var d = view.door;
  var box = el("section", "door entity");
  box.setAttribute("data-entity", "cover");
  box.setAttribute("aria-label", "Door");
  var state = el("div", "state " + d.label);
  state.setAttribute("role", "status");
  state.setAttribute("aria-label", "Door " + d.label);
  state.appendChild(el("span", "icon", DOOR_ICONS[d.label] || "?")).setAttribute("aria-hidden", "true");
  state.appendChild(el("span", "value" + (d.trust === "last known" ? " stale" : ""), d.label));
  box.appendChild(state);
  var line = el("div", "detail");
  line.appendChild(el("span", "", d.detail));
  marks(line, d, view.freshness && view.freshness.why);
  box.appendChild(line);
  var controls = el("div", "controls");
  buttons(controls, view, "cover", d.buttons, "the door");
  box.appendChild(controls);
  card.appendChild(box);
}
function row(card, view, r) {
  var line = el("div", "entity");
  line.setAttribute("data-entity", r.id);
  var name = el("span", "name", r.name);
  if (r.meaning) name.appendChild(el("span", "meaning", r.meaning));
  line.appendChild(name);
  line.appendChild(r.history ? chart(r.history) : el("span", ""));
  var reading = el("span", "reading");
  reading.appendChild(el("span", "value" + (r.trust === "last known" ? " stale" : ""), r.shown));
  var m = el("span", "marks");
  marks(m, r, view.freshness && view.freshness.why);
  reading.appendChild(m);
  line.appendChild(reading);
  var actions = el("span", "actions");
  buttons(actions, view, r.id, r.buttons, r.name);
  line.appendChild(actions);
  card.appendChild(line);
}
function fact(list, term, value) {
  list.appendChild(el("dt", "", term));
  var dd = el("dd", "");
  if (typeof value === "string") dd.textContent = value; else dd.appendChild(value);
  list.appendChild(dd);
}
function health(details, view) {
  var h = view.health || {};
  var list = el("dl", "health");
  var tel = h.telemetryAt !== undefined;
  var diagnostics = view.rows.filter(function (r) { return r.kind === "diagnostic"; });
  diagnostics.forEach(function (r) { row(details, view, r); });
  if (!view.telemetry) fact(list, "Uptime, signal, memory", "not reported: no telemetry in this device's profile");
  if (view.firmware) {
    var fw = el("span", "", view.firmware.version + " ");
    marks(fw, { trust: "confirmed", at: view.firmware.at }, "");
    fact(list, "Firmware", fw);
  } else fact(list, "Firmware", h.version || "not reported yet");
  if (view.ip) {
    var ip = el("span", "", view.ip.address + " ");
    marks(ip, { trust: "confirmed", at: view.ip.at }, "");
    fact(list, "IP address", ip);
  } else fact(list, "IP address", "not reported yet");
  fact(list, "Last seen", h.lastSeen ? aged("span", "", "", h.lastSeen) : "not since the hub started");
  fact(list, "Gone offline", h.offlineSeen + (h.offlineSeen === 1 ? " time" : " times") + " since the hub started");
  fact(list, "Last disconnect", tel && h.drop ? h.drop : "none reported");
  if (view.maintenance) {
    var m = el("span", "", view.maintenance.shown + " ");
    marks(m, view.maintenance, view.freshness && view.freshness.why);
    fact(list, "Maintenance window", m);
  }
  var c = h.certificate;
  fact(list, "Certificate", c ? (c.status === "active" ? "expires " : c.status + ", expired ") + c.notAfter.slice(0, 10) : "not in the CA's records");
  if (tel) fact(list, "Telemetry", aged("span", "", "unsigned, received ", h.telemetryAt));
  details.appendChild(list);
  details.appendChild(el("h3", "", "Recent events"));
  var events = el("ol", "timeline");
  (view.timeline || []).forEach(function (e) {
    var li = el("li", "event-" + e.kind);
    li.appendChild(aged("span", "when", "", e.at));
    li.appendChild(el("span", "what", e.text));
    var trust = e.trust === "verified" ? "verified" : e.trust === "last known" ? "last known" : e.trust === "unsigned" ? "not signed" : "hub record";
    li.appendChild(el("span", "badge " + e.trust.replace(" ", "-"), trust));
    events.appendChild(li);
  });
  if (!view.timeline || !view.timeline.length) events.appendChild(el("li", "", "nothing yet since the hub started"));
  details.appendChild(events);
}
var PHASES = { preparing: "Preparing", sending: "Sending", rebooting: "Rebooting into it", confirmed: "Confirmed", "rolled back": "Rolled back", refused: "Refused", failed: "Failed" };
function act(device, action, label) {
  var key = device + "/admin";
  pending[key] = action;
  document.querySelectorAll('[data-device="' + device + '"] [data-admin]').forEach(function (x) { x.disabled = true; });
  var box = document.querySelector('[data-device="' + device + '"] .admin-result');
  if (box) box.textContent = label + ": sent, waiting for the device";
  fetch("/api/admin", {
    method: "POST",
    headers: { "content-type": "application/json", "x-latchkey-command": "1" },
    body: JSON.stringify({ device: device, action: action })
  }).then(function (r) { return r.json(); }).then(function (outcome) {
    var box = document.querySelector('[data-device="' + device + '"] .admin-result');
    // A started update is followed by its own status line (its outcome may yet be a refusal).
    if (box) box.textContent = outcome.error ? outcome.error : action === "update" && outcome.accepted ? "" : label + ": " + outcome.said;
  }).finally(function () {
    delete pending[key];
    if (devices[device]) render(devices[device]);
  });
}
function adminButton(parent, view, action, label, enabled) {
  var b = el("button", "", label);
  b.type = "button";
  b.setAttribute("data-admin", action);
  b.setAttribute("aria-label", label + " " + view.id);
  b.disabled = !enabled || pending[view.id + "/admin"] !== undefined;
  b.addEventListener("click", function () { act(view.id, action, label); });
  parent.appendChild(b);
}
/** The owner's controls: an update with its progress and outcome, a restart, the window. */
function admin(card, view, said) {
  var box = el("section", "admin");
  box.setAttribute("aria-label", "Administration of " + view.id);
  var online = view.availability === "online";
  var u = view.update;
  var running = u && ["confirmed", "rolled back", "refused", "failed"].indexOf(u.phase) < 0;
  var firmware = el("div", "firmware");
  if (u) {
    var line = el("div", "update-state update-" + u.phase.replace(" ", "-"));
    line.setAttribute("role", "status");
    line.textContent = "Update to " + u.version + ": " + PHASES[u.phase] + " \u2014 " + u.detail;
    firmware.appendChild(line);
  }
  // The bar only once bytes are on their way (a refused manifest sends none).
  if (u && u.size) {
    var bar = el("progress", "");
    bar.max = u.size || 1;
    bar.value = u.sent;
    bar.setAttribute("aria-label", "Update progress: " + u.sent + " of " + u.size + " bytes");
    firmware.appendChild(bar);
  }
  var offer = view.offered;
  if (offer && offer.newer) adminButton(firmware, view, "update", "Update to " + offer.version, online && !running);
  else if (offer) {
    // Not newer than what the device confirmed (page-model.ts): nothing to offer.
    var runs = view.firmware ? view.firmware.version : offer.version;
    firmware.appendChild(el("span", "up-to-date", "Up to date: runs " + runs +
      (runs === offer.version ? ", the version a build makes now" : "; a build now makes " + offer.version + ", which is not newer") +
      ". A higher version in package.json offers an update."));
  }
  else firmware.appendChild(el("span", "", "No firmware to offer: the hub was started without a build."));
  adminButton(firmware, view, "restart", "Restart", online && !running);
  box.appendChild(firmware);
  if (view.maintenance) {
    var w = el("div", "window");
    var state = el("span", "", "Maintenance window: " + view.maintenance.shown + " ");
    marks(state, view.maintenance, view.freshness && view.freshness.why);
    w.appendChild(state);
    adminButton(w, view, "maintenance-open", "Open maintenance window", online && !view.maintenance.open);
    adminButton(w, view, "maintenance-close", "Close maintenance window", online && view.maintenance.open);
    box.appendChild(w);
  }
  var result = el("div", "admin-result", said);
  result.setAttribute("role", "status");
  box.appendChild(result);
  card.appendChild(box);
}
var devices = {};
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
