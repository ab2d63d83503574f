// The incremental decoder: socket bytes in, whole packets out. Bytes may arrive one at a time
// or many packets at once. Memory is bounded: a packet whose fixed header announces more than
// `maxPacketBytes` is refused before its body is buffered, so between calls the decoder holds
// at most maxPacketBytes. A protocol error ends the stream for good (the session must close
// the network connection, [MQTT-4.8.0-1]); every later push returns the same error.
import { decodePacket } from "./decode";
import type { Packet } from "./packets";

export class Decoder {
  private buf: string;
  private failed: string | undefined;
  private readonly max: number;

  /** `maxPacketBytes` counts the whole packet, fixed header included. */
  constructor(maxPacketBytes: number) {
    this.max = maxPacketBytes;
    this.buf = "";
  }

  /** Bytes held for a packet not yet complete. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Forgets everything, including a past error: for a new connection. */
  reset(): void {
    this.buf = "";
    this.failed = undefined;
  }

  private fail(problem: string): string {
    this.buf = "";
    this.failed = problem;
    return problem;
  }

  /**
   * Takes the next bytes of the stream; calls `onPacket` for each packet they complete, in
   * order. Returns the protocol error that ended the stream, or undefined. If `onPacket`
   * calls reset(), decoding stops with the bytes of that call.
   */
  push(chunk: string, onPacket: (packet: Packet) => void): string | undefined {
    if (this.failed !== undefined) return this.failed;
    this.buf += chunk;
    while (this.buf.length >= 2) {
      const buf = this.buf;
      // Remaining length: up to four bytes, 7 bits each, low group first (section 2.2.3).
      let i = 1;
      let length = 0;
      let scale = 1;
      let byte = 128;
      while (byte & 128) {
        if (i === 5) return this.fail("remaining length longer than four bytes [MQTT-2.2.3]");
        if (i >= buf.length) return undefined;
        byte = buf.charCodeAt(i++);
        length += (byte & 127) * scale;
        scale *= 128;
      }
      const total = i + length;
      if (total > this.max) {
        return this.fail("packet of " + total + " bytes is over the limit of " + this.max + " (maxPacketBytes)");
      }
      if (buf.length < total) return undefined;
      const packet = decodePacket(buf.charCodeAt(0), buf.substring(i, total));
      this.buf = buf.substr(total);
      if (typeof packet === "string") return this.fail(packet);
      onPacket(packet);
    }
    return undefined;
  }
}
