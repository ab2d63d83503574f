// Certificates made at test time with the project's own CA tooling, in a temporary state
// folder, plus host MQTT clients that connect with them.
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { initCa, issue, revoke, type IssueOptions, type PkiContext } from "../../scripts/ca/commands.ts";
import { type KeyType, PkiStore, type Kind } from "../../scripts/lib/pki-store.ts";

export interface TestPki {
  stateDir: string;
  ctx: PkiContext;
  store: PkiStore;
  issue(kind: Kind, name: string, options?: IssueOptions): Promise<void>;
  revoke(name: string): Promise<void>;
  /** PEM credentials of an identity, for a host client. */
  credentials(kind: Kind, name: string): { ca: Buffer; cert: Buffer; key: Buffer };
}

export async function makeTestPki(keyType: KeyType = "ec", passphrase?: string): Promise<TestPki> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "latchkey-pki-"));
  const store = new PkiStore(stateDir);
  const ctx: PkiContext = { store, passphrase, log: () => undefined };
  await initCa(ctx, { keyType });
  await issue(ctx, "broker", "broker", { keyType });
  return {
    stateDir,
    ctx,
    store,
    issue: async (kind, name, options) => {
      await issue(ctx, kind, name, { keyType, ...options });
    },
    revoke: async (name) => {
      await revoke(ctx, name);
    },
    credentials: (kind, name) => {
      const dir = store.identityDir(kind, name);
      return {
        ca: readFileSync(store.caCertFile),
        cert: readFileSync(`${dir}/cert.pem`),
        key: readFileSync(`${dir}/key.pem`),
      };
    },
  };
}

/** Connects over mutual TLS; resolves at CONNACK, rejects on any refusal or after 5 s. */
export function connectTls(
  port: number,
  credentials: { ca: Buffer; cert?: Buffer; key?: Buffer; pfx?: Buffer; passphrase?: string },
  clientId = `host-${Math.random().toString(16).slice(2)}`,
): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect({
      host: "127.0.0.1",
      port,
      protocol: "mqtts",
      clientId,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      rejectUnauthorized: true,
      ...credentials,
    });
    const fail = (why: string) => {
      client.end(true);
      reject(new Error(why));
    };
    client.once("connect", () => {
      // No Nagle wait: a signed command is four small messages in turn.
      (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      resolve(client);
    });
    client.once("error", (e) => fail(e.message));
    client.once("close", () => fail("connection closed before CONNACK"));
  });
}

export async function collect(client: mqtt.MqttClient, filter: string): Promise<string[]> {
  const seen: string[] = [];
  client.on("message", (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  const granted = await client.subscribeAsync(filter, { qos: 1 });
  if (granted[0]?.qos === 128) throw new Error(`subscription to ${filter} refused`);
  return seen;
}
