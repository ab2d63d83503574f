// The incremental decoder: socket bytes in, whole packets out. Bytes may arrive one at a time
// or many packets at once. Memory is bounded: a packet whose fixed header announces more than
// `maxPacketBytes` is refused before its body is buffered, so between calls the decoder holds
// at most maxPacketBytes. A protocol error ends the stream for good (the session must close
// the network connection, [MQTT-4.8.0-1]); every later push returns the same error.
// Linear in its input: packets are read at an offset into the bytes of one push, and only the
// incomplete tail is copied, once per push (Espruino copies on every substr: src/jsvar.c).
// A plain, well-formed PUBLISH (nearly every packet) is decoded in the loop itself; every
// other packet, and any PUBLISH that is not plainly well-formed, goes to the injected
// decoder. Espruino lexes every token of a loop body again on every pass (src/jsparse.c), so
// this loop is kept short on purpose.
import type { Packet, QoS } from "./packets";
import { SUSPECT } from "./topic";

/** Decodes the packet whose first byte is `first` and whose body is buf[start, end):
 *  decodeFromBroker (decode.ts) on the device, decodeAny (decode-any.ts) in host tools. */
export type PacketDecoder = (first: number, buf: string, start: number, end: number) => Packet | string;

// Out of line: a string literal in a skipped branch is still lexed on every pass.
const TOO_LONG = "length over 4 bytes [MQTT-2.2.3]";
const OVER = " bytes, over ";

/** Bytes decoded at most before the decoded part of a big read is dropped. */
const SLICE = 1024;

export interface Decoder {
  /** Bytes held for a packet not yet complete. */
  readonly buffered: number;
  /** Forgets everything, including a past error: for a new connection. */
  reset(): void;
  /**
   * Takes the next bytes of the stream; calls `onPacket` for each packet they complete, in
   * order. Returns the protocol error that ended the stream, or undefined. If `onPacket`
   * calls reset(), decoding stops with the bytes of that call.
   */
  push(chunk: string, onPacket: (packet: Packet) => void): string | undefined;
}

/** `maxPacketBytes` counts the whole packet, fixed header included. */
function createDecoder(maxPacketBytes: number, decode: PacketDecoder): Decoder {
  let held = "";
  let failed: string | undefined;
  /** Bumped by reset(), so a push can tell that onPacket reset the decoder. */
  let resets = 0;
  const fail = (problem: string) => {
    held = "";
    failed = problem;
    return problem;
  };
  return {
    get buffered() {
      return held.length;
    },
    reset() {
      held = "";
      failed = undefined;
      resets++;
    },
    push(chunk, onPacket) {
      if (failed !== undefined) return failed;
      let buf = held ? held + chunk : chunk;
      // Espruino walks a string's blocks to find its length (src/jsvar.c): once per push.
      let end = buf.length;
      const run = resets;
      let at = 0;
      // Espruino runs this loop body as text, lexing every token on every pass (src/jsparse.c):
      // an executed token costs about 0.35 µs on the Linux build, a skipped one 0.08 µs.
      while (end - at > 1) {
        // In a big read the decoded part is dropped every SLICE bytes, to keep offsets small.
        if (at > SLICE) {
          buf = buf.substr(at);
          end -= at;
          at = 0;
        }
        // Remaining length: up to four bytes, 7 bits each, low group first (section 2.2.3).
        let byte = buf.charCodeAt(at + 1);
        let total = byte & 127;
        let i = at + 2;
        let scale = 128;
        while (byte & 128) {
          if (i === at + 5) return fail(TOO_LONG);
          if (i >= end) break;
          byte = buf.charCodeAt(i++);
          total += (byte & 127) * scale;
          scale *= 128;
        }
        if (byte & 128) break;
        total += i;
        if (total - at > maxPacketBytes) return fail(total - at + OVER + maxPacketBytes + " (maxPacketBytes)");
        if (total > end) break;
        // A PUBLISH at QoS 0 or 1 and not DUP at QoS 0, whose topic and packet id lie inside
        // it, the topic plain letters, digits and "-./:_" (one native regex pass, topic.ts):
        // nearly every packet, decoded here rather than in a call. Nothing is read or copied
        // for another packet, nor past this one's end (that would make a read quadratic).
        const first = buf.charCodeAt(at);
        let packet: Packet | undefined;
        if ((first & 0xf4) === 48 && (first & 14) !== 8) {
          const qos = (first >> 1) & 1;
          const n = buf.charCodeAt(i) * 256 + buf.charCodeAt(i + 1);
          const p = i + 2 + n + qos * 2;
          const id = qos ? buf.charCodeAt(p - 2) * 256 + buf.charCodeAt(p - 1) : 1;
          const topic = n && id && p <= total ? buf.substr(i + 2, n) : "";
          if (topic && !SUSPECT.test(topic)) {
            packet = {
              type: 3,
              topic,
              payload: buf.substring(p, total),
              qos: qos as QoS,
              retain: (first & 1) === 1,
              dup: first > 55,
            };
            if (qos) packet.id = id;
          }
        }
        if (packet === undefined) {
          const decoded = decode(first, buf, i, total);
          if (typeof decoded === "string") return fail(decoded);
          packet = decoded;
        }
        at = total;
        onPacket(packet);
        if (run !== resets) return undefined;
      }
      held = at === 0 ? buf : buf.substr(at);
      return undefined;
    },
  };
}

/** `new Decoder(maxPacketBytes, decode)`: the closure above (local state minifies, `this.`
 *  does not; a function that returns an object is a valid constructor). */
export const Decoder = createDecoder as unknown as new (maxPacketBytes: number, decode: PacketDecoder) => Decoder;
