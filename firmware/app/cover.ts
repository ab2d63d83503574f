// A garage door on a one-button opener: one pulsed relay (a press) and end switches. The state
// comes from the switches whenever they say something (closed, open, or both: a contradiction,
// reported and never guessed) and from the presses in between. A press while the door moves
// stops it on most openers, and the next press then reverses it: the model assumes exactly
// that. A movement that does not reach its end switch within travelMs is a fault.
import type { TimerHandle, Timers } from "../hal/time";
import type { Outcome } from "./commands";
import type { CoverBehaviour, RelayBehaviour } from "./profile";
import type { Relay } from "./relay";

export type CoverState = "open" | "opening" | "closed" | "closing" | "stopped" | "unknown";

export class Cover {
  private readonly relay_: Relay;
  private readonly behaviour_: RelayBehaviour;
  private readonly travelMs_: number;
  private readonly timers_: Timers;
  private readonly closed_: () => boolean;
  private readonly open_: (() => boolean) | undefined;
  private readonly changed_: (state: CoverState, fault: string) => void;
  private state_: CoverState;
  private fault_: string;
  /** The direction of the last movement: an opener reverses it at the next press. */
  private last_: CoverState;
  private travel_: TimerHandle;

  /** `closed` / `open` say whether an end switch is active; `open` is absent with one sensor.
   *  The state is rebuilt from the switches at once (boot). */
  constructor(
    relay: Relay,
    press: RelayBehaviour,
    spec: CoverBehaviour,
    timers: Timers,
    closed: () => boolean,
    open: (() => boolean) | undefined,
    changed: (state: CoverState, fault: string) => void,
  ) {
    this.relay_ = relay;
    this.behaviour_ = press;
    this.travelMs_ = spec.travelMs;
    this.timers_ = timers;
    this.closed_ = closed;
    this.open_ = open;
    this.changed_ = changed;
    this.state_ = "unknown";
    this.fault_ = "";
    this.last_ = "unknown";
    this.sensed();
  }

  get state(): CoverState {
    return this.state_;
  }

  get fault(): string {
    return this.fault_;
  }

  /** An end switch changed (or boot): what the switches say wins over what was assumed. */
  sensed(): void {
    const closed = this.closed_();
    const open = this.open_ ? this.open_() : false;
    if (closed && open) return this.set_("unknown", "both end switches active: check the reed switches");
    if (closed) return this.set_("closed", "");
    if (open) return this.set_("open", "");
    const state = this.state_;
    // It left an end by itself (the wall button, a remote): moving towards the other end.
    if (state === "closed") return this.move_("opening");
    if (state === "open" && this.open_) return this.move_("closing");
    // Boot or after a contradiction: between the switches, or (one sensor) simply not closed.
    if (state === "unknown") this.set_(this.open_ ? "stopped" : "open", "");
  }

  /** Applies the verified command text OPEN, CLOSE or STOP. */
  command(text: string): Outcome {
    const word = text.trim().toUpperCase();
    const state = this.state_;
    if (word === "STOP") {
      if (state !== "opening" && state !== "closing") return { done: "not moving (" + state + ")" };
      return this.press_(state, "stopped");
    }
    const opening = word === "OPEN";
    if (!opening && word !== "CLOSE")
      return { refused: "unknown command '" + text.substr(0, 32) + "' (OPEN, CLOSE or STOP)" };
    const toward: CoverState = opening ? "opening" : "closing";
    const end: CoverState = opening ? "open" : "closed";
    if (state === toward || state === end) return { done: "already " + state };
    if (state === "unknown") return { refused: "state unknown (" + this.fault_ + "): nothing pressed" };
    // Moving the other way: the press stops it; a second command then reverses it.
    if (state === "opening" || state === "closing") return this.press_(state, "stopped");
    // Stopped after moving toward `end`: the opener's next press goes the other way.
    if (state === "stopped" && this.last_ === toward)
      return {
        refused: "stopped while " + toward + ": a press would reverse it; send " + (opening ? "CLOSE" : "OPEN"),
      };
    return this.press_(state, toward);
  }

  private press_(from: CoverState, to: CoverState): Outcome {
    if (!this.relay_.pulse(this.behaviour_.pulseMs, this.behaviour_.lockoutMs))
      return { refused: "the opener's relay is in its press or lockout" };
    if (to === "stopped") this.set_("stopped", "");
    else this.move_(to);
    return { done: from + " -> " + to };
  }

  private move_(direction: CoverState): void {
    this.last_ = direction;
    this.set_(direction, "");
    this.timers_.clear(this.travel_);
    this.travel_ = this.timers_.set(() => {
      this.travel_ = undefined;
      const timeout = "travel timeout: ";
      const after = " in " + this.travelMs_ + " ms";
      // Still on the switch it should have left: the door never moved.
      const stuck = this.closed_() ? "closed" : this.open_ && this.open_() ? "open" : "";
      if (stuck) return this.set_(stuck, timeout + "the door did not leave the " + stuck + " switch" + after);
      // One sensor: an opening door is open once the travel time is over.
      if (direction === "opening" && !this.open_) return this.set_("open", "");
      const expected = direction === "opening" ? "open" : "closed";
      this.set_("stopped", timeout + "the " + expected + " switch was not reached" + after);
    }, this.travelMs_);
  }

  private set_(state: CoverState, fault: string): void {
    if (state !== "opening" && state !== "closing") {
      this.timers_.clear(this.travel_);
      this.travel_ = undefined;
    }
    const changed = state !== this.state_ || fault !== this.fault_;
    this.state_ = state;
    this.fault_ = fault;
    if (changed) this.changed_(state, fault);
  }
}
