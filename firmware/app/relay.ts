// The relay: knows on/off and how its board is wired, nothing of MQTT (ESPHome's split: the
// switch is one component, the MQTT mapping another). Constructing it drives the pin to the
// off level before anything else can happen, so a reboot always lands in the safe state.
// Every timer handle is forgotten the moment it fires or is cleared (Espruino reuses timer
// ids at once: src/jsinteractive.c, jsiTimerAdd).
import type { OutputPin, PinFactory } from "../hal/pins";
import type { TimerHandle, Timers } from "../hal/time";
import type { Interlock } from "./interlock";
import type { PinSpec } from "./profile";

export class Relay {
  private readonly pin_: OutputPin;
  private readonly offLevel_: boolean;
  private readonly timers_: Timers;
  /** The relay turns itself off after this long on (0: never). */
  private readonly maxOnMs_: number;
  private state_: boolean;
  private pulseTimer_: TimerHandle;
  private maxOnTimer_: TimerHandle;
  /** Set while a press runs and during the lockout after it. */
  private lockTimer_: TimerHandle;
  private listener_: ((on: boolean, why: string) => void) | undefined;
  private interlock_: Interlock | undefined;

  constructor(pins: PinFactory, spec: PinSpec, timers: Timers, maxOnMs: number) {
    // Only `activeLow === true` makes LOW the on level; anything else keeps the off level LOW
    // (the profile check refuses a non-boolean before this runs).
    this.offLevel_ = spec.activeLow === true;
    this.timers_ = timers;
    this.maxOnMs_ = maxOnMs;
    this.state_ = false;
    this.pin_ = pins.output(spec.pin, this.offLevel_);
  }

  get isOn(): boolean {
    return this.state_;
  }

  /** True while a press runs or its lockout lasts. */
  get locked(): boolean {
    return this.lockTimer_ !== undefined;
  }

  /** `listener` hears every change of state and why (one listener: the device's reporter). */
  onChange(listener: (on: boolean, why: string) => void): void {
    this.listener_ = listener;
  }

  /** Joins an interlock group: switching on first claims it (interlock.ts). */
  lockWith(interlock: Interlock): void {
    this.interlock_ = interlock;
    interlock.add(this);
  }

  /** Sets the relay; cancels a pulse in progress. `why` goes to the listener. In an interlock
   *  group, ON switches the others off and may come only after the dead time. */
  set(on: boolean, why?: string): void {
    const lock = this.interlock_;
    if (on && lock && !lock.claim(this, () => this.set(true, why))) return;
    this.timers_.clear(this.pulseTimer_);
    this.timers_.clear(this.maxOnTimer_);
    this.pulseTimer_ = this.maxOnTimer_ = undefined;
    const changed = on !== this.state_;
    this.state_ = on;
    this.pin_.write(on !== this.offLevel_);
    if (on && this.maxOnMs_ > 0)
      this.maxOnTimer_ = this.timers_.set(() => {
        this.maxOnTimer_ = undefined;
        this.set(false, "on for maxOnMs (" + this.maxOnMs_ + " ms)");
      }, this.maxOnMs_);
    if (!on && lock) lock.released(this, changed);
    if (changed && this.listener_) this.listener_(on, why || "command");
  }

  /**
   * One press: closes the relay for `ms`, then opens it. Refused (returns false) while a press
   * runs and for `lockoutMs` after it ends, so a stream of ONs cannot hold the contact closed
   * and a late duplicate is not a second press.
   */
  pulse(ms: number, lockoutMs: number): boolean {
    if (this.locked) return false;
    const lock = this.interlock_;
    if (lock && !lock.claim(this, () => this.pulse(ms, lockoutMs))) return true;
    this.set(true);
    this.lockTimer_ = this.timers_.set(() => {
      this.lockTimer_ = undefined;
    }, ms + lockoutMs);
    this.pulseTimer_ = this.timers_.set(() => {
      this.pulseTimer_ = undefined;
      this.set(false, "end of pulse");
    }, ms);
    return true;
  }

  /** The safe state: off, no pulse pending. */
  off(why?: string): void {
    this.set(false, why);
  }
}
