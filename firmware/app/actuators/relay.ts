// The relay: knows on/off and how its board is wired, nothing of MQTT (ESPHome's split: the
// switch is one component, the MQTT mapping another). Constructing it drives the pin to the
// off level before anything else can happen, so a reboot always lands in the safe state.
// Every timer handle is forgotten the moment it fires or is cleared (Espruino reuses timer
// ids at once: src/jsinteractive.c, jsiTimerAdd).
import type { OutputPin, PinFactory } from "../../hal/pins";
import type { TimerHandle, Timers } from "../../hal/time";
import type { Interlock } from "./interlock";
import type { PinSpec, RelayBehaviour } from "../profile/profile";

export interface Relay {
  readonly isOn: boolean;
  /** True while a press runs or its lockout lasts. */
  readonly locked: boolean;
  /** `listener` hears every change of state and why (one listener: the device's reporter). */
  onChange(listener: (on: boolean, why: string) => void): void;
  /** Joins an interlock group: switching on first claims it (interlock.ts). */
  lockWith(interlock: Interlock): void;
  /** Sets the relay; cancels a pulse in progress. `why` goes to the listener. In an interlock
   *  group, ON switches the others off and may come only after the dead time. */
  set(on: boolean, why?: string): void;
  /**
   * One press: closes the relay for `ms`, then opens it. Refused (returns false) while a press
   * runs and for `lockoutMs` after it ends, so a stream of ONs cannot hold the contact closed
   * and a late duplicate is not a second press.
   */
  pulse(ms: number, lockoutMs: number): boolean;
  /** The safe state: off, no pulse pending. */
  off(why?: string): void;
}

/** `maxOnMs`: the relay turns itself off after this long on (0: never). The object returned is
 *  the relay's identity in its interlock group. */
export function createRelay(pins: PinFactory, spec: PinSpec, timers: Timers, maxOnMs: number): Relay {
  // Only `activeLow === true` makes LOW the on level; anything else keeps the off level LOW
  // (the profile check refuses a non-boolean before this runs).
  const offLevel = spec.activeLow === true;
  const pin: OutputPin = pins.output(spec.pin, offLevel);
  let state = false;
  let pulseTimer: TimerHandle;
  let maxOnTimer: TimerHandle;
  /** Set while a press runs and during the lockout after it. */
  let lockTimer: TimerHandle;
  let listener: ((on: boolean, why: string) => void) | undefined;
  let interlock: Interlock | undefined;
  // Assigned once below (the object that is returned); the closures refer to it.
  // eslint-disable-next-line prefer-const
  let self: Relay;
  const set = (on: boolean, why?: string) => {
    const lock = interlock;
    if (on && lock && !lock.claim(self, () => set(true, why))) return;
    timers.clear(pulseTimer);
    timers.clear(maxOnTimer);
    pulseTimer = maxOnTimer = undefined;
    const changed = on !== state;
    state = on;
    pin.write(on !== offLevel);
    if (on && maxOnMs > 0)
      maxOnTimer = timers.set(() => {
        maxOnTimer = undefined;
        set(false, "on for maxOnMs (" + maxOnMs + " ms)");
      }, maxOnMs);
    if (!on && lock) lock.released(self, changed);
    if (changed && listener) listener(on, why || "command");
  };
  const pulse = (ms: number, lockoutMs: number): boolean => {
    if (lockTimer !== undefined) return false;
    const lock = interlock;
    if (lock && !lock.claim(self, () => pulse(ms, lockoutMs))) return true;
    set(true);
    lockTimer = timers.set(() => {
      lockTimer = undefined;
    }, ms + lockoutMs);
    pulseTimer = timers.set(() => {
      pulseTimer = undefined;
      set(false, "end of pulse");
    }, ms);
    return true;
  };
  self = {
    get isOn() {
      return state;
    },
    get locked() {
      return lockTimer !== undefined;
    },
    onChange: (l) => {
      listener = l;
    },
    lockWith: (group) => {
      interlock = group;
      group.add(self);
    },
    set,
    pulse,
    off: (why) => set(false, why),
  };
  return self;
}

/** The relay of a profile entry: in switch mode it turns itself off after maxOnMs. */
export function relayFor(pins: PinFactory, spec: PinSpec, timers: Timers, behaviour: RelayBehaviour): Relay {
  return createRelay(pins, spec, timers, behaviour.mode === "switch" ? behaviour.maxOnMs : 0);
}
