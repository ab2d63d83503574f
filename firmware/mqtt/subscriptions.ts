// What the session has subscribed to (restored after a reconnect that lost the broker's
// session) and which SUBSCRIBE packets still await their SUBACK. A closure, not a class:
// local state minifies, `this.` does not.
import { SUBACK_FAILURE, type Subscription } from "./codec/packets";

export interface Subscriptions {
  readonly all: Subscription[];
  /** Adds or replaces the subscription to `filter`. */
  want(filter: string, qos: number): void;
  isPending(id: number): boolean;
  sent(id: number, subscriptions: Subscription[]): void;
  /** A new link: no SUBACK from the old one will come. */
  forgetPending(): void;
  /** Settles a SUBACK; returns the filters the broker refused (0x80, section 3.9.3). */
  acked(id: number, granted: number[]): string[];
}

export function createSubscriptions(): Subscriptions {
  let wanted: Subscription[] = [];
  /** Filters of each SUBSCRIBE awaiting SUBACK, by packet id. */
  let pending: { [id: string]: string[] } = {};
  return {
    get all() {
      return wanted;
    },
    want: (filter, qos) => {
      wanted = wanted.filter((s) => s.filter !== filter);
      wanted.push({ filter, qos });
    },
    isPending: (id) => pending[id] !== undefined,
    sent: (id, list) => {
      pending[id] = list.map((s) => s.filter);
    },
    forgetPending: () => {
      pending = {};
    },
    acked: (id, granted) => {
      const filters = pending[id];
      if (filters === undefined) return [];
      delete pending[id];
      return filters.filter((_filter, i) => granted[i] === SUBACK_FAILURE);
    },
  };
}
