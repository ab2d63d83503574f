// Every report people act on (relay, input and cover states) goes out through report():
// retained, QoS 1, latest value per topic. While the broker is away only the latest value of
// each topic is kept (bounded by the profile's topics), and all of them go out again at every
// CONNACK; a publish the session refuses (in-flight store full) is retried shortly.
import type { TimerHandle, Timers } from "../../hal/time";

/** Wait before retrying reports the session could not take. */
export const REPORT_RETRY_MS = 250;

export interface Reports {
  /** `publish` returns why a report could not be sent (offline, store full), or undefined. */
  attach(publish: (topic: string, value: string) => string | undefined): void;
  report(topic: string, value: string): void;
  /** The link came up: every report goes out again. */
  resend(): void;
  /** The latest value of every report, by topic (read by the state snapshot). */
  readonly values: { [topic: string]: string };
}

export function createReports(timers: Timers): Reports {
  const values: { [topic: string]: string } = {};
  /** Set to false once sent, never deleted: Espruino ends a for..in whose current key is
   *  deleted (docs/espruino.md), which once sent one report per flush. */
  const dirty: { [topic: string]: boolean } = {};
  let publish: ((topic: string, value: string) => string | undefined) | undefined;
  /** Undefined the moment it fires (Espruino reuses timer ids at once). */
  let retry: TimerHandle;
  const flush = () => {
    if (!publish || retry !== undefined) return;
    let problem: string | undefined;
    for (const topic in dirty) {
      if (!dirty[topic]) continue;
      problem = publish(topic, values[topic]);
      if (problem !== undefined) break;
      dirty[topic] = false;
    }
    // Offline: everything goes out again at the next CONNACK (resend); anything else soon.
    if (problem !== undefined && problem !== "offline")
      retry = timers.set(() => {
        retry = undefined;
        flush();
      }, REPORT_RETRY_MS);
  };
  return {
    values,
    attach: (p) => {
      publish = p;
    },
    report: (topic, value) => {
      values[topic] = value;
      dirty[topic] = true;
      flush();
    },
    resend: () => {
      for (const topic in values) dirty[topic] = true;
      flush();
    },
  };
}
