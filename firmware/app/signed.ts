// What the device signs (docs/protocol.md): the result of every message on a
// command topic, and the retained reports people act on, so a host can tell a genuine "OFF"
// from one a man in the middle wrote. Details and values must be printable ASCII (auth.ts:
// the MAC'd text is then the same bytes on both sides); a detail that echoes a command
// echoes only text the gate found printable.
import { randomHex, REPORT_PREFIX, RESULT_PREFIX } from "./auth";

/** The signed result of the message received on `commandTopic`. */
export function resultPayload(
  mac: (text: string) => string,
  commandTopic: string,
  nonce: string,
  ok: boolean,
  detail: string,
): string {
  return JSON.stringify({
    nonce,
    ok,
    detail,
    mac: mac(RESULT_PREFIX + commandTopic + "\n" + nonce + "\n" + (ok ? "1" : "0") + "\n" + detail),
  });
}

/** Signs reports: `boot` is random per boot, `seq` counts this boot's reports. */
export class Reporter {
  readonly boot: string;
  private seq_: number;
  private readonly mac_: (text: string) => string;

  constructor(mac: (text: string) => string, random: () => number) {
    this.mac_ = mac;
    this.boot = randomHex(random, 16);
    this.seq_ = 0;
  }

  /** The signed payload of `value` (ASCII; structured values as JSON text) on `topic`. */
  report(topic: string, value: string): string {
    const seq = ++this.seq_;
    return JSON.stringify({
      v: value,
      boot: this.boot,
      seq,
      mac: this.mac_(REPORT_PREFIX + topic + "\n" + this.boot + "\n" + seq + "\n" + value),
    });
  }
}
