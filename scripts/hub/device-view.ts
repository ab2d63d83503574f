// What the hub shows of one device (the page, Home Assistant, the journal read it): its
// availability, freshness and, for every entity, the current value, the last known one and
// the chart's readings. device-state.ts decides the signed values; unsigned telemetry lands
// here as received (recordUnsigned), marked, never acted on.
import type { Entity } from "../lib/entities.ts";
import type { Freshness } from "./freshness-types.ts";

/** Readings kept per charted entity (the page's chart). */
export const HISTORY_POINTS = 120;

export interface EntityValue {
  /** The current value: confirmed for a signed entity, as received for unsigned telemetry. */
  value?: string;
  /** When the value was accepted (host clock, ms). */
  at?: number;
  /** A signed value: when the challenge that confirmed it went out (host clock, ms). */
  confirmedAt?: number;
  /** A verified value the hub cannot tell is current (retained, before the device answered,
   *  after it went away or stopped answering). */
  lastKnown?: { value: string; at: number };
  /** Why the latest report on this entity's topic was not accepted. */
  unverified?: string;
  /** Telemetry sent without a signature: shown, marked, never acted on. */
  unsigned?: boolean;
  history: { t: number; v: number }[];
}

export interface DeviceView {
  id: string;
  availability: "online" | "offline" | "unknown";
  freshness: Freshness;
  entities: Entity[];
  values: Record<string, EntityValue>;
  lastResult?: { at: number; who: string; cmd: string; accepted: boolean; detail: string };
  /** The firmware version the device signed in its latest confirmed snapshot, and when that
   *  answer arrived. */
  firmware?: { version: string; at: number };
  /** The IP address the device signed in its latest confirmed snapshot, and when it arrived. */
  ip?: { address: string; at: number };
}

/** Unsigned telemetry on the entities of one topic: each value as received, marked unsigned,
 *  and a number appended to a charted entity's history (at most HISTORY_POINTS). */
export function recordUnsigned(view: DeviceView, entities: Entity[], text: string, now: number): void {
  for (const entity of entities) {
    const slot = view.values[entity.id]!;
    const value = entity.jsonKey === undefined ? text : jsonField(text, entity.jsonKey);
    if (value === undefined) continue;
    Object.assign(slot, { value, at: now, unsigned: true, unverified: undefined });
    const number = Number(value);
    if (entity.chart && value !== "" && Number.isFinite(number)) {
      slot.history.push({ t: now, v: number });
      if (slot.history.length > HISTORY_POINTS) slot.history.splice(0, slot.history.length - HISTORY_POINTS);
    }
  }
}

function jsonField(text: string, key: string): string | undefined {
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)[key];
    if (value === undefined || value === null || typeof value === "object") return undefined;
    return String(value);
  } catch {
    return undefined;
  }
}
