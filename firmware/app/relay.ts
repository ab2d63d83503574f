// The relay: knows on/off and how its board is wired, nothing of MQTT (ESPHome's split: the
// switch is one component, the MQTT mapping another). Constructing it drives the pin to the
// off level before anything else can happen, so a reboot always lands in the safe state.
import type { OutputPin, PinFactory } from "../hal/pins";
import type { TimerHandle, Timers } from "../hal/time";
import type { PinSpec } from "./profile";

export class Relay {
  private readonly pin_: OutputPin;
  private readonly activeLow_: boolean;
  private readonly timers_: Timers;
  private state_: boolean;
  private pulseTimer_: TimerHandle | undefined;
  private listener_: ((on: boolean) => void) | undefined;

  constructor(pins: PinFactory, spec: PinSpec, timers: Timers) {
    this.activeLow_ = spec.activeLow;
    this.timers_ = timers;
    this.state_ = false;
    this.pulseTimer_ = undefined;
    this.pin_ = pins.output(spec.pin, this.levelFor_(false));
  }

  get isOn(): boolean {
    return this.state_;
  }

  /** `listener` hears every change of state (one listener: the device's state reporter). */
  onChange(listener: (on: boolean) => void): void {
    this.listener_ = listener;
  }

  /** Sets the relay; cancels a pulse in progress. */
  set(on: boolean): void {
    this.cancelPulse_();
    const changed = on !== this.state_;
    this.state_ = on;
    this.pin_.write(this.levelFor_(on));
    if (changed && this.listener_) this.listener_(on);
  }

  /** Closes the relay for `ms` milliseconds, then opens it (a push-button press). */
  pulse(ms: number, done?: () => void): void {
    this.set(true);
    this.pulseTimer_ = this.timers_.set(() => {
      this.pulseTimer_ = undefined;
      this.set(false);
      if (done) done();
    }, ms);
  }

  /** The safe state: off, no pulse pending. */
  off(): void {
    this.set(false);
  }

  private cancelPulse_(): void {
    if (this.pulseTimer_ !== undefined) {
      this.timers_.clear(this.pulseTimer_);
      this.pulseTimer_ = undefined;
    }
  }

  private levelFor_(on: boolean): boolean {
    return on !== this.activeLow_;
  }
}
