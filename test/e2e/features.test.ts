// End to end on Mosquitto: the built bundle in the simulated ESP32 with reed switches, a
// button, two interlocked relays, a OneWire bus and a flapping input, over mutual TLS with
// certificates made at test time.
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import type { SimOptions, SimulatedDevice } from "../../scripts/sim/device.ts";
import { SimDs18b20, SimOneWireBus } from "../../scripts/sim/onewire.ts";
import type { PinEvent } from "../../scripts/sim/pins.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { collect } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { signer } from "../support/signed.ts";
import { e2eProfile, projectWorld } from "../support/sim.ts";
import { verifyReport } from "../../scripts/lib/signing.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const drives = (device: SimulatedDevice, pin: string) =>
  device.pins.history.filter((e: PinEvent) => e.pin === pin && e.kind === "drive");
/** The last verified value of the signed report on `<T>/<topic>` ("FORGED" if one fails). */
function reports(client: mqtt.MqttClient, key: Buffer): Promise<(topic: string) => string | undefined> {
  const latest: Record<string, string> = {};
  client.on("message", (topic, payload) => {
    if (!topic.endsWith("/state")) return;
    const report = verifyReport(key, topic, payload);
    latest[topic.slice(T.length + 1)] = report.ok ? report.value : `FORGED: ${report.error}`;
  });
  return client.subscribeAsync(`${T}/+/state`, { qos: 1 }).then(() => (topic: string) => latest[topic]);
}

describe.skipIf(mosquittoMissing())("device features against Mosquitto", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
  ]);

  const hub = world.hub;
  const boot = (overrides: Partial<DeviceProfile>, options: Partial<SimOptions> = {}) =>
    world.boot(e2eProfile(world.broker.port, overrides), options);

  it("garage: a full cycle on reed switches, a travel timeout, and both switches active", async () => {
    const h = await hub();
    const s = signer(h, world.pki.stateDir, "latchkey", "door-1");
    const last = await reports(h, s.key);
    const device = await boot({
      pins: {
        relay: { pin: "D23", activeLow: false },
        closed: { pin: "D27", activeLow: true },
        open: { pin: "D26", activeLow: true },
      },
      relay: relayBehaviour({ mode: "pulse", pulseMs: 300, lockoutMs: 300 }),
      inputs: { closed: { pull: "up", debounceMs: 50 }, open: { pull: "up", debounceMs: 50 } },
      cover: { relay: "relay", closed: "closed", open: "open", travelMs: 2500 },
    });
    // The door is shut: the closed reed pulls its pin low.
    device.pins.drive("D27", false);
    device.pins.drive("D26", true);
    await device.waitFor(/MQTT connected/);
    await until("closed at boot", () => last("cover/state") === "closed");
    const presses = () => drives(device, "D23").filter((e) => e.high).length;

    expect(await s.send("OPEN", "cover")).toEqual({ accepted: true, detail: "closed -> opening" });
    await until("the press", () => presses() === 1);
    await until("opening", () => last("cover/state") === "opening");
    device.pins.drive("D27", true);
    // The door travels for a second (longer than the relay's press and lockout).
    await sleep(1000);
    device.pins.drive("D26", false);
    await until("open", () => last("cover/state") === "open");
    expect(last("open/state")).toBe("ON");
    expect(await s.send("OPEN", "cover")).toEqual({ accepted: true, detail: "already open" });
    expect(presses()).toBe(1);

    // CLOSE, the door leaves the open switch and never reaches the closed one.
    await s.send("CLOSE", "cover");
    await until("closing", () => last("cover/state") === "closing");
    device.pins.drive("D26", true);
    await until("the travel timeout", () => last("cover/state") === "stopped", 10000);
    // The fault is its own report: wait for it rather than assume it came first.
    await until(
      "the travel timeout's fault",
      () => last("fault/state") === "travel timeout: the closed switch was not reached in 2500 ms",
    );
    device.pins.drive("D27", false);
    await until("closed at last", () => last("cover/state") === "closed");
    await until("the fault cleared", () => last("fault/state") === "none");

    // Both reeds active: a contradiction, reported, and no press on a guess.
    device.pins.drive("D26", false);
    await until("unknown", () => last("cover/state") === "unknown");
    await until(
      "the contradiction's fault",
      () => last("fault/state") === "both end switches active: check the reed switches",
    );
    expect(await s.send("OPEN", "cover")).toEqual({
      accepted: false,
      detail: "state unknown (both end switches active: check the reed switches): nothing pressed",
    });
    expect(presses()).toBe(2);
    expect(device.pins.level("D23")).toBe(false);
  });

  it("a button toggles the relay while the broker is down, and the state is reported when it is back", async () => {
    const device = await boot({
      pins: { relay: { pin: "D23", activeLow: false }, button: { pin: "D4", activeLow: true } },
      relay: relayBehaviour({ mode: "switch", linkLoss: "hold" }),
      inputs: { button: { pull: "up", debounceMs: 30, action: "toggle" } },
    });
    await device.waitFor(/MQTT connected/);
    await world.broker.stop();
    await device.waitFor(/MQTT down: /);
    const press = async () => {
      device.pins.drive("D4", false);
      await sleep(100);
      device.pins.drive("D4", true);
      await sleep(100);
    };
    await press();
    expect(device.pins.level("D23")).toBe(true);
    await press();
    expect(device.pins.level("D23")).toBe(false);
    await press();
    expect(device.pins.level("D23")).toBe(true);
    expect(device.lines.filter((l) => /input button: relay (ON|OFF)/.test(l)).length).toBe(3);
    await world.broker.start();
    await until("the reconnect", () => device.lines.filter((l) => /MQTT connected/.test(l)).length === 2, 20000);
    const h = await hub();
    const last = await reports(h, signer(h, world.pki.stateDir, "latchkey", "door-1").key);
    await until("the retained ON", () => last("relay/state") === "ON" && last("button/state") === "OFF");
  });

  it("interlock: a burst of commands on two relays never has both on, nor a gap under the dead time", async () => {
    const device = await boot({
      pins: { relay: { pin: "D23", activeLow: false }, pump: { pin: "D32", activeLow: false } },
      relay: relayBehaviour({ mode: "switch" }),
      relays: { pump: relayBehaviour({ mode: "switch" }) },
      interlock: [{ relays: ["relay", "pump"], deadTimeMs: 300 }],
    });
    await device.waitFor(/MQTT connected/);
    const h = await hub();
    const s = signer(h, world.pki.stateDir, "latchkey", "door-1");
    // Signed commands go one at a time (one live nonce), a few milliseconds apart: far
    // quicker than the dead time; a pause now and then lets a switch-on through.
    for (let i = 0; i < 60; i++) {
      await s.send("ON", i % 2 ? "pump" : "relay");
      if (i % 10 === 9) await sleep(400);
    }
    await until("all commands", () => device.lines.filter((l) => /command: relay ON/.test(l)).length === 60, 20000);
    await sleep(500);
    const events = device.pins.history.filter((e) => (e.pin === "D23" || e.pin === "D32") && e.kind === "drive");
    const on: Record<string, boolean> = {};
    let lastOff: PinEvent | undefined;
    let gaps = Infinity;
    for (const e of events) {
      if (e.high && !on[e.pin]) {
        expect(Object.entries(on).filter(([pin, high]) => pin !== e.pin && high)).toEqual([]);
        if (lastOff && lastOff.pin !== e.pin) gaps = Math.min(gaps, e.t - lastOff.t);
      }
      if (!e.high && on[e.pin]) lastOff = e;
      on[e.pin] = Boolean(e.high);
    }
    expect(events.filter((e) => e.high).length).toBeGreaterThanOrEqual(6);
    expect(gaps).toBeGreaterThanOrEqual(300);
  });

  it("telemetry: a missing DS18B20 is a clear error, and a sensor plugged in later is read", async () => {
    const device = await boot({
      pins: { relay: { pin: "D23", activeLow: false }, probe: { pin: "D4", activeLow: false } },
      telemetry: { periodMs: 2000, minIntervalMs: 500, temperature: { pin: "probe", threshold: 0.5, sampleMs: 1000 } },
    });
    const h = await hub();
    const seen = await collect(h, `${T}/telemetry`);
    const reports = () => seen.map((l) => JSON.parse(l.slice(T.length + 11)) as Record<string, unknown>);
    await until("an error report", () => reports().some((r) => typeof r.tempError === "string"), 15000);
    expect(reports().find((r) => r.tempError)!.tempError).toBe(
      "DS18B20 on D4: no sensor answered (no presence pulse: check the wiring and the 4.7 kOhm pull-up)",
    );
    expect(reports().every((r) => r.temp === undefined || r.temp === null)).toBe(true);
    const sensor = new SimDs18b20(() => Date.now());
    sensor.celsius = 19.75;
    (device.oneWire.D4 ??= new SimOneWireBus()).devices.push(sensor);
    await until("a temperature", () => reports().some((r) => r.temp === 19.75), 15000);
    expect(reports().at(-1)).toMatchObject({ vars: 16383, heap: 94000, rssi: -52, reconnects: 0 });
  });

  it("telemetry: a flapping input costs at most one report per minIntervalMs", async () => {
    const device = await boot({
      pins: { relay: { pin: "D23", activeLow: false }, window: { pin: "D4", activeLow: false } },
      inputs: { window: { pull: "down", debounceMs: 0 } },
      telemetry: { periodMs: 60000, minIntervalMs: 1000 },
    });
    await device.waitFor(/MQTT connected/);
    const h = await hub();
    const seen = await collect(h, `${T}/telemetry`);
    await sleep(1500);
    const before = seen.length;
    const started = Date.now();
    for (let i = 0; i < 400; i++) {
      device.pins.drive("D4", i % 2 === 0);
      if (i % 8 === 7) await sleep(20);
    }
    const flapMs = Date.now() - started;
    await sleep(1500);
    const during = seen.length - before;
    // One report per interval of the flapping, plus the one held to its end.
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(Math.ceil(flapMs / 1000) + 2);
  });

  it("telemetry: uptime is time since boot on a board whose clock is set, before and after it is set again", async () => {
    const device = await boot(
      { pins: { relay: { pin: "D23", activeLow: false } }, telemetry: { periodMs: 1000, minIntervalMs: 200 } },
      { clockAtBootMs: Date.now() },
    );
    const h = await hub();
    const seen = await collect(h, `${T}/telemetry`);
    const ups = () => seen.map((l) => (JSON.parse(l.slice(T.length + 11)) as { up: number }).up);
    await until("two reports", () => ups().length >= 2, 15000);
    const secondsSinceBoot = () => Math.ceil((Date.now() - device.started) / 1000);
    expect(Math.max(...ups())).toBeLessThanOrEqual(secondsSinceBoot());
    // SNTP sets the clock a year ahead: uptime goes on counting from boot.
    device.setClock(Date.now() + 365 * 24 * 3600 * 1000);
    const before = ups().length;
    await until("two more reports", () => ups().length >= before + 2, 15000);
    expect(Math.max(...ups())).toBeLessThanOrEqual(secondsSinceBoot());
  });
});
