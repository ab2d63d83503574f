// Part of the page's script (page-script.ts joins the parts into one): a device's "Health and
// recent events" details: diagnostics, firmware and address as the device signed them, last
// seen, disconnects, the maintenance window, the certificate, and the timeline.
export const PAGE_HEALTH_SCRIPT = `function fact(list, term, value) {
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
`;
