// The embedded broker for machines without Mosquitto: aedes behind Node's TLS server with the
// same rules: a client certificate from our CA is required (and checked against the CRL), its
// CN is the identity, and the same ACL text decides every publish and subscribe.
import { readFileSync } from "node:fs";
import tls from "node:tls";
import { Aedes, type Client } from "aedes";
import { mayPublish, maySubscribe, parseAcl } from "./acl.ts";
import type { BrokerFiles, Listener } from "./policy.ts";

export interface EmbeddedBroker {
  close(): Promise<void>;
}

export async function runEmbedded(
  files: BrokerFiles,
  listener: Listener,
  log: (line: string) => void,
): Promise<EmbeddedBroker> {
  const rules = parseAcl(files.aclText);
  const identities = new WeakMap<Client, string>();
  const sockets = new Set<import("node:net").Socket>();
  const aedes = await Aedes.createBroker({
    authenticate: (client, _username, _password, done) => {
      const peer = (client.conn as tls.TLSSocket).getPeerCertificate?.();
      const cn = peer?.subject?.CN;
      if (typeof cn !== "string") {
        const error = Object.assign(new Error("no client certificate"), { returnCode: 5 });
        done(error, false);
        return;
      }
      identities.set(client, cn);
      done(null, true);
    },
    authorizePublish: (client, packet, done) => {
      const user = client ? identities.get(client) : undefined;
      if (user === undefined || !mayPublish(rules, user, packet.topic)) {
        log(`denied PUBLISH to ${packet.topic} by ${user ?? "?"}`);
        done(new Error("not authorized"));
        return;
      }
      done(null);
    },
    authorizeSubscribe: (client, subscription, done) => {
      const user = identities.get(client);
      if (user === undefined || !maySubscribe(rules, user, subscription.topic)) {
        log(`denied SUBSCRIBE to ${subscription.topic} by ${user ?? "?"}`);
        done(null, null);
        return;
      }
      done(null, subscription);
    },
  });
  aedes.on("client", (client) => log(`client ${client.id} connected as ${identities.get(client)}`));
  aedes.on("clientDisconnect", (client) => log(`client ${client.id} disconnected`));
  const server = tls.createServer(
    {
      ca: readFileSync(files.ca),
      cert: readFileSync(files.cert),
      key: readFileSync(files.key),
      crl: readFileSync(files.crl),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
    },
    (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      aedes.handle(socket);
    },
  );
  server.on("connection", (socket: import("node:net").Socket) => {
    // As Mosquitto's set_tcp_nodelay (policy.ts): no Nagle delay on small packets.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (error) => log(`TLS client refused: ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listener.port, listener.host, () => resolve());
  });
  return {
    close: async () => {
      // Like a broker process ending: every connection goes, without a goodbye.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
