// An interlock group: never two of its relays on at once, and at least deadTimeMs between one
// going off and another coming on (a motor reversing, two contactors on one supply). A relay
// that wants to come on claims the group: every other member is switched off first, and the
// switch-on waits out the dead time. Only the latest claim waits (one timer), so a burst of
// commands ends in the last one asked for, never in two on.
import type { Clock, TimerHandle, Timers } from "../hal/time";

export interface Interlocked {
  readonly isOn: boolean;
  off(why?: string): void;
}

export class Interlock {
  private readonly members_: Interlocked[];
  private readonly deadTimeMs_: number;
  private readonly clock_: Clock;
  private readonly timers_: Timers;
  private lastOffAt_: number;
  private lastOff_: Interlocked | undefined;
  private waiting_: Interlocked | undefined;
  private timer_: TimerHandle;

  constructor(deadTimeMs: number, clock: Clock, timers: Timers) {
    this.members_ = [];
    this.deadTimeMs_ = deadTimeMs;
    this.clock_ = clock;
    this.timers_ = timers;
    this.lastOffAt_ = -deadTimeMs;
  }

  add(member: Interlocked): void {
    this.members_.push(member);
  }

  /** True when `member` may switch on now; otherwise `retry` runs once the dead time is over
   *  (unless a later claim or release replaces it). Switches every other member off. */
  claim(member: Interlocked, retry: () => void): boolean {
    for (let i = 0; i < this.members_.length; i++) {
      const other = this.members_[i];
      if (other !== member && other.isOn) other.off("interlock");
    }
    this.cancel_();
    const wait = this.lastOff_ === member ? 0 : this.lastOffAt_ + this.deadTimeMs_ - this.clock_.now();
    if (wait <= 0) return true;
    this.waiting_ = member;
    this.timer_ = this.timers_.set(() => {
      this.timer_ = this.waiting_ = undefined;
      retry();
    }, wait);
    return false;
  }

  /** `member` was switched off: a switch-on it was waiting for is dropped, and when it was
   *  on, the dead time starts now. */
  released(member: Interlocked, wasOn: boolean): void {
    if (wasOn) {
      this.lastOffAt_ = this.clock_.now();
      this.lastOff_ = member;
    }
    if (this.waiting_ === member) this.cancel_();
  }

  private cancel_(): void {
    this.timers_.clear(this.timer_);
    this.timer_ = this.waiting_ = undefined;
  }
}
