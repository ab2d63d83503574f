// A broker that holds the project's broker key (stolen, or the broker itself compromised):
// aedes over TLS with the test CA's broker certificate, so the hub and tools trust it and
// the device connects to it. It delivers, drops, holds and injects whatever the test's
// policy says: `deliver(to, topic, payload)` decides each delivery to a subscriber.
import tls from "node:tls";
import { Aedes } from "aedes";
import { freePort } from "./broker.ts";
import type { TestPki } from "./pki.ts";

export type Policy = (to: string, topic: string, payload: string) => boolean;

export interface CompromisedBroker {
  port: number;
  /** Every publish a client made, in order. */
  published: { from: string; topic: string; payload: string }[];
  /** Publishes `payload` on `topic` as the broker itself (delivered whatever the policy says). */
  inject(topic: string, payload: string): Promise<void>;
  /** Replaces the delivery policy (the default delivers everything). */
  setPolicy(policy: Policy): void;
  close(): Promise<void>;
}

export async function compromisedBroker(pki: TestPki): Promise<CompromisedBroker> {
  const creds = pki.credentials("broker", "broker");
  const aedes = await Aedes.createBroker();
  const published: CompromisedBroker["published"] = [];
  let policy: Policy = () => true;
  /** Payloads being injected: delivered once each, whatever the policy. */
  const injecting: string[] = [];
  aedes.on("publish", (packet, client) => {
    if (client)
      published.push({ from: client.id, topic: packet.topic, payload: Buffer.from(packet.payload).toString() });
  });
  aedes.authorizeForward = (client, packet) => {
    const payload = Buffer.from(packet.payload).toString();
    const i = injecting.indexOf(payload);
    if (i >= 0) {
      injecting.splice(i, 1);
      return packet;
    }
    return policy(client.id, packet.topic, payload) ? packet : null;
  };
  const server = tls.createServer(
    { cert: creds.cert, key: creds.key, ca: creds.ca, requestCert: true, rejectUnauthorized: true },
    (socket) => aedes.handle(socket),
  );
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return {
    port,
    published,
    inject: (topic, payload) =>
      new Promise<void>((resolve, reject) => {
        injecting.push(payload);
        aedes.publish(
          { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
          (error) => (error ? reject(error) : resolve()),
        );
      }),
    setPolicy: (p) => {
      policy = p;
    },
    close: async () => {
      server.close();
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
