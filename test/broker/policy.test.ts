// The broker policy generated from the CA, enforced by the real Mosquitto and, separately, by
// the embedded broker: who may connect, and what each identity may publish and subscribe.
import type mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { collect, connectTls, makeTestPki, type TestPki } from "../support/pki.ts";
import { until } from "../support/wait.ts";

const PREFIX = "latchkey";
const settle = () => new Promise((r) => setTimeout(r, 300));

const BROKERS = [
  { name: "Mosquitto", embedded: false, skip: mosquittoMissing() },
  { name: "embedded broker (aedes)", embedded: true, skip: false },
];

for (const { name, embedded, skip } of BROKERS) {
  describe.skipIf(skip)(`broker policy: ${name}`, () => {
    let pki: TestPki;
    let other: TestPki;
    let broker: Broker | undefined;
    const clients: mqtt.MqttClient[] = [];
    printLogOnFailure(() => [broker]);

    beforeAll(async () => {
      pki = await makeTestPki();
      other = await makeTestPki();
      await pki.issue("device", "door-a");
      await pki.issue("device", "door-b");
      await pki.issue("device", "expired", { notBefore: new Date(Date.now() - 10 * 86400000), days: 2 });
      await pki.issue("device", "gone");
      await pki.revoke("gone");
      await pki.issue("user", "alice", { devices: ["door-a"], password: "pw" });
      await pki.issue("hub", "hub");
      await other.issue("device", "door-a");
      broker = await startProjectBroker(pki.stateDir, PREFIX, embedded);
    });
    afterAll(async () => {
      clients.forEach((c) => c.end(true));
      await broker?.stop();
    });

    const as = async (kind: "device" | "user" | "hub", who: string) => {
      const client = await connectTls(broker!.port, pki.credentials(kind, who));
      clients.push(client);
      return client;
    };

    it("a device connects with its own certificate", async () => {
      const client = await as("device", "door-a");
      expect(client.connected).toBe(true);
    });

    it("a client without a certificate is refused", async () => {
      await expect(connectTls(broker!.port, { ca: pki.credentials("device", "door-a").ca })).rejects.toThrow();
    });

    it("a certificate from another CA is refused", async () => {
      const foreign = other.credentials("device", "door-a");
      await expect(
        connectTls(broker!.port, { ...foreign, ca: pki.credentials("device", "door-a").ca }),
      ).rejects.toThrow();
    });

    it("an expired certificate is refused", async () => {
      await expect(connectTls(broker!.port, pki.credentials("device", "expired"))).rejects.toThrow();
    });

    it("a revoked certificate is refused", async () => {
      await expect(connectTls(broker!.port, pki.credentials("device", "gone"))).rejects.toThrow();
    });

    /** A forbidden publish: Mosquitto drops it silently, the embedded broker also closes
     *  the connection. Either way it must not be delivered; a fresh client sends each one. */
    const forbidden = async (kind: "device" | "user" | "hub", who: string, topic: string, payload: string) => {
      const client = await as(kind, who);
      await client.publishAsync(topic, payload, { qos: 0 }).catch(() => undefined);
    };

    it("device A cannot subscribe to device B's topics", async () => {
      const a = await as("device", "door-a");
      const seen: string[] = [];
      a.on("message", (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
      // Mosquitto grants the SUBACK and filters every delivery by the ACL; the embedded broker
      // refuses with 0x80 at once. Either way nothing of B's may arrive.
      const granted = await a.subscribeAsync(`${PREFIX}/door-b/#`, { qos: 1 }).catch(() => [{ qos: 128 }]);
      expect([1, 128]).toContain(granted[0].qos);
      await a.subscribeAsync(`${PREFIX}/door-a/+/set`, { qos: 1 });
      const hub = await as("hub", "hub");
      const b = await as("device", "door-b");
      await hub.publishAsync(`${PREFIX}/door-b/relay/set`, "ON", { qos: 1 });
      await b.publishAsync(`${PREFIX}/door-b/relay/state`, "ON", { qos: 1 });
      await hub.publishAsync(`${PREFIX}/door-a/relay/set`, "OFF", { qos: 1 });
      await settle();
      expect(seen).toEqual([`${PREFIX}/door-a/relay/set OFF`]);
    });

    it("device A cannot publish to device B's topics", async () => {
      const hub = await as("hub", "hub");
      const seen = await collect(hub, `${PREFIX}/#`);
      await forbidden("device", "door-a", `${PREFIX}/door-b/relay/state`, "ON");
      await forbidden("device", "door-a", `${PREFIX}/door-b/availability`, "offline");
      const a = await as("device", "door-a");
      await a.publishAsync(`${PREFIX}/door-a/relay/state`, "OFF", { qos: 1 });
      await settle();
      expect(seen).toEqual([`${PREFIX}/door-a/relay/state OFF`]);
    });

    it("a device cannot write its own command topic (no retained command it would obey at every reconnect)", async () => {
      const a = await as("device", "door-a");
      const atA = await collect(a, `${PREFIX}/door-a/relay/set`);
      await forbidden("device", "door-a", `${PREFIX}/door-a/relay/set`, "ON");
      await settle();
      expect(atA).toEqual([]);
    });

    it("only a hub may challenge a device for its state: an operator's challenges would starve the hub's", async () => {
      const a = await as("device", "door-a");
      const atA = await collect(a, `${PREFIX}/door-a/state/get`);
      await forbidden("user", "alice", `${PREFIX}/door-a/state/get`, "0".repeat(32));
      const hub = await as("hub", "hub");
      await hub.publishAsync(`${PREFIX}/door-a/state/get`, "1".repeat(32), { qos: 1 });
      await settle();
      expect(atA).toEqual([`${PREFIX}/door-a/state/get ${"1".repeat(32)}`]);
    });

    it("an operator can command only the devices the ACL gives it", async () => {
      const a = await as("device", "door-a");
      const b = await as("device", "door-b");
      const atA = await collect(a, `${PREFIX}/door-a/+/set`);
      const atB = await collect(b, `${PREFIX}/door-b/+/set`);
      const alice = await as("user", "alice");
      await alice.publishAsync(`${PREFIX}/door-a/relay/set`, "ON", { qos: 1 });
      await forbidden("user", "alice", `${PREFIX}/door-b/relay/set`, "ON");
      await forbidden("user", "alice", `${PREFIX}/door-a/relay/state`, "forged");
      await settle();
      expect(atA).toEqual([`${PREFIX}/door-a/relay/set ON`]);
      expect(atB).toEqual([]);
    });

    it("an operator limited to door-a reads nothing of door-b: no state, no maintenance command, no result", async () => {
      const alice = await as("user", "alice");
      const seen: string[] = [];
      alice.on("message", (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
      // Mosquitto grants a broad subscription and filters each delivery by the ACL; the
      // embedded broker refuses what the ACL does not cover. Either way nothing of B arrives.
      for (const filter of [`${PREFIX}/#`, `${PREFIX}/door-b/#`, `${PREFIX}/+/maintenance/set`])
        await alice.subscribeAsync(filter, { qos: 1 }).catch(() => undefined);
      await alice.subscribeAsync(`${PREFIX}/door-a/#`, { qos: 1 });
      const hub = await as("hub", "hub");
      const b = await as("device", "door-b");
      const a = await as("device", "door-a");
      await hub.publishAsync(`${PREFIX}/door-b/maintenance/set`, "MAINTENANCE 60", { qos: 1 });
      await b.publishAsync(`${PREFIX}/door-b/maintenance/state`, "OPEN 60", { qos: 1 });
      await b.publishAsync(`${PREFIX}/door-b/result`, "ok", { qos: 1 });
      await b.publishAsync(`${PREFIX}/door-b/nonce`, "0123456789abcdef", { qos: 1 });
      await a.publishAsync(`${PREFIX}/door-a/maintenance/state`, "CLOSED", { qos: 1 });
      await until("door-a's report", () => seen.includes(`${PREFIX}/door-a/maintenance/state CLOSED`));
      await settle();
      expect(seen.filter((line) => line.includes("/door-b/"))).toEqual([]);
    });

    it("the hub reads every device and may command any of them", async () => {
      const hub = await as("hub", "hub");
      const seen = await collect(hub, `${PREFIX}/+/relay/state`);
      const b = await as("device", "door-b");
      const atB = await collect(b, `${PREFIX}/door-b/relay/set`);
      await b.publishAsync(`${PREFIX}/door-b/relay/state`, "ON", { qos: 0 });
      await hub.publishAsync(`${PREFIX}/door-b/relay/set`, "OFF", { qos: 0 });
      await settle();
      expect(seen).toEqual([`${PREFIX}/door-b/relay/state ON`]);
      expect(atB).toEqual([`${PREFIX}/door-b/relay/set OFF`]);
    });
  });
}
