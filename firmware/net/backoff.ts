// Reconnect delays: exponential with full jitter and a cap (the AWS Architecture Blog's
// "Exponential Backoff And Jitter": sleep = random(0, min(cap, base * 2^attempt))), reset
// after a healthy session, and a long, jittered wait after the broker refused who we are
// (CONNACK 4/5) or the TLS handshake failed, so a fleet with a revoked certificate never
// hammers its broker.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Ceiling of the wait after the first authentication or handshake refusal; it doubles
   *  with each refusal in a row up to refusedCapMs, and the wait is between half and all of it. */
  refusedMs: number;
  refusedCapMs: number;
}

/** Espruino cannot tell a refused handshake from a transient one (docs/espruino.md, TLS), so the
 *  first refusal waits 30-60 s, growing to at most an hour while refusals go on. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 60000, refusedMs: 60000, refusedCapMs: 3600000 };

/** min(cap, start * 2^times), doubling by multiplication (Math.pow is inexact on Espruino). */
function grow(start: number, times: number, cap: number): number {
  let value = start;
  for (let i = 0; i < times && value < cap; i++) value *= 2;
  return Math.min(value, cap);
}

export class Backoff {
  private attempt_: number;
  private refusals_: number;
  private readonly options_: BackoffOptions;
  /** Uniform in [0, 1): from the hardware RNG on the device (hal), seeded in tests. */
  private readonly random_: () => number;

  constructor(options: BackoffOptions, random: () => number) {
    this.options_ = options;
    this.random_ = random;
    this.attempt_ = 0;
    this.refusals_ = 0;
  }

  /** Failures since the last reset. */
  get failures(): number {
    return this.attempt_;
  }

  /** The ceiling of the next ordinary delay: min(cap, base * 2^failures). */
  ceiling(): number {
    return grow(this.options_.baseMs, this.attempt_, this.options_.capMs);
  }

  /** The delay before the next attempt; `refused` after an auth or handshake refusal. */
  next(refused: boolean): number {
    let delay: number;
    if (refused) {
      const ceiling = grow(this.options_.refusedMs, this.refusals_++, this.options_.refusedCapMs);
      delay = ceiling / 2 + this.random_() * (ceiling / 2);
    } else delay = this.random_() * this.ceiling();
    this.attempt_++;
    return Math.floor(delay);
  }

  reset(): void {
    this.attempt_ = 0;
    this.refusals_ = 0;
  }
}
