// The hub's side of state freshness: it asks each device for a signed snapshot of its state,
// bound to a fresh random challenge of the hub's own (docs/protocol.md, "State snapshots"),
// when the hub connects, when a device comes online or shows another boot, and every
// `everyMs`. One challenge per device is outstanding at a time; a reason to ask while one is
// out asks again once it is answered or given up (after `answerMs`, which also ends the
// confirmation: a device that stops answering is not shown as current; one that still says it
// is online is asked again at once). The device answers at
// most once a second (firmware/app/protocol/snapshot.ts), so nobody's flood of challenges floods its link.
import { randomBytes } from "node:crypto";
import type { DeviceStates } from "./device-state.ts";

export interface FreshnessOptions {
  /** Ask every device this often (ms). */
  everyMs: number;
  /** Give a challenge up after this long without an answer (ms). */
  answerMs: number;
}

export const DEFAULT_FRESHNESS: FreshnessOptions = { everyMs: 60000, answerMs: 10000 };
/** The shortest answer time allowed: well above the device's one answer a second
 *  (firmware/app/protocol/snapshot.ts), or the hub would replace its own challenge before the device
 *  could answer it. */
export const MIN_ANSWER_MS = 1500;

interface Outstanding {
  text: string;
  timer: NodeJS.Timeout;
  again: boolean;
  /** When it is given up (host clock, ms). */
  due: number;
}

export class Challenger {
  private readonly outstanding = new Map<string, Outstanding>();
  private schedule: NodeJS.Timeout | undefined;
  private up = false;

  constructor(
    /** Publishes `payload` on `topic` (QoS 1, not retained). */
    private readonly publish: (topic: string, payload: string) => void,
    private readonly states: DeviceStates,
    private readonly options: FreshnessOptions,
  ) {
    this.options = {
      everyMs: Math.max(options.everyMs, MIN_ANSWER_MS),
      answerMs: Math.max(options.answerMs, MIN_ANSWER_MS),
    };
    states.hooks = { ask: (id, now) => this.ask(id, now), answered: (id) => this.settle(id) };
  }

  /** The hub's session is up: ask every device now, and on the schedule from now on. */
  connected(): void {
    this.up = true;
    clearInterval(this.schedule);
    for (const id of this.states.ids()) this.ask(id);
    this.schedule = setInterval(() => {
      // A device that said it is offline cannot answer: it is asked when it comes back.
      for (const id of this.states.ids()) if (this.states.view(id)?.availability !== "offline") this.ask(id);
    }, this.options.everyMs);
  }

  /** The hub's session is down: no answer can arrive, and nothing is asked until it is back. */
  disconnected(): void {
    if (!this.up) return;
    this.up = false;
    clearInterval(this.schedule);
    for (const o of this.outstanding.values()) clearTimeout(o.timer);
    this.outstanding.clear();
    this.states.linkDown();
  }

  ask(id: string, now = false): void {
    const out = this.outstanding.get(id);
    if (out && !now) {
      out.again = true;
      return;
    }
    // A challenge asked again at once keeps the deadline of the one it replaces: "online" is
    // not signed, so a broker repeating it must not push the deadline (and with it the end of
    // an old confirmation) further away each time.
    const due = out ? out.due : Date.now() + this.options.answerMs;
    if (out) {
      clearTimeout(out.timer);
      this.outstanding.delete(id);
    }
    const profile = this.states.profile(id);
    if (!profile) return;
    const text = randomBytes(16).toString("hex");
    const timer = setTimeout(
      () => {
        this.states.unanswered(id, text, `no answer to the hub's challenge within ${this.options.answerMs / 1000} s`);
        // A device that says it is online is asked again at once: the answer may just be slow.
        const out = this.outstanding.get(id);
        if (out && this.states.view(id)?.availability === "online") out.again = true;
        this.settle(id);
      },
      Math.max(0, due - Date.now()),
    );
    this.outstanding.set(id, { text, timer, again: false, due });
    this.states.challenged(id, text, Date.now());
    this.publish(`${profile.topicPrefix}/${id}/state/get`, text);
  }

  stop(): void {
    this.up = false;
    clearInterval(this.schedule);
    for (const o of this.outstanding.values()) clearTimeout(o.timer);
    this.outstanding.clear();
  }

  /** The outstanding challenge was answered or given up: ask again if a reason came meanwhile. */
  private settle(id: string): void {
    const out = this.outstanding.get(id);
    if (!out) return;
    clearTimeout(out.timer);
    this.outstanding.delete(id);
    if (out.again) this.ask(id);
  }
}
