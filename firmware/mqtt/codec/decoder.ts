// The incremental decoder: socket bytes in, whole packets out. Bytes may arrive one at a time
// or many packets at once. Memory is bounded: a packet whose fixed header announces more than
// `maxPacketBytes` is refused before its body is buffered, so between calls the decoder holds
// at most maxPacketBytes. A protocol error ends the stream for good (the session must close
// the network connection, [MQTT-4.8.0-1]); every later push returns the same error.
// Linear in its input: packets are read at an offset into the bytes of one push, and only the
// incomplete tail is copied, once per push (Espruino copies on every substr: src/jsvar.c).
// A PUBLISH (nearly every packet) goes straight to decodePublish (decode.ts), every other
// packet to the injected decoder, which must decode a PUBLISH the same way (it is asked again
// for the text of a refusal). Espruino lexes every token of a function again on every
// call (src/jsparse.c), so this loop is kept short on purpose.
import { decodePublish } from "./decode";
import type { Packet } from "./packets";

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
      while (end - at >= 2) {
        // Espruino finds buf.charCodeAt(at) by walking buf from its start (src/jsvar.c): in a
        // big read, the decoded part is dropped every SLICE bytes to keep offsets small.
        if (at > SLICE) {
          buf = buf.substr(at);
          end -= at;
          at = 0;
        }
        // Remaining length: up to four bytes, 7 bits each, low group first (section 2.2.3).
        // One byte (under 128) is the common case: the loop runs only for longer packets.
        let byte = buf.charCodeAt(at + 1);
        let length = byte & 127;
        let i = at + 2;
        let scale = 128;
        while (byte & 128) {
          if (i === at + 5) return fail(TOO_LONG);
          if (i >= end) break;
          byte = buf.charCodeAt(i++);
          length += (byte & 127) * scale;
          scale *= 128;
        }
        if (byte & 128) break;
        const total = i + length;
        if (total - at > maxPacketBytes) return fail(total - at + OVER + maxPacketBytes + " (maxPacketBytes)");
        if (total > end) break;
        const first = buf.charCodeAt(at);
        const packet = first >> 4 === 3 ? decodePublish(first, buf, i, total) : decode(first, buf, i, total);
        // A refused PUBLISH is told by the injected decoder too: it may add words (decode-any.ts).
        if (typeof packet === "string")
          return fail(first >> 4 === 3 ? (decode(first, buf, i, total) as string) : packet);
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
