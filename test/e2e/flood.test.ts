// Floods on the real Mosquitto: 2,000 nonce/get from an operator (any operator may write it)
// while the hub sends one genuine command. The device publishes at most one nonce per
// NONCE_GAP_MS and re-sends the live one to requests close together, so the flood neither
// fills its in-flight store nor replaces the nonce under the genuine command, which gets its
// result. And 2,000 forged commands, whose refusals fill the store: the genuine command's
// result waits for room instead of being dropped.
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing } from "../support/broker.ts";
import { collect, connectTls } from "../support/pki.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, cleanUpAfterEach, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
const FLOOD = 2000;

describe.skipIf(mosquittoMissing())("a flood of nonce requests", () => {
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
    ["user", "mallory"],
  ]);
  cleanUpAfterEach(devices, clients);

  it("does not starve a genuine command of its nonce or its result", async () => {
    const device = await bootDevice(world.pki.stateDir, e2eProfile(world.broker.port));
    devices.push(device);
    await device.waitFor(/MQTT connected/);
    const hub = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
    const mallory = await connectTls(world.broker.port, world.pki.credentials("user", "mallory"));
    clients.push(hub, mallory);
    const since = Date.now();
    const nonces = await collect(hub, `${T}/nonce`);
    const cmd = signer(hub, world.pki.stateDir, "latchkey", "door-1");
    let flooded = 0;
    const flood = (async () => {
      for (let i = 0; i < FLOOD; i++) {
        mallory.publish(`${T}/nonce/get`, "", { qos: 0 });
        flooded++;
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
    })();
    await until("the flood under way", () => flooded >= 200);
    const result = await cmd.send("ON");
    await flood;
    expect(result).toEqual({ accepted: true, detail: "relay ON" });
    const seconds = (Date.now() - since) / 1000;
    // One nonce per gap at most (plus the CONNACK's), however many were asked for.
    expect(nonces.length).toBeLessThanOrEqual(2 + Math.ceil(seconds / 0.5) + 2);
    expect(device.lines.filter((l) => /dropped/.test(l))).toEqual([]);
  }, 60000);

  it("keeps a genuine command's result while 2,000 forged commands fill the in-flight store", async () => {
    const device = await bootDevice(world.pki.stateDir, e2eProfile(world.broker.port));
    devices.push(device);
    await device.waitFor(/MQTT connected/);
    const hub = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
    const mallory = await connectTls(world.broker.port, world.pki.credentials("user", "mallory"));
    clients.push(hub, mallory);
    const cmd = signer(hub, world.pki.stateDir, "latchkey", "door-1");
    let flooded = 0;
    const flood = (async () => {
      for (let i = 0; i < FLOOD; i++) {
        mallory.publish(`${T}/relay/set`, `{"cmd":"ON","nonce":"${"0".repeat(16)}","mac":"${"0".repeat(64)}"}`, {
          qos: 0,
        });
        flooded++;
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
    })();
    await until("the flood under way", () => flooded >= 200);
    const result = await cmd.send("ON");
    await flood;
    expect(result).toEqual({ accepted: true, detail: "relay ON" });
    expect(device.pins.level("D23")).toBe(true);
    // The refusals that found no room were counted and logged, never silently lost.
    const dropped = device.lines.filter((l) => /results dropped: /.test(l));
    console.log(`forged-command flood: ${dropped.at(-1) ?? "no result dropped"}`);
  }, 60000);
});
