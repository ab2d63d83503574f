// What the session has subscribed to (restored after a reconnect that lost the broker's
// session) and which SUBSCRIBE packets still await their SUBACK.
import { SUBACK_FAILURE, type Subscription } from "./codec/packets";

export class Subscriptions {
  private wanted_: Subscription[];
  /** Filters of each SUBSCRIBE awaiting SUBACK, by packet id. */
  private pending_: { [id: string]: string[] };

  constructor() {
    this.wanted_ = [];
    this.pending_ = {};
  }

  get all(): Subscription[] {
    return this.wanted_;
  }

  /** Adds or replaces the subscription to `filter`. */
  want(filter: string, qos: number): void {
    this.wanted_ = this.wanted_.filter((s) => s.filter !== filter);
    this.wanted_.push({ filter, qos });
  }

  isPending(id: number): boolean {
    return this.pending_[id] !== undefined;
  }

  sent(id: number, subscriptions: Subscription[]): void {
    this.pending_[id] = subscriptions.map((s) => s.filter);
  }

  /** A new link: no SUBACK from the old one will come. */
  forgetPending(): void {
    this.pending_ = {};
  }

  /** Settles a SUBACK; returns the filters the broker refused (0x80, section 3.9.3). */
  acked(id: number, granted: number[]): string[] {
    const filters = this.pending_[id];
    if (filters === undefined) return [];
    delete this.pending_[id];
    return filters.filter((_filter, i) => granted[i] === SUBACK_FAILURE);
  }
}
