// The hub's side of Home Assistant: publishes discovery for every device (retained), and again
// after a random delay whenever Home Assistant announces itself online on homeassistant/status
// (so a restarted Home Assistant does not get every hub's discovery in the same instant);
// removes the entities a profile no longer has (an empty retained config, the discovery
// protocol's delete); mirrors each VERIFIED value to the entity's state topic; and forwards
// Home Assistant's commands as signed commands through the Commander (audited as the `ha`
// identity, the only one the ACL lets write those topics). A retained command is never obeyed.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { MqttClient } from "mqtt";
import type { Commander } from "./commander.ts";
import type { DeviceStates, DeviceView } from "./device-state.ts";
import { discoveryFor, type Discovery } from "./discovery.ts";
import { HA_STATUS, haRoot, haStateTopic, hubAvailabilityTopic } from "./ha-topics.ts";

export interface BridgeOptions {
  stateDir: string;
  version: string;
  /** The CN of Home Assistant's certificate: who its commands are audited as. */
  identity: string;
  /** Re-discovery waits a random time up to this after homeassistant/status "online". */
  rediscoverMaxMs: number;
}

/** Home Assistant's limit on a sensor state. */
const MAX_STATE = 255;

export class HomeAssistantBridge {
  private readonly published = new Map<string, string>();
  private readonly record: string;
  private rediscover: NodeJS.Timeout | undefined;
  /** How many times discovery went out (tests and the log). */
  rounds = 0;
  /** Retained commands seen and not obeyed. */
  ignoredRetained = 0;

  constructor(
    private readonly client: () => MqttClient,
    private readonly states: DeviceStates,
    private readonly commander: Commander,
    private readonly options: BridgeOptions,
  ) {
    this.record = path.join(options.stateDir, "hub", "discovery.json");
  }

  prefixes(): string[] {
    return [...new Set(this.states.ids().map((id) => this.states.profile(id)!.topicPrefix))];
  }

  /** Filters to subscribe: Home Assistant's status and its command topics. */
  filters(): string[] {
    return [HA_STATUS, ...this.prefixes().map((p) => `${haRoot(p)}/+/+/set`)];
  }

  /** The hub's will (offline) for Home Assistant's availability. */
  will(): { topic: string; payload: string; qos: 1; retain: true } {
    return { topic: hubAvailabilityTopic(this.prefixes()[0] ?? "latchkey"), payload: "offline", qos: 1, retain: true };
  }

  async connected(): Promise<void> {
    for (const p of this.prefixes())
      await this.client().publishAsync(hubAvailabilityTopic(p), "online", { qos: 1, retain: true });
    await this.discover();
  }

  /** Publishes every device's discovery and state; deletes configs no profile has any more. */
  async discover(): Promise<void> {
    const all: Discovery[] = [];
    for (const id of this.states.ids())
      all.push(...discoveryFor(this.states.profile(id)!, this.states.view(id)!.entities, this.options.version));
    const current = new Set(all.map((d) => d.topic));
    for (const old of this.previous())
      if (!current.has(old)) await this.client().publishAsync(old, "", { qos: 1, retain: true });
    for (const d of all) await this.client().publishAsync(d.topic, JSON.stringify(d.payload), { qos: 1, retain: true });
    this.save([...current]);
    this.published.clear();
    for (const id of this.states.ids()) this.mirror(this.states.view(id)!);
    this.rounds++;
  }

  /** One MQTT message the hub got; true if it was Home Assistant's. */
  message(topic: string, payload: Buffer, retained: boolean): boolean {
    if (topic === HA_STATUS) {
      if (payload.toString() === "online") {
        clearTimeout(this.rediscover);
        this.rediscover = setTimeout(
          () => void this.discover().catch(() => undefined),
          Math.random() * this.options.rediscoverMaxMs,
        );
      }
      return true;
    }
    const parts = topic.split("/");
    if (parts.length !== 4 || parts[3] !== "set" || !this.prefixes().some((p) => haRoot(p) === parts[0])) return false;
    if (retained) {
      this.ignoredRetained++;
      return true;
    }
    // An empty payload is how a retained message is cleared [MQTT-3.3.1-10], not a command.
    if (payload.length === 0) return true;
    const [, device, entity] = parts as [string, string, string, string];
    void this.commander.command({
      who: this.options.identity,
      via: "home-assistant",
      device,
      entity,
      cmd: payload.toString().trim().slice(0, 32),
    });
    return true;
  }

  /** A device view changed: publish what changed to Home Assistant's state topics. */
  mirror(view: DeviceView): void {
    const prefix = this.states.profile(view.id)?.topicPrefix;
    if (!prefix) return;
    const unverified = view.entities
      .filter((e) => view.values[e.id]?.unverified)
      .map((e) => `${e.id}: ${view.values[e.id]!.unverified}`);
    const values: Record<string, string | undefined> = {
      verification: unverified.length ? `unverified ${unverified.join("; ")}` : "verified",
      last_result:
        view.lastResult &&
        `${view.lastResult.cmd} by ${view.lastResult.who}: ${view.lastResult.accepted ? "done" : "refused"}, ${view.lastResult.detail}`,
    };
    for (const e of view.entities) values[e.id] = view.values[e.id]?.value;
    for (const [id, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const topic = haStateTopic(prefix, view.id, id);
      const text = value.slice(0, MAX_STATE);
      if (this.published.get(topic) === text) continue;
      this.published.set(topic, text);
      this.client().publish(topic, text, { qos: 1, retain: true });
    }
  }

  stop(): void {
    clearTimeout(this.rediscover);
  }

  private previous(): string[] {
    if (!existsSync(this.record)) return [];
    try {
      const topics: unknown = JSON.parse(readFileSync(this.record, "utf8"));
      return Array.isArray(topics) ? topics.filter((t): t is string => typeof t === "string") : [];
    } catch {
      return [];
    }
  }

  private save(topics: string[]): void {
    mkdirSync(path.dirname(this.record), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.record}.tmp`, JSON.stringify(topics, null, 1) + "\n");
    renameSync(`${this.record}.tmp`, this.record);
  }
}
