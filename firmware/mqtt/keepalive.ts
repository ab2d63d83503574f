// Keepalive (section 3.1.2.10): a PINGREQ when nothing was sent for a whole period, and the
// link declared dead when its PINGRESP does not come within min(period, 10 s) (the client
// SHOULD close the connection then, section 3.1.2.10 / 3.12.4). One timer, re-armed from
// the time of the last write rather than on every write. A handle is forgotten the moment its
// timer fires or is cleared (Espruino reuses timer ids at once: src/jsinteractive.c).
import type { Clock, TimerHandle, Timers } from "../hal/time";

export class Keepalive {
  private readonly clock_: Clock;
  private readonly timers_: Timers;
  private readonly periodMs_: number;
  private readonly ping_: () => void;
  private readonly dead_: (reason: string) => void;
  private lastSent_: number;
  private pingTimer_: TimerHandle;
  private pongTimer_: TimerHandle;

  /** `ping` sends a PINGREQ; `dead` drops the link with the reason given. */
  constructor(clock: Clock, timers: Timers, periodMs: number, ping: () => void, dead: (reason: string) => void) {
    this.clock_ = clock;
    this.timers_ = timers;
    this.periodMs_ = periodMs;
    this.ping_ = ping;
    this.dead_ = dead;
    this.lastSent_ = 0;
  }

  /** Something was written to the link. */
  sent(): void {
    this.lastSent_ = this.clock_.now();
  }

  /** The link is up (CONNACK): start counting. */
  start(): void {
    this.arm_(this.periodMs_);
  }

  pong(): void {
    this.timers_.clear(this.pongTimer_);
    this.pongTimer_ = undefined;
  }

  stop(): void {
    this.timers_.clear(this.pingTimer_);
    this.pingTimer_ = undefined;
    this.pong();
  }

  private arm_(delay: number): void {
    const period = this.periodMs_;
    if (period <= 0) return;
    this.timers_.clear(this.pingTimer_);
    this.pingTimer_ = this.timers_.set(() => {
      this.pingTimer_ = undefined;
      const idle = this.clock_.now() - this.lastSent_;
      if (idle < period) {
        this.arm_(period - idle);
        return;
      }
      this.ping_();
      if (this.pongTimer_ === undefined) {
        const wait = Math.min(period, 10000);
        this.pongTimer_ = this.timers_.set(() => {
          this.pongTimer_ = undefined;
          this.dead_("no PINGRESP within " + wait / 1000 + " s: link presumed dead");
        }, wait);
      }
      this.arm_(period);
    }, delay);
  }
}
