// The broker conformance suite's cases and runner, shared by every broker's test file
// (test/broker/conformance*.test.ts): the same policy (scripts/broker/acl.ts) must mean the
// same on Mosquitto, the embedded broker and the RabbitMQ cluster. Each case is one identity
// trying one publish or subscribe with a connection of its own (client id = its CN, as the
// device and the hub connect); what counts is whether the message is delivered. How a broker
// signals a refusal differs and is asserted too (SIGNALS).
import type mqtt from "mqtt";
import type { Kind } from "../../scripts/lib/pki-store.ts";
import { connectTls, makeTestPki, type TestPki } from "./pki.ts";
import { until } from "./wait.ts";

export const PREFIX = "latchkey";
const A = `${PREFIX}/door-a`;
const B = `${PREFIX}/door-b`;

export type BrokerKind = "mosquitto" | "embedded" | "rabbitmq";
type Who = readonly [Kind, string];
const DOOR_A: Who = ["device", "door-a"];
const DOOR_B: Who = ["device", "door-b"];
const ALICE: Who = ["user", "alice"]; // an operator limited to door-a
const OLGA: Who = ["user", "olga"]; // an operator of every device
const HUB: Who = ["hub", "hub"];
const HA: Who = ["ha", "ha"]; // Home Assistant's identity: nothing on the main broker
/** npm start's live view (scripts/lib/identities.ts): reads every device and commands it, but
 *  asks no state snapshot (the hub's alone) and writes nothing a device writes. */
const VIEW: Who = ["hub", "view"];
/** Reads everything, never acts: sees whether a publish was delivered. */
export const WATCH: Who = ["hub", "watch"];

export interface PublishCase {
  who: Who;
  topic: string;
  allowed: boolean;
}
export interface SubscribeCase {
  who: Who;
  filter: string;
  /** A message the filter matches, published by someone allowed to. */
  probe: readonly [Who, string];
  allowed: boolean;
}

const pub = (who: Who, topic: string, allowed: boolean): PublishCase => ({ who, topic, allowed });
export const PUBLISH_CASES: PublishCase[] = [
  ...["availability", "relay/state", "nonce", "state", "result", "telemetry/wifi"].map((t) =>
    pub(DOOR_A, `${A}/${t}`, true),
  ),
  pub(DOOR_A, `${A}/relay/set`, false),
  pub(DOOR_A, `${A}/nonce/get`, false),
  pub(DOOR_A, `${B}/relay/state`, false),
  pub(DOOR_A, `${B}/availability`, false),
  pub(ALICE, `${A}/relay/set`, true),
  pub(ALICE, `${A}/nonce/get`, true),
  // Only a hub may challenge a device for its state: an operator's challenges would starve the hub's.
  pub(ALICE, `${A}/state/get`, false),
  pub(ALICE, `${B}/relay/set`, false),
  pub(ALICE, `${A}/relay/state`, false),
  pub(ALICE, `${B}/nonce/get`, false),
  pub(OLGA, `${B}/relay/set`, true),
  pub(OLGA, `${A}/maintenance/set`, true),
  pub(OLGA, `${B}/state/get`, false),
  pub(OLGA, `${B}/relay/state`, false),
  pub(OLGA, `${A}/result`, false),
  pub(HUB, `${B}/relay/set`, true),
  pub(HUB, `${A}/nonce/get`, true),
  pub(HUB, `${A}/state/get`, true),
  pub(HUB, `${A}/availability`, false),
  pub(HUB, `${A}/nonce`, false),
  pub(VIEW, `${A}/relay/set`, true),
  pub(VIEW, `${B}/nonce/get`, true),
  pub(VIEW, `${B}/maintenance/set`, true),
  pub(VIEW, `${A}/state/get`, false),
  pub(VIEW, `${B}/state/get`, false),
  pub(VIEW, `${A}/relay/state`, false),
  pub(VIEW, `${A}/availability`, false),
  pub(VIEW, `${B}/nonce`, false),
  pub(VIEW, `${B}/state`, false),
  pub(VIEW, `${A}/result`, false),
  pub(HA, `${A}/relay/set`, false),
  pub(HA, `${A}/relay/state`, false),
];

const sub = (who: Who, filter: string, probe: readonly [Who, string], allowed: boolean): SubscribeCase => ({
  who,
  filter,
  probe,
  allowed,
});
export const SUBSCRIBE_CASES: SubscribeCase[] = [
  sub(DOOR_A, `${A}/+/set`, [HUB, `${A}/relay/set`], true),
  sub(DOOR_A, `${A}/nonce/get`, [HUB, `${A}/nonce/get`], true),
  sub(DOOR_A, `${A}/state/get`, [HUB, `${A}/state/get`], true),
  sub(DOOR_A, `${B}/+/set`, [HUB, `${B}/relay/set`], false),
  sub(DOOR_A, `${PREFIX}/+/relay/set`, [HUB, `${B}/relay/set`], false),
  sub(DOOR_A, `${PREFIX}/#`, [DOOR_B, `${B}/relay/state`], false),
  sub(ALICE, `${A}/#`, [DOOR_A, `${A}/relay/state`], true),
  sub(ALICE, `${B}/#`, [DOOR_B, `${B}/relay/state`], false),
  sub(ALICE, `${PREFIX}/#`, [DOOR_B, `${B}/relay/state`], false),
  sub(ALICE, `${PREFIX}/+/maintenance/set`, [OLGA, `${B}/maintenance/set`], false),
  sub(ALICE, `${B}/result`, [DOOR_B, `${B}/result`], false),
  sub(OLGA, `${PREFIX}/#`, [DOOR_B, `${B}/result`], true),
  sub(OLGA, `${B}/relay/state`, [DOOR_B, `${B}/relay/state`], true),
  sub(HUB, `${PREFIX}/+/relay/state`, [DOOR_B, `${B}/relay/state`], true),
  sub(HUB, `${PREFIX}/#`, [DOOR_A, `${A}/nonce`], true),
  // The view reads every device: no subscription under the prefix is refused to it.
  sub(VIEW, `${PREFIX}/#`, [DOOR_B, `${B}/result`], true),
  sub(VIEW, `${PREFIX}/+/relay/state`, [DOOR_A, `${A}/relay/state`], true),
  sub(VIEW, `${PREFIX}/+/state/get`, [HUB, `${B}/state/get`], true),
  sub(VIEW, `${B}/state`, [DOOR_B, `${B}/state`], true),
  sub(HA, `${PREFIX}/#`, [DOOR_A, `${A}/relay/state`], false),
];

/** How a refused publish or subscribe shows, per broker (MQTT 3.1.1 leaves it to the broker:
 *  section 3.3.5 lets it drop a PUBLISH it will not deliver; 3.9.3 has 0x80 in SUBACK). */
export interface Signals {
  /** A refused PUBLISH (QoS 1): acknowledged and dropped, or the connection closed. */
  publish: "acknowledged" | "closed";
  /** A refused SUBSCRIBE: granted and each delivery filtered, 0x80, or the connection closed. */
  subscribe: "granted" | "0x80" | "closed";
  /** An identity with no rules at all (`ha`): it connects, or it is refused at CONNACK. */
  nobody: "connects" | "refused";
  /** Another identity connecting with a device's or the hub's client id. */
  takeover: "accepted under its own id" | "refused";
  /** The last line of `npm run pki -- revoke door-r` while door-r is connected. */
  revoked: string;
}

export async function conformancePki(): Promise<{ pki: TestPki; other: TestPki }> {
  const pki = await makeTestPki();
  const other = await makeTestPki();
  for (const [kind, name] of [DOOR_A, DOOR_B, HUB, VIEW, WATCH, HA, ["device", "door-r"]] as const)
    await pki.issue(kind, name);
  await pki.issue("user", "alice", { devices: ["door-a"], password: "pw" });
  await pki.issue("user", "olga", { password: "pw" });
  await pki.issue("device", "expired", { notBefore: new Date(Date.now() - 10 * 86400000), days: 2 });
  await pki.issue("device", "gone");
  await pki.revoke("gone");
  await other.issue("device", "door-a");
  return { pki, other };
}

export interface Target {
  kind: BrokerKind;
  /** The port of node `i` (one broker: always its port). */
  port(i: number): number;
}

export class Conformance {
  private watched: string[] = [];
  private watch?: mqtt.MqttClient;
  private clients: mqtt.MqttClient[] = [];
  constructor(
    readonly target: Target,
    readonly pki: TestPki,
  ) {}

  async connect(who: Who, node: number, clientId = who[1]): Promise<mqtt.MqttClient> {
    const client = await connectTls(this.target.port(node), this.pki.credentials(who[0], who[1]), clientId);
    this.clients.push(client);
    return client;
  }

  /** The observer: subscribed to everything under the prefix, on node 0. */
  async startWatching(): Promise<void> {
    this.watch = await this.connect(WATCH, 0);
    this.watch.on("message", (topic, payload) => this.watched.push(`${topic} ${payload.toString()}`));
    await this.watch.subscribeAsync(`${PREFIX}/#`, { qos: 1 });
  }

  seen(line: string): boolean {
    return this.watched.includes(line);
  }

  /** One publish case on node `node`: what the publisher's connection showed. */
  async publish(c: PublishCase, node: number, payload: string): Promise<string> {
    let client: mqtt.MqttClient;
    try {
      client = await this.connect(c.who, node);
    } catch {
      return "refused";
    }
    const closed = new Promise<string>((resolve) => client.once("close", () => resolve("closed")));
    const outcome = await Promise.race([
      client.publishAsync(c.topic, payload, { qos: 1 }).then(
        () => "acknowledged",
        () => "closed",
      ),
      closed,
    ]);
    client.end(true);
    return outcome;
  }

  /** One subscribe case: the subscriber on node `node`, the probe published on the next node;
   *  delivery is judged once the observer has the probe (plus a settle for the subscriber). */
  async subscribe(c: SubscribeCase, node: number, payload: string): Promise<{ signal: string; delivered: boolean }> {
    let client: mqtt.MqttClient;
    try {
      client = await this.connect(c.who, node);
    } catch {
      await this.probe(c, node + 1, payload);
      return { signal: "refused", delivered: false };
    }
    const got: string[] = [];
    client.on("message", (topic, body) => got.push(`${topic} ${body.toString()}`));
    const signal = await client.subscribeAsync(c.filter, { qos: 1 }).then(
      (granted) => (granted[0]?.qos === 128 ? "0x80" : "granted"),
      // MQTT.js rejects a SUBACK with 0x80 as "Subscribe error: ..." (handlers/ack.js).
      (error: Error) => (/^Subscribe error/.test(error?.message) ? "0x80" : "closed"),
    );
    const line = await this.probe(c, node + 1, payload);
    if (c.allowed) await until(`${c.who[1]} to receive ${line}`, () => got.includes(line)).catch(() => undefined);
    else await new Promise((r) => setTimeout(r, 300));
    client.end(true);
    return { signal, delivered: got.includes(line) };
  }

  private async probe(c: SubscribeCase, node: number, payload: string): Promise<string> {
    const publisher = await this.connect(c.probe[0], node);
    await publisher.publishAsync(c.probe[1], payload, { qos: 1 });
    publisher.end(true);
    const line = `${c.probe[1]} ${payload}`;
    await until(`the observer to see ${line}`, () => this.seen(line));
    return line;
  }

  close(): void {
    this.clients.splice(0).forEach((c) => c.end(true));
  }
}

export const identities = { DOOR_A, DOOR_B, ALICE, OLGA, HUB, HA, VIEW };
