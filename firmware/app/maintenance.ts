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

/** E.setPassword: the prompt takes at most 20 characters (src/jsinteractive.c). */
export function goodOtp(otp: unknown): boolean {
  return typeof otp === "string" && otp.length >= 8 && otp.length <= 20 && /^[A-Za-z0-9]+$/.test(otp);
}

export class Maintenance {
  /** The retained report: "OPEN <seconds>" or "CLOSED". */
  state: string;
  private timer_: TimerHandle;
  private readonly consoles_: Consoles;
  private readonly timers_: Timers;
  private readonly maxSeconds_: number;
  private readonly changed_: (state: string) => void;

  constructor(consoles: Consoles, timers: Timers, maxSeconds: number, changed: (state: string) => void) {
    this.consoles_ = consoles;
    this.timers_ = timers;
    this.maxSeconds_ = maxSeconds;
    this.changed_ = changed;
    this.state = "CLOSED";
  }

  /** Applies a verified command text from maintenance/set. */
  command(cmd: string): Outcome {
    const words = cmd.split(" ");
    const seconds = /^[0-9]+$/.test(words[1]) ? parseInt(words[1], 10) : -1;
    if (words[0] !== "MAINTENANCE" || seconds < 0) return { refused: "expected MAINTENANCE <seconds> <otp>" };
    if (seconds === 0 && words.length === 2) {
      this.close_();
      return { done: "maintenance window closed" };
    }
    if (words.length !== 3 || seconds > this.maxSeconds_)
      return { refused: "window of 1 to " + this.maxSeconds_ + " s with a one-time password" };
    if (!goodOtp(words[2])) return { refused: "one-time password: 8 to 20 letters and digits" };
    this.consoles_.lock(words[2]);
    if (!this.consoles_.telnet(true)) {
      this.consoles_.lock(undefined);
      return { refused: "no telnet console on this board" };
    }
    this.timers_.clear(this.timer_);
    this.timer_ = this.timers_.set(() => {
      this.timer_ = undefined;
      this.close_();
    }, seconds * 1000);
    this.set_("OPEN " + seconds);
    return { done: "telnet open for " + seconds + " s, locked with the one-time password" };
  }

  private close_(): void {
    this.timers_.clear(this.timer_);
    this.timer_ = undefined;
    this.consoles_.telnet(false);
    this.consoles_.lock(undefined);
    this.set_("CLOSED");
  }

  private set_(state: string): void {
    this.state = state;
    this.changed_(state);
  }
}
