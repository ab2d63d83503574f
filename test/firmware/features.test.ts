// The profile's optional parts wired together (app/features.ts) on a fake platform with no
// network at all: inputs and their reports, a button's local action, further relays with
// their own commands and link-loss policy, the cover fed by its reed inputs; and the single
// report path (app/protocol/reports.ts) that keeps the latest value per topic.
import { describe, expect, it } from "vitest";
import { startFeatures } from "../../firmware/app/features.ts";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { createRelay } from "../../firmware/app/actuators/relay.ts";
import { createReports } from "../../firmware/app/protocol/reports.ts";
import { createFakePlatform } from "../support/fake-platform.ts";
import { relayBehaviour, testProfile } from "../support/profile.ts";

const ROOT = "latchkey/garage-door";

function device(overrides: Partial<DeviceProfile>, levels: Record<string, boolean> = {}) {
  const fake = createFakePlatform();
  for (const [pin, high] of Object.entries(levels)) fake.driveInput(pin, high);
  const profile = testProfile(overrides);
  const relay = createRelay(fake.platform.pins, profile.pins.relay, fake.platform.timers, 0);
  const reports = createReports(fake.platform.timers);
  const published: string[] = [];
  let online = false;
  reports.attach((topic, value) => {
    if (!online) return "offline";
    published.push(`${topic.slice(ROOT.length + 1)} ${value}`);
    return undefined;
  });
  const features = startFeatures(fake.platform, { profile, relay, version: "0.0.0-test" }, ROOT, reports);
  const command = (topic: string, text: string) =>
    features.routes.find((r) => r.topic === `${ROOT}/${topic}`)!.action(text);
  const goOnline = () => {
    online = true;
    reports.resend();
    features.link(true, "");
  };
  return { ...fake, features, relay, reports, published, goOnline, command };
}

describe("inputs", () => {
  it("reads each input at start, reports it retained, and reports every debounced change", () => {
    const d = device(
      { inputs: { door: { pull: "up", debounceMs: 50 } } },
      { D27: true }, // activeLow reed: HIGH = open contact = inactive
    );
    expect(d.inputs.D27.pull).toBe("up");
    d.goOnline();
    expect(d.published).toEqual(["relay/state OFF", "door/state OFF"]);
    d.driveInput("D27", false);
    d.driveInput("D27", false);
    d.driveInput("D27", true);
    expect(d.published).toEqual(["relay/state OFF", "door/state OFF", "door/state ON", "door/state OFF"]);
  });

  it("a button toggles its relay with no network at all, and the state goes out once online", () => {
    const d = device({
      relay: relayBehaviour({ mode: "switch" }),
      pins: { relay: { pin: "D23", activeLow: false }, button: { pin: "D4", activeLow: true } },
      inputs: { button: { pull: "up", debounceMs: 30, action: "toggle" } },
    });
    d.driveInput("D4", false);
    expect(d.relay.isOn).toBe(true);
    d.driveInput("D4", true);
    expect(d.relay.isOn).toBe(true);
    d.driveInput("D4", false);
    expect(d.relay.isOn).toBe(false);
    expect(d.log).toContain("info input button: relay ON");
    expect(d.published).toEqual([]);
    d.goOnline();
    expect(d.published).toEqual(["relay/state OFF", "button/state ON"]);
  });

  it("a pulse action presses a pulse-mode relay once per push, inside its lockout rules", () => {
    const d = device({
      pins: { relay: { pin: "D23", activeLow: false }, button: { pin: "D4", activeLow: false } },
      inputs: { button: { pull: "down", debounceMs: 30, action: "pulse" } },
    });
    d.driveInput("D4", false);
    d.driveInput("D4", true);
    d.driveInput("D4", false);
    d.driveInput("D4", true);
    expect(d.pinHistory.filter((e) => e.kind === "write" && e.high).length).toBe(1);
    expect(d.log.at(-1)).toMatch(/input button: ON ignored: a press is running/);
  });
});

describe("further relays", () => {
  it("each has its own command topic, behaviour and retained state", () => {
    const d = device({
      pins: { relay: { pin: "D23", activeLow: false }, pump: { pin: "D32", activeLow: false } },
      relays: { pump: relayBehaviour({ mode: "switch", maxOnMs: 5000 }) },
    });
    d.goOnline();
    expect(d.command("pump/set", "ON")).toEqual({ done: "relay ON" });
    expect(d.features.relays.pump.isOn).toBe(true);
    expect(d.relay.isOn).toBe(false);
    d.time.advance(5000);
    expect(d.published).toEqual(["relay/state OFF", "pump/state OFF", "pump/state ON", "pump/state OFF"]);
  });

  it("the first relay has the same shape: relays.relay, relay/set, its state and its link-loss policy", () => {
    const d = device({ relay: relayBehaviour({ mode: "switch", linkLoss: "off", linkLossMs: 10000 }) });
    expect(d.features.relays.relay).toBe(d.relay);
    d.goOnline();
    expect(d.command("relay/set", "ON")).toEqual({ done: "relay ON" });
    d.features.link(false, "keepalive timeout");
    d.time.advance(10000);
    expect(d.relay.isOn).toBe(false);
    expect(d.log).toContain("info relay OFF (no broker for 10000 ms (linkLoss off))");
    expect(d.published).toEqual(["relay/state OFF", "relay/state ON", "relay/state OFF"]);
  });

  it("a switch relay with linkLoss off goes off after linkLossMs without the broker", () => {
    const d = device({
      pins: { relay: { pin: "D23", activeLow: false }, pump: { pin: "D32", activeLow: false } },
      relays: { pump: relayBehaviour({ mode: "switch", linkLoss: "off", linkLossMs: 10000 }) },
    });
    d.goOnline();
    d.command("pump/set", "ON");
    d.features.link(false, "keepalive timeout");
    d.time.advance(9999);
    expect(d.features.relays.pump.isOn).toBe(true);
    d.time.advance(1);
    expect(d.features.relays.pump.isOn).toBe(false);
  });
});

describe("cover wiring", () => {
  it("the reed inputs drive the cover state, reported with its fault, and cover/set is its command", () => {
    const d = device(
      {
        pins: {
          relay: { pin: "D23", activeLow: false },
          closed: { pin: "D27", activeLow: true },
          open: { pin: "D26", activeLow: true },
        },
        inputs: { closed: { pull: "up", debounceMs: 50 }, open: { pull: "up", debounceMs: 50 } },
        cover: { relay: "relay", closed: "closed", open: "open", travelMs: 20000 },
      },
      { D27: false, D26: true },
    );
    d.goOnline();
    expect(d.published.filter((l) => /^(cover|fault)/.test(l))).toEqual(["cover/state closed", "fault/state none"]);
    expect(d.command("cover/set", "OPEN")).toEqual({ done: "closed -> opening" });
    d.driveInput("D27", true);
    d.driveInput("D26", false);
    expect(d.features.cover!.state).toBe("open");
    d.driveInput("D27", false);
    expect(d.published.slice(-3)).toEqual([
      "closed/state ON",
      "cover/state unknown",
      "fault/state both end switches active: check the reed switches",
    ]);
  });
});

describe("reports", () => {
  it("keep only the latest value per topic while offline and retry what the session refused", () => {
    const fake = createFakePlatform();
    const reports = createReports(fake.platform.timers);
    const out: string[] = [];
    let answer: string | undefined = "offline";
    reports.attach((topic, value) => {
      if (answer === undefined) out.push(`${topic} ${value}`);
      return answer;
    });
    for (let i = 0; i < 100; i++) reports.report("a", String(i));
    reports.report("b", "x");
    answer = "in-flight store full";
    reports.resend();
    expect(out).toEqual([]);
    answer = undefined;
    fake.time.advance(250);
    expect(out).toEqual(["a 99", "b x"]);
    expect(fake.time.pendingCount).toBe(0);
  });
});
