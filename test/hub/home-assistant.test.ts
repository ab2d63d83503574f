// Home Assistant through the hub's own endpoint, with the simulated device on a real Mosquitto:
// a client with the `ha` identity, connected to the hub (never to the main broker), sees
// discovery, re-discovery after its birth message, commands the relay through the hub (signed
// by the hub, audited as "ha"), and is refused what the owner did not allow, a retained or
// re-delivered (DUP) command, and a command that arrives as its connection opens. The main
// broker refuses it outright. A profile that loses a device loses its entities, and the delete
// is sent again after a birth until it went out to Home Assistant.
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { startHub, type Hub } from "../../scripts/hub/hub.ts";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { freePort } from "../support/broker.ts";
import { relayBehaviour } from "../support/profile.ts";
import { verifiedResults } from "../support/signed.ts";
import { bootDevice, builtBundle, e2eProfile } from "../support/sim.ts";
import { until } from "../support/wait.ts";

/** A command this soon after Home Assistant's connection opened is refused (the test's hub). */
const SETTLE = 4000;

describe.skipIf(mosquittoMissing())("Home Assistant through the hub's own endpoint", () => {
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

  let haPort = 0;
  const start = (profiles: DeviceProfile[]) =>
    startHub({
      stateDir: pki.stateDir,
      profiles,
      broker: { host: "127.0.0.1", port: broker!.port },
      web: { host: "127.0.0.1", port: 0 },
      // The same port across the restart below, as a real hub's.
      homeAssistant: {
        host: "127.0.0.1",
        port: haPort,
        allow: { "door-1": { relay: ["ON", "OFF"] } },
        settleMs: SETTLE,
      },
      version: "0.0.0-test",
      rediscoverMaxMs: 300,
    });
  const connectHa = (clientId: string) => connectTls(hub!.homeAssistant!.port, pki.credentials("ha", "ha"), clientId);
  const denials = () => hub!.audit.recent(50).filter((r) => r.phase === "denied");
  const relayHigh = () => device!.pins.history.filter((e) => e.pin === "D23" && e.kind === "drive").at(-1)?.high;

  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki();
    for (const id of ["door-1", "pump-1"]) await pki.issue("device", id);
    await pki.issue("hub", "hub");
    // The owner's tools: a hub identity of their own (one connection per identity).
    await pki.issue("hub", "tools");
    await pki.issue("ha", "ha");
    broker = await startProjectBroker(pki.stateDir, "latchkey", false);
    door = e2eProfile(broker.port, { relay: relayBehaviour({ mode: "switch" }) });
    pump = e2eProfile(broker.port, { id: "pump-1" });
    device = await bootDevice(pki.stateDir, door);
    haPort = await freePort();
    hub = await start([door, pump]);
    await hub.ready;
    ha = await connectHa("home-assistant");
    const connectedAt = Date.now();
    clients.push(ha);
    ha.on("message", (topic, payload) => retained.set(topic, payload.toString()));
    await ha.subscribeAsync(["homeassistant/#", "latchkey-ha/#"], { qos: 1 });
    // Commands count only once the connection is older than the settle time: wait it out.
    await until("the settle time", () => Date.now() > connectedAt + SETTLE + 100, SETTLE + 5000);
  }, 60000);
  afterAll(async () => {
    clients.splice(0).forEach((c) => c.end(true));
    device?.powerOff();
    await hub?.stop();
    await broker?.stop();
  });

  it("publishes discovery for every device and sends it again after Home Assistant's birth", async () => {
    await until(
      "discovery for both devices",
      () =>
        retained.has("homeassistant/switch/latchkey_door-1/relay/config") &&
        retained.has("homeassistant/binary_sensor/latchkey_pump-1/relay/config"),
    );
    // pump-1's relay: Home Assistant may send it nothing, so it shows it read-only.
    expect(JSON.parse(retained.get("homeassistant/binary_sensor/latchkey_pump-1/relay/config")!)).not.toHaveProperty(
      "command_topic",
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
    // The device's own firmware version, from its signed snapshot (the built bundle's), once
    // it answered; pump-1 has never answered, so Home Assistant is told no version for it.
    const deviceInfo = (topic: string) =>
      (JSON.parse(retained.get(topic) ?? "{}") as { device?: { sw_version?: string } }).device;
    await until(
      "door-1's firmware version in its device info",
      () => deviceInfo("homeassistant/switch/latchkey_door-1/relay/config")?.sw_version === "0.0.0-test",
    );
    expect(deviceInfo("homeassistant/binary_sensor/latchkey_pump-1/relay/config")).not.toHaveProperty("sw_version");
    const rounds = hub!.bridge!.rounds;
    await ha.publishAsync("homeassistant/status", "online", { qos: 1 });
    await until("discovery again", () => hub!.bridge!.rounds > rounds, 5000);
  });

  it("admits only Home Assistant's identity on the hub's endpoint", async () => {
    // (The main broker's ACL gives the `ha` identity no rule: test/broker/acl.test.ts.) The hub's
    // endpoint admits no other identity, not even the hub's or a device's.
    await expect(connectTls(hub!.homeAssistant!.port, pki.credentials("hub", "hub"), "hub-on-ha")).rejects.toThrow();
    await expect(
      connectTls(hub!.homeAssistant!.port, pki.credentials("device", "door-1"), "door-on-ha"),
    ).rejects.toThrow();
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

  it("never lets an unsigned message move the relay, even from the hub's identity", async () => {
    const hubClient = await connectTls(broker!.port, pki.credentials("hub", "tools"), "tools");
    clients.push(hubClient);
    const key = (await import("../../scripts/lib/signing.ts")).readCommandKey(pki.stateDir, "door-1");
    const results = await verifiedResults(hubClient, key, "latchkey/door-1/relay/set");
    const drives = device!.pins.history.length;
    // The hub's identity may write the device's topic, but the device refuses what is not signed.
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

  it("refuses a re-delivered (DUP) command, and one that arrives as the connection opens", async () => {
    const before = denials().length;
    await ha.publishAsync("latchkey-ha/door-1/relay/set", "ON", { qos: 1, dup: true });
    await until("the refusal of the DUP", () => denials().length > before);
    expect(denials()[0]!.detail).toMatch(/re-delivered command \(DUP\) is never obeyed/);
    // A command queued while disconnected goes out the moment the connection opens.
    const late = await connectHa("home-assistant-2");
    clients.push(late);
    // One connection per identity (the client id is the CN): the new one replaced the first.
    ha = late;
    await late.publishAsync("latchkey-ha/door-1/relay/set", "ON", { qos: 1 });
    await until("the refusal of the queued command", () => denials().length > before + 1);
    expect(denials()[0]!.detail).toMatch(/ms after Home Assistant connected: it may have been queued/);
    expect(relayHigh()).toBe(false);
  });

  it("refuses a retained command: it is left for later, not said now", async () => {
    const before = denials().length;
    await ha.publishAsync("latchkey-ha/door-1/relay/set", "ON", { qos: 1, retain: true });
    await until("the refusal of the retained command", () => denials().length > before);
    expect(denials()[0]!.detail).toBe("a retained command is never obeyed");
    await ha.publishAsync("latchkey-ha/door-1/relay/set", "", { qos: 1, retain: true });
    expect(relayHigh()).toBe(false);
  });

  it("deletes the entities of a device the profiles no longer have, again after a birth until Home Assistant got them", async () => {
    const audit = hub!.audit.recent(50);
    ha.end(true);
    await hub!.stop();
    // The hub starts without pump-1 while Home Assistant is away: its delete reaches no one.
    hub = await start([door]);
    await hub.ready;
    expect(hub.bridge!.pendingDeletes()).toContain("homeassistant/binary_sensor/latchkey_pump-1/relay/config");
    const seen = new Map<string, string>();
    const back = await connectHa("home-assistant-3");
    clients.push(back);
    back.on("message", (topic, payload) => seen.set(topic, payload.toString()));
    await back.subscribeAsync(["homeassistant/#", "latchkey-ha/#"], { qos: 1 });
    expect(seen.get("homeassistant/binary_sensor/latchkey_pump-1/relay/config")).toBeUndefined();
    // Home Assistant's birth message: the hub sends discovery again, and the pending deletes.
    await back.publishAsync("homeassistant/status", "online", { qos: 1 });
    await until(
      "pump-1's entities deleted",
      () => seen.get("homeassistant/binary_sensor/latchkey_pump-1/relay/config") === "",
    );
    await until("every delete sent to Home Assistant", () => hub!.bridge!.pendingDeletes().length === 0);
    await until("the last delete", () => seen.get("homeassistant/sensor/latchkey_pump-1/verification/config") === "");
    expect(seen.get("homeassistant/switch/latchkey_door-1/relay/config")).toMatch(/^\{/);
    expect(hub.audit.recent(50)).toEqual(audit);
    expect(relayHigh()).toBe(false);
  });
});
