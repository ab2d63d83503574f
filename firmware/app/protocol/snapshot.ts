// The device's answer to a challenge on <prefix>/<device>/state/get (docs/protocol.md, "State
// snapshots"): one signed report on <prefix>/<device>/state that holds the challenge and every
// current report value, so the hub can tell they are current. A recorded report, even a
// genuine one from an earlier boot, answers no challenge the hub has just made up.
// The cost is bounded per time, whoever asks and however often: at most one answer per
// SNAPSHOT_MIN_MS. A challenge that arrives sooner waits in one slot (a later one replaces it)
// and is answered when the interval ends; one timer, no clock (setting the clock moves nothing).
import type { TimerHandle, Timers } from "../../hal/time";
import { isHex } from "./auth";

/** The shortest time between two answers. */
export const SNAPSHOT_MIN_MS = 1000;
/** A challenge is 32 lower-case hex digits (128 bits); anything else is ignored. */
export const CHALLENGE_HEX = 32;

/** Returns the handler of one challenge; `answer` publishes the snapshot bound to it. */
export function snapshots(timers: Timers, answer: (challenge: string) => void): (challenge: string) => void {
  let waiting: string | undefined;
  /** Set while an interval runs; undefined the moment it ends (Espruino reuses timer ids). */
  let interval: TimerHandle;
  const send = () => {
    const challenge = waiting as string;
    waiting = undefined;
    interval = timers.set(() => {
      interval = undefined;
      if (waiting !== undefined) send();
    }, SNAPSHOT_MIN_MS);
    answer(challenge);
  };
  return (challenge) => {
    if (!isHex(challenge, CHALLENGE_HEX)) return;
    waiting = challenge;
    if (interval === undefined) send();
  };
}
