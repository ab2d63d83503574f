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

const OPENING = "opening";
const CLOSING = "closing";
const STOPPED = "stopped";
const UNKNOWN = "unknown";

export class Cover {
  private readonly relay_: Relay;
  private readonly behaviour_: RelayBehaviour;
  private readonly travelMs_: number;
  private readonly timers_: Timers;
  private readonly closed_: () => boolean;
  private readonly open_: (() => boolean) | undefined;
  private readonly changed_: (state: CoverState, fault: string) => void;
  state: CoverState;
  fault: string;
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
    this.state = this.last_ = UNKNOWN;
    this.fault = "";
    this.sensed();
  }

  /** The end switch that is active ("closed", "open", both: UNKNOWN), or "". */
  private at_(): string {
    const closed = this.closed_();
    const open = this.open_ !== undefined && this.open_();
    return closed && open ? UNKNOWN : closed ? "closed" : open ? "open" : "";
  }

  /** An end switch changed (or boot): what the switches say wins over what was assumed. */
  sensed(): void {
    const at = this.at_();
    const state = this.state;
    if (at === UNKNOWN) this.set_(UNKNOWN, "both end switches active: check the reed switches");
    else if (at) this.set_(at as CoverState, "");
    // It left an end by itself (the wall button, a remote): moving towards the other end.
    else if (state === "closed") this.move_(OPENING);
    else if (state === "open" && this.open_) this.move_(CLOSING);
    // Boot or after a contradiction: between the switches, or (one sensor) simply not closed.
    else if (state === UNKNOWN) this.set_(this.open_ ? STOPPED : "open", "");
  }

  /** Applies the verified command text OPEN, CLOSE or STOP. */
  command(text: string): Outcome {
    const word = text.trim().toUpperCase();
    const state = this.state;
    const moving = state === OPENING || state === CLOSING;
    if (word === "STOP") return moving ? this.press_(STOPPED) : { done: "not moving" };
    const opening = word === "OPEN";
    if (!opening && word !== "CLOSE") return { refused: "unknown command (OPEN, CLOSE or STOP)" };
    const toward: CoverState = opening ? OPENING : CLOSING;
    if (state === toward || state === (opening ? "open" : "closed")) return { done: "already " + state };
    if (state === UNKNOWN) return { refused: "state unknown (" + this.fault + "): nothing pressed" };
    // Moving the other way: the press stops it; a second command then reverses it.
    // Stopped after moving toward the same end: the opener's next press goes the other way.
    if (state === STOPPED && this.last_ === toward) return { refused: "a press would reverse it" };
    return this.press_(moving ? STOPPED : toward);
  }

  private press_(to: CoverState): Outcome {
    const from = this.state;
    if (!this.relay_.pulse(this.behaviour_.pulseMs, this.behaviour_.lockoutMs)) return { refused: "relay locked out" };
    if (to === STOPPED) this.set_(to, "");
    else this.move_(to);
    return { done: from + " -> " + to };
  }

  private move_(direction: CoverState): void {
    this.last_ = direction;
    this.set_(direction, "");
    this.timers_.clear(this.travel_);
    this.travel_ = this.timers_.set(() => {
      this.travel_ = undefined;
      const expected = direction === OPENING ? "open" : "closed";
      const at = this.at_();
      const after = " in " + this.travelMs_ + " ms";
      // Still on the switch it should have left: the door never moved.
      if (at) this.set_(at as CoverState, "travel timeout: the door did not leave the " + at + " switch" + after);
      // One sensor: an opening door is open once the travel time is over.
      else if (!this.open_ && direction === OPENING) this.set_("open", "");
      else this.set_(STOPPED, "travel timeout: the " + expected + " switch was not reached" + after);
    }, this.travelMs_);
  }

  private set_(state: CoverState, fault: string): void {
    if (state !== OPENING && state !== CLOSING) {
      this.timers_.clear(this.travel_);
      this.travel_ = undefined;
    }
    const changed = state !== this.state || fault !== this.fault;
    this.state = state;
    this.fault = fault;
    if (changed) this.changed_(state, fault);
  }
}
