// What the device sends when asked: nonces and results (docs/protocol.md).
// Every message on a command topic gets one signed result, bound to that message: the
// verified command's MAC, or the hash of a payload that did not verify. A copy of a remembered
// command (a broker replaying it) gets the ORIGINAL result, so "done" is never answered "nonce
// not live". Results of commands that used up a nonce wait for room in the session's in-flight
// store (bounded, and bounded in rate by the nonces); the others (anyone can make them) go
// out if there is room now. Nothing is dropped without a count and a log line.
// At most one nonce is published per NONCE_GAP_MS, however many nonce/get arrive (anyone on
// the broker may write it): the requests in between get the one publish at the gap's end. A
// command that used up the live nonce ends the gap (the next command need not wait for it).
import type { Log } from "../../hal/platform";
import type { TimerHandle, Timers } from "../../hal/time";
import { NONCE_GAP_MS, NOT_LIVE, toHex, type Nonces, type Sha256 } from "./auth";
import type { Outcome } from "./commands";
import { resultPayload } from "./signed";

/** Commands that used up a nonce, remembered with their results (a replay gets the same). */
export const REMEMBERED = 4;
/** Such results waiting for room in the in-flight store; beyond it the oldest is dropped. */
export const PENDING_RESULTS = 4;
export const RESULT_RETRY_MS = 250;

export interface Results {
  /** Signs and sends the result of `payload` received on `topic`, which had `outcome`. */
  answer(topic: string, payload: string, outcome: Outcome): void;
  /** Publishes the nonce now, or once at the end of the current gap. */
  offerNonce(): void;
}

export function createResults(
  mac: (text: string) => string,
  sha256: Sha256,
  nonces: Nonces,
  now: () => number,
  timers: Timers,
  log: Log,
  /** Publishes on `result` (nonce false) or `nonce`: QoS 1; why not, or undefined. */
  publish: (nonce: boolean, payload: string) => string | undefined,
): Results {
  /** [mac, result, mac, result, ...], oldest first. */
  const remembered: string[] = [];
  const pending: string[] = [];
  let dropped = 0;
  let timer: TimerHandle;
  let nonceAt = -NONCE_GAP_MS;
  let nonceWanted = false;
  const drop = () => {
    // A line at the 1st, 2nd, 4th, 8th... drop: a flood cannot flood the log.
    if ((++dropped & (dropped - 1)) === 0) log.warn("results dropped: " + dropped);
  };
  const flush = () => {
    while (pending.length && publish(false, pending[0]) === undefined) pending.shift();
    const wait = nonceAt + NONCE_GAP_MS - now();
    if (nonceWanted && wait <= 0 && publish(true, nonces.issue()) === undefined) {
      nonceWanted = false;
      nonceAt = now();
    }
    if ((pending.length || nonceWanted) && timer === undefined)
      timer = timers.set(
        () => {
          timer = undefined;
          flush();
        },
        wait > 0 ? wait : RESULT_RETRY_MS,
      );
  };
  return {
    offerNonce: () => {
      nonceWanted = true;
      flush();
    },
    answer: (topic, payload, outcome) => {
      const re = outcome.mac;
      let out: string | undefined;
      if (outcome.refused === NOT_LIVE)
        for (let i = 0; i < remembered.length; i += 2) if (remembered[i] === re) out = remembered[i + 1];
      // The nonce was used up by this very command: the host gets what happened the first time.
      if (out !== undefined) log.info("command again");
      else {
        const ok = outcome.refused === undefined;
        const detail = (ok ? outcome.done : outcome.refused) || "";
        if (ok) log.info("command: " + detail);
        else log.warn("command refused: " + detail);
        out = resultPayload(mac, topic, re || toHex(sha256(payload)), ok, detail);
        if (re !== undefined && outcome.refused !== NOT_LIVE) {
          // It used up a nonce: remembered, and queued until the session takes it. The next
          // nonce may go out at once: only a signed command ends the gap, so a flood cannot.
          nonceAt = -NONCE_GAP_MS;
          remembered.push(re, out);
          if (remembered.length > 2 * REMEMBERED) remembered.splice(0, 2);
          if (pending.length >= PENDING_RESULTS) {
            pending.shift();
            drop();
          }
          pending.push(out);
          flush();
          return;
        }
      }
      // Anyone can make these (replays, forgeries): sent if there is room now.
      if (publish(false, out) !== undefined) drop();
    },
  };
}
