// Byte-string primitives shared by the encoder and decoder (section 1.5 data representation,
// section 2.2.3 remaining length). A "byte string" holds one byte per character (0-255).

/** Largest remaining length four bytes can express (section 2.2.3). */
export const MAX_REMAINING_LENGTH = 268435455;

export function u16(value: number): string {
  return String.fromCharCode((value >> 8) & 255, value & 255);
}

/** A UTF-8 encoded string field: two length bytes then the bytes (section 1.5.3). */
export function str16(bytes: string): string {
  return u16(bytes.length) + bytes;
}

/** The variable-length remaining length (section 2.2.3): 7 bits per byte, low group first. */
export function remainingLength(length: number): string {
  let out = "";
  do {
    let digit = length % 128;
    length = (length - digit) / 128;
    if (length > 0) digit |= 128;
    out += String.fromCharCode(digit);
  } while (length > 0);
  return out;
}

/**
 * Why `bytes` is not acceptable as an MQTT UTF-8 string, or undefined when it is: well-formed
 * UTF-8 [MQTT-1.5.3-1], no U+0000 [MQTT-1.5.3-2], at most 65535 bytes (section 1.5.3), and one
 * byte per character (the caller encodes text to UTF-8 bytes first).
 */
export function utf8Error(bytes: string): string | undefined {
  if (bytes.length > 65535) return "string longer than 65535 bytes [MQTT-1.5.3]";
  let i = 0;
  while (i < bytes.length) {
    const c = bytes.charCodeAt(i++);
    if (c > 255) return "not a byte string: encode text as UTF-8 bytes first";
    if (c === 0) return "U+0000 in a string [MQTT-1.5.3-2]";
    if (c < 128) continue;
    // Lead byte: how many continuation bytes, and the smallest code point that length allows
    // (anything smaller is an overlong encoding, which is ill-formed).
    let more: number;
    let min: number;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) {
      more = 1;
      min = 0x80;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      min = 0x800;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else return "ill-formed UTF-8 [MQTT-1.5.3-1]";
    while (more-- > 0) {
      const k = bytes.charCodeAt(i++);
      if (!(k >= 0x80 && k <= 0xbf)) return "ill-formed UTF-8 [MQTT-1.5.3-1]";
      cp = cp * 64 + (k & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return "ill-formed UTF-8 [MQTT-1.5.3-1]";
  }
  return undefined;
}
