// Freshness as the states hold it (device-state.ts) and the challenger (freshness.ts) decides
// it: whether a device's signed values are current, and the two calls by which the states tell
// the challenger that a device should be asked or has answered.
/** Whether the device's signed values are current, as far as the hub can tell. */
export interface Freshness {
  confirmed: boolean;
  /** Confirmed: when the challenge the device answered went out (host clock, ms). */
  at?: number;
  /** Confirmed: the device's boot id. */
  boot?: string;
  /** Not confirmed: why. */
  why?: string;
}

/** What freshness.ts hears from the states: a device should be asked, or has answered. */
export interface FreshnessHooks {
  /** `now`: the device just (re)connected, so a challenge sent before may never have reached
   *  it (its subscription was not in place): ask again at once instead of waiting. */
  ask(id: string, now: boolean): void;
  answered(id: string): void;
}
