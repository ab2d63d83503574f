// The relay-safety faults, end to end: the built bundle in the simulated ESP32 (timer ids,
// pulls and TLS as Espruino has them) against the real Mosquitto, or a scripted broker where
// only a broker that misbehaves on purpose can produce the case (a DUP redelivery). Each test
// reads the relay pin's history, the thing that would have moved a garage door.
import mqttPacket from "mqtt-packet";
import { createServer, type TLSSocket } from "node:tls";
import { describe, expect, it } from "vitest";
import type { SimulatedDevice } from "../../scripts/sim/device.ts";
import { freePort, mosquittoMissing } from "../support/broker.ts";
import { signCommand, readCommandKey } from "../../scripts/lib/signing.ts";
import { connectTls, makeTestPki } from "../support/pki.ts";
import { relayBehaviour } from "../support/profile.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, builtBundle, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const RELAY = "D23";
const T = "latchkey/door-1";
const drives = (device: SimulatedDevice) =>
  device.pins.history.filter((e) => e.pin === RELAY && e.kind === "drive").map((e) => ({ t: e.t, high: e.high }));
const highs = (device: SimulatedDevice) => drives(device).filter((d) => d.high).length;
const pulse = (pulseMs: number, lockoutMs: number) => relayBehaviour({ mode: "pulse", pulseMs, lockoutMs });

describe.skipIf(mosquittoMissing())("relay safety against Mosquitto", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["hub", "hub"],
  ]);

  const clients = world.clients;
  const boot = (relay = pulse(600, 1000)) => world.online(e2eProfile(world.broker.port, { relay }));
  const hub = async () => signer(await world.hub(), world.pki.stateDir, "latchkey", "door-1");

  it("opens the relay on time when the broker goes away in the middle of a pulse", async () => {
    const device = await boot(pulse(1500, 0));
    const h = await hub();
    expect(await h.send("ON")).toMatchObject({ accepted: true });
    await until("the pulse", () => highs(device) === 1);
    clients.splice(0).forEach((c) => c.end(true));
    await world.broker.stop();
    await device.waitFor(/MQTT down: /);
    await until("the end of the pulse", () => drives(device).at(-1)?.high === false, 5000);
    const [on, off] = drives(device).slice(-2);
    expect(off.t - on.t).toBeGreaterThanOrEqual(1450);
    expect(off.t - on.t).toBeLessThan(3000);
    await world.broker.start();
  });

  it("switch mode, maxOnMs: the relay turns itself off and says so", async () => {
    const device = await boot(relayBehaviour({ mode: "switch", maxOnMs: 1500 }));
    const h = await hub();
    expect(await h.send("ON")).toMatchObject({ accepted: true });
    await until("the end of maxOnMs", () => drives(device).at(-1)?.high === false && highs(device) === 1, 5000);
    const [on, off] = drives(device).slice(-2);
    expect(off.t - on.t).toBeGreaterThanOrEqual(1450);
    await device.waitFor(/relay OFF \(on for maxOnMs \(1500 ms\)\)/);
  });

  it("switch mode, linkLoss off: the relay goes off once the broker has been gone for linkLossMs", async () => {
    const device = await boot(relayBehaviour({ mode: "switch", linkLoss: "off", linkLossMs: 1500 }));
    const h = await hub();
    expect(await h.send("ON")).toMatchObject({ accepted: true });
    await until("the relay on", () => highs(device) === 1);
    clients.splice(0).forEach((c) => c.end(true));
    await world.broker.stop();
    const down = Date.now() - device.started;
    await until("the link-loss off", () => drives(device).at(-1)?.high === false, 8000);
    expect(drives(device).at(-1)!.t - down).toBeGreaterThanOrEqual(1400);
    await device.waitFor(/no broker for 1500 ms \(linkLoss off\)/);
    await world.broker.start();
  });

  it("never obeys a retained command, neither at connect nor after a reconnect", async () => {
    const client = await connectTls(world.broker.port, world.pki.credentials("hub", "hub"));
    clients.push(client);
    // Even a correctly signed command is refused when it comes retained: the retain flag is
    // checked before anything else.
    const signed = signCommand(readCommandKey(world.pki.stateDir, "door-1"), `${T}/relay/set`, "0".repeat(16), "ON");
    await client.publishAsync(`${T}/relay/set`, signed, { qos: 1, retain: true });
    try {
      const device = await boot(relayBehaviour({ mode: "switch" }));
      await device.waitFor(/command refused: retained message/);
      // A Wi-Fi blip: the device reconnects and the broker hands it the retained command again.
      device.wifiDown();
      await device.waitFor(/MQTT down: /);
      device.wifiUp();
      await until(
        "the second refusal",
        () => device.lines.filter((l) => /retained message/.test(l)).length === 2,
        15000,
      );
      expect(highs(device)).toBe(0);
    } finally {
      await client.publishAsync(`${T}/relay/set`, "", { qos: 1, retain: true }).catch(() => undefined);
    }
  });

  it("ignores ON while a pulse runs and during its lockout, then obeys again", async () => {
    const device = await boot(pulse(1500, 1500));
    const h = await hub();
    const ignored = { accepted: false, detail: "ON ignored: a press is running or in its 1500 ms lockout" };
    expect(await h.send("ON")).toMatchObject({ accepted: true });
    for (let i = 0; i < 3; i++) expect(await h.send("ON")).toEqual(ignored);
    await until("the end of the press", () => drives(device).at(-1)?.high === false, 3000);
    expect(await h.send("ON")).toEqual(ignored);
    expect(highs(device)).toBe(1);
    // Held on by a stream of ONs? The press still lasted one pulse.
    const [on, off] = drives(device).slice(-2);
    expect(off.t - on.t).toBeLessThan(2300);
    await until("the lockout to pass", () => Date.now() - device.started > off.t + 1600, 4000);
    expect(await h.send("ON")).toMatchObject({ accepted: true });
    await until("the second press", () => highs(device) === 2);
  });
});

describe("relay safety with a bad profile", () => {
  it("refuses a profile without activeLow, naming the field, and leaves every pin untouched", async () => {
    const pki = await makeTestPki();
    await pki.issue("device", "door-1");
    await builtBundle();
    const profile = e2eProfile(1) as unknown as { pins: { relay: Record<string, unknown> } };
    delete profile.pins.relay.activeLow;
    const device = await bootDevice(pki.stateDir, profile as never);
    try {
      await device.waitFor(/device profile 'lk.profile' unusable \(field pins.relay missing or invalid\)/);
      await new Promise((r) => setTimeout(r, 300));
      // Only Espruino's own power-on pulls: the firmware drove and configured nothing.
      expect(device.pins.history.filter((e) => e.kind !== "reset")).toEqual([]);
    } finally {
      device.powerOff();
    }
  });
});

describe("relay safety against a broker that redelivers", () => {
  it("a QoS 1 DUP redelivery of a command already handled on the link is not a second press", async () => {
    const pki = await makeTestPki();
    await pki.issue("device", "door-1");
    const port = await freePort();
    const creds = pki.credentials("broker", "broker");
    const key = readCommandKey(pki.stateDir, "door-1");
    const sockets: TLSSocket[] = [];
    let sent = false;
    const server = createServer({ ...creds, requestCert: true, rejectUnauthorized: true }, (socket) => {
      sockets.push(socket);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const send = (packet: object) => socket.write(mqttPacket.generate(packet as mqttPacket.Packet));
      parser.on("packet", (packet) => {
        if (packet.cmd === "connect") send({ cmd: "connack", returnCode: 0, sessionPresent: false });
        if (packet.cmd === "subscribe")
          send({ cmd: "suback", messageId: packet.messageId, granted: packet.subscriptions.map(() => 1) });
        if (packet.cmd === "publish" && packet.qos === 1) send({ cmd: "puback", messageId: packet.messageId });
        // The nonce the device issues at CONNACK: sign one genuine command with it, deliver it,
        // then deliver the very same packet again as a QoS 1 redelivery (DUP, same id).
        if (packet.cmd === "publish" && packet.topic === `${T}/nonce` && !sent) {
          sent = true;
          const payload = signCommand(key, `${T}/relay/set`, packet.payload.toString(), "ON");
          const command = { cmd: "publish", topic: `${T}/relay/set`, payload, qos: 1, messageId: 7 };
          send({ ...command, dup: false });
          setTimeout(() => send({ ...command, dup: true }), 1500);
        }
        if (packet.cmd === "pingreq") send({ cmd: "pingresp" });
      });
      socket.on("data", (d) => parser.parse(d));
      socket.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
    await builtBundle();
    const device = await bootDevice(pki.stateDir, e2eProfile(port, { relay: pulse(500, 0) }));
    try {
      await until("the first press and its end", () => drives(device).length >= 3, 5000);
      await new Promise((r) => setTimeout(r, 2500));
      expect(highs(device)).toBe(1);
      expect(device.lines.filter((l) => /command: relay pulsed/.test(l))).toHaveLength(1);
      // Dropped by the session as a redelivery, not refused later by the nonce check.
      expect(device.lines.filter((l) => /command refused/.test(l))).toEqual([]);
    } finally {
      device.powerOff();
      sockets.forEach((s) => s.destroy());
      server.close();
    }
  });
});
