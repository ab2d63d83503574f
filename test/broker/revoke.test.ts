// `npm run pki -- revoke` takes effect on a running broker: against the real Mosquitto and the
// embedded broker, the revoked identity's new connections are refused at once, its open
// session is closed, and the command says how.
import type mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { writeBrokerPolicy } from "../../scripts/broker/policy.ts";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { pkiCli } from "../support/cli.ts";
import { collect, connectTls, makeTestPki } from "../support/pki.ts";
import { until } from "../support/wait.ts";

const PREFIX = "latchkey";
const BROKERS = [
  { name: "Mosquitto", embedded: false, skip: mosquittoMissing() },
  { name: "embedded broker (aedes)", embedded: true, skip: false },
];

for (const { name, embedded, skip } of BROKERS) {
  describe.skipIf(skip)(`revoke on a running ${name}`, () => {
    let broker: Broker | undefined;
    const clients: mqtt.MqttClient[] = [];
    printLogOnFailure(() => [broker]);
    afterEach(async () => {
      clients.splice(0).forEach((c) => c.end(true));
      await broker?.stop();
    });

    it("a revoked device is refused, and its open session is closed", async () => {
      const pki = await makeTestPki();
      await pki.issue("device", "door");
      await pki.issue("hub", "hub");
      broker = await startProjectBroker(pki.stateDir, PREFIX, embedded);
      const device = await connectTls(broker.port, pki.credentials("device", "door"), "door");
      clients.push(device);
      let closed = false;
      device.on("close", () => (closed = true));
      const result = await pkiCli(pki.stateDir, ["revoke", "door"]);
      expect(result.status).toBe(0);
      const lines = result.stdout.split("\n");
      expect(lines[0]).toMatch(/^device 'door' revoked \(serial [0-9a-f]{32}\); CRL updated$/);
      const kind = embedded ? "the embedded broker" : "Mosquitto";
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${kind} \\(pid \\d+, port ${broker.port}\\) reloaded: it now refuses 'door'$`),
        ),
      );
      expect(lines.at(-1)).toBe(
        embedded
          ? "the embedded broker closed every open connection with that certificate"
          : "closed device 'door''s open session (client id taken over); its reconnect is refused",
      );
      await until("the revoked device's session to close", () => closed, 5000);
      await expect(connectTls(broker.port, pki.credentials("device", "door"), "door")).rejects.toThrow();
    }, 60000);

    it("a revoked operator is refused at once, and its open session is closed", async () => {
      const pki = await makeTestPki();
      await pki.issue("device", "door");
      await pki.issue("user", "alice", { password: "pw" });
      await pki.issue("hub", "hub");
      broker = await startProjectBroker(pki.stateDir, PREFIX, embedded);
      const alice = await connectTls(broker.port, pki.credentials("user", "alice"));
      clients.push(alice);
      const seenByAlice = await collect(alice, `${PREFIX}/#`);
      const device = await connectTls(broker.port, pki.credentials("device", "door"), "door");
      clients.push(device);
      // A device reads only its command topics; the hub watches its reports.
      const commandsAtDevice = await collect(device, `${PREFIX}/door/+/set`);
      const hub = await connectTls(broker.port, pki.credentials("hub", "hub"));
      clients.push(hub);
      const atHub = await collect(hub, `${PREFIX}/door/relay/state`);
      const result = await pkiCli(pki.stateDir, ["revoke", "alice"]);
      expect(result.status).toBe(0);
      expect(result.stdout.split("\n").at(-1)).toBe(
        embedded
          ? "the embedded broker closed every open connection with that certificate"
          : "closed user 'alice''s open session (client id taken over); its reconnect is refused",
      );
      // Mosquitto keeps sessions through a reload: the revoke took alice's over with her own
      // certificate (her client id is her CN) just before it.
      await until("alice's session to close", () => !alice.connected, 5000);
      await device.publishAsync(`${PREFIX}/door/relay/state`, "OFF", { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      expect(atHub).toEqual([`${PREFIX}/door/relay/state OFF`]);
      expect(commandsAtDevice).toEqual([]);
      expect(seenByAlice).toEqual([]);
      await expect(connectTls(broker.port, pki.credentials("user", "alice"))).rejects.toThrow();
    }, 60000);
  });
}

describe("revoke with no broker running", () => {
  it("says exactly what the operator must do", async () => {
    const pki = await makeTestPki();
    await pki.issue("device", "door");
    await writeBrokerPolicy(pki.stateDir, PREFIX, { host: "127.0.0.1", port: 18830 });
    const result = await pkiCli(pki.stateDir, ["revoke", "door"]);
    expect(result.status).toBe(0);
    expect(result.stdout.split("\n").at(-1)).toBe(
      "no broker started from this state folder is running: the new CRL and ACL apply when it starts. A Mosquitto started some other way must be sent SIGHUP (it then refuses the certificate and the ACL gives its open session nothing) and restarted to close that session",
    );
  }, 60000);
});
