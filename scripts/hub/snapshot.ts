// The device's signed state snapshot (docs/protocol.md, "State snapshots"): a signed report on
// <prefix>/<device>/state whose value is the JSON text {"c": challenge, "r": {topic: value},
// "v": the running bundle's version, "ip": the station's address (none on a wired build)}.
// The topic is inside the MAC and no other report is ever signed for it, so a snapshot cannot
// pass for a report nor a report for a snapshot; the challenge inside binds it to one question.
import { verifyReport } from "../lib/signing.ts";

export interface Snapshot {
  boot: string;
  seq: number;
  /** Every report value the device held when it answered, by full topic. */
  values: Record<string, string>;
  /** The running bundle's build version (`v`), when the device says it. */
  version?: string;
  /** The station's IP address (`ip`), when the device says it. */
  ip?: string;
}

/** The snapshot in `payload` if the device signed it for `topic` in answer to `challenge`;
 *  undefined for anything else (forged, malformed, or answering another challenge). */
export function readSnapshot(key: Buffer, topic: string, payload: Buffer, challenge: string): Snapshot | undefined {
  const report = verifyReport(key, topic, payload);
  if (!report.ok) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(report.value);
  } catch {
    return undefined;
  }
  const { c, r, v, ip } = (body ?? {}) as { c?: unknown; r?: unknown; v?: unknown; ip?: unknown };
  if (c !== challenge || typeof r !== "object" || r === null || Array.isArray(r)) return undefined;
  const values: Record<string, string> = {};
  for (const [t, v] of Object.entries(r)) if (typeof v === "string") values[t] = v;
  return {
    boot: report.boot,
    seq: report.seq,
    values,
    ...(typeof v === "string" ? { version: v } : {}),
    ...(typeof ip === "string" ? { ip } : {}),
  };
}
