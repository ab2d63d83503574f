// An identity issued while the project's broker runs works at once: `npm run pki -- user`,
// `device` (and `hub`, `ha`) rewrite the policy and reload the running broker, as revoke does,
// against the real Mosquitto and the embedded broker. Before, the ACL was written only at the
// broker's start: a new operator's commands were dropped until a restart.
import type mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { mosquittoMissing, printLogOnFailure, startProjectBroker, type Broker } from "../support/broker.ts";
import { pkiCli } from "../support/cli.ts";
import { connectTls, makeTestPki } from "../support/pki.ts";
import { until } from "../support/wait.ts";

const BROKERS = [
  { name: "Mosquitto", embedded: false, skip: mosquittoMissing() },
  { name: "embedded broker (aedes)", embedded: true, skip: false },
];

/** Publishes `text` on `topic` until `heard` sees it: the broker's ACL may let it through only
 *  once its reload has run. */
async function deliver(client: mqtt.MqttClient, topic: string, heard: string[], text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!heard.includes(text)) {
    if (Date.now() > deadline) throw new Error(`${topic} ${text} never arrived`);
    if (!client.connected) throw new Error("the broker closed the publisher's connection");
    await client.publishAsync(topic, text, { qos: 1 });
    await until(`${text} or a moment`, () => heard.includes(text), 300).catch(() => undefined);
  }
}

for (const { name, embedded, skip } of BROKERS) {
  describe.skipIf(skip)(`an identity issued while ${name} runs`, () => {
    let broker: Broker | undefined;
    const clients: mqtt.MqttClient[] = [];
    printLogOnFailure(() => [broker]);
    afterEach(async () => {
      clients.splice(0).forEach((c) => c.end(true));
      await broker?.stop();
    });

    it("an operator and a device made now may act at once, and the command says so", async () => {
      const pki = await makeTestPki();
      await pki.issue("device", "door");
      broker = await startProjectBroker(pki.stateDir, "latchkey", embedded);
      const door = await connectTls(broker.port, pki.credentials("device", "door"), "door");
      clients.push(door);
      const heard: string[] = [];
      door.on("message", (_topic, payload) => heard.push(payload.toString()));
      await door.subscribeAsync("latchkey/door/+/set", { qos: 1 });

      const user = await pkiCli(pki.stateDir, ["user", "bob", "--password", "pw"]);
      expect(user.status).toBe(0);
      const kind = embedded ? "the embedded broker" : "Mosquitto";
      expect(user.stdout.split("\n")).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${kind} \\(pid \\d+, port ${broker.port}\\) reloaded its policy for 'bob'$`),
        ),
      );
      const bob = await connectTls(broker.port, pki.credentials("user", "bob"), "bob");
      clients.push(bob);
      await deliver(bob, "latchkey/door/relay/set", heard, "from bob");

      // A device made now reads its own command topic at once.
      expect((await pkiCli(pki.stateDir, ["device", "gate"])).status).toBe(0);
      const gate = await connectTls(broker.port, pki.credentials("device", "gate"), "gate");
      clients.push(gate);
      const gateHeard: string[] = [];
      gate.on("message", (_topic, payload) => gateHeard.push(payload.toString()));
      await gate.subscribeAsync("latchkey/gate/+/set", { qos: 1 });
      await deliver(bob, "latchkey/gate/relay/set", gateHeard, "to gate");
    }, 60000);
  });
}
