// Time, injected everywhere so tests control it (STYLE.md: timers are `{set, clear}`).

/** Milliseconds from an arbitrary origin; only differences mean anything. */
export interface Clock {
  now(): number;
}

export type TimerHandle = unknown;

export interface Timers {
  /** Runs `callback` once after `ms` milliseconds. */
  set(callback: () => void, ms: number): TimerHandle;
  /** Cancels a pending timer; clearing one that already ran or was cleared does nothing. */
  clear(handle: TimerHandle): void;
}
