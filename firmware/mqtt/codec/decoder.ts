// The incremental decoder: socket bytes in, whole packets out. Bytes may arrive one at a time
// or many packets at once. Memory is bounded: a packet whose fixed header announces more than
// `maxPacketBytes` is refused before its body is buffered, so between calls the decoder holds
// at most maxPacketBytes. A protocol error ends the stream for good (the session must close
// the network connection, [MQTT-4.8.0-1]); every later push returns the same error.
// Linear in its input: packets are read at an offset into the bytes of one push, and only the
// incomplete tail is copied, once per push (Espruino copies on every substr: src/jsvar.c).
// A well-formed PUBLISH with an ASCII topic (nearly every packet) is decoded right here in a
// few native string calls; every other packet, and every malformed one, goes to the injected
// decoder, which names the problem. Espruino lexes every token of a function again on every
// call (src/jsparse.c), so this path is kept short on purpose.
import type { Packet, PublishPacket, QoS } from "./packets";
import { SUSPECT } from "./topic";

/** Decodes the packet whose first byte is `first` and whose body is buf[start, end):
 *  decodeFromBroker (decode.ts) on the device, decodeAny (decode-any.ts) in host tools. */
export type PacketDecoder = (first: number, buf: string, start: number, end: number) => Packet | string;

/** The PUBLISH in buf[start, end) if it is well-formed and its topic is plain ASCII without
 *  NUL or wildcards (topic.ts), else undefined (the decoder then takes the long way). */
function publish(first: number, buf: string, start: number, end: number): PublishPacket | undefined {
  const qos = (first >> 1) & 3;
  if (first >> 4 !== 3 || qos > 1 || (qos === 0 && first & 8)) return undefined;
  const n = buf.charCodeAt(start) * 256 + buf.charCodeAt(start + 1);
  const at = start + 2 + n + qos * 2;
  // A topic length running past the body, an empty or suspect topic, a packet id of 0.
  if (at > end || n === 0) return undefined;
  const topic = buf.substr(start + 2, n);
  const id = qos ? buf.charCodeAt(at - 2) * 256 + buf.charCodeAt(at - 1) : 1;
  if (id === 0 || SUSPECT.test(topic)) return undefined;
  const packet: PublishPacket = {
    type: 3,
    topic,
    payload: buf.substring(at, end),
    qos: qos as QoS,
    retain: (first & 1) === 1,
    dup: (first & 8) === 8,
  };
  if (qos) packet.id = id;
  return packet;
}

export class Decoder {
  private buf_: string;
  private failed_: string | undefined;
  /** Bumped by reset(), so a push can tell that onPacket reset the decoder. */
  private resets_: number;
  private readonly max_: number;
  private readonly decode_: PacketDecoder;

  /** `maxPacketBytes` counts the whole packet, fixed header included. */
  constructor(maxPacketBytes: number, decode: PacketDecoder) {
    this.max_ = maxPacketBytes;
    this.decode_ = decode;
    this.buf_ = "";
    this.resets_ = 0;
  }

  /** Bytes held for a packet not yet complete. */
  get buffered(): number {
    return this.buf_.length;
  }

  /** Forgets everything, including a past error: for a new connection. */
  reset(): void {
    this.buf_ = "";
    this.failed_ = undefined;
    this.resets_++;
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
    const buf = this.buf_ ? this.buf_ + chunk : chunk;
    // Espruino walks a string's blocks to find its length (src/jsvar.c): once per push.
    const end = buf.length;
    const resets = this.resets_;
    const max = this.max_;
    let at = 0;
    while (end - at >= 2) {
      // Remaining length: up to four bytes, 7 bits each, low group first (section 2.2.3).
      let i = at + 1;
      let length = 0;
      let scale = 1;
      let byte = 128;
      while (byte & 128) {
        if (i === at + 5) return this.fail_("length over 4 bytes [MQTT-2.2.3]");
        if (i >= end) break;
        byte = buf.charCodeAt(i++);
        length += (byte & 127) * scale;
        scale *= 128;
      }
      if (byte & 128) break;
      const total = i + length;
      if (total - at > max) return this.fail_(total - at + " bytes, over " + max + " (maxPacketBytes)");
      if (total > end) break;
      const first = buf.charCodeAt(at);
      const packet = publish(first, buf, i, total) || this.decode_(first, buf, i, total);
      at = total;
      if (typeof packet === "string") return this.fail_(packet);
      onPacket(packet);
      if (resets !== this.resets_) return undefined;
    }
    this.buf_ = at === 0 ? buf : buf.substr(at);
    return undefined;
  }
}
