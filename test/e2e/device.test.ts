// End to end: the built dist/latchkey.js in the simulated ESP32, over mutual TLS, against the
// real Mosquitto and, separately, the embedded broker, with certificates made at test time.
import type mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PinEvent } from "../../scripts/sim/pins.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { collect, connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { signer, verifiedReports, verifiedResults } from "../support/signed.ts";
import { bootDevice, builtBundle, e2eProfile, WIFI } from "../support/sim.ts";
import { deviceStorageFiles } from "../../scripts/lib/provision.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
/** The relay pin of e2eProfile (test/support/profile.ts): D23, no pull at reset. */
const RELAY = "D23";
const BROKERS = [
  { name: "Mosquitto", embedded: false, skip: mosquittoMissing() },
  { name: "embedded broker", embedded: true, skip: false },
];

const relayDrives = (device: SimulatedDevice, pin = RELAY) =>
  device.pins.history.filter((e: PinEvent) => e.pin === pin && e.kind === "drive");
/** Every event that left `pin` at the relay's on level (HIGH for active high), pulls included. */
const onLevelEvents = (device: SimulatedDevice, pin: string, activeHigh: boolean) =>
  device.pins.history.filter((e: PinEvent) => e.pin === pin && e.high === activeHigh);
const count = (device: SimulatedDevice, pattern: RegExp) => device.lines.filter((l) => pattern.test(l)).length;

for (const { name, embedded, skip } of BROKERS) {
  describe.skipIf(skip)(`simulated device against the ${name}`, () => {
    let pki: TestPki;
    let broker: Broker | undefined;
    let door2Files: Record<string, string>;
    const devices: SimulatedDevice[] = [];
    const clients: mqtt.MqttClient[] = [];
    printLogOnFailure(() => [broker]);
    afterEach((context) => {
      if (context.task.result?.state === "fail")
        devices.forEach((d) => console.error(`--- device log ---\n${d.lines.join("\n")}`));
      devices.splice(0).forEach((d) => d.powerOff());
      clients.splice(0).forEach((c) => c.end(true));
    });

    beforeAll(async () => {
      await builtBundle();
      pki = await makeTestPki();
      await pki.issue("device", "door-1");
      await pki.issue("device", "door-2");
      // A board flashed while its certificate was still good.
      door2Files = deviceStorageFiles(e2eProfile(0, { id: "door-2" }), pki.stateDir, WIFI, await builtBundle());
      await pki.revoke("door-2");
      await pki.issue("hub", "hub");
      broker = await startProjectBroker(pki.stateDir, "latchkey", embedded);
    });
    afterAll(async () => broker?.stop());

    const hub = async () => {
      const client = await connectTls(broker!.port, pki.credentials("hub", "hub"));
      clients.push(client);
      return client;
    };
    /** The hub's signed commands to door-1. */
    const door1 = (client: mqtt.MqttClient) => signer(client, pki.stateDir, "latchkey", "door-1");
    const boot = async (profile = e2eProfile(broker!.port), provisioned?: Record<string, string>) => {
      const device = await bootDevice(pki.stateDir, profile, {}, provisioned);
      devices.push(device);
      return device;
    };

    it("switches the relay pin on signed commands, and reports the state signed", async () => {
      const device = await boot();
      await device.waitFor(/MQTT connected/);
      const h = await hub();
      const cmd = door1(h);
      const seen = await verifiedReports(h, cmd.key, `${T}/relay/state`);
      const results = await verifiedResults(h, cmd.key, `${T}/relay/set`);
      await until("the retained OFF", () => seen.includes("OFF"));
      expect(await cmd.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
      expect(device.pins.level(RELAY)).toBe(true);
      await until("the ON state", () => seen.includes("ON"));
      expect(await cmd.send("OFF")).toEqual({ accepted: true, detail: "relay OFF" });
      expect(device.pins.level(RELAY)).toBe(false);
      expect(await cmd.send("OPEN SESAME")).toEqual({
        accepted: false,
        detail: "unknown command 'OPEN SESAME' (ON, OFF or PULSE)",
      });
      // The old unsigned command is refused, and the refusal is reported, signed.
      await h.publishAsync(`${T}/relay/set`, "ON", { qos: 1 });
      await until("the refusal", () => results.includes("refused unsigned command"));
      expect(seen.filter((v) => v.startsWith("FORGED"))).toEqual([]);
      expect(relayDrives(device).map((e) => e.high)).toEqual([false, true, false]);
    });

    it("publishes availability, and its last will when the link dies without a goodbye", async () => {
      const h = await hub();
      const seen = await collect(h, `${T}/availability`);
      const device = await boot();
      await until("online", () => seen.includes(`${T}/availability online`));
      device.powerOff();
      await until("the will", () => seen.at(-1) === `${T}/availability offline`, 15000);
    });

    it("reconnects and re-subscribes after the broker restarts, and re-publishes its retained state", async () => {
      const device = await boot();
      await device.waitFor(/MQTT connected/);
      let h = await hub();
      expect(await door1(h).send("ON")).toMatchObject({ accepted: true });
      expect(device.pins.level(RELAY)).toBe(true);
      clients.splice(0).forEach((c) => c.end(true));
      await broker!.stop();
      await device.waitFor(/MQTT down: /);
      await broker!.start();
      await until("the reconnect", () => count(device, /MQTT connected/) === 2, 15000);
      h = await hub();
      const seen = await verifiedReports(h, door1(h).key, `${T}/relay/state`);
      await until("the retained ON from before the restart", () => seen.includes("ON"));
      expect(await door1(h).send("OFF")).toMatchObject({ accepted: true });
      expect(device.pins.level(RELAY)).toBe(false);
    });

    it("rides out a Wi-Fi outage and recovers on its own", async () => {
      const device = await boot();
      await device.waitFor(/MQTT connected/);
      device.wifiDown();
      await device.waitFor(/Wi-Fi lost/);
      await device.waitFor(/MQTT down: /);
      await device.waitFor(/Wi-Fi join failed \(no_ap_found\); retry in/);
      device.wifiUp();
      await until("Wi-Fi back", () => count(device, /Wi-Fi joined/) === 2, 15000);
      await until("MQTT back", () => count(device, /MQTT connected/) === 2, 15000);
      const h = await hub();
      expect(await door1(h).send("ON")).toMatchObject({ accepted: true });
      expect(device.pins.level(RELAY)).toBe(true);
    });

    it("is refused with a revoked certificate: a clear reason and a growing wait, never a crash loop", async () => {
      const device = await boot(e2eProfile(broker!.port, { id: "door-2" }), door2Files);
      await until("three refusals", () => count(device, /MQTT down: TLS handshake failed/) >= 3, 20000);
      const delays = device.lines
        .filter((l) => /MQTT down: TLS handshake failed/.test(l))
        .map((l) => Number(/retry in ([\d.]+) s/.exec(l)![1]));
      // The first failed handshake is retried as a lost link, in [baseMs, 2 baseMs) (0.3 s
      // here); from the second in a row, refusal waits are in [ceiling/2, ceiling) with the
      // ceiling doubling from refusedMs (1 s here). The log prints tenths of a second, so the
      // upper bounds are inclusive.
      const windows = [
        [0.3, 0.6],
        [0.5, 1],
        [1, 2],
      ];
      windows.forEach(([low, high], i) => {
        expect(delays[i]).toBeGreaterThanOrEqual(low);
        expect(delays[i]).toBeLessThanOrEqual(high);
      });
      expect(device.reboots).toBe(0);
      expect(device.lines.filter((l) => l.startsWith("Uncaught"))).toEqual([]);
      expect(relayDrives(device).every((e) => e.high === false)).toBe(true);
    });

    it("never puts the relay at its on level while booting or rebooting, Espruino's boot pull-ups included", async () => {
      // An active-low board on D26: Espruino pulls D26 up at init (HIGH = off here), then the
      // firmware writes the off level before making it an output.
      const device = await boot(e2eProfile(broker!.port, { pins: { relay: { pin: "D26", activeLow: true } } }));
      await device.waitFor(/MQTT connected/);
      device.reboot();
      await until("the second boot", () => count(device, /MQTT connected/) === 2);
      expect(onLevelEvents(device, "D26", false)).toEqual([]);
      const relay = device.pins.history.filter((e) => e.pin === "D26");
      expect(relay.filter((e) => e.kind === "drive")).toHaveLength(2);
      // Each boot: pulled up at init, then the off level written before the pin is an output.
      const firstDrives = relay.filter((e, i) => e.kind === "drive" && relay[i - 1]?.kind === "reset");
      expect(firstDrives.map((e) => `${e.kind} ${e.high}`)).toEqual(["drive true", "drive true"]);
    });

    it("shows an active-high relay on D26 pulled ON from reset until the firmware runs (why the host refuses it)", async () => {
      const device = await boot(e2eProfile(broker!.port, { pins: { relay: { pin: "D26", activeLow: false } } }));
      await device.waitFor(/relay off \(safe level\)/);
      const on = onLevelEvents(device, "D26", true);
      expect(on.map((e) => `${e.kind} ${e.mode}`)).toEqual(["reset input_pullup"]);
    });
  });
}
