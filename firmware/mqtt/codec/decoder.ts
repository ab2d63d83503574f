// The incremental decoder: socket bytes in, whole packets out. Bytes may arrive one at a time
// or many packets at once. Memory is bounded: a packet whose fixed header announces more than
// `maxPacketBytes` is refused before its body is buffered, so between calls the decoder holds
// at most maxPacketBytes. A protocol error ends the stream for good (the session must close
// the network connection, [MQTT-4.8.0-1]); every later push returns the same error.
// Linear in its input: packets are read at an offset into the bytes of one push, and only the
// incomplete tail is copied, once per push (Espruino copies on every substr: src/jsvar.c).
// The common PUBLISH is decoded in the loop itself; every other packet, and any PUBLISH with
// anything unusual, is decoded out of line from the start (careful()): PUBLISH there, the
// rest by the injected decoder. Espruino lexes every token of a loop body again on every pass
// (src/jsparse.c), so this loop is kept short on purpose.
import { ID_0, SHORT } from "./decode";
import type { Packet } from "./packets";
import { topicClause } from "./topic";

/** Decodes the packet whose first byte is `first` and whose body is buf[start, end):
 *  decodeFromBroker (decode.ts) on the device, decodeAny (decode-any.ts) in host tools. */
export type PacketDecoder = ((first: number, buf: string, start: number, end: number) => Packet | string) & {
  /** Host tools' words for the decoder's own refusals of a PUBLISH (explain.ts); the device
   *  keeps the short form. */
  explain?: (text: string) => string;
  /** For a push without a PUBLISH handler, in host tools: the handler that hands each PUBLISH
   *  to `onPacket` as its packet object (publishPacket, decode-any.ts). */
  packet?: (onPacket: (packet: Packet) => void) => PublishHandler;
};

/** A PUBLISH as the decoder hands it on: `first` is the fixed header's first byte (bit 3 DUP,
 *  bits 2-1 QoS 0 or 1, bit 0 RETAIN, section 3.3.1), `id` the packet identifier at QoS 1 as
 *  its two bytes (never "\0\0"): the PUBACK is "@\x02" + id, and no number is made. Four
 *  arguments, no object: a 6-property object literal costs about 15 µs on Espruino. */
export type PublishHandler = (topic: string, payload: string, first: number, id: string) => void;

// Out of line: a string literal in a skipped branch is still lexed on every pass.
const TOO_LONG = "length over 4 bytes [MQTT-2.2.3]";
const OVER = " bytes, over ";

/** Bytes decoded at most before the decoded part of a big read is dropped. */
const SLICE = 1024;

/** Topics remembered as valid, at most: a device receives a few fixed topics. */
const KNOWN = 8;

export interface Decoder {
  /** Bytes held for a packet not yet complete. */
  readonly buffered: number;
  /** Forgets everything, including a past error: for a new connection. */
  reset(): void;
  /**
   * Takes the next bytes of the stream; calls `onPacket` for each packet they complete, in
   * order, or `onPublish` for a PUBLISH when it is given (the session's way: no packet
   * object). Returns the protocol error that ended the stream, or undefined. If a callback
   * calls reset(), decoding stops with the bytes of that call.
   */
  push(chunk: string, onPacket: (packet: Packet) => void, onPublish?: PublishHandler): string | undefined;
}

/** `maxPacketBytes` counts the whole packet, fixed header included. */
function createDecoder(maxPacketBytes: number, decode: PacketDecoder): Decoder {
  let held = "";
  let failed: string | undefined;
  /** Bumped by reset(), so a push can tell that a callback reset the decoder. */
  let resets = 0;
  /** Topic names found valid (topic.ts), by their two length bytes and bytes as the wire
   *  carries them: one lookup replaces reading the length's high byte and the regex pass.
   *  Only a topic a one-byte-length packet can carry, at most KNOWN of them: a broker sending
   *  many topics costs speed, never memory beyond that. */
  let known: { [wire: string]: string } = {};
  /** A packet shorter than this fits maxPacketBytes, and one whose remaining length's second
   *  byte has its continuation bit set is not (3 + 128 * 128 bytes at least). */
  const lim = Math.min(16384, maxPacketBytes + 1);
  /**
   * Any packet, the careful way: the one starting at buf[at], whose bytes end at or before
   * `end`. Returns where the next packet starts, -1 when this one is not all there yet, or
   * the protocol error. Out of line: the push loop skips it unless needed (skipped text is
   * still lexed, about 0.08 µs a token).
   */
  const careful = (
    buf: string,
    at: number,
    end: number,
    onPacket: (packet: Packet) => void,
    publish: PublishHandler,
  ): number | string => {
    // Remaining length: up to four bytes, 7 bits each, low group first (section 2.2.3).
    let byte = buf.charCodeAt(at + 1);
    let total = byte & 127;
    let i = at + 2;
    let scale = 128;
    while (byte & 128) {
      if (i === at + 5) return TOO_LONG;
      if (i >= end) return -1;
      byte = buf.charCodeAt(i++);
      total += (byte & 127) * scale;
      scale *= 128;
    }
    total += i;
    if (total - at > maxPacketBytes) return total - at + OVER + maxPacketBytes + " (maxPacketBytes)";
    if (total > end) return -1;
    const first = buf.charCodeAt(at);
    if (first >> 4 !== 3) {
      const decoded = decode(first, buf, i, total);
      if (typeof decoded === "string") return decoded;
      onPacket(decoded);
      return total;
    }
    // PUBLISH (section 3.3): topic length, topic, packet id at QoS 1, payload. Nothing is
    // copied past this packet's end (that would make a big read quadratic). The first problem
    // found is named, in the device's short form (explain.ts).
    const qos = (first >> 1) & 3;
    const n = i + 1 < total ? buf.charCodeAt(i) * 256 + buf.charCodeAt(i + 1) : -1;
    const p = i + 2 + n + qos * 2;
    const topic = p - qos * 2 > total ? "" : buf.substr(i + 2, n);
    const id = qos ? buf.substr(p - 2, 2) : "";
    const problem =
      qos > 1
        ? qos > 2
          ? "[MQTT-3.3.1-4]"
          : "[MQTT-3.8.4-6]"
        : first & 8 && !qos
          ? "[MQTT-3.3.1-2]"
          : n < 0
            ? SHORT
            : p - qos * 2 > total
              ? n + " [MQTT-1.5.3]"
              : topicClause(topic) || (p > total ? SHORT : id === "\0\0" ? ID_0 : "");
    // String(text) is the text: the device's short form.
    if (problem) return (decode.explain || String)("PUBLISH: " + problem);
    if (n < 128 && maxPacketBytes > 128 && Object.keys(known).length < KNOWN) known[buf.substr(i, n + 2)] = topic;
    publish(topic, buf.substring(p, total), first, id);
    return total;
  };
  return {
    get buffered() {
      return held.length;
    },
    reset() {
      held = "";
      failed = undefined;
      resets++;
      known = {};
    },
    push(buf, onPacket, onPublish) {
      if (failed !== undefined) return failed;
      // Declared once here, not in the loop: a `let` in a loop body makes a new block scope
      // on every pass. Espruino finds a local by walking the function's names in the order
      // they were declared, parameters first (src/jsvar.c, jsvFindChildFromString): the
      // busiest come first, and the chunk's own name is the buffer's.
      let total = 0;
      let first = 0;
      let at = 0;
      let p = 0;
      let h = 0;
      let n = 0;
      let topic = "";
      let id = "";
      buf = held ? held + buf : buf;
      // Espruino walks a string's blocks to find its length (src/jsvar.c): once per push.
      let end = buf.length;
      let stop = 0;
      let next: number | string = 0;
      const run = resets;
      // Without a PUBLISH handler (host tools, tests), a PUBLISH becomes its packet object, made
      // by the host decoder's `packet` (decode-any.ts): the device's bundle does without it.
      // (A device decoder has no `packet`: a push of it without a handler may still refuse.)
      // The handler takes the parameter's place, third among the names (see above).
      onPublish = (onPublish || (decode.packet && decode.packet(onPacket))) as PublishHandler;
      // Espruino runs this loop body as text, lexing every token on every pass (src/jsparse.c):
      // an executed token costs about 0.35 µs on the Linux build, a skipped one 0.08 µs, a
      // native method about 5 µs. So the loop decodes the common packet itself, in one
      // condition: a PUBLISH at QoS 0 or 1, not DUP (first byte 0x30-0x33), a remaining length
      // of one or two bytes (h: where the variable header starts), all there, a topic found
      // valid before (`known`: its length's high byte 0, not empty, no wildcard, NUL or bad
      // UTF-8) that lies inside the packet, a packet id not 0 at QoS 1. Within maxPacketBytes:
      // a two-byte length over it makes `total` NaN, and a one-byte length is within it
      // whenever `known` holds a topic (careful() fills it only for maxPacketBytes >= 129).
      // A packet whose fixed header is all there and within maxPacketBytes, but not its body,
      // waits for the next bytes; anything else goes to careful(), which decodes it from the
      // start, names its problem, and remembers a valid topic.
      // A big read is decoded SLICE bytes at a time, its decoded part dropped in between, to
      // keep offsets small (a native call walks a string's blocks to its offset, src/jsvar.c):
      // the inner loop stops short of SLICE, so the fast path need not look.
      for (;;) {
        stop = end - 1 < SLICE ? end - 1 : SLICE;
        while (at < stop) {
          first = buf.charCodeAt(at);
          total =
            (n = buf.charCodeAt(at + 1)) < 128
              ? (h = at + 2) + n
              : (total = (h = at + 3) + n - 128 + 128 * buf.charCodeAt(at + 2)) - at < lim
                ? total
                : NaN;
          if (!(
            first >> 2 === 12 &&
            total <= end &&
            (topic = known[buf.substr(h, (p = 2 + buf.charCodeAt(h + 1)))]) &&
            (p += h + (first & 2)) <= total &&
            (first & 2 ? (id = buf.substr(p - 2, 2)) !== "\0\0" : 1)
          ))
            break;
          at = total;
          onPublish(topic, buf.substring(p, total), first, id);
        }
        // The packet at `at` left the fast path (the loop stopped short of `stop`): the
        // careful way, out of the loop, whose text is lexed on every pass.
        if (at < stop) {
          if (
            // A callback that reset the decoder also emptied `known`: every packet after it
            // comes here, and decoding stops. careful() returns a string for a protocol error.
            run !== resets ||
            (total > end && total - at < lim) ||
            !(((next = careful(buf, at, end, onPacket, onPublish)) as number) >= 0)
          )
            break;
          at = next as number;
        } else if (end - at < 2) break;
        else {
          buf = buf.substr(at);
          end -= at;
          at = 0;
        }
      }
      // A protocol error ends the stream: nothing is held, and every later push returns it.
      if (typeof next === "string") return ((held = ""), (failed = next));
      if (run === resets) held = at ? buf.substr(at) : buf;
      return undefined;
    },
  };
}

/** `new Decoder(maxPacketBytes, decode)`: the closure above (local state minifies, `this.`
 *  does not; a function that returns an object is a valid constructor). */
export const Decoder = createDecoder as unknown as new (maxPacketBytes: number, decode: PacketDecoder) => Decoder;
