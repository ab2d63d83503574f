// Byte-string primitives shared by the encoder and decoder (section 1.5 data representation).
// A "byte string" holds one byte per character (0-255).

/** String.fromCharCode by a short name: the bundle names it once, not at every use (about
 *  17 bytes each). It is a static function that ignores `this`, so it may be called alone,
 *  as Espruino's own MQTT module does (EspruinoDocs modules/MQTT.js). */
export const fromCharCode = String.fromCharCode;

/** `value` (0-65535: lengths and ids are checked first) as two bytes, high first. */
export function u16(value: number): string {
  return fromCharCode(value >> 8, value & 255);
}

/** A UTF-8 encoded string field: two length bytes then the bytes (section 1.5.3). */
export function str16(bytes: string): string {
  return u16(bytes.length) + bytes;
}

/**
 * The clause `bytes` breaks as an MQTT UTF-8 string, or undefined: well-formed UTF-8
 * [MQTT-1.5.3-1] and no U+0000 [MQTT-1.5.3-2]. The bytes are those of a received field (at
 * most 65535, one per character); host code checks more (checks.ts). A loop in JavaScript:
 * topics take the native fast path in topic.ts and reach this only with a non-ASCII byte.
 */
export function utf8Clause(bytes: string): string | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (!c) return "[MQTT-1.5.3-2]";
    if (c < 128) continue;
    // A lead byte: how many continuation bytes (10xxxxxx) follow. A code point below the
    // least that length needs is an overlong encoding; D800-DFFF are surrogates: ill-formed.
    const more = c < 0xc2 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : 0;
    let cp = c & (0x3f >> more);
    for (let k = 0; k < more; k++) {
      const b = bytes.charCodeAt(++i);
      cp = b >> 6 === 2 && cp >= 0 ? cp * 64 + (b & 0x3f) : -1;
    }
    if (!more || cp < [0, 0x80, 0x800, 0x10000][more] || cp > 0x10ffff || cp >> 11 === 27) return "[MQTT-1.5.3-1]";
  }
  return undefined;
}
