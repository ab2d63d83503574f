// Home Assistant through the hub, on a real Mosquitto with the simulated device: a client with
// the `ha` identity sees discovery, re-discovery after its birth message, commands the relay
// through the hub (signed by the hub, audited as "ha"), and cannot reach the device itself: an
// unsigned message on the device's own topic moves nothing. A profile that loses a device
// loses its entities at the next hub start.
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { verifiedResults } from "../support/signed.ts";
import { bootDevice, builtBundle, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

describe.skipIf(mosquittoMissing())("Home Assistant through the hub", () => {
  let pki: TestPki;
  let broker: Broker | undefined;
  let hub: Hub | undefined;
  let device: SimulatedDevice | undefined;
  let door: DeviceProfile;
  let pump: DeviceProfile;
  const clients: mqtt.MqttClient[] = [];
  /** Every message Home Assistant's client got, latest value per topic ("" = deleted). */
  const retained = new Map<string, string>();
  let ha: mqtt.MqttClient;
  printLogOnFailure(() => [broker]);

  const start = (profiles: DeviceProfile[]) =>
    startHub({
      stateDir: pki.stateDir,
      profiles,
      broker: { host: "127.0.0.1", port: broker!.port },
      web: { host: "127.0.0.1", port: 0 },
      version: "0.0.0-test",
      rediscoverMaxMs: 300,
    });
  const relayHigh = () => device!.pins.history.filter((e) => e.pin === "D23" && e.kind === "drive").at(-1)?.high;

  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    for (const id of ["door-1", "pump-1"]) await pki.issue("device", id);
    await pki.issue("hub", "hub");
    await pki.issue("ha", "ha");
    broker = await startProjectBroker(pki.stateDir, "latchkey", false);
    door = e2eProfile(broker.port, { relay: relayBehaviour({ mode: "switch" }) });
    pump = e2eProfile(broker.port, { id: "pump-1" });
    device = await bootDevice(pki.stateDir, door);
    hub = await start([door, pump]);
    await hub.ready;
    ha = await connectTls(broker.port, pki.credentials("ha", "ha"), "home-assistant");
    clients.push(ha);
    ha.on("message", (topic, payload) => retained.set(topic, payload.toString()));
    await ha.subscribeAsync(["homeassistant/#", "latchkey-ha/#"], { qos: 1 });
  });
  afterAll(async () => {
    clients.splice(0).forEach((c) => c.end(true));
    device?.powerOff();
    await hub?.stop();
    await broker?.stop();
  });

  it("publishes discovery for every device and sends it again after Home Assistant's birth", async () => {
    await until("discovery for both devices", () =>
      ["door-1", "pump-1"].every((d) => retained.has(`homeassistant/switch/latchkey_${d}/relay/config`)),
    );
    const config = JSON.parse(retained.get("homeassistant/switch/latchkey_door-1/relay/config")!) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      command_topic: "latchkey-ha/door-1/relay/set",
      state_topic: "latchkey-ha/door-1/relay/state",
    });
    await until("the hub's availability", () => retained.get("latchkey-ha/availability") === "online");
    await until("the device's verified state mirrored", () => retained.get("latchkey-ha/door-1/relay/state") === "OFF");
    const rounds = hub!.bridge.rounds;
    await ha.publishAsync("homeassistant/status", "online", { qos: 1 });
    await until("discovery again", () => hub!.bridge.rounds > rounds, 5000);
  });

  it("forwards Home Assistant's ON and OFF as signed commands: the simulated relay moves", async () => {
    await ha.publishAsync("latchkey-ha/door-1/relay/set", "ON", { qos: 1 });
    await until("the relay pin HIGH", () => relayHigh() === true, 10000);
    await until("Home Assistant to see ON", () => retained.get("latchkey-ha/door-1/relay/state") === "ON");
    await ha.publishAsync("latchkey-ha/door-1/relay/set", "OFF", { qos: 1 });
    await until("the relay pin LOW", () => relayHigh() === false, 10000);
    await until("Home Assistant to see OFF", () => retained.get("latchkey-ha/door-1/relay/state") === "OFF");
    await until("the audit of both", () => hub!.audit.recent(10).filter((r) => r.phase === "result").length >= 2);
    const results = hub!.audit.recent(10).filter((r) => r.phase === "result");
    expect(results.slice(0, 2).map((r) => [r.who, r.via, r.device, r.cmd, r.accepted])).toEqual([
      ["ha", "home-assistant", "door-1", "OFF", true],
      ["ha", "home-assistant", "door-1", "ON", true],
    ]);
    await until("the last result mirrored", () =>
      /^OFF by ha: done/.test(retained.get("latchkey-ha/door-1/last_result/state") ?? ""),
    );
  });

  it("never lets an unsigned message move the relay, from Home Assistant or even the hub's identity", async () => {
    const hubClient = await connectTls(broker!.port, pki.credentials("hub", "hub"), "hub-test");
    clients.push(hubClient);
    const key = (await import("../../scripts/lib/signing.ts")).readCommandKey(pki.stateDir, "door-1");
    const results = await verifiedResults(hubClient, key, "latchkey/door-1/relay/set");
    const drives = device!.pins.history.length;
    // Home Assistant may not write the device's topic at all (the broker drops it)...
    await ha.publishAsync("latchkey/door-1/relay/set", "ON", { qos: 1 });
    // ...and the hub's identity may, but the device refuses what is not signed.
    await hubClient.publishAsync("latchkey/door-1/relay/set", "ON", { qos: 1 });
    await until("the device's refusal", () => results.some((r) => r.startsWith("refused")));
    expect(results).toHaveLength(1);
    expect(relayHigh()).toBe(false);
    expect(device!.pins.history.slice(drives).filter((e) => e.pin === "D23" && e.high)).toEqual([]);
  });

  it("refuses a word the entity does not take, and audits it", async () => {
    const before = hub!.audit.recent(50).length;
    await ha.publishAsync("latchkey-ha/door-1/relay/set", "OPEN", { qos: 1 });
    await until("the refusal of OPEN", () => hub!.audit.recent(50).length > before);
    expect(hub!.audit.recent(1)[0]).toMatchObject({ who: "ha", cmd: "OPEN", phase: "denied", accepted: false });
    expect(relayHigh()).toBe(false);
  });

  it("removes the entities of a device the profiles no longer have, and keeps the audit", async () => {
    const audit = hub!.audit.recent(50);
    await hub!.stop();
    await until("the hub's will or goodbye", () => retained.get("latchkey-ha/availability") === "offline");
    // A command left retained while the hub was away reaches it flagged retained at
    // subscription [MQTT-3.3.1-8]: it is never obeyed.
    await ha.publishAsync("latchkey-ha/door-1/relay/set", "ON", { qos: 1, retain: true });
    hub = await start([door]);
    await hub.ready;
    await until("the hub to see the retained command", () => hub!.bridge.ignoredRetained === 1);
    await ha.publishAsync("latchkey-ha/door-1/relay/set", "", { qos: 1, retain: true });
    await until(
      "pump-1's entities deleted",
      () => retained.get("homeassistant/switch/latchkey_pump-1/relay/config") === "",
    );
    expect(retained.get("homeassistant/sensor/latchkey_pump-1/verification/config")).toBe("");
    expect(retained.get("homeassistant/switch/latchkey_door-1/relay/config")).not.toBe("");
    expect(hub.audit.recent(50)).toEqual(audit);
    expect(relayHigh()).toBe(false);
  });
});
