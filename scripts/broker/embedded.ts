// The embedded broker for machines without Mosquitto: aedes behind Node's TLS server with the
// same rules: a client certificate from our CA is required (and checked against the CRL), its
// CN is the identity and the client id, and the same ACL text decides every publish and
// subscribe. TLS is pinned as Mosquitto's is (tls.ts). reload() re-reads the ACL and the CRL
// and closes every open connection whose certificate the CRL now lists.
import { readFileSync } from "node:fs";
import tls from "node:tls";
import { Aedes, type Client } from "aedes";
import { x509 } from "../ca/x509.ts";
import { mayPublish, maySubscribe, parseAcl } from "./acl.ts";
import type { BrokerFiles, Listener } from "./policy.ts";
import { TLS12_CIPHERS, TLS13_CIPHERSUITES } from "./tls.ts";

export interface EmbeddedBroker {
  /** The port it listens on (the one asked for, or the one the system gave for port 0). */
  port: number;
  /** The aedes instance, for a process that serves its own topics (the hub's Home Assistant
   *  endpoint publishes and listens in-process). */
  aedes: Aedes;
  close(): Promise<void>;
  /** Re-reads the ACL and CRL; resolves to the CNs of the connections it closed. */
  reload(): Promise<string[]>;
}

/** Serial numbers the CRL lists, lower-case hex without leading zeros. */
function revokedSerials(pem: Buffer): Set<string> {
  const crl = new x509.X509Crl(pem.toString("utf8").replace(/-----(BEGIN|END) X509 CRL-----/g, "-----$1 CRL-----"));
  return new Set(crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, "")));
}

function tlsOptions(files: BrokerFiles): tls.SecureContextOptions {
  return {
    ca: readFileSync(files.ca),
    cert: readFileSync(files.cert),
    key: readFileSync(files.key),
    crl: readFileSync(files.crl),
    minVersion: "TLSv1.2",
    ciphers: `${TLS13_CIPHERSUITES}:${TLS12_CIPHERS}`,
    honorCipherOrder: true,
  };
}

export interface EmbeddedOptions {
  /** Only these certificate CNs may connect (CONNACK 5 for any other); absent: every CN. */
  admit?: (cn: string) => boolean;
}

export async function runEmbedded(
  files: BrokerFiles,
  listener: Listener,
  log: (line: string) => void,
  options: EmbeddedOptions = {},
): Promise<EmbeddedBroker> {
  let rules = parseAcl(files.aclText);
  const secured = new Set<tls.TLSSocket>();
  const identities = new WeakMap<Client, string>();
  const sockets = new Set<import("node:net").Socket>();
  const aedes = await Aedes.createBroker({
    authenticate: (client, _username, _password, done) => {
      const peer = (client.conn as tls.TLSSocket).getPeerCertificate?.();
      const cn = peer?.subject?.CN;
      if (typeof cn !== "string" || (options.admit && !options.admit(cn))) {
        const why = typeof cn === "string" ? `'${cn}' is not admitted here` : "no client certificate";
        log(`refused a connection: ${why}`);
        const error = Object.assign(new Error(why), { returnCode: 5 });
        done(error, false);
        return;
      }
      // As Mosquitto's use_username_as_clientid (policy.ts): the client id is the CN, so no
      // identity can take over another's connection ([MQTT-3.1.4-2]). aedes registers the
      // client, closing an earlier one with the same id, after this hook (handlers/connect.js).
      client.id = cn;
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
  const server = tls.createServer({ ...tlsOptions(files), requestCert: true, rejectUnauthorized: true }, (socket) => {
    sockets.add(socket);
    secured.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      secured.delete(socket);
    });
    aedes.handle(socket);
  });
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
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : listener.port,
    aedes,
    reload: async () => {
      rules = parseAcl(readFileSync(files.acl, "utf8"));
      const options = tlsOptions(files);
      server.setSecureContext({ ...options });
      const revoked = revokedSerials(options.crl as Buffer);
      const closed: string[] = [];
      for (const socket of secured) {
        const peer = socket.getPeerCertificate();
        if (peer?.serialNumber && revoked.has(peer.serialNumber.toLowerCase().replace(/^0+/, ""))) {
          closed.push(String(peer.subject?.CN));
          socket.destroy();
        }
      }
      log(`policy reloaded${closed.length ? `; closed the revoked ${closed.join(", ")}` : ""}`);
      return closed;
    },
    close: async () => {
      // Like a broker process ending: every connection goes, without a goodbye.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
