// Part of the page's script (page-script.ts joins the parts into one): a device's rows and
// its door, each with the buttons the hub enabled, and a press sent as a JSON POST with the
// command header (routes.ts), its buttons disabled until the hub answers. Uses the page's
// state and helpers (pending, own, el, marks) from page-script.ts.
export const PAGE_ROWS_SCRIPT = `function press(device, entity, b) {
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
`;
