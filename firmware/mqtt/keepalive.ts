// Keepalive (section 3.1.2.10): a PINGREQ when nothing was sent for a whole period, and the
// link declared dead when its PINGRESP does not come within min(period, 10 s) (the client
// SHOULD close the connection then, section 3.1.2.10 / 3.12.4). One timer, re-armed from
// the time of the last write rather than on every write. A handle is forgotten the moment its
// timer fires or is cleared (Espruino reuses timer ids at once: src/jsinteractive.c).
// A closure, not a class: local state minifies, `this.` does not.
import type { Clock, TimerHandle, Timers } from "../hal/time";

export interface Keepalive {
  /** Something was written to the link. */
  sent(): void;
  /** The link is up (CONNACK): start counting. */
  start(): void;
  pong(): void;
  stop(): void;
}

/** `ping` sends a PINGREQ; `dead` drops the link with the reason given. */
export function createKeepalive(
  clock: Clock,
  timers: Timers,
  periodMs: number,
  ping: () => void,
  dead: (reason: string) => void,
): Keepalive {
  let lastSent = 0;
  let pingTimer: TimerHandle;
  let pongTimer: TimerHandle;
  const pong = () => {
    timers.clear(pongTimer);
    pongTimer = undefined;
  };
  const arm = (delay: number) => {
    if (periodMs <= 0) return;
    timers.clear(pingTimer);
    pingTimer = timers.set(() => {
      pingTimer = undefined;
      const idle = clock.now() - lastSent;
      if (idle < periodMs) {
        arm(periodMs - idle);
        return;
      }
      ping();
      if (pongTimer === undefined) {
        const wait = Math.min(periodMs, 10000);
        pongTimer = timers.set(() => {
          pongTimer = undefined;
          dead("no PINGRESP within " + wait / 1000 + " s: link presumed dead");
        }, wait);
      }
      arm(periodMs);
    }, delay);
  };
  return {
    sent: () => {
      lastSent = clock.now();
    },
    start: () => arm(periodMs),
    pong,
    stop: () => {
      timers.clear(pingTimer);
      pingTimer = undefined;
      pong();
    },
  };
}
