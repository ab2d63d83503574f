// Reconnect delays: exponential with full jitter and a cap (the AWS Architecture Blog's
// "Exponential Backoff And Jitter") after a floor of baseMs: sleep = base + random(0,
// min(cap, base * 2^attempt)). The floor is Espruino's: it refuses a TLS connect within about
// a second of the last close (docs/espruino.md, TLS), so a first retry drawn from [0, 1 s)
// nearly always failed, and a fleet's retries then bunched up a second later. Reset
// after a healthy session, and a long, jittered wait after the broker refused who we are
// (CONNACK 4/5) or the TLS handshake failed twice in a row (net/tls-transport.ts), so a fleet
// with a revoked certificate never hammers its broker.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Ceiling of the wait after the first authentication or handshake refusal; it doubles
   *  with each refusal in a row up to refusedCapMs, and the wait is between half and all of it. */
  refusedMs: number;
  refusedCapMs: number;
}

/** Espruino cannot tell a refused handshake from a transient one (docs/espruino.md, TLS), so the
 *  first refusal (a second failed handshake in a row) waits 30-60 s, growing to at most an hour
 *  while refusals go on. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 60000, refusedMs: 60000, refusedCapMs: 3600000 };

/** min(cap, start * 2^times), doubling by multiplication (Math.pow is inexact on Espruino). */
function grow(start: number, times: number, cap: number): number {
  let value = start;
  for (let i = 0; i < times && value < cap; i++) value *= 2;
  return Math.min(value, cap);
}

export interface Backoff {
  /** Failures since the last reset. */
  readonly failures: number;
  /** The ceiling of the next ordinary delay: min(cap, base * 2^failures). */
  ceiling(): number;
  /** The delay before the next attempt, in [baseMs, baseMs + ceiling()); `refused` after an
   *  auth or handshake refusal. */
  next(refused: boolean): number;
  reset(): void;
}

/** `random`: uniform in [0, 1), from the hardware RNG on the device (hal), seeded in tests. */
export function createBackoff(options: BackoffOptions, random: () => number): Backoff {
  let attempt = 0;
  let refusals = 0;
  const ceiling = () => grow(options.baseMs, attempt, options.capMs);
  return {
    get failures() {
      return attempt;
    },
    ceiling,
    next: (refused) => {
      let delay: number;
      if (refused) {
        const top = grow(options.refusedMs, refusals++, options.refusedCapMs);
        delay = top / 2 + random() * (top / 2);
      } else delay = options.baseMs + random() * ceiling();
      attempt++;
      return Math.floor(delay);
    },
    reset: () => {
      attempt = refusals = 0;
    },
  };
}
