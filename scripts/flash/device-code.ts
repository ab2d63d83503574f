// The one-line programs `npm run flash` runs on the device through the Espruino CLI, and the
// arithmetic of Espruino's Storage. Each prints one `LK<<json>>` line the host parses.
import { createHash } from "node:crypto";

/** Espruino Storage: every file has a 32-byte header and is padded to 4 bytes
 *  (src/jsflash.h, JsfFileHeader; the CLI's setStorageBufferFile does the same). */
export function storageCost(length: number): number {
  return 32 + ((length + 3) & ~3);
}

/** What the CLI's `--storage` sends per file: one Storage.write per 384 bytes (core/utils.js). */
export const CLI_CHUNK = 384;

export function chunksOf(length: number): number {
  return Math.max(1, Math.ceil(length / CLI_CHUNK));
}

export function sha256Hex(data: string): string {
  return createHash("sha256").update(Buffer.from(data, "latin1")).digest("hex");
}

export interface ProbeAnswer {
  v?: string;
  b?: string;
  free: number;
  files: Record<string, number>;
  /** SHA-256 (hex) of each file named in probeProgram's `hash` that exists. */
  h?: Record<string, string>;
}

/** Read-only: the interpreter version and board, free Storage, every file's length, and the
 *  SHA-256 of the files named in `hash` (only files whose hash gives nothing away: random
 *  keys and certificates, never the Wi-Fi settings). */
export function probeProgram(hash: string[] = []): string {
  return (
    '(function(){var S=require("Storage"),f={},h={};S.list().forEach(function(n){f[n]=S.read(n).length;});' +
    (hash.length === 0
      ? ""
      : 'var C=require("crypto");function hex(b){var a=new Uint8Array(b),s="";for(var i=0;i<a.length;i++)s+=(256+a[i]).toString(16).substr(1);return s;}' +
        JSON.stringify(hash) +
        ".forEach(function(n){var d=S.read(n);if(d!==undefined)h[n]=hex(C.SHA256(d));});") +
    'print("LK<<"+JSON.stringify({v:process.env.VERSION,b:process.env.BOARD,free:S.getFree(),files:f,h:h})+">>");})()'
  );
}

export const PROBE = probeProgram();

export interface VerifyAnswer {
  ok: boolean;
  free: number;
  files: Record<string, [number, string]>;
}

/** The name a file is uploaded under over the network, and back (at most 28 characters). */
export const stagedName = (name: string) => "lk.up" + (name.startsWith(".") ? name : "." + name);
export const unstagedName = (name: string) => name.slice(5).replace(/^\.lk\./, "lk.");

/** After the CLI wrote the files: each one's length and SHA-256 as the device reads it back
 *  (on ESP32 Storage.read is memory-mapped, so hashing copies nothing to RAM), free Storage,
 *  and a reboot into the new bundle only when every file matches. With `staged`, the files
 *  were written under stagedName: they are moved into place in the same turn as the reboot,
 *  so the running firmware never runs from a .bootcde being rewritten. */
export function verifyProgram(expected: Record<string, [number, string]>, staged = false): string {
  const moves: Record<string, string> = {};
  for (const name of Object.keys(expected)) moves[name] = unstagedName(name);
  return (
    '(function(){var S=require("Storage"),C=require("crypto"),want=' +
    JSON.stringify(expected) +
    ',got={},ok=true;function hex(b){var a=new Uint8Array(b),s="";for(var i=0;i<a.length;i++)s+=(256+a[i]).toString(16).substr(1);return s;}' +
    'for(var n in want){var d=S.read(n);got[n]=d===undefined?[-1,""]:[d.length,hex(C.SHA256(d))];' +
    "if(got[n][0]!==want[n][0]||got[n][1]!==want[n][1])ok=false;}" +
    'print("LK<<"+JSON.stringify({ok:ok,free:S.getFree(),files:got})+">>");' +
    (staged
      ? "if(ok)setTimeout(function(){var m=" +
        JSON.stringify(moves) +
        ";for(var n in m){S.write(m[n],S.read(n));S.erase(n);}E.reboot();},500);})()\n"
      : "if(ok)setTimeout(function(){E.reboot();},500);})()\n")
  );
}
