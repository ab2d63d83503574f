// Signed commands and signed device reports on the host (the contract between branches,
// "Signed commands"): HMAC-SHA256 with the device's command key over a domain-separated text,
// the device's single-use nonce for freshness. A minimal version for the hub's branch; the
// signed-commands branch owns this file and replaces it.
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { MqttClient } from "mqtt";

const HEX16 = /^[0-9a-f]{16}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Where the command key of `device` is kept: beside its certificate, mode 0600. */
export function commandKeyFile(stateDir: string, device: string): string {
  return path.join(stateDir, "pki", "device", device, "cmdkey.bin");
}

export function readCommandKey(stateDir: string, device: string): Buffer {
  const file = commandKeyFile(stateDir, device);
  let key: Buffer;
  try {
    key = readFileSync(file);
  } catch {
    throw new Error(`no command key for device '${device}' (${file}): issue its certificate with npm run pki`);
  }
  if (key.length !== 32) throw new Error(`command key ${file} is ${key.length} bytes, not 32`);
  return key;
}

export function macHex(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("hex");
}

function sameMac(a: string, b: string): boolean {
  return HEX64.test(a) && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

export function signCommand(key: Buffer, topic: string, nonce: string, cmd: string): string {
  const mac = macHex(key, "latchkey/1 cmd\n" + topic + "\n" + nonce + "\n" + cmd);
  return JSON.stringify({ cmd, nonce, mac });
}

function parse(payload: string | Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload.toString());
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function verifyReport(
  key: Buffer,
  topic: string,
  payload: string | Buffer,
): { ok: true; value: string; boot: string; seq: number } | { ok: false; error: string } {
  const r = parse(payload);
  if (!r) return { ok: false, error: "not a signed report (not JSON)" };
  const { v, boot, seq, mac } = r;
  if (typeof v !== "string" || typeof boot !== "string" || !HEX16.test(boot))
    return { ok: false, error: "not a signed report (v, boot)" };
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0)
    return { ok: false, error: "not a signed report (seq)" };
  if (typeof mac !== "string") return { ok: false, error: "not a signed report (no mac)" };
  const expected = macHex(key, "latchkey/1 report\n" + topic + "\n" + boot + "\n" + seq + "\n" + v);
  if (!sameMac(mac, expected)) return { ok: false, error: "bad mac" };
  return { ok: true, value: v, boot, seq };
}

export function verifyResult(
  key: Buffer,
  commandTopic: string,
  payload: string | Buffer,
): { ok: true; nonce: string; accepted: boolean; detail: string } | { ok: false; error: string } {
  const r = parse(payload);
  if (!r) return { ok: false, error: "not a signed result (not JSON)" };
  const { nonce, ok, detail, mac } = r;
  if (typeof nonce !== "string" || typeof ok !== "boolean" || typeof detail !== "string" || typeof mac !== "string")
    return { ok: false, error: "not a signed result (nonce, ok, detail, mac)" };
  const expected = macHex(
    key,
    "latchkey/1 result\n" + commandTopic + "\n" + nonce + "\n" + (ok ? "1" : "0") + "\n" + detail,
  );
  if (!sameMac(mac, expected)) return { ok: false, error: "bad mac" };
  return { ok: true, nonce, accepted: ok, detail };
}

/** Asks the device for a nonce, sends `cmd` signed with it, and waits for its verified result. */
export async function sendSignedCommand(
  client: MqttClient,
  o: { prefix: string; device: string; key: Buffer; topic: string; cmd: string; timeoutMs?: number },
): Promise<{ accepted: boolean; detail: string }> {
  const root = `${o.prefix}/${o.device}`;
  const nonceTopic = `${root}/nonce`;
  const resultTopic = `${root}/result`;
  const timeoutMs = o.timeoutMs ?? 5000;
  let nonce: string | undefined;
  let onMessage: ((topic: string, payload: Buffer) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              nonce === undefined
                ? `no nonce from ${o.device} within ${timeoutMs} ms (offline, or not a signed-command device?)`
                : `no result from ${o.device} within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      onMessage = (topic, payload) => {
        if (topic === nonceTopic && nonce === undefined) {
          const text = payload.toString();
          if (!HEX16.test(text)) return;
          nonce = text;
          client.publish(o.topic, signCommand(o.key, o.topic, nonce, o.cmd), { qos: 1 }, (error) => {
            if (error) reject(error);
          });
        } else if (topic === resultTopic && nonce !== undefined) {
          const result = verifyResult(o.key, o.topic, payload);
          if (result.ok && result.nonce === nonce) resolve({ accepted: result.accepted, detail: result.detail });
        }
      };
      client.on("message", onMessage);
      client
        .subscribeAsync([nonceTopic, resultTopic], { qos: 1 })
        .then(() => client.publishAsync(`${root}/nonce/get`, "", { qos: 1 }))
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    if (onMessage) client.removeListener("message", onMessage);
  }
}
