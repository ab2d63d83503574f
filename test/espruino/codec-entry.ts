// Bundled by codec.test.ts and run on Espruino's own interpreter: decodes and encodes what
// the test hands it (the global CASES, hex strings and packets) with the very codec the
// firmware uses, and prints one `RESULT <json>` line per case.
import { decodeAny } from "../../firmware/mqtt/codec/decode-any";
import { Decoder } from "../../firmware/mqtt/codec/decoder";
import { encode } from "../../firmware/mqtt/codec/encode-any";
import type { Packet } from "../../firmware/mqtt/codec/packets";

declare function print(text: string): void;
declare const CASES: { wire: string; packet?: Packet; oneByOne?: boolean }[];

function fromHex(hex: string): string {
  let out = "";
  for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.substr(i, 2), 16));
  return out;
}

function toHex(bytes: string): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    out += "0123456789abcdef"[c >> 4] + "0123456789abcdef"[c & 15];
  }
  return out;
}

for (let i = 0; i < CASES.length; i++) {
  const c = CASES[i];
  const wire = fromHex(c.wire);
  const packets: Packet[] = [];
  const decoder = new Decoder(4096, decodeAny);
  let error: string | undefined;
  // substr, not wire[k]: on a build with Unicode support (the Linux one) indexing a byte of
  // 0x80 or more gives a UTF-8 string of one character (docs/espruino.md).
  if (c.oneByOne)
    for (let k = 0; k < wire.length && !error; k++) error = decoder.push(wire.substr(k, 1), (p) => packets.push(p));
  else error = decoder.push(wire, (p) => packets.push(p));
  let encoded: string | undefined;
  if (c.packet) {
    try {
      encoded = toHex(encode(c.packet));
    } catch (e) {
      encoded = "throws " + (e as Error).message;
    }
  }
  print("RESULT " + JSON.stringify({ i, packets, error, buffered: decoder.buffered, encoded }));
}
