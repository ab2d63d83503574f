// The maintenance window: how the Espruino Web IDE or `espruino -p tcp://<ip>` reaches the
// device over the air without leaving an open JavaScript prompt on the LAN. A signed
// "MAINTENANCE <seconds> <otp>" on maintenance/set locks every console with the one-time
// password, then turns telnet on for at most maxSeconds; the window closes when it ends, on a
// signed "MAINTENANCE 0", and at reboot (Espruino forgets the password and boot.ts turns
// telnet off). docs/espruino.md "Consoles" has the Espruino behaviours this relies on.
import type { Consoles } from "../hal/platform";
import type { TimerHandle, Timers } from "../hal/time";
import type { Outcome } from "./commands";

export const DEFAULT_MAINTENANCE_MAX_SECONDS = 600;

/** The one-time password: 8 to 20 letters and digits (the prompt takes at most 20
 *  characters, src/jsinteractive.c). */
const OTP = /^[A-Za-z0-9]+$/;

export interface Maintenance {
  /** The retained report: "OPEN <seconds>" or "CLOSED". */
  readonly state: string;
  /** Applies a verified command text from maintenance/set: "MAINTENANCE <1..max> <otp>"
   *  opens (or extends) the window, "MAINTENANCE 0" closes it. */
  command(cmd: string): Outcome;
}

type MaintenanceConstructor = new (...args: Parameters<typeof createMaintenance>) => Maintenance;

function createMaintenance(consoles: Consoles, timers: Timers, maxSeconds: number, changed: () => void): Maintenance {
  let state = "CLOSED";
  /** Undefined the moment it fires or is cleared (Espruino reuses timer ids at once). */
  let timer: TimerHandle;
  /** Locks (before telnet opens) or unlocks (after it closes) and reports; false when the
   *  board has no telnet. */
  const set = (open: boolean, seconds: number, otp?: string): boolean => {
    timers.clear(timer);
    timer = undefined;
    if (open) consoles.lock(otp);
    const telnet = consoles.telnet(open);
    const opened = open && telnet;
    if (!opened) consoles.lock(undefined);
    else
      timer = timers.set(() => {
        timer = undefined;
        set(false, 0);
      }, seconds * 1000);
    state = opened ? "OPEN " + seconds : "CLOSED";
    changed();
    return telnet;
  };
  return {
    get state() {
      return state;
    },
    command: (cmd) => {
      const words = cmd.split(" ");
      const seconds = /^[0-9]+$/.test(words[1]) ? parseInt(words[1], 10) : -1;
      const otp = words[2];
      if (words[0] === "MAINTENANCE" && seconds === 0 && words.length === 2) {
        set(false, 0);
        return { done: "telnet closed" };
      }
      if (
        words[0] !== "MAINTENANCE" ||
        words.length !== 3 ||
        seconds < 1 ||
        seconds > maxSeconds ||
        otp.length < 8 ||
        otp.length > 20 ||
        !OTP.test(otp)
      )
        return { refused: "expected MAINTENANCE <1-" + maxSeconds + "> <otp of 8-20 letters, digits>" };
      if (!set(true, seconds, otp)) return { refused: "no telnet" };
      return { done: "telnet open " + seconds + " s" };
    },
  };
}

/** `new Maintenance(...)`: the closure above (a function returning an object is a valid
 *  constructor on Espruino too; its state is locals, which minify). */
export const Maintenance = createMaintenance as unknown as MaintenanceConstructor;
