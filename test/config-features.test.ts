// The host's check of the optional profile parts: one clear message per mistake, defaults
// filled in, and the device's own check (profile-check.ts) agreeing with every accepted one.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkProfile } from "../firmware/app/profile/profile-check.ts";
import { loadConfig, validateConfig } from "../scripts/lib/config.ts";

const root = path.resolve(import.meta.dirname, "..");
const base = loadConfig(path.join(root, "espruino.config.json"));
const PINS = {
  relay: { pin: "D23" },
  pump: { pin: "D32" },
  closed: { pin: "D27", activeLow: true },
  open: { pin: "D26", activeLow: true },
  sense: { pin: "D35" },
  probe: { pin: "D4" },
};
const device = (extra: Record<string, unknown>) => ({
  ...base,
  device: { ...base.device, inputs: undefined, cover: undefined, pins: PINS, ...extra },
});

describe("device profile: inputs, cover, telemetry, relays, interlock", () => {
  it.each([
    [
      { inputs: { sense: { pull: "up" } } },
      /device.inputs.sense.pull "up": D35 \(GPIO 34-39\) has no internal pull resistors/,
    ],
    [{ inputs: { nothing: {} } }, /device.inputs.nothing needs a pin: add device.pins.nothing/],
    [{ inputs: { closed: { action: "blink" } } }, /device.inputs.closed.action must be "toggle" or "pulse"/],
    [{ inputs: { closed: { action: "toggle", relay: "fan" } } }, /device.inputs.closed.relay "fan" is not a relay/],
    [
      { relay: { mode: "switch" }, inputs: { closed: { action: "pulse" } } },
      /action "pulse" needs a relay in pulse mode \("relay" is a switch\)/,
    ],
    [{ inputs: { closed: {} }, cover: { closed: "door" } }, /device.cover.closed "door" is not in device.inputs/],
    [{ relay: { mode: "switch" }, inputs: { closed: {} }, cover: { closed: "closed" } }, /must be in pulse mode/],
    [
      { inputs: { closed: {} }, cover: { closed: "closed", open: "closed" } },
      /device.cover.open and device.cover.closed must be two inputs/,
    ],
    [
      { inputs: { closed: {} }, cover: { closed: "closed", travelMs: 10 } },
      /device.cover.travelMs must be a whole number from 1000/,
    ],
    [
      { telemetry: { analog: { pin: "probe" } } },
      /analog.pin D4 has no ADC Espruino can read on an ESP32: use D32-D39/,
    ],
    [{ telemetry: { temperature: { pin: "sense" } } }, /temperature.pin D35 is input-only/],
    [{ telemetry: { periodMs: 5000, minIntervalMs: 9000 } }, /minIntervalMs must be a whole number from 100 to 5000/],
    [{ relays: { fan: { mode: "switch" } } }, /device.relays.fan needs a pin: add device.pins.fan/],
    [{ relays: { pump: { mode: "switch", powerOn: "restore" } } }, /only for the first relay/],
    [
      { relays: { pump: { mode: "switch" } }, pins: { ...PINS, pump: { pin: "D34" } } },
      /device.pins.pump.pin D34 .*input-only/,
    ],
    [
      { pins: { ...PINS, cover: { pin: "D33" } }, inputs: { cover: {} } },
      /device.inputs.cover: "cover" is a topic the device already uses/,
    ],
    [{ interlock: [{ relays: ["relay"] }] }, /device.interlock\[0\].relays must list at least two relays/],
    [{ interlock: [{ relays: ["relay", "fan"] }] }, /"fan" is not a relay \(relays: relay\)/],
    [
      {
        relays: { pump: { mode: "switch" } },
        interlock: [{ relays: ["relay", "pump"] }, { relays: ["pump", "relay"] }],
      },
      /device.interlock\[1\].relays: "pump" is already in device.interlock\[0\]/,
    ],
  ])("refuses %j", (extra, message) => {
    expect(() => validateConfig(device(extra))).toThrow(message);
  });

  it("fills the defaults, and the device accepts what the host accepted", () => {
    const config = validateConfig(
      device({
        relays: { pump: { mode: "switch" } },
        inputs: { closed: {}, open: {}, sense: { action: "pulse" } },
        cover: { closed: "closed", open: "open" },
        telemetry: { analog: { pin: "sense" }, temperature: { pin: "probe" } },
        interlock: [{ relays: ["relay", "pump"] }],
      }),
    );
    expect(config.device.inputs).toEqual({
      closed: { pull: "up", debounceMs: 50 },
      open: { pull: "up", debounceMs: 50 },
      sense: { pull: "none", debounceMs: 50, action: "pulse" },
    });
    expect(config.device.cover).toEqual({ relay: "relay", closed: "closed", open: "open", travelMs: 30000 });
    expect(config.device.telemetry).toEqual({
      periodMs: 60000,
      minIntervalMs: 5000,
      analog: { pin: "sense", scale: 1, offset: 0, threshold: 0.01, sampleMs: 1000 },
      temperature: { pin: "probe", threshold: 0.5, sampleMs: 10000 },
    });
    expect(config.device.interlock).toEqual([{ relays: ["relay", "pump"], deadTimeMs: 500 }]);
    expect(checkProfile(config.device)).toBeUndefined();
  });

  it("keeps today's single-relay profiles valid, without any of the new sections", () => {
    const config = validateConfig({ ...base, device: { ...base.device, inputs: undefined, cover: undefined } });
    expect(config.device.inputs).toBeUndefined();
    expect(checkProfile(config.device)).toBeUndefined();
  });
});
