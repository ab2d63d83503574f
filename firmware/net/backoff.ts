// Reconnect delays: exponential with full jitter and a cap (the AWS Architecture Blog's
// "Exponential Backoff And Jitter": sleep = random(0, min(cap, base * 2^attempt))), reset
// after a healthy session, and a long, jittered wait after the broker refused who we are
// (CONNACK 4/5) or the TLS handshake failed, so a fleet with a revoked certificate never
// hammers its broker.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Wait after an authentication or handshake refusal: between half and all of this. */
  refusedMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 60000, refusedMs: 600000 };

export class Backoff {
  private attempt_: number;
  private readonly options_: BackoffOptions;
  /** Uniform in [0, 1): from the hardware RNG on the device (hal), seeded in tests. */
  private readonly random_: () => number;

  constructor(options: BackoffOptions, random: () => number) {
    this.options_ = options;
    this.random_ = random;
    this.attempt_ = 0;
  }

  /** Failures since the last reset. */
  get failures(): number {
    return this.attempt_;
  }

  /** The ceiling of the next ordinary delay: min(cap, base * 2^failures). */
  ceiling(): number {
    let ceiling = this.options_.baseMs;
    // Doubling by multiplication (Math.pow is inexact on Espruino, PLATFORM.md "Numbers").
    for (let i = 0; i < this.attempt_ && ceiling < this.options_.capMs; i++) ceiling *= 2;
    return Math.min(ceiling, this.options_.capMs);
  }

  /** The delay before the next attempt; `refused` after an auth or handshake refusal. */
  next(refused: boolean): number {
    const delay = refused
      ? this.options_.refusedMs / 2 + this.random_() * (this.options_.refusedMs / 2)
      : this.random_() * this.ceiling();
    this.attempt_++;
    return Math.floor(delay);
  }

  reset(): void {
    this.attempt_ = 0;
  }
}
