// A compromised broker (it holds the broker key: the hub and the device both trust it) against
// one operator action. It hides a result and replays the command to provoke a genuine
// refusal, holds a second command past the lockout, or answers the host's command with the
// device's refusal of a forgery it made from it. One action is at most one press, and the host
// reports what the device did with ITS command: results are bound to the command's MAC.
import type mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { compromisedBroker, type CompromisedBroker } from "../support/compromised-broker.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import { makeTestPki, connectTls, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, builtBundle, cleanUpAfterEach, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";
import { afterEach, beforeAll } from "vitest";

const T = "latchkey/door-1";
const SET = `${T}/relay/set`;
const RESULT = `${T}/result`;
const RELAY = "D23";
const PULSE_MS = 300;
const LOCKOUT_MS = 1000;

describe("a compromised broker and one operator action", () => {
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  const brokers: CompromisedBroker[] = [];
  const hubs: Hub[] = [];
  let pki: TestPki;
  cleanUpAfterEach(devices, clients);
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((h) => h.stop()));
    await Promise.all(brokers.splice(0).map((b) => b.close()));
  });
  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
  }, 60000);

  const start = async (relay: Parameters<typeof relayBehaviour>[0]) => {
    const broker = await compromisedBroker(pki);
    brokers.push(broker);
    const device = await bootDevice(pki.stateDir, e2eProfile(broker.port, { relay: relayBehaviour(relay) }));
    devices.push(device);
    await device.waitFor(/MQTT connected/);
    const hub = await connectTls(broker.port, pki.credentials("hub", "hub"));
    clients.push(hub);
    return { broker, device, cmd: signer(hub, pki.stateDir, "latchkey", "door-1") };
  };
  const presses = (device: SimulatedDevice) =>
    device.pins.history.filter((e, i, all) => {
      if (e.pin !== RELAY || e.kind !== "drive" || !e.high) return false;
      const before = all.slice(0, i).filter((p) => p.pin === RELAY && p.kind === "drive");
      return before.at(-1)?.high !== true;
    }).length;

  it("hides the result and replays the command: the host learns it was done and the relay presses once", async () => {
    const { broker, device, cmd } = await start({ mode: "pulse", pulseMs: PULSE_MS, lockoutMs: LOCKOUT_MS });
    let first: string | undefined;
    let hidden = false;
    broker.setPolicy((to, topic, payload) => {
      if (topic === SET && to === "door-1") {
        if (first === undefined) {
          first = payload;
          return true;
        }
        // Any later command: held until the lockout is over, then delivered.
        setTimeout(() => void broker.inject(SET, payload), LOCKOUT_MS + 300);
        return false;
      }
      if (topic === RESULT && !hidden) {
        hidden = true;
        setTimeout(() => void broker.inject(SET, first!), 50);
        return false;
      }
      return true;
    });
    const result = await cmd.send("PULSE");
    expect(result).toEqual({ accepted: true, detail: `relay pulsed for ${PULSE_MS} ms` });
    // Long enough for a held second command to be delivered after the lockout and obeyed.
    await new Promise((r) => setTimeout(r, LOCKOUT_MS + 1500));
    expect(presses(device)).toBe(1);
    expect(broker.published.filter((p) => p.topic === SET)).toHaveLength(1);
  }, 30000);

  /** Holds the host's command, sends the device a forgery with its nonce, lets the signed
   *  refusal through to the host, then delivers the genuine command. */
  const forgeRefusal = (broker: CompromisedBroker) => {
    let genuine: string | undefined;
    let forgedResult = false;
    broker.setPolicy((to, topic, payload) => {
      if (topic === SET && to === "door-1" && genuine === undefined) {
        genuine = payload;
        const { nonce } = JSON.parse(payload) as { nonce: string };
        void broker.inject(SET, JSON.stringify({ cmd: "ON", nonce, mac: "0".repeat(64) }));
        return false;
      }
      if (topic === RESULT && !forgedResult) {
        // The device's signed refusal of the forgery goes to the host; then the genuine command.
        forgedResult = true;
        setTimeout(() => void broker.inject(SET, genuine!), 200);
      }
      return true;
    });
  };

  it("answers the host's command with the refusal of a forgery made from it: the host does not take it for its result", async () => {
    const { broker, device, cmd } = await start({ mode: "switch", pulseMs: PULSE_MS });
    forgeRefusal(broker);
    const result = await cmd.send("ON");
    await until("the relay on", () => device.pins.level(RELAY) === true);
    expect(result).toEqual({ accepted: true, detail: "relay ON" });
  }, 30000);

  it("the hub audits the device's answer to its own command, not the refusal of the forgery", async () => {
    const broker = await compromisedBroker(pki);
    brokers.push(broker);
    const profile = e2eProfile(broker.port, { relay: relayBehaviour({ mode: "switch" }) });
    const device = await bootDevice(pki.stateDir, profile);
    devices.push(device);
    const hub = await startHub({
      stateDir: pki.stateDir,
      profiles: [profile],
      broker: { host: "127.0.0.1", port: broker.port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
    });
    hubs.push(hub);
    await hub.ready;
    await until("the device's verified state", () => hub.states.view("door-1")!.values.relay?.value === "OFF");
    forgeRefusal(broker);
    const outcome = await hub.commander.command({
      who: "alice",
      via: "web",
      device: "door-1",
      entity: "relay",
      cmd: "ON",
    });
    expect(outcome).toEqual({ accepted: true, detail: "relay ON" });
    expect(device.pins.level(RELAY)).toBe(true);
    const results = hub.audit.recent(20).filter((r) => r.phase === "result");
    expect(results.map((r) => [r.who, r.accepted, r.detail])).toEqual([["alice", true, "relay ON"]]);
    // The record names the signed command the device obeyed.
    const obeyed = broker.published.filter((p) => p.topic === SET && p.from !== "door-1").at(-1)!;
    expect(results[0].mac).toBe((JSON.parse(obeyed.payload) as { mac: string }).mac);
  }, 30000);
});
