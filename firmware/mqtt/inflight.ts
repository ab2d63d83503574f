// Outgoing QoS 1 messages not yet acknowledged, held as encoded bytes (smallest form on the
// device): at most `capacity` of them and `maxBytes` in all, so a flood cannot exhaust
// memory. After a reconnect each one is sent again; those already sent carry DUP
// [MQTT-3.3.1-1], [MQTT-4.4.0-1]. A closure, not a class: local state minifies, `this.` does not.

interface Entry {
  id: number;
  bytes: string;
  sent: boolean;
}

export interface Inflight {
  readonly capacity: number;
  readonly maxBytes: number;
  /** Bytes held. */
  readonly bytes: number;
  readonly size: number;
  readonly full: boolean;
  /** Whether a message of `length` bytes may be added. */
  fits(length: number): boolean;
  has(id: number): boolean;
  add(id: number, bytes: string): void;
  /** Removes the message a PUBACK acknowledges; false when no message had that id. */
  ack(id: number): boolean;
  /** Calls `write` for every message in order, setting DUP on those sent before. */
  sendAll(write: (bytes: string) => void): void;
  /** Marks one message as written (it was sent while the link was up). */
  markSent(id: number): void;
}

export function createInflight(capacity: number, maxBytes: number): Inflight {
  let entries: Entry[] = [];
  let held = 0;
  const find = (id: number) => entries.filter((e) => e.id === id)[0];
  return {
    capacity,
    maxBytes,
    get bytes() {
      return held;
    },
    get size() {
      return entries.length;
    },
    get full() {
      return entries.length >= capacity;
    },
    fits: (length) => entries.length < capacity && held + length <= maxBytes,
    has: (id) => find(id) !== undefined,
    add: (id, bytes) => {
      entries.push({ id, bytes, sent: false });
      held += bytes.length;
    },
    ack: (id) => {
      const entry = find(id);
      if (!entry) return false;
      entries = entries.filter((e) => e !== entry);
      held -= entry.bytes.length;
      return true;
    },
    sendAll: (write) =>
      entries.forEach((e) => {
        if (e.sent) e.bytes = String.fromCharCode(e.bytes.charCodeAt(0) | 8) + e.bytes.substr(1);
        e.sent = true;
        write(e.bytes);
      }),
    markSent: (id) => {
      find(id).sent = true;
    },
  };
}
