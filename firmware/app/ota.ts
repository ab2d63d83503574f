// Updates over the air through the device's own MQTT session (docs/protocol.md, "OTA"):
// 1. a signed command on ota/set, `OTA <version> <size> <sha256hex> [confirmSeconds]`, opens
//    a transfer (the manifest is authenticated by the command key; chunks need no MAC of
//    their own because the manifest's SHA-256 covers every byte);
// 2. chunks on otadata/set, `<offset> <bytes>`, are written straight into Storage at their
//    offset (only one chunk is ever in RAM); each is answered on ota/state with `got <n>`;
// 3. the staged file is hashed where it lies (on ESP32 Storage.read is memory-mapped, so
//    nothing is copied to RAM: docs/espruino.md) and, when size and SHA-256 match, swapped
//    in as .bootcde with the running bundle kept as lk.prev, then the device reboots;
// 4. the new bundle confirms at its first CONNACK; the boot stub (.boot0, boot-stub.ts)
//    restores lk.prev if that does not happen within the deadline or within two boots.
import type { Platform } from "../hal/platform";
import { toHex } from "./auth";
import type { Outcome } from "./commands";

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

/** lk.boot: the version that should run, and while `pending`, the one to restore. */
interface BootState {
  v?: string;
  prev?: string;
  pending?: number;
  back?: string;
}

export interface Ota {
  /** The verified manifest: `OTA <version> <size> <sha256hex> [confirmSeconds]`. */
  begin(command: string): Outcome;
  /** One chunk, `<offset> <bytes>`: written in place when it is the next one expected. */
  chunk(payload: string): void;
  /** At CONNACK: a pending update of this version is confirmed; a rollback is announced. */
  connected(): void;
}

type OtaConstructor = new (...args: Parameters<typeof createOta>) => Ota;

function createOta(platform: Platform, version: string, say: (state: string) => void): Ota {
  const files = platform.files;
  let transfer: Transfer | undefined;
  const unstage = () => files.erase(STAGE_FILE);
  // A transfer cut by a reboot leaves a partial file: free its space.
  unstage();
  const fail = (why: string) => {
    transfer = undefined;
    unstage();
    say("refused " + why);
  };
  const finish = (t: Transfer) => {
    const staged = files.read(STAGE_FILE) || "";
    if (staged.length !== t.size || toHex(platform.sha256(staged)) !== t.sha)
      return fail("sha256 mismatch: nothing changed");
    transfer = undefined;
    const running = files.read(".bootcde");
    // Espruino refuses a zero-length file ("Can't create zero length file", checked on 2v29).
    if (running) files.write(PREV_FILE, running);
    files.write(".bootcde", staged);
    unstage();
    files.write(BOOT_STATE_FILE, JSON.stringify({ v: t.v, prev: version, pending: 1, tries: 0, ms: t.ms }));
    say("staged " + t.v + "; rebooting");
    platform.timers.set(() => platform.reboot(), 500);
  };
  return {
    begin: (command) => {
      const w = command.split(" ");
      const size = parseInt(w[2], 10);
      const seconds = w[4] ? parseInt(w[4], 10) : 120;
      if (w[0] !== "OTA" || !/^[0-9A-Za-z.+-]+$/.test(w[1] || "") || !(size > 0 && size <= MAX_SIZE))
        return { refused: "bad manifest (OTA <version> <size> <sha256hex> [confirmSeconds])" };
      if (!/^[0-9a-f]+$/.test(w[3] || "") || w[3].length !== 64) return { refused: "bad manifest sha256" };
      if (!(seconds >= 5 && seconds <= 900)) return { refused: "confirm deadline outside 5-900 s" };
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
      if (at + data.length > t.size) return fail("more bytes than the manifest's " + t.size);
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
      const b = files.readJSON(BOOT_STATE_FILE) as BootState | undefined;
      if (!b) return;
      if (b.pending && b.v === version) say("confirmed " + b.v);
      else if (b.back) say("rolled back from " + b.back + " to " + version);
      else return;
      files.write(BOOT_STATE_FILE, JSON.stringify({ v: version }));
    },
  };
}

/** `new Ota(...)`: the closure above (a function returning an object is a valid constructor
 *  on Espruino too; its state is locals, which minify). */
export const Ota = createOta as unknown as OtaConstructor;
