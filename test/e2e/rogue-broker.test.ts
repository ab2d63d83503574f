// The rogue broker (issue 9): stock Espruino never checks the server certificate, so whoever
// answers on the broker's address (ARP or DNS spoofing, modelled by a TCP proxy the test
// switches) gets the device's TLS session. Here that impostor (aedes behind a certificate
// from ANOTHER CA) sends unsigned, forged, wrong-device, replayed, replayed-after-reboot and
// held-back commands: the relay pin never moves, every refusal comes back signed on `result`,
// and genuine signed commands through the real Mosquitto work before and after.
import net from "node:net";
import tls from "node:tls";
import { Aedes } from "aedes";
import { describe, expect, it } from "vitest";
import { NOT_LIVE } from "../../firmware/app/protocol/auth.ts";
import { UNSIGNED } from "../../firmware/app/protocol/commands.ts";
import { signCommand, verifyResult } from "../../scripts/lib/signing.ts";
import { freePort, mosquittoMissing } from "../support/broker.ts";
import { collect, makeTestPki, type TestPki } from "../support/pki.ts";
import { signer } from "../support/signed.ts";
import { bootDevice, e2eProfile, projectWorld } from "../support/sim.ts";
import { until } from "../support/wait.ts";

const T = "latchkey/door-1";
const SET = `${T}/relay/set`;
const RELAY = "D23";
const FRESHNESS_MS = 1000;

/** The network between the device and "the broker's address": forwards to whichever port
 *  answers there now; switching cuts every open connection, as a spoofed ARP entry would. */
async function spoofableAddress(target: number) {
  const port = await freePort();
  const open = new Set<net.Socket>();
  let current = target;
  const server = net.createServer((inbound) => {
    const outbound = net.connect(current, "127.0.0.1");
    for (const s of [inbound, outbound]) {
      open.add(s);
      s.on("error", () => undefined);
      s.on("close", () => open.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return {
    port,
    answerFrom: (next: number) => {
      current = next;
      open.forEach((s) => s.destroy());
    },
    close: () => {
      open.forEach((s) => s.destroy());
      server.close();
    },
  };
}

/** An MQTT broker with another CA's certificate that accepts anyone and records everything. */
async function rogueBroker(pki: TestPki) {
  const creds = pki.credentials("broker", "broker");
  const aedes = await Aedes.createBroker();
  const published: { topic: string; payload: Buffer }[] = [];
  const clients: string[] = [];
  aedes.on("publish", (packet, client) => {
    if (client) published.push({ topic: packet.topic, payload: Buffer.from(packet.payload) });
  });
  aedes.on("client", (client) => clients.push(client.id));
  const subscriptions: string[] = [];
  aedes.on("subscribe", (subs) => subs.forEach((sub) => subscriptions.push(sub.topic)));
  const server = tls.createServer({ cert: creds.cert, key: creds.key, requestCert: false }, (socket) =>
    aedes.handle(socket),
  );
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  const send = (topic: string, payload: string | Buffer) =>
    new Promise<void>((resolve, reject) =>
      aedes.publish(
        { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  return {
    port,
    clients,
    published,
    send,
    /** Every topic the device subscribed to, in order (aedes stores a subscription before
     *  its 'subscribe' event: from then on a command reaches the device). */
    subscriptions,
    subscribed: (from: number) =>
      until("the device's subscription at the rogue broker", () => subscriptions.slice(from).includes(SET), 15000),
    /** Asks the device for a nonce, as anyone on the broker may, and returns it. */
    nonce: async () => {
      const before = published.length;
      await send(`${T}/nonce/get`, "");
      await until("the device's nonce at the rogue broker", () =>
        published.slice(before).some((p) => p.topic === `${T}/nonce`),
      );
      return published
        .slice(before)
        .filter((p) => p.topic === `${T}/nonce`)
        .at(-1)!
        .payload.toString();
    },
    close: async () => {
      server.close();
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

describe.skipIf(mosquittoMissing())("a rogue broker with another CA", () => {
  const world = projectWorld([
    ["device", "door-1"],
    ["device", "door-2"],
    ["hub", "hub"],
  ]);
  const devices = world.devices;
  const hub = world.hub;

  it("gets the TLS session but cannot move the relay; every refusal is reported; the real broker still works", async () => {
    const rogueCa = await makeTestPki();
    const rogue = await rogueBroker(rogueCa);
    const address = await spoofableAddress(world.broker.port);
    try {
      const device = await bootDevice(
        world.pki.stateDir,
        e2eProfile(address.port, { commands: { freshnessMs: FRESHNESS_MS } }),
      );
      devices.push(device);
      await device.waitFor(/MQTT connected/);
      const h = await hub();
      const wire = await collect(h, SET);
      const cmd = signer(h, world.pki.stateDir, "latchkey", "door-1");
      const door2 = signer(h, world.pki.stateDir, "latchkey", "door-2");

      // Through the real Mosquitto: genuine commands work; the attacker records them.
      expect(await cmd.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
      expect(await cmd.send("OFF")).toEqual({ accepted: true, detail: "relay OFF" });
      const genuineOn = wire.find((w) => w.includes('"cmd":"ON"'))!.slice(SET.length + 1);
      const drivesBefore = device.pins.history.filter((e) => e.pin === RELAY && e.kind === "drive").length;

      // The attacker answers on the broker's address now.
      address.answerFrom(rogue.port);
      await until("the device's session at the rogue broker", () => rogue.clients.includes("door-1"), 15000);
      await device.waitFor(
        /MQTT connected/,
        10000,
        device.lines.findIndex((l) => /MQTT down/.test(l)),
      );
      await rogue.subscribed(0);

      const sent: string[] = [];
      const attack = async (payload: string) => {
        sent.push(payload);
        await rogue.send(SET, payload);
      };
      await attack("ON");
      await attack(JSON.stringify({ cmd: "ON" }));
      let live = await rogue.nonce();
      await attack(JSON.stringify({ cmd: "ON", nonce: live, mac: "0".repeat(64) }));
      await attack(JSON.stringify({ cmd: "ON", nonce: live, mac: JSON.parse(genuineOn).mac }));
      // Signed with door-2's key for door-2, or with door-1's key for another of its topics.
      await attack(signCommand(door2.key, "latchkey/door-2/relay/set", live, "ON"));
      await attack(signCommand(cmd.key, `${T}/maintenance/set`, live, "ON"));
      // The exact genuine ON, replayed.
      await attack(genuineOn);
      // Held back: a genuine signature on the live nonce, delivered after freshnessMs.
      live = await rogue.nonce();
      const heldBack = signCommand(cmd.key, SET, live, "ON");
      await new Promise((r) => setTimeout(r, FRESHNESS_MS + 500));
      await attack(heldBack);
      // A genuine signature on a nonce issued before a reboot, and the old genuine ON, after it.
      live = await rogue.nonce();
      const beforeReboot = signCommand(cmd.key, SET, live, "ON");
      const subscribedBeforeReboot = rogue.subscriptions.length;
      device.reboot();
      await rogue.subscribed(subscribedBeforeReboot);
      await attack(beforeReboot);
      await attack(genuineOn);

      const results = () =>
        rogue.published
          .filter((p) => p.topic === `${T}/result`)
          .map((p) => verifyResult(cmd.key, SET, p.payload))
          .map((r) => (r.ok ? `${r.accepted ? "ok" : "refused"} ${r.detail}` : `FORGED ${r.error}`));
      // The genuine OFF's result may reach the rogue too: the device resends a QoS 1 message
      // the real broker had not acknowledged when the link was cut ([MQTT-4.4.0-1]).
      const refusals = () => results().filter((r) => !r.startsWith("ok relay OFF"));
      await until("a result for every attack", () => refusals().length === sent.length);
      expect(results().length - refusals().length).toBeLessThanOrEqual(1);
      const bad = "refused bad signature";
      expect(refusals()).toEqual([
        `refused ${UNSIGNED}`,
        `refused ${UNSIGNED}`,
        bad,
        bad,
        bad,
        bad,
        // The replayed genuine ON is answered with its first result: done once, not "not done".
        "ok relay ON",
        expect.stringMatching(/^refused nonce expired \(1\d\d\d ms\)$/),
        `refused ${NOT_LIVE}`,
        `refused ${NOT_LIVE}`,
      ]);
      expect(device.lines.filter((l) => /command refused: /.test(l))).toHaveLength(sent.length - 1);
      expect(device.lines.filter((l) => /command again$/.test(l))).toHaveLength(1);
      // The pin never moved: no drive after the genuine OFF but the reboot's safe level.
      const drives = device.pins.history.filter((e) => e.pin === RELAY && e.kind === "drive");
      expect(drives.slice(drivesBefore).map((e) => e.high)).toEqual([false]);

      // Back on the real broker, genuine commands work again.
      address.answerFrom(world.broker.port);
      await until(
        "the device back on Mosquitto",
        () => device.lines.filter((l) => /MQTT connected/.test(l)).length >= 4,
        15000,
      );
      expect(await cmd.send("ON")).toEqual({ accepted: true, detail: "relay ON" });
      expect(device.pins.level(RELAY)).toBe(true);
      expect(device.lines.filter((l) => l.startsWith("Uncaught"))).toEqual([]);
    } finally {
      address.close();
      await rogue.close();
    }
  }, 60000);
});
