// Outgoing QoS 1 messages not yet acknowledged, held as encoded bytes (smallest form on the
// device): at most `capacity` of them and `maxBytes` in all, so a flood cannot exhaust memory. After a reconnect each
// one is sent again; those already sent carry DUP [MQTT-3.3.1-1], [MQTT-4.4.0-1].

interface Entry {
  id: number;
  bytes: string;
  sent: boolean;
}

export class Inflight {
  private entries_: Entry[];
  private bytes_: number;
  readonly capacity: number;
  readonly maxBytes: number;

  constructor(capacity: number, maxBytes: number) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.entries_ = [];
    this.bytes_ = 0;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.bytes_;
  }

  /** Whether a message of `length` bytes may be added. */
  fits(length: number): boolean {
    return this.entries_.length < this.capacity && this.bytes_ + length <= this.maxBytes;
  }

  get size(): number {
    return this.entries_.length;
  }

  get full(): boolean {
    return this.entries_.length >= this.capacity;
  }

  has(id: number): boolean {
    return this.entries_.some((e) => e.id === id);
  }

  add(id: number, bytes: string): void {
    this.entries_.push({ id, bytes, sent: false });
    this.bytes_ += bytes.length;
  }

  /** Removes the message a PUBACK acknowledges; false when no message had that id. */
  ack(id: number): boolean {
    const before = this.entries_.length;
    this.entries_ = this.entries_.filter((e) => {
      if (e.id !== id) return true;
      this.bytes_ -= e.bytes.length;
      return false;
    });
    return this.entries_.length < before;
  }

  /** Calls `write` for every message in order, setting DUP on those sent before. */
  sendAll(write: (bytes: string) => void): void {
    this.entries_.forEach((e) => {
      if (e.sent) e.bytes = String.fromCharCode(e.bytes.charCodeAt(0) | 8) + e.bytes.substr(1);
      e.sent = true;
      write(e.bytes);
    });
  }

  /** Marks one message as written (it was sent while the link was up). */
  markSent(id: number): void {
    this.entries_.forEach((e) => {
      if (e.id === id) e.sent = true;
    });
  }
}
