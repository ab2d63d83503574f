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

export class Maintenance {
  /** The retained report: "OPEN <seconds>" or "CLOSED". */
  state: string;
  private timer_: TimerHandle;
  private readonly consoles_: Consoles;
  private readonly timers_: Timers;
  private readonly maxSeconds_: number;
  private readonly changed_: () => void;

  constructor(consoles: Consoles, timers: Timers, maxSeconds: number, changed: () => void) {
    this.consoles_ = consoles;
    this.timers_ = timers;
    this.maxSeconds_ = maxSeconds;
    this.changed_ = changed;
    this.state = "CLOSED";
  }

  /** Applies a verified command text from maintenance/set: "MAINTENANCE <1..max> <otp>"
   *  opens (or extends) the window, "MAINTENANCE 0" closes it. */
  command(cmd: string): Outcome {
    const words = cmd.split(" ");
    const seconds = /^[0-9]+$/.test(words[1]) ? parseInt(words[1], 10) : -1;
    const otp = words[2];
    if (words[0] === "MAINTENANCE" && seconds === 0 && words.length === 2) {
      this.set_(false, 0);
      return { done: "telnet closed" };
    }
    if (
      words[0] !== "MAINTENANCE" ||
      words.length !== 3 ||
      seconds < 1 ||
      seconds > this.maxSeconds_ ||
      otp.length < 8 ||
      otp.length > 20 ||
      !OTP.test(otp)
    )
      return { refused: "expected MAINTENANCE <1-" + this.maxSeconds_ + "> <otp of 8-20 letters, digits>" };
    if (!this.set_(true, seconds, otp)) return { refused: "no telnet" };
    return { done: "telnet open " + seconds + " s" };
  }

  /** Locks (before telnet opens) or unlocks (after it closes) and reports; false when the
   *  board has no telnet. The timer handle is forgotten when it fires (relay.ts). */
  private set_(open: boolean, seconds: number, otp?: string): boolean {
    const consoles = this.consoles_;
    this.timers_.clear(this.timer_);
    this.timer_ = undefined;
    if (open) consoles.lock(otp);
    const telnet = consoles.telnet(open);
    const opened = open && telnet;
    if (!opened) consoles.lock(undefined);
    else
      this.timer_ = this.timers_.set(() => {
        this.timer_ = undefined;
        this.set_(false, 0);
      }, seconds * 1000);
    this.state = opened ? "OPEN " + seconds : "CLOSED";
    this.changed_();
    return telnet;
  }
}
