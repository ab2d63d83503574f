// What the hub knows of each device, from what the device published: availability (its will),
// and for every entity the last VERIFIED value. A signed report is checked with the device's
// command key (scripts/lib/signing.ts verifyReport); one that fails, or that replays an older
// seq of the same boot, is kept aside as `unverified` and never becomes the value.
import type { DeviceProfile } from "../../firmware/app/profile.ts";
import { verifyReport } from "../lib/signing.ts";
import { deviceEntities, type Entity } from "./entities.ts";

/** Readings kept per charted entity (the page's chart). */
export const HISTORY_POINTS = 120;

export interface EntityValue {
  value?: string;
  /** When the value was accepted (host clock, ms). */
  at?: number;
  /** Why the latest report on this entity's topic was not accepted. */
  unverified?: string;
  /** Telemetry sent without a signature: shown, marked, never acted on. */
  unsigned?: boolean;
  history: { t: number; v: number }[];
}

export interface DeviceView {
  id: string;
  availability: "online" | "offline" | "unknown";
  entities: Entity[];
  values: Record<string, EntityValue>;
  lastResult?: { at: number; who: string; cmd: string; accepted: boolean; detail: string };
}

interface Tracked {
  profile: DeviceProfile;
  key: Buffer | undefined;
  keyProblem?: string;
  view: DeviceView;
  /** Per topic: the boot and seq of the last accepted report (replay guard). */
  seen: Map<string, { boot: string; seq: number }>;
}

export class DeviceStates {
  private readonly devices = new Map<string, Tracked>();

  constructor(
    profiles: DeviceProfile[],
    private readonly keyOf: (device: string) => Buffer,
    private readonly changed: (view: DeviceView) => void,
  ) {
    for (const profile of profiles) {
      let key: Buffer | undefined;
      let keyProblem: string | undefined;
      try {
        key = keyOf(profile.id);
      } catch (error) {
        keyProblem = (error as Error).message;
      }
      const entities = deviceEntities(profile);
      const values: Record<string, EntityValue> = {};
      for (const e of entities) values[e.id] = { history: [] };
      this.devices.set(profile.id, {
        profile,
        key,
        keyProblem,
        view: { id: profile.id, availability: "unknown", entities, values },
        seen: new Map(),
      });
    }
  }

  ids(): string[] {
    return [...this.devices.keys()];
  }

  view(id: string): DeviceView | undefined {
    return this.devices.get(id)?.view;
  }

  profile(id: string): DeviceProfile | undefined {
    return this.devices.get(id)?.profile;
  }

  key(id: string): Buffer {
    const d = this.devices.get(id);
    if (d) this.reloadKey(d);
    if (!d?.key) throw new Error(d?.keyProblem ?? `unknown device '${id}'`);
    return d.key;
  }

  /** Read again at every use: a revoke or renew takes effect at once (readCommandKey refuses
   *  a revoked device's key). */
  private reloadKey(d: Tracked): void {
    try {
      d.key = this.keyOf(d.profile.id);
      d.keyProblem = undefined;
    } catch (error) {
      d.key = undefined;
      d.keyProblem = (error as Error).message;
    }
  }

  /** Every topic filter the hub must follow. */
  filters(): string[] {
    return [...this.devices.values()].map((d) => `${d.profile.topicPrefix}/${d.profile.id}/#`);
  }

  recordResult(id: string, result: NonNullable<DeviceView["lastResult"]>): void {
    const d = this.devices.get(id);
    if (!d) return;
    d.view.lastResult = result;
    this.changed(d.view);
  }

  /** One MQTT message from the broker. Returns the entities whose value changed. */
  message(topic: string, payload: Buffer, now = Date.now()): Entity[] {
    const [prefix, id] = topic.split("/");
    const d = this.devices.get(id ?? "");
    if (!d || d.profile.topicPrefix !== prefix) return [];
    const view = d.view;
    if (topic === `${prefix}/${id}/availability`) {
      const text = payload.toString();
      view.availability = text === "online" ? "online" : text === "offline" ? "offline" : "unknown";
      this.changed(view);
      return [];
    }
    const entities = view.entities.filter((e) => e.topic === topic);
    if (entities.length === 0) return [];
    const verdict = this.check(d, topic, payload, entities[0]!.signed);
    const updated: Entity[] = [];
    for (const entity of entities) {
      const slot = view.values[entity.id]!;
      if ("unverified" in verdict) {
        slot.unverified = verdict.unverified;
        continue;
      }
      const value = entity.jsonKey === undefined ? verdict.text : jsonField(verdict.text, entity.jsonKey);
      slot.unverified = undefined;
      if (value === undefined) continue;
      slot.unsigned = verdict.unsigned;
      slot.value = value;
      slot.at = now;
      const number = Number(value);
      if (entity.chart && value !== "" && Number.isFinite(number)) {
        slot.history.push({ t: now, v: number });
        if (slot.history.length > HISTORY_POINTS) slot.history.splice(0, slot.history.length - HISTORY_POINTS);
      }
      updated.push(entity);
    }
    this.changed(view);
    return updated;
  }

  private check(
    d: Tracked,
    topic: string,
    payload: Buffer,
    signed: boolean,
  ): { text: string; unsigned: boolean } | { unverified: string } {
    if (payload.length === 0) return { unverified: "empty report" };
    const looksSigned = payload.includes('"mac"');
    if (!signed && !looksSigned) return { text: payload.toString(), unsigned: true };
    this.reloadKey(d);
    if (!d.key) return { unverified: `cannot verify: ${d.keyProblem}` };
    const report = verifyReport(d.key, topic, payload);
    if (!report.ok) return { unverified: report.error };
    const last = d.seen.get(topic);
    if (last && last.boot === report.boot && report.seq <= last.seq)
      return { unverified: `replayed report (seq ${report.seq}, already saw ${last.seq} of this boot)` };
    d.seen.set(topic, { boot: report.boot, seq: report.seq });
    return { text: report.value, unsigned: false };
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
