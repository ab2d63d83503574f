// Broker failover, end to end: the built bundle in the simulated ESP32 with a profile listing
// two Mosquitto brokers of the same CA. A relay-safety case from relay-safety.test.ts (the
// broker goes away in the middle of a pulse) with the failover in the middle: the pulse still
// ends on time, the device keeps one session and takes signed commands through the next broker,
// and nothing extra moves the relay.
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAsHub } from "../../scripts/lib/hub.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, builtBundle, cleanUpAfterEach, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const RELAY = "D23";
const drives = (device: SimulatedDevice) =>
  device.pins.history.filter((e) => e.pin === RELAY && e.kind === "drive").map((e) => ({ t: e.t, high: e.high }));
const highs = (device: SimulatedDevice) => drives(device).filter((d) => d.high).length;

describe.skipIf(mosquittoMissing())("a device with two brokers", () => {
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  let pki: TestPki;
  let first: Broker;
  let second: Broker;
  printLogOnFailure(() => [first, second]);
  cleanUpAfterEach(devices, clients);
  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
    first = await startProjectBroker(pki.stateDir, "latchkey", false);
    second = await startProjectBroker(pki.stateDir, "latchkey", false);
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
  });
  const hub = async (broker: Broker) => {
    const client = await connectTls(broker.port, pki.credentials("hub", "hub"));
    clients.push(client);
    return signer(client, pki.stateDir, "latchkey", "door-1");
  };

  it("ends a pulse on time across a failover, then obeys through the next broker", async () => {
    const profile = e2eProfile(first.port, {
      relay: relayBehaviour({ mode: "pulse", pulseMs: 1500, lockoutMs: 0 }),
      failover: [{ host: "127.0.0.1", port: second.port }],
    });
    const device = await bootDevice(pki.stateDir, profile);
    devices.push(device);
    await device.waitFor(new RegExp(`MQTT connected to 127\\.0\\.0\\.1:${first.port}`));
    expect(await (await hub(first)).send("ON")).toMatchObject({ accepted: true });
    await until("the pulse", () => highs(device) === 1);
    const from = device.lines.length;
    await first.stop();
    await device.waitFor(new RegExp(`MQTT connected to 127\\.0\\.0\\.1:${second.port}`), 20000, from);
    await until("the end of the pulse", () => drives(device).at(-1)?.high === false, 5000);
    const [on, off] = drives(device).slice(-2);
    expect(off!.t - on!.t).toBeGreaterThanOrEqual(1450);
    expect(off!.t - on!.t).toBeLessThan(3000);
    // One session: a single "connected" since the loss, and the relay pulsed once.
    expect(device.lines.slice(from).filter((l) => /MQTT connected/.test(l))).toHaveLength(1);
    expect(highs(device)).toBe(1);
    expect(await (await hub(second)).send("ON")).toMatchObject({ accepted: true });
    await until("the second pulse", () => highs(device) === 2);
    await until("its end", () => drives(device).at(-1)?.high === false, 5000);
    expect(highs(device)).toBe(2);
    await first.start();
  });

  it("a host tool takes the same list: the first broker down, it connects to the next", async () => {
    await first.stop();
    try {
      const client = await connectAsHub(pki.stateDir, "127.0.0.1", first.port, false, [
        { host: "127.0.0.1", port: second.port },
      ]);
      clients.push(client);
      expect(client.connected).toBe(true);
      expect(client.options.port).toBe(second.port);
    } finally {
      await first.start();
    }
  });
});
