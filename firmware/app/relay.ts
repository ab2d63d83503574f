// The relay: knows on/off and how its board is wired, nothing of MQTT (ESPHome's split: the
// switch is one component, the MQTT mapping another). Constructing it drives the pin to the
// off level before anything else can happen, so a reboot always lands in the safe state.
import type { OutputPin, PinFactory } from "../hal/pins";
import type { TimerHandle, Timers } from "../hal/time";
import type { PinSpec } from "./profile";

export class Relay {
  private readonly pin: OutputPin;
  private readonly activeLow: boolean;
  private readonly timers: Timers;
  private state: boolean;
  private pulseTimer: TimerHandle | undefined;

  constructor(pins: PinFactory, spec: PinSpec, timers: Timers) {
    this.activeLow = spec.activeLow;
    this.timers = timers;
    this.state = false;
    this.pulseTimer = undefined;
    this.pin = pins.output(spec.pin, this.levelFor(false));
  }

  get isOn(): boolean {
    return this.state;
  }

  /** Sets the relay; cancels a pulse in progress. */
  set(on: boolean): void {
    this.cancelPulse();
    this.state = on;
    this.pin.write(this.levelFor(on));
  }

  /** Closes the relay for `ms` milliseconds, then opens it (a push-button press). */
  pulse(ms: number, done?: () => void): void {
    this.set(true);
    this.pulseTimer = this.timers.set(() => {
      this.pulseTimer = undefined;
      this.set(false);
      if (done) done();
    }, ms);
  }

  /** The safe state: off, no pulse pending. */
  off(): void {
    this.set(false);
  }

  private cancelPulse(): void {
    if (this.pulseTimer !== undefined) {
      this.timers.clear(this.pulseTimer);
      this.pulseTimer = undefined;
    }
  }

  private levelFor(on: boolean): boolean {
    return on !== this.activeLow;
  }
}
