// What the device signs (docs/protocol.md): the result of every message on a
// command topic, and the retained reports people act on, so a host can tell a genuine "OFF"
// from one a man in the middle wrote. Details and values must be printable ASCII (auth.ts:
// the MAC'd text is then the same bytes on both sides); a detail that echoes a command
// echoes only text the gate found printable.
import { randomHex, REPORT_PREFIX, RESULT_PREFIX } from "./auth";

/** The signed result of the message received on `commandTopic`: `re` is the verified
 *  command's MAC, or the hex SHA-256 of a payload that did not verify, so a result answers
 *  one command only (docs/protocol.md). */
export function resultPayload(
  mac: (text: string) => string,
  commandTopic: string,
  re: string,
  ok: boolean,
  detail: string,
): string {
  return JSON.stringify({
    re,
    ok,
    detail,
    mac: mac(RESULT_PREFIX + commandTopic + "\n" + re + "\n" + (ok ? "1" : "0") + "\n" + detail),
  });
}

/** Signs reports: `boot` is random per boot, `seq` counts this boot's reports. */
export interface Reporter {
  /** The signed payload of `value` (ASCII; structured values as JSON text) on `topic`. */
  report(topic: string, value: string): string;
}

/** The boot id is drawn at the first report, never earlier: reports go out only once the
 *  device is connected, so Wi-Fi is up and the ESP32's RNG register is true random (the radio
 *  feeds it; docs/espruino.md "Randomness"). Drawn at start, it came from a register with the
 *  radio still off. */
export function createReporter(mac: (text: string) => string, random: () => number): Reporter {
  let boot = "";
  let seq = 0;
  return {
    report: (topic, value) => {
      const n = ++seq;
      boot = boot || randomHex(random, 16);
      return JSON.stringify({
        v: value,
        boot,
        seq: n,
        mac: mac(REPORT_PREFIX + topic + "\n" + boot + "\n" + n + "\n" + value),
      });
    },
  };
}
