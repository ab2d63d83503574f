// The device's own check of the optional profile parts (what a hand-written or corrupted
// lk.profile could hold): each refused with the field named, before any pin is touched.
import { describe, expect, it } from "vitest";
import { boot } from "../../firmware/app/maintenance/boot.ts";
import { PROFILE_FILE, type DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { checkProfile } from "../../firmware/app/profile/profile-check.ts";
import { createFakePlatform } from "../support/fake-platform.ts";
import { relayBehaviour, testProfile } from "../support/profile.ts";

const FULL = testProfile({
  pins: {
    relay: { pin: "D23", activeLow: false },
    pump: { pin: "D32", activeLow: false },
    door: { pin: "D27", activeLow: true },
    level: { pin: "D34", activeLow: false },
    probe: { pin: "D4", activeLow: false },
  },
  relays: { pump: relayBehaviour({ mode: "switch" }) },
  inputs: { door: { pull: "up", debounceMs: 50 }, level: { pull: "none", debounceMs: 0 } },
  cover: { relay: "relay", closed: "door", travelMs: 20000 },
  telemetry: {
    periodMs: 60000,
    minIntervalMs: 5000,
    analog: { pin: "level", scale: 1, offset: 0, threshold: 0.1, sampleMs: 1000 },
    temperature: { pin: "probe", threshold: 0.5, sampleMs: 10000 },
  },
  interlock: [{ relays: ["relay", "pump"], deadTimeMs: 300 }],
});

function broken(change: (p: DeviceProfile) => void): DeviceProfile {
  const p = JSON.parse(JSON.stringify(FULL)) as DeviceProfile;
  change(p);
  return p;
}

describe("device profile check: the optional parts", () => {
  it("accepts a profile using all of them", () => {
    expect(checkProfile(FULL)).toBeUndefined();
  });

  it.each([
    ["a pull on GPIO 34-39", (p: DeviceProfile) => (p.inputs!.level.pull = "up"), "inputs.level.pull"],
    ["an input without a pin", (p: DeviceProfile) => (p.inputs!.ghost = { pull: "up", debounceMs: 1 }), "pins.ghost"],
    ["an action on no relay", (p: DeviceProfile) => (p.inputs!.door.relay = "fan"), "inputs.door.relay"],
    ["a cover on a switch relay", (p: DeviceProfile) => (p.cover!.relay = "pump"), "cover.relay"],
    ["a cover switch that is no input", (p: DeviceProfile) => (p.cover!.open = "probe"), "cover.open"],
    ["a further relay on an input-only pin", (p: DeviceProfile) => (p.pins.pump.pin = "D35"), "pins.pump"],
    [
      "a further relay restored at boot",
      (p: DeviceProfile) => (p.relays!.pump.powerOn = "restore"),
      "relays.pump.powerOn",
    ],
    ["an analog pin without ADC", (p: DeviceProfile) => (p.pins.level.pin = "D25"), "telemetry.analog.pin"],
    [
      "a relay in two interlock groups",
      (p: DeviceProfile) => p.interlock!.push({ relays: ["pump", "relay"], deadTimeMs: 0 }),
      "interlock.1.relays",
    ],
    [
      "an interlock dead time of an hour",
      (p: DeviceProfile) => (p.interlock![0].deadTimeMs = 3600000),
      "interlock.0.deadTimeMs",
    ],
    // The session takes the topics built from these names as valid (firmware/mqtt/session.ts).
    [
      "a relay name with a wildcard",
      (p: DeviceProfile) => {
        p.pins["a+b"] = { pin: "D25", activeLow: false };
        p.relays!["a+b"] = relayBehaviour({ mode: "switch" });
      },
      "pins.a+b",
    ],
    [
      "an input name with a level separator",
      (p: DeviceProfile) => {
        p.pins["door/#"] = { pin: "D26", activeLow: true };
        p.inputs!["door/#"] = { pull: "up", debounceMs: 50 };
      },
      "pins.door/#",
    ],
    [
      "a relay named like a topic of the device's own (ota)",
      (p: DeviceProfile) => {
        p.pins.ota = { pin: "D25", activeLow: false };
        p.relays!.ota = relayBehaviour({ mode: "switch" });
      },
      "pins.ota",
    ],
  ])("refuses %s", (_what, change, field) => {
    expect(checkProfile(broken(change))).toBe(`field ${field} missing or invalid`);
  });

  it("boots with no pin touched when an optional part is wrong", () => {
    const fake = createFakePlatform({ [PROFILE_FILE]: JSON.stringify(broken((p) => (p.cover!.travelMs = 5))) });
    expect(boot(fake.platform, "test")).toBeUndefined();
    expect(fake.pinHistory).toEqual([]);
    expect(fake.log.at(-1)).toMatch(/field cover.travelMs missing or invalid/);
  });
});
