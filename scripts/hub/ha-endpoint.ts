// The hub's own MQTT endpoint for Home Assistant: the embedded broker (scripts/broker/embedded.ts)
// on its own port, with the project's CA, the CRL (re-read when the CA rewrites it) and the
// hub's certificate as the server's. It admits only the `ha` identities the CA's index lists
// as active (refresh() when the index changes), and the ACL (scripts/broker/acl-home-assistant.ts) lets them
// read the mirror and discovery and write only their command topics and homeassistant/status.
// The hub publishes in-process and hears Home Assistant's messages in-process: between Home
// Assistant and the hub there is one TLS connection and no third party, so the main broker
// never sees a Home Assistant command and cannot forge, hold back or replay one.
import type { TLSSocket } from "node:tls";
import { mkdir, writeFile } from "node:fs/promises";
import { unwatchFile, watchFile, type Stats } from "node:fs";
import path from "node:path";
import type { Aedes, Client, PublishPacket, Subscription } from "aedes";
import { homeAssistantRules } from "../broker/acl-home-assistant.ts";
import { matches, renderAcl } from "../broker/acl.ts";
import { runEmbedded, type EmbeddedBroker } from "../broker/embedded.ts";
import { PkiStore } from "../lib/pki-store.ts";

/** One message Home Assistant published, as the endpoint received it. */
export interface HaMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** DUP: a re-delivery of a QoS 1 message [MQTT-3.3.1-1], sent again after a reconnect. */
  dup: boolean;
  /** The certificate CN of the client that sent it. */
  who: string;
  /** How long that client had been connected when it arrived (ms). */
  sessionMs: number;
}

export interface HaEndpoint {
  host: string;
  port: number;
  /** The `ha` identities it admits. */
  readonly identities: string[];
  /** Admits these identities from now on (new ACL, CRL re-read, revoked connections closed). */
  refresh(identities: string[]): Promise<void>;
  /** Publishes at QoS 1 as the broker; resolves true when a connected `ha` client's
   *  subscription covered the topic (the message went out on its connection). `retain`: the
   *  endpoint keeps it for later subscriptions (an empty payload forgets the topic), and a
   *  subscription gets it before anything published after it, never after a newer value. */
  publish(topic: string, payload: string, retain: boolean): Promise<boolean>;
  /** The embedded broker, for its events (tests and diagnostics). */
  readonly aedes: Aedes;
  close(): Promise<void>;
}

export interface HaEndpointOptions {
  stateDir: string;
  /** The active `ha` identities (activeHaIdentities). */
  identities: string[];
  /** The hub's certificate files: the endpoint's server certificate. */
  cert: string;
  key: string;
  host: string;
  port: number;
  prefixes: string[];
  onMessage(message: HaMessage): void;
  crlPollMs?: number;
  log(line: string): void;
}

/** aedes queues a message to one client through this (lib/client.js); its types omit it. */
interface Deliver {
  deliverQoS(packet: object, done: () => void): void;
}

function cnOf(client: Client): string {
  return String((client.conn as unknown as TLSSocket).getPeerCertificate?.()?.subject?.CN ?? "?");
}

/** The CNs of the CA's active `ha` identities: none means no Home Assistant path at all. */
export async function activeHaIdentities(stateDir: string): Promise<string[]> {
  const index = await new PkiStore(stateDir).readIndex();
  return index.certificates.filter((c) => c.kind === "ha" && c.status === "active").map((c) => c.cn);
}

export async function startHaEndpoint(options: HaEndpointOptions): Promise<HaEndpoint> {
  const store = new PkiStore(options.stateDir);
  let identities = options.identities;
  const dir = path.join(options.stateDir, "hub");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const acl = path.join(dir, "home-assistant.acl");
  const writeAcl = async () => {
    const text = renderAcl(homeAssistantRules(identities, options.prefixes));
    await writeFile(acl, text, { mode: 0o600 });
    return text;
  };
  const aclText = await writeAcl();
  const broker: EmbeddedBroker = await runEmbedded(
    {
      dir,
      conf: "",
      acl,
      aclText,
      ca: store.caCertFile,
      cert: options.cert,
      key: options.key,
      crl: store.crlFile,
    },
    { host: options.host, port: options.port },
    (line) => options.log(`Home Assistant endpoint: ${line}`),
    { admit: (cn) => identities.includes(cn) },
  );
  const connectedAt = new WeakMap<Client, number>();
  broker.aedes.on("client", (client) => connectedAt.set(client, Date.now()));
  // The retained values, kept here rather than in aedes: aedes sends its retained messages to
  // a new subscription from a stream delivered on later ticks, after the subscription already
  // takes live messages (lib/handlers/subscribe.js, completeSubscribe), so a value published
  // in between reached Home Assistant before the older retained one, which it then kept. Here
  // each kept value is queued to the client as its subscription is made ('subscribe' is
  // emitted once its filters take messages), so everything published later follows it: a
  // client's deliveries go out in the order they were queued (lib/client.js, deliverQoS).
  const kept = new Map<string, Buffer>();
  broker.aedes.on("subscribe", (subscriptions: Subscription[], client: Client) => {
    // Refused filters come back with QoS 128 [MQTT-3.9.3-2]: nothing is sent for those.
    const filters = subscriptions.filter((s) => (s.qos as number) !== 128).map((s) => s.topic);
    for (const [topic, payload] of kept) {
      if (!filters.some((f) => matches(f, topic))) continue;
      // As aedes sends its own retained messages: marked retained [MQTT-3.3.1-8], no broker
      // id, so its de-duplication of forwarded messages does not drop it (lib/client.js).
      const packet = { cmd: "publish", topic, payload, qos: 1, retain: true, dup: false, brokerId: null };
      (client as unknown as Deliver).deliverQoS(packet, () => undefined);
    }
  });
  broker.aedes.on("publish", (packet: PublishPacket, client: Client | null) => {
    if (!client) return;
    options.onMessage({
      topic: packet.topic,
      payload: Buffer.from(packet.payload),
      retain: packet.retain,
      dup: packet.dup,
      who: cnOf(client),
      sessionMs: Date.now() - (connectedAt.get(client) ?? Date.now()),
    });
  });
  // A revoked `ha` certificate is refused, and its open connection closed, within a poll.
  const crlChanged = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) void broker.reload().catch(() => undefined);
  };
  watchFile(store.crlFile, { interval: options.crlPollMs ?? 1000 }, crlChanged);
  return {
    host: options.host,
    port: broker.port,
    get identities() {
      return identities;
    },
    refresh: async (next) => {
      identities = next;
      await writeAcl();
      await broker.reload();
    },
    aedes: broker.aedes,
    publish: async (topic, payload, retain) => {
      if (retain && payload === "") kept.delete(topic);
      else if (retain) kept.set(topic, Buffer.from(payload));
      // aedes keeps each connected client's filters on the client (lib/client.js).
      const clients = Object.values((broker.aedes as unknown as { clients: Record<string, Client> }).clients);
      const reached = clients.some((c) =>
        Object.keys((c as unknown as { subscriptions: Record<string, unknown> }).subscriptions).some((f) =>
          matches(f, topic),
        ),
      );
      await new Promise<void>((resolve, reject) =>
        broker.aedes.publish(
          { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
          (error?: Error) => (error ? reject(error) : resolve()),
        ),
      );
      return reached;
    },
    close: async () => {
      unwatchFile(store.crlFile, crlChanged);
      await broker.close();
    },
  };
}
