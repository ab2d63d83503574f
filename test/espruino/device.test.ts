// The optional tier on Espruino's own interpreter (ESPRUINO=<Linux build> npm run
// test:espruino): the BUILT bundle boots from emulated Storage, connects to the real Mosquitto
// over mutual TLS (RSA-2048: the Linux build's mbedTLS negotiates RSA only, docs/espruino.md),
// obeys a command, and opens the relay on time when the link drops during a pulse (the
// timer-id reuse that the simulator once hid).
import { randomBytes } from "node:crypto";
import type mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { deviceStorageFiles } from "../../scripts/lib/provision.ts";
import { readCommandKey, verifyReport } from "../../scripts/lib/signing.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { espruinoMissing, RealEspruino } from "../support/espruino.ts";
import { connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { sendSignedCommand } from "../../scripts/lib/signing.ts";
import { signer } from "../support/signed.ts";
import { builtBundle, e2eProfile, WIFI } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
const RELAY = "D23";

describe.skipIf(espruinoMissing() || mosquittoMissing())("the bundle on Espruino's own interpreter", () => {
  let pki: TestPki;
  let broker: Broker;
  const devices: RealEspruino[] = [];
  const clients: mqtt.MqttClient[] = [];
  printLogOnFailure(() => [broker]);
  afterEach(async (context) => {
    if (context.task.result?.state === "fail")
      devices.forEach((d) => console.error(`--- Espruino output ---\n${d.lines.join("\n")}`));
    await Promise.all(devices.splice(0).map((d) => d.powerOff()));
    clients.splice(0).forEach((c) => c.end(true));
  });

  beforeAll(async () => {
    await builtBundle();
    pki = await makeTestPki("rsa");
    await pki.issue("device", "door-1");
    await pki.issue("hub", "hub");
    // The Linux build's mbedTLS has no EC: the broker also offers DHE-RSA (scripts/broker/tls.ts).
    broker = await startProjectBroker(pki.stateDir, "latchkey", false, { dheRsa: true });
  }, 60000);
  afterAll(async () => broker?.stop());

  const boot = async (profile: DeviceProfile) => {
    const device = await RealEspruino.boot(deviceStorageFiles(profile, pki.stateDir, WIFI, await builtBundle()));
    devices.push(device);
    return device;
  };
  const hub = async () => {
    const client = await connectTls(broker.port, pki.credentials("hub", "hub"));
    clients.push(client);
    return client;
  };
  /** Boots `profile` and resolves with a hub client once the device's live (not retained)
   *  state report arrived: it subscribed before publishing it, so commands now reach it. */
  const online = async (profile: DeviceProfile) => {
    const h = await hub();
    let live = false;
    h.on("message", (topic, _payload, packet) => {
      if (topic === `${T}/relay/state` && !packet.retain) live = true;
    });
    await h.subscribeAsync(`${T}/relay/state`, { qos: 1 });
    const device = await boot(profile);
    await device.waitFor(/MQTT connected/, 30000);
    await until("the device's first state report", () => live, 10000);
    return { device, h, cmd: signer(h, pki.stateDir, "latchkey", "door-1") };
  };

  it("boots: the relay pin gets its off level before it becomes an output, and no error is printed", async () => {
    const device = await boot(e2eProfile(broker.port, { pins: { relay: { pin: RELAY, activeLow: true } } }));
    await device.waitFor(/relay off \(safe level\)/);
    const relayLines = device.lines.filter((l) => l.includes(` ${RELAY} `)).map((l) => l.replace(/^\d+ /, ""));
    expect(relayLines.slice(0, 2)).toEqual([`PIN ${RELAY} 1`, `MODE ${RELAY} output`]);
    expect(device.lines.filter((l) => /Uncaught|ERROR/.test(l))).toEqual([]);
  });

  it("sends every report at connect: the relay's and the maintenance window's state both arrive", async () => {
    const h = await hub();
    const live: string[] = [];
    h.on("message", (topic, _payload, packet) => {
      if (!packet.retain && !live.includes(topic)) live.push(topic);
    });
    await h.subscribeAsync(`${T}/+/state`, { qos: 1 });
    const device = await boot(e2eProfile(broker.port));
    await device.waitFor(/MQTT connected/, 30000);
    await until("both reports", () => live.length >= 2, 10000);
    expect(live.sort()).toEqual([`${T}/maintenance/state`, `${T}/relay/state`]);
  });

  it("answers a replayed command with its first result and obeys it once", async () => {
    const { device, h, cmd } = await online(e2eProfile(broker.port));
    const wire: string[] = [];
    h.on("message", (topic, payload) => {
      if (topic === `${T}/relay/set`) wire.push(payload.toString());
    });
    await h.subscribeAsync(`${T}/relay/set`, { qos: 1 });
    const results: string[] = [];
    h.on("message", (topic, payload) => {
      if (topic === `${T}/result`) results.push(payload.toString());
    });
    expect(await cmd.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
    await until("the command seen", () => wire.length === 1);
    await h.publishAsync(`${T}/relay/set`, wire[0], { qos: 1 });
    await until("the second result", () => results.length === 2, 10000);
    expect(results[1]).toBe(results[0]);
    await device.waitFor(/command again$/);
    expect(device.pinChanges(RELAY).filter((c) => c.high)).toHaveLength(1);
  });

  it("obeys a genuine command during a flood of 2,000 nonce requests", async () => {
    const { device, h, cmd } = await online(e2eProfile(broker.port));
    for (let i = 0; i < 2000; i++) h.publish(`${T}/nonce/get`, "", { qos: 0 });
    // The interpreter works through the requests queued before ours: wait as long as it takes.
    const send = { prefix: "latchkey", device: "door-1", key: cmd.key, cmd: "ON", timeoutMs: 40000 };
    expect(await sendSignedCommand(h, { ...send, topic: `${T}/relay/set` })).toEqual({
      accepted: true,
      detail: "relay ON",
    });
    await until("the pin high", () => device.pinChanges(RELAY).at(-1)?.high === true, 10000);
    expect(device.lines.filter((l) => /dropped|Uncaught|ERROR/.test(l))).toEqual([]);
  }, 120000);

  it("connects over mutual TLS and switches the relay on a command", async () => {
    const { device, cmd } = await online(e2eProfile(broker.port));
    const started = Date.now();
    expect(await cmd.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
    console.log(`signed command to verified result on Espruino's interpreter: ${Date.now() - started} ms`);
    await until("the pin high", () => device.pinChanges(RELAY).at(-1)?.high === true, 10000);
  });

  it("opens the relay on time when the link drops during a pulse", async () => {
    const pulseMs = 1500;
    const { device, cmd } = await online(
      e2eProfile(broker.port, { relay: relayBehaviour({ mode: "pulse", pulseMs }) }),
    );
    expect(await cmd.send("ON")).toMatchObject({ accepted: true });
    await until("the pulse", () => device.pinChanges(RELAY).at(-1)?.high === true, 10000);
    const on = device.pinChanges(RELAY).at(-1)!;
    clients.splice(0).forEach((c) => c.end(true));
    await broker.stop();
    await device.waitFor(/MQTT down: /);
    await until("the end of the pulse", () => device.pinChanges(RELAY).at(-1)?.high === false, pulseMs + 5000);
    const off = device.pinChanges(RELAY).at(-1)!;
    // On time: not before pulseMs, and not held on by the drop (a cancelled timer never ends).
    expect(off.t - on.t).toBeGreaterThanOrEqual(pulseMs - 50);
    expect(off.t - on.t).toBeLessThan(pulseMs + 2000);
    await broker.start();
  });

  it("answers a challenge with one signed snapshot of its reports, and counts uptime from boot", async () => {
    const { h } = await online(e2eProfile(broker.port, { telemetry: { periodMs: 1000, minIntervalMs: 200 } }));
    const key = readCommandKey(pki.stateDir, "door-1");
    const answers: ReturnType<typeof verifyReport>[] = [];
    const telemetry: { up: number }[] = [];
    h.on("message", (topic, payload) => {
      if (topic === `${T}/state`) answers.push(verifyReport(key, topic, payload));
      if (topic === `${T}/telemetry`) telemetry.push(JSON.parse(payload.toString()) as { up: number });
    });
    await h.subscribeAsync([`${T}/state`, `${T}/telemetry`], { qos: 1 });
    const challenge = randomBytes(16).toString("hex");
    await h.publishAsync(`${T}/state/get`, challenge, { qos: 1 });
    await until("the answer", () => answers.length > 0, 10000);
    const answer = answers[0]!;
    if (!answer.ok) throw new Error(answer.error);
    expect(JSON.parse(answer.value)).toEqual({
      c: challenge,
      r: { [`${T}/relay/state`]: "OFF", [`${T}/maintenance/state`]: "CLOSED" },
      // The running bundle's build version, signed with the rest. No `ip`: Espruino's Linux
      // build has no Wifi module, and JSON.stringify leaves the undefined address out.
      v: "0.0.0-test",
    });
    expect(JSON.parse(answer.value)).not.toHaveProperty("ip");
    // Espruino's getTime() here is the wall clock: uptime must not be.
    await until("telemetry", () => telemetry.length > 0, 10000);
    expect(telemetry.at(-1)!.up).toBeLessThan(120);
  });
});
