// The hub's side of Home Assistant, over the hub's own endpoint (ha-endpoint.ts): publishes
// discovery for every device (retained), and again after a random delay whenever Home Assistant
// announces itself online on homeassistant/status (so a restarted Home Assistant does not get
// every hub's discovery in the same instant); deletes the entities a profile no longer has (an
// empty retained config, the discovery protocol's delete), and sends each delete again after
// every birth until it has gone out on a Home Assistant connection subscribed to it; mirrors each CURRENT value
// (confirmed by the device's answer to the hub's challenge, freshness.ts; unknown when not;
// ha-mapping.ts) and each device's availability; and turns Home Assistant's commands into
// signed commands through the Commander, only those the owner allowed (ha-permissions.ts).
// Refused, and audited as refused: a retained command, a re-delivery (DUP), a command that
// arrives as the connection opens (queued while disconnected: it may be old), and any word the
// owner did not allow for that entity.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AuditLog } from "./audit.ts";
import type { Commander } from "./commander.ts";
import type { DeviceStates } from "./device-state.ts";
import type { DeviceView } from "./device-view.ts";
import { discoveryFor, type Discovery } from "./discovery.ts";
import type { HaEndpoint, HaMessage } from "./ha-endpoint.ts";
import { haValues } from "./ha-mapping.ts";
import { haWords, type HaAllow } from "./ha-permissions.ts";
import { HA_STATUS, haRoot, haStateTopic, hubAvailabilityTopic, deviceAvailabilityTopic } from "../lib/ha-topics.ts";

export interface BridgeOptions {
  stateDir: string;
  version: string;
  /** What Home Assistant may send, per device and entity. */
  allow: HaAllow;
  /** Re-discovery waits a random time up to this after homeassistant/status "online". */
  rediscoverMaxMs: number;
  /** A command within this long of its connection opening is refused (default 2000 ms). */
  settleMs: number;
}

/** Home Assistant's limit on a sensor state. */
const MAX_STATE = 255;

interface DiscoveryRecord {
  published: string[];
  /** Deleted configs that have not yet gone out to a subscribed Home Assistant. */
  deletes: string[];
}

export class HomeAssistantBridge {
  private readonly published = new Map<string, string>();
  private readonly record: string;
  private rediscover: NodeJS.Timeout | undefined;
  /** Per device: the firmware version its published discovery names (device sw_version). */
  private readonly firmware = new Map<string, string | undefined>();
  /** How many times discovery went out (tests and the log). */
  rounds = 0;

  constructor(
    private readonly endpoint: HaEndpoint,
    private readonly states: DeviceStates,
    private readonly commander: Commander,
    private readonly audit: AuditLog,
    private readonly options: BridgeOptions,
  ) {
    this.record = path.join(options.stateDir, "hub", "discovery.json");
  }

  prefixes(): string[] {
    return [...new Set(this.states.ids().map((id) => this.states.profile(id)!.topicPrefix))];
  }

  /** The hub's link to the main broker: without it no command reaches a device signed, so
   *  every entity is unavailable (availability_mode "all"). */
  async brokerUp(up: boolean): Promise<void> {
    for (const p of this.prefixes())
      await this.endpoint.publish(hubAvailabilityTopic(p), up ? "online" : "offline", true);
  }

  /** Deleted configs that have not yet gone out to a subscribed Home Assistant. */
  pendingDeletes(): string[] {
    return this.read().deletes;
  }

  /** Publishes every device's discovery and state; deletes configs no profile has any more. */
  async discover(): Promise<void> {
    const all: Discovery[] = [];
    for (const id of this.states.ids()) {
      const profile = this.states.profile(id)!;
      const view = this.states.view(id)!;
      this.firmware.set(id, view.firmware?.version);
      all.push(
        ...discoveryFor(profile, view.entities, this.options.version, this.options.allow, view.firmware?.version),
      );
    }
    const current = new Set(all.map((d) => d.topic));
    const before = this.read();
    const deletes = [...new Set([...before.published, ...before.deletes])].filter((t) => !current.has(t));
    this.save({ published: [...current], deletes });
    const reached: string[] = [];
    for (const old of deletes) if (await this.endpoint.publish(old, "", true)) reached.push(old);
    if (reached.length) this.save({ published: [...current], deletes: deletes.filter((t) => !reached.includes(t)) });
    for (const d of all) await this.endpoint.publish(d.topic, JSON.stringify(d.payload), true);
    this.published.clear();
    for (const id of this.states.ids()) this.mirror(this.states.view(id)!);
    this.rounds++;
  }

  /** One message Home Assistant published on the endpoint. */
  message(m: HaMessage): void {
    if (m.topic === HA_STATUS) {
      if (m.payload.toString() === "online") {
        clearTimeout(this.rediscover);
        this.rediscover = setTimeout(
          () => void this.discover().catch(() => undefined),
          Math.random() * this.options.rediscoverMaxMs,
        );
      }
      return;
    }
    const parts = m.topic.split("/");
    if (parts.length !== 4 || parts[3] !== "set" || !this.prefixes().some((p) => haRoot(p) === parts[0])) return;
    // An empty payload is how a retained message is cleared [MQTT-3.3.1-10], not a command.
    if (m.payload.length === 0) return;
    const [, device, entityId] = parts as [string, string, string, string];
    const cmd = m.payload.toString().trim().slice(0, 32);
    const request = { who: m.who, via: "home-assistant" as const, device, entity: entityId, cmd };
    const refuse = (detail: string) => {
      this.audit.append({ id: randomUUID(), ...request, phase: "denied", accepted: false, detail });
    };
    // Retained: left for whoever subscribes later, so not said now [MQTT-3.3.1-5].
    if (m.retain) return refuse("a retained command is never obeyed");
    // DUP: sent again after a reconnect [MQTT-3.3.1-1]; the first copy may have been obeyed,
    // and this one may be long delayed.
    if (m.dup) return refuse("a re-delivered command (DUP) is never obeyed: press again if still wanted");
    if (m.sessionMs < this.options.settleMs)
      return refuse(
        `arrived ${m.sessionMs} ms after Home Assistant connected: it may have been queued while disconnected; press again if still wanted`,
      );
    const entity = this.states.view(device)?.entities.find((e) => e.id === entityId);
    if (!entity || !haWords(this.options.allow, device, entity).includes(cmd))
      return refuse(`Home Assistant may not send ${cmd} to ${device}/${entityId} (home-assistant.json)`);
    void this.commander.command(request);
  }

  /** A device view changed: publish what changed to Home Assistant's state topics. */
  mirror(view: DeviceView): void {
    const profile = this.states.profile(view.id);
    if (!profile) return;
    // A version first signed, or changed by an update: that device's discovery again.
    if (this.firmware.has(view.id) && this.firmware.get(view.id) !== view.firmware?.version) {
      this.firmware.set(view.id, view.firmware?.version);
      const configs = discoveryFor(
        profile,
        view.entities,
        this.options.version,
        this.options.allow,
        view.firmware?.version,
      );
      void (async () => {
        for (const d of configs) await this.endpoint.publish(d.topic, JSON.stringify(d.payload), true);
      })().catch(() => undefined);
    }
    const prefix = profile.topicPrefix;
    const unverified = view.entities
      .filter((e) => view.values[e.id]?.unverified)
      .map((e) => `${e.id}: ${view.values[e.id]!.unverified}`);
    const values: Record<string, string | undefined> = {
      verification: unverified.length
        ? `unverified ${unverified.join("; ")}`
        : view.freshness.confirmed
          ? "verified"
          : `unconfirmed: ${view.freshness.why}`,
      last_result:
        view.lastResult &&
        `${view.lastResult.cmd} by ${view.lastResult.who}: ${view.lastResult.accepted ? "done" : "refused"}, ${view.lastResult.detail}`,
      ...haValues(profile, view),
    };
    const topics: [string, string | undefined][] = Object.entries(values).map(([id, v]) => [
      haStateTopic(prefix, view.id, id),
      v,
    ]);
    if (view.availability !== "unknown") topics.push([deviceAvailabilityTopic(prefix, view.id), view.availability]);
    for (const [topic, value] of topics) {
      if (value === undefined) continue;
      const text = value.slice(0, MAX_STATE);
      if (this.published.get(topic) === text) continue;
      this.published.set(topic, text);
      void this.endpoint.publish(topic, text, true).catch(() => undefined);
    }
  }

  stop(): void {
    clearTimeout(this.rediscover);
  }

  private read(): DiscoveryRecord {
    if (!existsSync(this.record)) return { published: [], deletes: [] };
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : []);
    try {
      const data: unknown = JSON.parse(readFileSync(this.record, "utf8"));
      // An older hub wrote the list of published topics alone.
      if (Array.isArray(data)) return { published: strings(data), deletes: [] };
      const r = data as Partial<DiscoveryRecord>;
      return { published: strings(r.published), deletes: strings(r.deletes) };
    } catch {
      return { published: [], deletes: [] };
    }
  }

  private save(record: DiscoveryRecord): void {
    mkdirSync(path.dirname(this.record), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.record}.tmp`, JSON.stringify(record, null, 1) + "\n");
    renameSync(`${this.record}.tmp`, this.record);
  }
}
