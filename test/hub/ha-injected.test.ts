// A compromised broker (running with the project's own broker key, enforcing no ACL) lets a
// client it admits inject
// Home Assistant's command `ON` on `latchkey-ha/door-1/relay/set`. The hub must never turn a
// message the main broker could have forged into a signed command: Home Assistant talks to the
// hub's own endpoint, and with no `ha` identity the hub opens no Home Assistant path at all.
// The simulated device runs the built bundle against that broker; nothing may move.
import type mqtt from "mqtt";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runEmbedded, type EmbeddedBroker } from "../../scripts/broker/embedded.ts";
import { freePort } from "../../scripts/broker/mosquitto.ts";
import { writeBrokerPolicy } from "../../scripts/broker/policy.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { bootDevice, builtBundle, cleanUpAfterEach, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

/** The broker's own key and certificate, and an ACL that lets every identity do anything. */
async function compromisedBroker(pki: TestPki, port: number, users: string[]): Promise<EmbeddedBroker> {
  const files = await writeBrokerPolicy(pki.stateDir, "latchkey", { host: "127.0.0.1", port });
  const aclText = users.map((u) => `user ${u}\ntopic readwrite #\n`).join("\n");
  return runEmbedded({ ...files, aclText }, { host: "127.0.0.1", port }, () => undefined);
}

describe("a command the broker injects on Home Assistant's topic", () => {
  let pki: TestPki;
  let rogue: EmbeddedBroker | undefined;
  let hub: Hub | undefined;
  const devices: SimulatedDevice[] = [];
  const clients: mqtt.MqttClient[] = [];
  cleanUpAfterEach(devices, clients);
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
    await rogue?.close();
    rogue = undefined;
  });

  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await pki.issue("device", "intruder");
    await pki.issue("hub", "hub");
  });

  async function attack(): Promise<void> {
    const port = await freePort();
    rogue = await compromisedBroker(pki, port, ["hub", "door-1", "intruder"]);
    const profile = e2eProfile(port, { relay: relayBehaviour({ mode: "switch" }) });
    const device = await bootDevice(pki.stateDir, profile);
    devices.push(device);
    hub = await startHub({
      stateDir: pki.stateDir,
      profiles: [profile],
      broker: { host: "127.0.0.1", port },
      web: { host: "127.0.0.1", port: 0 },
      homeAssistant: { host: "127.0.0.1", port: 0, allow: { "door-1": { relay: ["ON", "OFF"] } } },
      version: "0.0.0-test",
    });
    await hub.ready;
    await until("the device's verified state", () => hub!.states.view("door-1")!.values.relay?.value === "OFF");
    // The injector: another device, which the compromised broker lets write anything.
    const injector = await connectTls(port, pki.credentials("device", "intruder"), "intruder");
    clients.push(injector);
    await injector.publishAsync("latchkey-ha/door-1/relay/set", "ON", { qos: 1 });
    await injector.publishAsync("latchkey-ha/door-1/relay/set", "ON", { qos: 1, retain: false, dup: true });
    // A command the hub does send, after the injection, proves the injection had its chance:
    // the hub handles one device's commands in order.
    await hub.commander.command({ who: "test", via: "web", device: "door-1", entity: "relay", cmd: "OFF" });
    const drives = device.pins.history.filter((e) => e.pin === "D23" && e.kind === "drive" && e.high);
    expect(drives).toEqual([]);
    expect(hub.audit.recent(50).filter((r) => r.who !== "test")).toEqual([]);
  }

  it("moves nothing and is not signed, when an `ha` identity exists", async () => {
    await pki.issue("ha", "ha");
    await attack();
    expect(hub!.homeAssistant).toBeDefined();
  }, 60000);

  it("with no `ha` identity, the hub opens no Home Assistant path at all", async () => {
    const fresh = await makeTestPki();
    await fresh.issue("device", "door-1");
    await fresh.issue("device", "intruder");
    await fresh.issue("hub", "hub");
    const saved = pki;
    pki = fresh;
    try {
      await attack();
      expect(hub!.homeAssistant).toBeUndefined();
    } finally {
      pki = saved;
    }
  }, 60000);
});
