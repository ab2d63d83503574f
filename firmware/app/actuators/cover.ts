// A garage door on a one-button opener: one pulsed relay (a press) and end switches. The state
// comes from the switches whenever they say something (closed, open, or both: a contradiction,
// reported and never guessed) and from the presses in between. A press while the door moves
// stops it on most openers, and the next press then reverses it: the model assumes exactly
// that. A movement that does not reach its end switch within travelMs is a fault.
import type { TimerHandle, Timers } from "../../hal/time";
import type { Outcome } from "../protocol/commands";
import type { CoverBehaviour, RelayBehaviour } from "../profile/profile";
import type { Relay } from "./relay";

export type CoverState = "open" | "opening" | "closed" | "closing" | "stopped" | "unknown";

const OPENING = "opening";
const CLOSING = "closing";
const STOPPED = "stopped";
const UNKNOWN = "unknown";

export interface Cover {
  readonly state: CoverState;
  readonly fault: string;
  /** An end switch changed (or boot): what the switches say wins over what was assumed. */
  sensed(): void;
  /** Applies the verified command text OPEN, CLOSE or STOP. */
  command(text: string): Outcome;
}

/** `closed` / `open` say whether an end switch is active; `open` is absent with one sensor.
 *  The state is rebuilt from the switches at once (boot). */
export function createCover(
  relay: Relay,
  press: RelayBehaviour,
  spec: CoverBehaviour,
  timers: Timers,
  closed: () => boolean,
  open: (() => boolean) | undefined,
  changed: (state: CoverState, fault: string) => void,
): Cover {
  const travelMs = spec.travelMs;
  let state: CoverState = UNKNOWN;
  let fault = "";
  /** The direction of the last movement: an opener reverses it at the next press. */
  let last: CoverState = UNKNOWN;
  /** Undefined the moment it fires or is cleared (Espruino reuses timer ids at once). */
  let travel: TimerHandle;

  /** The end switch that is active ("closed", "open", both: UNKNOWN), or "". */
  const at = (): string => {
    const isClosed = closed();
    const isOpen = open !== undefined && open();
    return isClosed && isOpen ? UNKNOWN : isClosed ? "closed" : isOpen ? "open" : "";
  };
  const set = (to: CoverState, why: string) => {
    if (to !== OPENING && to !== CLOSING) {
      timers.clear(travel);
      travel = undefined;
    }
    const differs = to !== state || why !== fault;
    state = to;
    fault = why;
    if (differs) changed(to, why);
  };
  const move = (direction: CoverState) => {
    last = direction;
    set(direction, "");
    timers.clear(travel);
    travel = timers.set(() => {
      travel = undefined;
      const end = at();
      const after = " in " + travelMs + " ms";
      // Still on the switch it should have left: the door never moved.
      if (end) set(end as CoverState, "travel timeout: the door did not leave the " + end + " switch" + after);
      // One sensor: an opening door is open once the travel time is over.
      else if (!open && direction === OPENING) set("open", "");
      else
        set(
          STOPPED,
          "travel timeout: the " + (direction === OPENING ? "open" : "closed") + " switch was not reached" + after,
        );
    }, travelMs);
  };
  const pressTo = (to: CoverState): Outcome => {
    const from = state;
    if (!relay.pulse(press.pulseMs, press.lockoutMs)) return { refused: "relay locked out" };
    if (to === STOPPED) set(to, "");
    else move(to);
    return { done: from + " -> " + to };
  };
  const sensed = () => {
    const end = at();
    if (end === UNKNOWN) set(UNKNOWN, "both end switches active: check the reed switches");
    else if (end) set(end as CoverState, "");
    // It left an end by itself (the wall button, a remote): moving towards the other end.
    else if (state === "closed") move(OPENING);
    else if (state === "open" && open) move(CLOSING);
    // Boot or after a contradiction: between the switches, or (one sensor) simply not closed.
    else if (state === UNKNOWN) set(open ? STOPPED : "open", "");
  };
  sensed();
  return {
    get state() {
      return state;
    },
    get fault() {
      return fault;
    },
    sensed,
    command: (text) => {
      const word = text.trim().toUpperCase();
      const moving = state === OPENING || state === CLOSING;
      if (word === "STOP") return moving ? pressTo(STOPPED) : { done: "not moving" };
      const opening = word === "OPEN";
      if (!opening && word !== "CLOSE") return { refused: "unknown command (OPEN, CLOSE or STOP)" };
      const toward: CoverState = opening ? OPENING : CLOSING;
      if (state === toward || state === (opening ? "open" : "closed")) return { done: "already " + state };
      if (state === UNKNOWN) return { refused: "state unknown (" + fault + "): nothing pressed" };
      // Moving the other way: the press stops it; a second command then reverses it.
      // Stopped after moving toward the same end: the opener's next press goes the other way.
      if (state === STOPPED && last === toward) return { refused: "a press would reverse it" };
      return pressTo(moving ? STOPPED : toward);
    },
  };
}
