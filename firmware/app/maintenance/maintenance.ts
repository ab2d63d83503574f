// The maintenance window: how the Espruino Web IDE or `espruino -p tcp://<ip>` reaches the
// device over the air without leaving an open JavaScript prompt on the LAN. A signed
// "MAINTENANCE <seconds>" on maintenance/set opens the console on the telnet port for at
// most maxSeconds under a new random window id; the window closes when it ends, on a signed
// "MAINTENANCE 0", and at reboot (boot.ts also keeps Espruino's own telnet off).
//
// Every connection faces a password first, and each password works once: the k-th is
// consolePassword(commandKey, id, k), which the owner's tools compute from the command key
// (scripts/lib/console-login.ts). Nothing secret crosses the broker: the signed retained
// report "OPEN <seconds> <id> <k>" says which password the next connection needs.
import type { ConsoleDoor, Consoles } from "../../hal/platform";
import type { TimerHandle, Timers } from "../../hal/time";
import { randomHex, sameMac } from "../protocol/auth";
import type { Outcome } from "../protocol/commands";

export const DEFAULT_MAINTENANCE_MAX_SECONDS = 600;

/** The signed command on maintenance/set that reboots the device (device.ts). */
export const RESTART = "RESTART";

/** Domain separation: a console password is never a valid command or report MAC. */
export const CONSOLE_PREFIX = "latchkey/1 console\n";

/** The k-th password of window `id`: 16 hex digits of HMAC-SHA256(command key, prefix + id +
 *  "\n" + k) (Espruino's prompt takes at most 20 characters, src/jsinteractive.c). */
export function consolePassword(mac: (text: string) => string, id: string, k: number): string {
  return mac(CONSOLE_PREFIX + id + "\n" + k).slice(0, 16);
}

export interface Maintenance {
  /** The retained report: "OPEN <seconds> <window id> <next k>" or "CLOSED". */
  readonly state: string;
  /** Applies a verified command text from maintenance/set: "MAINTENANCE <1..max>" opens (or
   *  extends from now: same id, the session inside stays) the window, "MAINTENANCE 0" closes it. */
  command(cmd: string): Outcome;
}

export function createMaintenance(
  consoles: Consoles,
  timers: Timers,
  maxSeconds: number,
  mac: (text: string) => string,
  random: () => number,
  changed: () => void,
): Maintenance {
  let state = "CLOSED";
  /** Undefined the moment it fires or is cleared (Espruino reuses timer ids at once). */
  let timer: TimerHandle;
  /** The open window's id ("" when closed), its length and the next password's number. */
  let id = "";
  let seconds = 0;
  let k = 0;
  const report = () => {
    state = id ? "OPEN " + seconds + " " + id + " " + k : "CLOSED";
    changed();
  };
  const door: ConsoleDoor = {
    ask: () => state + "\r\npassword>",
    enter: (line) => {
      // No window, no way in: a connection accepted before the window closed stays refused.
      const ok = id !== "" && sameMac(line, consolePassword(mac, id, k));
      if (ok) {
        k++;
        report();
      }
      return ok;
    },
  };
  const close = () => {
    timers.clear(timer);
    timer = undefined;
    id = "";
    consoles.serve(undefined);
    report();
  };
  return {
    get state() {
      return state;
    },
    command: (cmd) => {
      const words = cmd.split(" ");
      const s = /^[0-9]+$/.test(words[1]) ? parseInt(words[1], 10) : -1;
      if (words[0] !== "MAINTENANCE" || words.length !== 2 || s > maxSeconds || s < 0)
        return { refused: "expected MAINTENANCE <0-" + maxSeconds + ">" };
      if (!s) {
        close();
        return { done: "console closed" };
      }
      timers.clear(timer);
      timer = timers.set(close, s * 1000);
      seconds = s;
      if (!id) {
        id = randomHex(random, 16);
        k = 0;
        consoles.serve(door);
      }
      report();
      return { done: "console open " + s + " s" };
    },
  };
}
