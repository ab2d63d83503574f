// What the page tells about each device beyond its current values, from what the hub already
// receives and audits: when it was last heard from, its health (the telemetry JSON,
// firmware/app/sensors/telemetry.ts), its certificate's expiry (the CA's index), how often the hub saw
// it go offline, and a bounded timeline of recent events: state changes (verified reports,
// marked confirmed or last known), availability (the will: not signed), commands and their
// verified results and refusals (the audit log), and update progress (signed ota/state
// reports, firmware/app/maintenance/ota.ts). Nothing here is acted on; it is shown.
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { verifyReport } from "../lib/signing.ts";
import { PkiStore } from "../lib/pki-store.ts";
import type { AuditRecord } from "./audit.ts";
import type { DeviceView } from "./device-view.ts";
import { shownValue } from "./door.ts";
import { describeValue, resultWords, windowEvent } from "./value-words.ts";

/** Events kept per device. */
export const TIMELINE_EVENTS = 40;

export interface TimelineEvent {
  at: number;
  kind: "state" | "online" | "offline" | "command" | "result" | "refused" | "update";
  text: string;
  /** verified: signed by the device (or the hub's own record of what it did); unsigned: the
   *  broker could have made it up (availability); last known: verified, not confirmed current. */
  trust: "verified" | "unsigned" | "last known" | "hub";
}

export interface Health {
  /** Seconds since boot, as of `telemetryAt`. */
  up?: number;
  rssi?: number;
  free?: number;
  vars?: number;
  /** The device's own count of reconnects since boot, and why its link last dropped. */
  reconnects?: number;
  drop?: string;
  telemetryAt?: number;
  /** Firmware version: known once an update confirmed it (ota/state "confirmed <v>"). */
  version?: string;
  /** When any message from the device last arrived (host clock, ms). */
  lastSeen?: number;
  /** Times the hub saw it go offline since the hub started. */
  offlineSeen: number;
  certificate?: { notAfter: string; status: string };
}

interface Journal {
  profile: DeviceProfile;
  root: string;
  health: Health;
  timeline: TimelineEvent[];
  /** Last shown value per entity and the availability, to tell what changed. */
  last: Record<string, string | undefined>;
  availability?: string;
  lastMove?: "opening" | "closing";
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export class DeviceJournals {
  private readonly journals = new Map<string, Journal>();
  private readonly store: PkiStore;

  constructor(
    profiles: DeviceProfile[],
    stateDir: string,
    private readonly keyOf: (device: string) => Buffer,
  ) {
    this.store = new PkiStore(stateDir);
    for (const profile of profiles)
      this.journals.set(profile.id, {
        profile,
        root: `${profile.topicPrefix}/${profile.id}`,
        health: { offlineSeen: 0 },
        timeline: [],
        last: {},
      });
  }

  health(id: string): Health | undefined {
    return this.journals.get(id)?.health;
  }

  timeline(id: string): TimelineEvent[] {
    return this.journals.get(id)?.timeline ?? [];
  }

  /** The direction of the door's last movement the hub saw (a stop's next press reverses it). */
  lastMove(id: string): "opening" | "closing" | undefined {
    return this.journals.get(id)?.lastMove;
  }

  private push(j: Journal, event: TimelineEvent): void {
    j.timeline.unshift(event);
    if (j.timeline.length > TIMELINE_EVENTS) j.timeline.length = TIMELINE_EVENTS;
  }

  /** A device's view changed: what changed becomes timeline events. */
  observe(view: DeviceView, now = Date.now()): void {
    const j = this.journals.get(view.id);
    if (!j) return;
    if (view.availability !== j.availability) {
      if (j.availability !== undefined || view.availability !== "unknown") {
        if (view.availability === "offline") j.health.offlineSeen++;
        this.push(j, {
          at: now,
          kind: view.availability === "offline" ? "offline" : "online",
          text: view.availability,
          trust: "unsigned",
        });
      }
      j.availability = view.availability;
    }
    for (const entity of view.entities) {
      if (!entity.signed) continue;
      const slot = view.values[entity.id];
      const shown = shownValue(slot);
      if (shown === j.last[entity.id]) continue;
      const before = j.last[entity.id];
      j.last[entity.id] = shown;
      if (shown === undefined) continue;
      if (entity.id === "cover" && (shown === "opening" || shown === "closing")) j.lastMove = shown;
      if (entity.id === "maintenance") {
        const happened = windowEvent(before, shown);
        if (happened)
          this.push(j, {
            at: now,
            kind: "state",
            text: `${entity.name}: ${happened}`,
            trust: slot?.value !== undefined ? "verified" : "last known",
          });
        continue;
      }
      const words = describeValue(j.profile, entity, shown);
      const was = before === undefined ? "" : `${describeValue(j.profile, entity, before).shown} → `;
      this.push(j, {
        at: now,
        kind: "state",
        text: `${words.name}: ${was}${words.shown}`,
        trust: slot?.value !== undefined ? "verified" : "last known",
      });
    }
  }

  /** Every MQTT message from the broker: last seen, telemetry, update progress. A retained
   *  message is the broker's copy of an old one: it says nothing of when the device was heard. */
  message(topic: string, payload: Buffer, retained: boolean, now = Date.now()): void {
    const id = topic.split("/")[1] ?? "";
    const j = this.journals.get(id);
    if (!j || !topic.startsWith(`${j.root}/`)) return;
    const leaf = topic.slice(j.root.length + 1);
    // The device's own topics only: what operators and the hub publish is not the device.
    if (leaf.endsWith("/set") || leaf.endsWith("/get")) return;
    if (retained) return;
    j.health.lastSeen = now;
    if (leaf === "telemetry") this.telemetry(j, payload, now);
    if (leaf === "ota/state") this.update(j, topic, payload, now);
  }

  private telemetry(j: Journal, payload: Buffer, now: number): void {
    let t: Record<string, unknown>;
    try {
      t = JSON.parse(payload.toString()) as Record<string, unknown>;
    } catch {
      return;
    }
    if (t === null || typeof t !== "object") return;
    const h = j.health;
    h.up = numberOf(t.up);
    h.rssi = numberOf(t.rssi);
    h.free = numberOf(t.free);
    h.vars = numberOf(t.vars);
    h.reconnects = numberOf(t.reconnects);
    h.drop = typeof t.drop === "string" ? t.drop : undefined;
    h.telemetryAt = now;
  }

  private update(j: Journal, topic: string, payload: Buffer, now: number): void {
    let key: Buffer;
    try {
      key = this.keyOf(j.profile.id);
    } catch {
      return;
    }
    const report = verifyReport(key, topic, payload);
    if (!report.ok) return;
    const confirmed = /^confirmed (\S+)$/.exec(report.value);
    if (confirmed) j.health.version = confirmed[1];
    // Chunk acknowledgements ("got <n>") are progress, not events worth a line each.
    if (!report.value.startsWith("got "))
      this.push(j, { at: now, kind: "update", text: `update: ${report.value}`, trust: "verified" });
  }

  /** An audit record: a command sent, its verified result, or a refusal. */
  audit(record: AuditRecord): void {
    const j = this.journals.get(record.device);
    if (!j) return;
    const at = Date.parse(record.at);
    const who = `${record.who} (${record.via})`;
    if (record.phase === "sent")
      this.push(j, { at, kind: "command", text: `${record.cmd} to ${record.entity} by ${who}`, trust: "hub" });
    else if (record.phase === "result")
      this.push(j, {
        at,
        kind: record.accepted ? "result" : "refused",
        text: `${record.cmd}: ${record.detail ? resultWords(record.accepted === true, record.detail) : record.accepted ? "done" : "refused"}`,
        // A done is the device's verified result; a refusal may be the hub's (no answer in time).
        trust: record.accepted ? "verified" : "hub",
      });
    else
      this.push(j, {
        at,
        kind: "refused",
        text: `${record.cmd} to ${record.entity} by ${who} refused by the hub${record.detail ? `: ${record.detail}` : ""}`,
        trust: "hub",
      });
  }

  /** Certificate expiry from the CA's index (read again each call: renew and revoke show). */
  async refreshCertificates(): Promise<void> {
    let certificates;
    try {
      certificates = (await this.store.readIndex()).certificates;
    } catch {
      return;
    }
    for (const [id, j] of this.journals) {
      const mine = certificates.filter((c) => c.kind === "device" && c.cn === id);
      const current = mine.find((c) => c.status === "active") ?? mine.at(-1);
      j.health.certificate = current && { notAfter: current.notAfter, status: current.status };
    }
  }
}
