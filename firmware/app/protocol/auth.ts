// HMAC-SHA256 (RFC 2104) on the device, built from the hal's SHA-256 (Espruino's
// require("crypto").SHA256 has no HMAC: libs/crypto/jswrap_crypto.c), a constant-time MAC
// compare, and the device-issued nonces that make a signed command fresh. The protocol is
// docs/protocol.md; the host half is scripts/lib/signing.ts.
//
// Every text that is MAC'd is bytes (Espruino strings are 8-bit); the host encodes the same
// text as UTF-8, so both sides agree because the firmware only ever MACs printable ASCII.

/** SHA-256 of a binary string, as a 32-character binary string (Platform.sha256). */
export type Sha256 = (data: string) => string;

/** The domain-separation prefixes: a MAC for one kind of message is never valid for another. */
export const COMMAND_PREFIX = "latchkey/1 cmd\n";
export const RESULT_PREFIX = "latchkey/2 result\n";
export const REPORT_PREFIX = "latchkey/1 report\n";

/** The command key is 32 bytes (docs/protocol.md); anything else is refused at boot. */
export const KEY_BYTES = 32;
const BLOCK_BYTES = 64;
const HEX = "0123456789abcdef";

export function toHex(bytes: string): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i) & 255;
    out += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return out;
}

/** True when `text` is exactly `length` lower-case hex digits. */
export function isHex(text: unknown, length: number): boolean {
  return typeof text === "string" && text.length === length && /^[0-9a-f]+$/.test(text);
}

/** The MAC function under `key`: text -> 64 lower-case hex digits. The padded key blocks are
 *  made once, so one MAC costs two SHA-256 calls over short strings. */
export function hmacSha256(sha256: Sha256, key: string): (text: string) => string {
  let inner = "";
  let outer = "";
  for (let i = 0; i < BLOCK_BYTES; i++) {
    const k = i < key.length ? key.charCodeAt(i) & 255 : 0;
    inner += String.fromCharCode(k ^ 0x36);
    outer += String.fromCharCode(k ^ 0x5c);
  }
  return (text) => toHex(sha256(outer + sha256(inner + text)));
}

/** Compares two MACs in time independent of where they differ (the length is not secret). */
export function sameMac(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** `count` random hex digits from `random` (uniform in [0, 1), the hardware RNG on a device). */
export function randomHex(random: () => number, count: number): string {
  let out = "";
  // & floors a number in [0, 16) (ToInt32, docs/espruino.md).
  while (out.length < count) out += HEX.charAt((random() * 16) & 15);
  return out;
}

/** True when `text` is one or more printable ASCII characters (space to '~'). */
export function printable(text: string): boolean {
  return /^[ -~]+$/.test(text);
}

/** The refusal of a nonce that was used, replaced, or issued before a reboot. */
export const NOT_LIVE = "nonce not live";

/** The device publishes at most one nonce per this many milliseconds, unless a command used
 *  up the last one (results.ts). */
export const NONCE_GAP_MS = 500;

/**
 * The one live nonce (docs/protocol.md): it is forgotten when a command carrying it arrives
 * signed, and it expires `freshnessMs` after it was issued by the device's own clock. A
 * request in the first half of that gets the same nonce again (a flood of requests cannot
 * keep replacing it under a genuine command); later a fresh one replaces it. It lives only
 * in RAM, so a reboot forgets it.
 */
export interface Nonces {
  /** The live nonce if issued less than freshnessMs / 2 ago, else a new one: 16 hex digits (64 bits). */
  issue(): string;
  /** Takes `nonce` if it is the live one and still fresh; returns why not, or undefined. */
  take(nonce: string): string | undefined;
}

export function createNonces(now: () => number, random: () => number, freshnessMs: number): Nonces {
  let live: string | undefined;
  let issuedAt = 0;
  return {
    issue: () => {
      if (live === undefined || now() - issuedAt >= freshnessMs / 2) {
        live = randomHex(random, 16);
        issuedAt = now();
      }
      return live;
    },
    take: (nonce) => {
      if (live === undefined || nonce !== live) return NOT_LIVE;
      const age = now() - issuedAt;
      live = undefined;
      if (age > freshnessMs) return "nonce expired (" + Math.round(age) + " ms)";
      return undefined;
    },
  };
}
