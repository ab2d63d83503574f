// Byte-string primitives shared by the encoder and decoder (section 1.5 data representation). A "byte string" holds one byte per character (0-255).

/** Largest remaining length four bytes can express (section 2.2.3). */
export const MAX_REMAINING_LENGTH = 268435455;

export function u16(value: number): string {
  return String.fromCharCode((value >> 8) & 255, value & 255);
}

/** A UTF-8 encoded string field: two length bytes then the bytes (section 1.5.3). */
export function str16(bytes: string): string {
  return u16(bytes.length) + bytes;
}

const BAD_UTF8 = "bad UTF-8 [MQTT-1.5.3-1]";

/**
 * Why `bytes` is not acceptable as an MQTT UTF-8 string, or undefined when it is: well-formed
 * UTF-8 [MQTT-1.5.3-1], no U+0000 [MQTT-1.5.3-2], at most 65535 bytes (section 1.5.3), and one
 * byte per character (the caller encodes text to UTF-8 bytes first). A loop in JavaScript:
 * topics take the native fast path in topic.ts and reach this only with a non-ASCII byte.
 */
export function utf8Error(bytes: string): string | undefined {
  if (bytes.length > 65535) return "over 65535 bytes [MQTT-1.5.3]";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c > 255) return "not a byte string (encode as UTF-8)";
    if (!c) return "U+0000 [MQTT-1.5.3-2]";
    if (c < 128) continue;
    // A lead byte: how many continuation bytes (10xxxxxx) follow. A code point below the
    // least that length needs is an overlong encoding; D800-DFFF are surrogates: ill-formed.
    const more = c < 0xc2 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : 0;
    let cp = c & (0x3f >> more);
    for (let k = 0; k < more; k++) {
      const b = bytes.charCodeAt(++i);
      cp = b >> 6 === 2 && cp >= 0 ? cp * 64 + (b & 0x3f) : -1;
    }
    if (!more || cp < [0, 0x80, 0x800, 0x10000][more] || cp > 0x10ffff || cp >> 11 === 27) return BAD_UTF8;
  }
  return undefined;
}
