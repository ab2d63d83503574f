// The incremental decoder: socket bytes in, whole packets out. Bytes may arrive one at a time
// or many packets at once. Memory is bounded: a packet whose fixed header announces more than
// `maxPacketBytes` is refused before its body is buffered, so between calls the decoder holds
// at most maxPacketBytes. A protocol error ends the stream for good (the session must close
// the network connection, [MQTT-4.8.0-1]); every later push returns the same error.
import type { Packet } from "./packets";

/** decodeFromBroker (decode.ts) on the device; decodeAny (decode-any.ts) in host tools. */
export type PacketDecoder = (first: number, body: string) => Packet | string;

export class Decoder {
  private buf_: string;
  private failed_: string | undefined;
  private readonly max_: number;
  private readonly decode_: PacketDecoder;

  /** `maxPacketBytes` counts the whole packet, fixed header included. */
  constructor(maxPacketBytes: number, decode: PacketDecoder) {
    this.max_ = maxPacketBytes;
    this.decode_ = decode;
    this.buf_ = "";
  }

  /** Bytes held for a packet not yet complete. */
  get buffered(): number {
    return this.buf_.length;
  }

  /** Forgets everything, including a past error: for a new connection. */
  reset(): void {
    this.buf_ = "";
    this.failed_ = undefined;
  }

  private fail_(problem: string): string {
    this.buf_ = "";
    this.failed_ = problem;
    return problem;
  }

  /**
   * Takes the next bytes of the stream; calls `onPacket` for each packet they complete, in
   * order. Returns the protocol error that ended the stream, or undefined. If `onPacket`
   * calls reset(), decoding stops with the bytes of that call.
   */
  push(chunk: string, onPacket: (packet: Packet) => void): string | undefined {
    if (this.failed_ !== undefined) return this.failed_;
    this.buf_ += chunk;
    while (this.buf_.length >= 2) {
      const buf = this.buf_;
      // Remaining length: up to four bytes, 7 bits each, low group first (section 2.2.3).
      let i = 1;
      let length = 0;
      let scale = 1;
      let byte = 128;
      while (byte & 128) {
        if (i === 5) return this.fail_("remaining length longer than four bytes [MQTT-2.2.3]");
        if (i >= buf.length) return undefined;
        byte = buf.charCodeAt(i++);
        length += (byte & 127) * scale;
        scale *= 128;
      }
      const total = i + length;
      if (total > this.max_) {
        return this.fail_("packet of " + total + " bytes is over the limit of " + this.max_ + " (maxPacketBytes)");
      }
      if (buf.length < total) return undefined;
      const packet = this.decode_(buf.charCodeAt(0), buf.substring(i, total));
      this.buf_ = buf.substr(total);
      if (typeof packet === "string") return this.fail_(packet);
      onPacket(packet);
    }
    return undefined;
  }
}
