// What the hub knows of each device, from what the device published: availability (its will, or
// online once it answers the hub's challenge), and for every entity the last VERIFIED value. A
// signed report is checked with the device's command key (scripts/lib/signing.ts verifyReport);
// one that fails, or that replays an older seq of the same boot, is kept aside as `unverified`
// and never becomes the value. A verified report proves who wrote it, not when: a genuine
// "closed" from yesterday verifies too. So a signed value is CURRENT (`value`, with
// `confirmedAt`) only once the device answered the hub's own latest challenge with a signed
// snapshot (freshness.ts asks; docs/protocol.md "State snapshots") of that boot, or in a later
// report of the same boot (a higher seq was signed after the snapshot). Anything else, retained
// reports included, is `lastKnown`.
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { verifyReport } from "../lib/signing.ts";
import { deviceEntities, type Entity } from "../lib/entities.ts";
import type { FreshnessHooks } from "./freshness-types.ts";
import { readSnapshot } from "./snapshot.ts";
import { recordUnsigned, type DeviceView, type EntityValue } from "./device-view.ts";

interface Known {
  value: string;
  boot: string;
  seq: number;
  at: number;
}

interface Tracked {
  profile: DeviceProfile;
  root: string;
  key: Buffer | undefined;
  keyProblem?: string;
  view: DeviceView;
  /** Per topic: the boot and seq of the last accepted report (replay guard); `snapshot` when
   *  a snapshot set it (an older live report is then simply superseded). */
  seen: Map<string, { boot: string; seq: number; snapshot?: boolean }>;
  /** Per signed topic: the last verified value. */
  known: Map<string, Known>;
  /** The hub's latest challenge, until answered or given up. */
  challenge?: { text: string; at: number };
  confirmation?: { boot: string; seq: number; at: number };
  /** The boot id of the latest verified report or snapshot. */
  boot?: string;
}

export class DeviceStates {
  private readonly devices = new Map<string, Tracked>();
  hooks: FreshnessHooks = { ask: () => undefined, answered: () => undefined };

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
        root: `${profile.topicPrefix}/${profile.id}`,
        key,
        keyProblem,
        view: {
          id: profile.id,
          availability: "unknown",
          freshness: { confirmed: false, why: "the device has not answered the hub yet" },
          entities,
          values,
        },
        seen: new Map(),
        known: new Map(),
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

  /** Asked at every use, read again when the file changed (lib/signing.ts): a revoke or renew
   *  takes effect at once (readCommandKey refuses a revoked device's key). */
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
    return [...this.devices.values()].map((d) => `${d.root}/#`);
  }

  recordResult(id: string, result: NonNullable<DeviceView["lastResult"]>): void {
    const d = this.devices.get(id);
    if (!d) return;
    d.view.lastResult = result;
    this.changed(d.view);
  }

  /** The hub published `text` as its challenge to `id` (the only one an answer may carry). */
  challenged(id: string, text: string, at: number): void {
    const d = this.devices.get(id);
    if (d) d.challenge = { text, at };
  }

  /** The challenge `text` went unanswered (or the hub can no longer hear an answer). */
  unanswered(id: string, text: string, why: string): void {
    const d = this.devices.get(id);
    if (!d || d.challenge?.text !== text) return;
    d.challenge = undefined;
    this.unconfirm(d, why);
  }

  /** The hub lost the broker: nothing it shows can be known current until it asks again. */
  linkDown(): void {
    for (const d of this.devices.values()) {
      d.challenge = undefined;
      this.unconfirm(d, "the hub lost its connection to the broker");
    }
  }

  /** One MQTT message from the broker. Returns the entities whose value changed. */
  message(topic: string, payload: Buffer, now = Date.now()): Entity[] {
    const [prefix, id] = topic.split("/");
    const d = this.devices.get(id ?? "");
    if (!d || d.profile.topicPrefix !== prefix) return [];
    const view = d.view;
    if (topic === `${d.root}/availability`) {
      const text = payload.toString();
      view.availability = text === "online" ? "online" : text === "offline" ? "offline" : "unknown";
      if (view.availability === "offline") this.unconfirm(d, "the device is offline");
      else this.changed(view);
      if (view.availability === "online") this.hooks.ask(view.id, true);
      return [];
    }
    if (topic === `${d.root}/state`) {
      this.snapshot(d, topic, payload, now);
      return [];
    }
    const entities = view.entities.filter((e) => e.topic === topic);
    if (entities.length === 0) return [];
    if (entities[0]!.signed) return this.signed(d, topic, payload, entities, now);
    recordUnsigned(view, entities, payload.toString(), now);
    this.changed(view);
    return entities;
  }

  private signed(d: Tracked, topic: string, payload: Buffer, entities: Entity[], now: number): Entity[] {
    const verdict = this.check(d, topic, payload);
    if (verdict === "superseded") return [];
    if ("unverified" in verdict) {
      for (const entity of entities) d.view.values[entity.id]!.unverified = verdict.unverified;
      this.changed(d.view);
      return [];
    }
    for (const entity of entities) d.view.values[entity.id]!.unverified = undefined;
    const newBoot = d.boot !== undefined && verdict.boot !== d.boot;
    if (newBoot && d.confirmation) {
      // Another boot than the one confirmed: a reboot, or an old boot's report replayed. The
      // hub cannot tell which is newer, so it keeps what was confirmed as last known and asks.
      this.unconfirm(d, "a report from another boot of the device");
      this.hooks.ask(d.view.id, false);
      return [];
    }
    d.boot = verdict.boot;
    d.seen.set(topic, { boot: verdict.boot, seq: verdict.seq });
    d.known.set(topic, { value: verdict.value, boot: verdict.boot, seq: verdict.seq, at: now });
    this.render(d);
    if (newBoot) this.hooks.ask(d.view.id, false);
    return entities;
  }

  private snapshot(d: Tracked, topic: string, payload: Buffer, now: number): void {
    const challenge = d.challenge;
    if (!challenge) return;
    this.reloadKey(d);
    if (!d.key) return;
    const snapshot = readSnapshot(d.key, topic, payload, challenge.text);
    if (!snapshot) return;
    d.challenge = undefined;
    d.boot = snapshot.boot;
    d.confirmation = { boot: snapshot.boot, seq: snapshot.seq, at: challenge.at };
    for (const [reportTopic, value] of Object.entries(snapshot.values)) {
      const had = d.known.get(reportTopic);
      if (had && had.boot === snapshot.boot && had.seq > snapshot.seq) continue;
      d.known.set(reportTopic, { value, boot: snapshot.boot, seq: snapshot.seq, at: now });
      d.seen.set(reportTopic, { boot: snapshot.boot, seq: snapshot.seq, snapshot: true });
    }
    d.view.freshness = { confirmed: true, at: challenge.at, boot: snapshot.boot };
    // It answered the hub's own challenge just now: it is online, whether or not its retained
    // availability reached the hub. RabbitMQ 3.10 never sends a retained message to a wildcard
    // subscription like the hub's `<prefix>/<id>/#` (rabbit_mqtt_processor fetches the filter
    // itself from its per-node store), so there the answer is the only way the hub hears it.
    d.view.availability = "online";
    if (snapshot.version !== undefined) d.view.firmware = { version: snapshot.version, at: now };
    // The latest answer's address only: one without (a wired build) leaves none shown.
    d.view.ip = snapshot.ip !== undefined ? { address: snapshot.ip, at: now } : undefined;
    this.render(d);
    this.hooks.answered(d.view.id);
  }

  private unconfirm(d: Tracked, why: string): void {
    d.confirmation = undefined;
    d.view.freshness = { confirmed: false, why };
    this.render(d);
  }

  /** Each signed entity's slot from what is known and whether it is confirmed. */
  private render(d: Tracked): void {
    const c = d.confirmation;
    for (const entity of d.view.entities) {
      if (!entity.signed) continue;
      const slot = d.view.values[entity.id]!;
      const k = d.known.get(entity.topic);
      if (!k) continue;
      if (c && k.boot === c.boot && k.seq >= c.seq)
        Object.assign(slot, { value: k.value, at: k.at, confirmedAt: c.at, lastKnown: undefined });
      else
        Object.assign(slot, {
          value: undefined,
          at: undefined,
          confirmedAt: undefined,
          lastKnown: { value: k.value, at: k.at },
        });
    }
    this.changed(d.view);
  }

  private check(
    d: Tracked,
    topic: string,
    payload: Buffer,
  ): { value: string; boot: string; seq: number } | { unverified: string } | "superseded" {
    if (payload.length === 0) return { unverified: "empty report" };
    this.reloadKey(d);
    if (!d.key) return { unverified: `cannot verify: ${d.keyProblem}` };
    const report = verifyReport(d.key, topic, payload);
    if (!report.ok) return { unverified: report.error };
    const last = d.seen.get(topic);
    // The very report already accepted, sent again (the hub asked the broker again for
    // retained messages it dropped, retained-watch.ts): nothing new.
    if (last && last.boot === report.boot && report.seq === last.seq && d.known.get(topic)?.value === report.value)
      return "superseded";
    if (last && last.boot === report.boot && report.seq <= last.seq)
      return last.snapshot
        ? "superseded"
        : { unverified: `replayed report (seq ${report.seq}, already saw ${last.seq} of this boot)` };
    return report;
  }
}
