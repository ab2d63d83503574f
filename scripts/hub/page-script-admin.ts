// Part of the page's script (page-script.ts joins the parts into one): the owner's controls
// (routes.ts POST /api/admin): an update with its progress and outcome, a restart, the
// maintenance window, each enabled only while the device is online and nothing runs.
export const PAGE_ADMIN_SCRIPT = `var PHASES = { preparing: "Preparing", sending: "Sending", rebooting: "Rebooting into it", confirmed: "Confirmed", "rolled back": "Rolled back", refused: "Refused", failed: "Failed" };
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
`;
