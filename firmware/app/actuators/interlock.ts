// An interlock group: never two of its relays on at once, and at least deadTimeMs between one
// going off and another coming on (a motor reversing, two contactors on one supply). A relay
// that wants to come on claims the group: every other member is switched off first, and the
// switch-on waits out the dead time. Only the latest claim waits (one timer), so a burst of
// commands ends in the last one asked for, never in two on.
import type { Clock, TimerHandle, Timers } from "../../hal/time";

export interface Interlocked {
  readonly isOn: boolean;
  off(why?: string): void;
}

export interface Interlock {
  add(member: Interlocked): void;
  /** True when `member` may switch on now; otherwise `retry` runs once the dead time is over
   *  (unless a later claim or release replaces it). Switches every other member off. */
  claim(member: Interlocked, retry: () => void): boolean;
  /** `member` was switched off: a switch-on it was waiting for is dropped, and when it was
   *  on, the dead time starts now. */
  released(member: Interlocked, wasOn: boolean): void;
}

export function createInterlock(deadTimeMs: number, clock: Clock, timers: Timers): Interlock {
  const members: Interlocked[] = [];
  let lastOffAt = -deadTimeMs;
  let lastOff: Interlocked | undefined;
  let waiting: Interlocked | undefined;
  /** Undefined the moment it fires or is cleared (Espruino reuses timer ids at once). */
  let timer: TimerHandle;
  const cancel = () => {
    timers.clear(timer);
    timer = waiting = undefined;
  };
  return {
    add: (member) => {
      members.push(member);
    },
    claim: (member, retry) => {
      for (let i = 0; i < members.length; i++) {
        const other = members[i];
        if (other !== member && other.isOn) other.off("interlock");
      }
      cancel();
      const wait = lastOff === member ? 0 : lastOffAt + deadTimeMs - clock.now();
      if (wait <= 0) return true;
      waiting = member;
      timer = timers.set(() => {
        timer = waiting = undefined;
        retry();
      }, wait);
      return false;
    },
    released: (member, wasOn) => {
      if (wasOn) {
        lastOffAt = clock.now();
        lastOff = member;
      }
      if (waiting === member) cancel();
    },
  };
}
