// The host half of signed commands (docs/protocol.md; the device half is
// firmware/app/protocol/auth.ts, commands.ts and signed.ts): the per-device command key from the CA's
// state, command signing, verification of the device's signed results and reports, and
// sendSignedCommand, which a one-shot tool (npm run command) and a long-running service with
// one MQTT client for many devices (the hub) both use.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { MqttClient } from "mqtt";
import { COMMAND_PREFIX, REPORT_PREFIX, RESULT_PREFIX } from "../../firmware/app/protocol/auth.ts";
import { MAX_CMD_CHARS } from "../../firmware/app/protocol/commands.ts";
import { PkiStore, type PkiIndex } from "./pki-store.ts";

import { SigningError } from "./errors.ts";
export { SigningError };

const HEX16 = /^[0-9a-f]{16}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const PRINTABLE = /^[\x20-\x7e]+$/;
export const DEFAULT_COMMAND_TIMEOUT_MS = 10000;

type DeviceRecord = { kind: string; name: string; status: string };
/** The index's device records by name, parsed again only when the file changed (another inode,
 *  size or mtime): the hub reads a key at every report it verifies, and parsing the index of a
 *  500-device CA each time was the hub's largest cost in a fleet (`npm run bench -- --fleet`). */
const indexes = new Map<string, { stamp: string; byName: Map<string, DeviceRecord[]> }>();

function indexed(file: string): Map<string, DeviceRecord[]> {
  const stat = statSync(file, { throwIfNoEntry: false });
  const stamp = stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : "";
  const cached = indexes.get(file);
  if (cached && cached.stamp === stamp) return cached.byName;
  const byName = new Map<string, DeviceRecord[]>();
  try {
    for (const c of (JSON.parse(readFileSync(file, "utf8")) as PkiIndex).certificates) {
      if (c.kind !== "device") continue;
      if (!byName.has(c.name)) byName.set(c.name, []);
      byName.get(c.name)!.push(c);
    }
  } catch {
    // No index (or not readable): no device is known revoked, as before.
  }
  indexes.set(file, { stamp, byName });
  return byName;
}

/** Command keys by file, read again only when the file changed (another inode, size, mtime or
 *  ctime): the hub needs one at every command and every report it verifies. */
const keys = new Map<string, { stamp: string; key: Buffer }>();

function keyFile(file: string): Buffer {
  const stat = statSync(file, { throwIfNoEntry: false });
  const stamp = stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` : "";
  const cached = keys.get(file);
  if (stat && cached && cached.stamp === stamp) return cached.key;
  const key = readFileSync(file);
  keys.set(file, { stamp, key });
  return key;
}

/** The device's 32-byte command key, kept 0600 in the CA's state (`npm run pki -- device`).
 *  Only while the device has an active certificate in the CA's index: a revoked device's
 *  board may be in a thief's hands, and its key must sign nothing. */
export function readCommandKey(stateDir: string, device: string): Buffer {
  const store = new PkiStore(stateDir);
  const file = store.commandKeyFile(device);
  const own = indexed(store.indexFile).get(device) ?? [];
  if (own.length > 0 && !own.some((c) => c.status === "active"))
    throw new SigningError(
      `device '${device}' has no active certificate (${own.at(-1)!.status}): its command key is not used`,
    );
  let key: Buffer;
  try {
    key = keyFile(file);
  } catch {
    throw new SigningError(`no command key for device '${device}' (${file}): npm run pki -- device ${device} makes it`);
  }
  if (key.length !== 32) throw new SigningError(`command key ${file} is ${key.length} bytes, not 32: corrupt`);
  return key;
}

/** hex(HMAC-SHA256(key, text)), the text as UTF-8 (the device MACs printable ASCII only). */
export function macHex(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("hex");
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, "latin1"), Buffer.from(b, "latin1"));
}

/** The signed command payload for `cmd` on `topic` with the device's live `nonce`. */
export function signCommand(key: Buffer, topic: string, nonce: string, cmd: string): string {
  if (!HEX16.test(nonce)) throw new SigningError(`nonce '${nonce}' is not 16 lower-case hex digits`);
  if (!PRINTABLE.test(cmd) || cmd.length > MAX_CMD_CHARS)
    throw new SigningError(`command text must be 1 to ${MAX_CMD_CHARS} printable ASCII characters`);
  const mac = macHex(key, COMMAND_PREFIX + topic + "\n" + nonce + "\n" + cmd);
  return JSON.stringify({ cmd, nonce, mac });
}

function parseObject(payload: string | Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload.toString());
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A device's signed report on `topic`: its value, boot id and sequence number, or why not. */
export function verifyReport(
  key: Buffer,
  topic: string,
  payload: string | Buffer,
): { ok: true; value: string; boot: string; seq: number } | { ok: false; error: string } {
  const m = parseObject(payload);
  if (!m) return { ok: false, error: "not a signed report (not a JSON object)" };
  const { v, boot, seq, mac } = m;
  if (typeof v !== "string" || typeof boot !== "string" || !HEX16.test(boot))
    return { ok: false, error: "not a signed report (v and boot required)" };
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 1)
    return { ok: false, error: "not a signed report (seq must be a positive integer)" };
  if (typeof mac !== "string" || !HEX64.test(mac)) return { ok: false, error: "not a signed report (no mac)" };
  if (!sameHex(macHex(key, REPORT_PREFIX + topic + "\n" + boot + "\n" + seq + "\n" + v), mac))
    return { ok: false, error: "bad signature: not written by this device (or for another topic)" };
  return { ok: true, value: v, boot, seq };
}

/** A device's signed result of a message on `commandTopic`, or why it is not genuine. `re` is
 *  what it answers: the command's MAC when the command verified, else the hex SHA-256 of the
 *  payload the device received (resultRefersTo says whether that is a given command). */
export function verifyResult(
  key: Buffer,
  commandTopic: string,
  payload: string | Buffer,
): { ok: true; re: string; accepted: boolean; detail: string } | { ok: false; error: string } {
  const m = parseObject(payload);
  if (!m) return { ok: false, error: "not a signed result (not a JSON object)" };
  const { re, ok, detail, mac } = m;
  if (typeof re !== "string" || !HEX64.test(re) || typeof ok !== "boolean" || typeof detail !== "string")
    return { ok: false, error: "not a signed result (re, ok and detail required)" };
  if (typeof mac !== "string" || !HEX64.test(mac)) return { ok: false, error: "not a signed result (no mac)" };
  const text = RESULT_PREFIX + commandTopic + "\n" + re + "\n" + (ok ? "1" : "0") + "\n" + detail;
  if (!sameHex(macHex(key, text), mac)) return { ok: false, error: "bad signature: not written by this device" };
  return { ok: true, re, accepted: ok, detail };
}

/** True when a result's `re` names the signed command `payload` (its MAC, or, for a payload
 *  the device could not verify, the SHA-256 of exactly these bytes). */
export function resultRefersTo(re: string, payload: string): boolean {
  const mac = (JSON.parse(payload) as { mac: string }).mac;
  return re === mac || re === createHash("sha256").update(payload, "utf8").digest("hex");
}

export interface SignedCommandOptions {
  prefix: string;
  device: string;
  key: Buffer;
  /** The full command topic, e.g. `<prefix>/<device>/relay/set`. */
  topic: string;
  cmd: string;
  /** For the nonce and then the result (default DEFAULT_COMMAND_TIMEOUT_MS each). */
  timeoutMs?: number;
  /** Called with the command's MAC as it is published (the result will refer to it). */
  onSigned?: (mac: string) => void;
  /** The client already receives the device's nonce and result topics (the hub follows
   *  `<prefix>/<device>/#`): no subscription is made for the command. */
  covered?: boolean;
}

type Handler = (topic: string, payload: Buffer) => void;
/** One `message` listener per client, dispatching by topic to the commands in flight (one
 *  listener per command made Node warn past 10 and cost every message a call per command). */
const dispatchers = new WeakMap<MqttClient, Map<string, Set<Handler>>>();

function listen(client: MqttClient, topics: string[], handler: Handler): () => void {
  let byTopic = dispatchers.get(client);
  if (!byTopic) {
    const table = (byTopic = new Map());
    dispatchers.set(client, table);
    client.on("message", (topic, payload) => {
      for (const h of [...(table.get(topic) ?? [])]) h(topic, payload);
    });
  }
  const table = byTopic;
  for (const topic of topics) {
    if (!table.has(topic)) table.set(topic, new Set());
    table.get(topic)!.add(handler);
  }
  return () => {
    for (const topic of topics) {
      const set = table.get(topic);
      set?.delete(handler);
      if (set?.size === 0) table.delete(topic);
    }
  };
}

/** One command in flight per device and client: a second would replace the first's nonce. */
const queues = new WeakMap<MqttClient, Map<string, Promise<unknown>>>();

function serialised<T>(client: MqttClient, device: string, run: () => Promise<T>): Promise<T> {
  let perClient = queues.get(client);
  if (!perClient) queues.set(client, (perClient = new Map()));
  const queue = perClient;
  const previous = queue.get(device) ?? Promise.resolve();
  const next = previous.then(run, run);
  const tail = next.catch(() => undefined);
  queue.set(device, tail);
  void tail.then(() => {
    if (queue.get(device) === tail) queue.delete(device);
  });
  return next;
}

function once(client: MqttClient, o: SignedCommandOptions): Promise<{ accepted: boolean; detail: string }> {
  const root = `${o.prefix}/${o.device}`;
  const nonceTopic = `${root}/nonce`;
  const resultTopic = `${root}/result`;
  const timeoutMs = o.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let nonce: string | undefined;
    let signed = "";
    let forged = 0;
    let others = 0;
    let timer: NodeJS.Timeout;
    let unlisten = () => undefined as void;
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      unlisten();
      settle();
    };
    const fail = (message: string) => finish(() => reject(new SigningError(message)));
    const arm = (what: string) => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          fail(
            `no ${what} from device '${o.device}' within ${timeoutMs} ms${forged ? ` (${forged} forged results ignored)` : ""}${others ? ` (${others} results for other messages ignored)` : ""}: ${nonce === undefined ? "is it online?" : "it may have been obeyed: check its state before sending it again"}`,
          ),
        timeoutMs,
      );
    };
    const onMessage = (topic: string, payload: Buffer) => {
      if (topic === nonceTopic && nonce === undefined) {
        const text = payload.toString("latin1");
        if (!HEX16.test(text)) return;
        nonce = text;
        arm("result");
        signed = signCommand(o.key, o.topic, nonce, o.cmd);
        o.onSigned?.((JSON.parse(signed) as { mac: string }).mac);
        client.publish(o.topic, signed, { qos: 1 }, (error) => {
          if (error) fail(`publishing to ${o.topic} failed: ${error.message}`);
        });
      } else if (topic === resultTopic && nonce !== undefined) {
        const result = verifyResult(o.key, o.topic, payload);
        // Only a result that names this very command answers it: a broker can make the device
        // refuse something else (a forgery made from it) and show the host that refusal.
        if (!result.ok) forged++;
        else if (!resultRefersTo(result.re, signed)) others++;
        else finish(() => resolve({ accepted: result.accepted, detail: result.detail }));
      }
    };
    signCommand(o.key, o.topic, "0000000000000000", o.cmd);
    arm("nonce");
    unlisten = listen(client, [nonceTopic, resultTopic], onMessage);
    const ask = () =>
      client.publish(`${root}/nonce/get`, "", { qos: 1 }, (e) => {
        if (e) fail(`publishing to ${root}/nonce/get failed: ${e.message}`);
      });
    if (o.covered) return ask();
    // A short-lived tool's subscriptions stay: removing one could take away a subscription the
    // caller made to the same filter. The hub subscribes to nothing here (covered).
    client.subscribe([nonceTopic, resultTopic], { qos: 1 }, (error, granted) => {
      if (error) return fail(`subscribing to ${nonceTopic} failed: ${error.message}`);
      if (granted?.some((g) => g.qos === 128))
        return fail(`the broker refused a subscription to ${root}/nonce or result`);
      ask();
    });
  });
}

/**
 * Asks the device for a nonce, signs `cmd` with it, publishes it once at QoS 1 and resolves
 * with the device's verified result of that command; rejects (SigningError) on a timeout.
 * Never sends it again: a refusal ("nonce not live": another client took the nonce first, or
 * the command arrived late) goes to the caller, who decides. A copy of an obeyed command that
 * reaches the device again is answered with the first result, never a refusal.
 */
export function sendSignedCommand(
  client: MqttClient,
  o: SignedCommandOptions,
): Promise<{ accepted: boolean; detail: string }> {
  return serialised(client, o.device, () => once(client, o));
}
