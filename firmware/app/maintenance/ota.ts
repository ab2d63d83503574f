// Updates over the air through the device's own MQTT session (docs/protocol.md, "OTA"):
// 1. a signed command on ota/set, `OTA <version> <size> <sha256hex> [confirmSeconds
//    [downgrade]]`, opens a transfer (the manifest is authenticated by the command key; chunks
//    need no MAC of their own because the manifest's SHA-256 covers every byte); a version
//    that is not newer than the running one is refused unless the manifest says `downgrade`;
// 2. chunks on otadata/set, `<offset> <bytes>`, are written straight into Storage at their
//    offset (only one chunk is ever in RAM); each is answered on ota/state with `got <n>`;
// 3. the staged file is hashed where it lies (on ESP32 Storage.read is memory-mapped, so
//    nothing is copied to RAM: docs/espruino.md) and, when size and SHA-256 match, swapped
//    in as .bootcde by the boot stub at the next boot (never under the running bundle), the
//    running bundle kept as lk.prev;
// 4. the new bundle confirms at its first CONNACK, or by itself once it has run half the
//    deadline after starting with no uncaught error (network or not: whoever can block the
//    network must not be able to undo an update); the boot stub (.boot0, boot-stub.ts)
//    restores lk.prev if neither happens within the deadline or within two boots.
import type { Platform } from "../../hal/platform";
import { toHex } from "../protocol/auth";
import type { Outcome } from "../protocol/commands";

export const STAGE_FILE = "lk.ota";
export const PREV_FILE = "lk.prev";
export const BOOT_STATE_FILE = "lk.boot";
/** Largest bundle accepted (the bundle budget is 30,000 bytes). */
const MAX_SIZE = 65536;

interface Transfer {
  v: string;
  size: number;
  sha: string;
  ms: number;
  got: number;
}

/** lk.boot: the version that should run, and while `pending`, the one to restore; `ok` once
 *  confirmed offline (said at the next CONNACK). */
interface BootState {
  v?: string;
  prev?: string;
  pending?: number;
  ms?: number;
  ok?: number;
  back?: string;
}

/** A version's rank: major.minor.patch as one number (each field below 1000); a pre-release
 *  suffix after `-` is not compared, and anything else that is not a number ranks NaN, which
 *  is never newer. */
const rank = (v: string) => {
  const p = v.split("-")[0].split(".");
  return +p[0] * 1e6 + +p[1] * 1e3 + +p[2];
};

export interface Ota {
  /** The verified manifest: `OTA <version> <size> <sha256hex> [confirmSeconds]`. */
  begin(command: string): Outcome;
  /** One chunk, `<offset> <bytes>`: written in place when it is the next one expected. */
  chunk(payload: string): void;
  /** At CONNACK: a pending update of this version is confirmed; a rollback is announced. */
  connected(): void;
  /** Once the device has started: a pending update of this version confirms itself after half
   *  its deadline unless an uncaught error (not a TLS handshake's) happened meanwhile. */
  afterStart(): void;
}

export function createOta(platform: Platform, version: string, say: (state: string) => void): Ota {
  const files = platform.files;
  let transfer: Transfer | undefined;
  const unstage = () => files.erase(STAGE_FILE);
  const bootState = () => files.readJSON(BOOT_STATE_FILE) as BootState | undefined;
  // A transfer cut by a reboot leaves a partial file: free its space.
  unstage();
  const fail = (why: string) => {
    transfer = undefined;
    unstage();
    say("refused " + why);
  };
  const finish = (t: Transfer) => {
    const staged = files.read(STAGE_FILE) || "";
    if (staged.length !== t.size || toHex(platform.sha256(staged)) !== t.sha) return fail("sha256 mismatch");
    // .bootcde is never written under the running bundle: its functions are text in that
    // file's flash, and erasing it turns them to null (src/jsflash.c, jsfEraseFileInternal;
    // docs/espruino.md "Flashing"), so the bundle would stop dead. lk.ota stays staged and the
    // boot stub (.boot0, boot-stub.ts) moves it into .bootcde at the next boot, before .bootcde
    // is read, once its SHA-256 is again the manifest's. A power cut before that reboot boots
    // the same way.
    try {
      const running = files.read(".bootcde");
      // Espruino refuses a zero-length file ("Can't create zero length file", checked on 2v29).
      if (running) files.write(PREV_FILE, running);
      files.write(
        BOOT_STATE_FILE,
        JSON.stringify({ v: t.v, prev: version, pending: 1, tries: 0, ms: t.ms, sha: t.sha }),
      );
    } catch (e) {
      return fail("Storage: " + (e as Error).message);
    }
    transfer = undefined;
    say("staged " + t.v + "; rebooting");
    platform.timers.set(platform.reboot, 500);
  };
  return {
    begin: (command) => {
      const w = command.split(" ");
      // Numbers as JavaScript reads them: anything else is NaN and refused below.
      const size = +w[2];
      const seconds = +w[4] || 120;
      if (w[0] !== "OTA" || !/^[0-9A-Za-z.+-]+$/.test(w[1] || "") || !(size > 0 && size <= MAX_SIZE))
        return { refused: "bad manifest" };
      if (!/^[0-9a-f]+$/.test(w[3] || "") || w[3].length !== 64) return { refused: "bad manifest sha256" };
      if (!(seconds >= 5 && seconds <= 900)) return { refused: "confirm deadline outside 5-900 s" };
      if (w[5] !== "downgrade" && !(rank(w[1]) > rank(version)))
        return { refused: w[1] + " is not newer than " + version };
      unstage();
      transfer = { v: w[1], size: size, sha: w[3], ms: seconds * 1000, got: 0 };
      return { done: "ota ready for " + w[1] + " (" + size + " bytes)" };
    },
    chunk: (payload) => {
      const t = transfer;
      if (!t) return say("refused no transfer");
      const space = payload.indexOf(" ");
      const at = parseInt(payload.substr(0, space), 10);
      const data = payload.substr(space + 1);
      if (at !== t.got) return say("got " + t.got);
      if (at + data.length > t.size) return fail("too many bytes");
      try {
        files.write(STAGE_FILE, data, at, at === 0 ? t.size : undefined);
      } catch (e) {
        return fail("Storage: " + (e as Error).message);
      }
      t.got += data.length;
      say("got " + t.got);
      if (t.got === t.size) finish(t);
    },
    connected: () => {
      const b = bootState();
      if (!b) return;
      if ((b.pending || b.ok) && b.v === version) say("confirmed " + b.v);
      else if (b.back) say("rolled back from " + b.back + " to " + version);
      else return;
      files.write(BOOT_STATE_FILE, JSON.stringify({ v: version }));
    },
    afterStart: () => {
      const b = bootState();
      if (!b || !b.pending) return;
      let failed = false;
      platform.network.onUncaught((message) => {
        // A refused TLS handshake is the network's doing (or an attacker's), not the bundle's.
        failed = failed || message.indexOf("mbedtls") < 0;
        return false;
      });
      platform.timers.set(() => {
        // Still pending as this version: not confirmed at a CONNACK, no new update staged.
        const now = bootState()!;
        if (!failed && now.pending && now.v === version)
          files.write(BOOT_STATE_FILE, JSON.stringify({ v: version, ok: 1 }));
      }, b.ms! / 2);
    },
  };
}
