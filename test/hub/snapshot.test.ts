// The hub's reading of a device's signed state snapshot (scripts/hub/snapshot.ts): the values,
// the bundle's version (v) and the station's IP address (ip) come only from a body the device
// signed for the state topic in answer to this challenge; a changed address breaks the MAC.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { REPORT_PREFIX } from "../../firmware/app/protocol/auth.ts";
import { readSnapshot } from "../../scripts/hub/snapshot.ts";
import { macHex } from "../../scripts/lib/signing.ts";

const KEY = randomBytes(32);
const TOPIC = "latchkey/door-1/state";
const BOOT = "0123456789abcdef";
const CHALLENGE = "ab".repeat(16);

/** A snapshot as the device signs it (docs/protocol.md, "State snapshots"). */
const signed = (body: object, seq = 7) => {
  const v = JSON.stringify(body);
  return JSON.stringify({ v, boot: BOOT, seq, mac: macHex(KEY, `${REPORT_PREFIX}${TOPIC}\n${BOOT}\n${seq}\n${v}`) });
};
const read = (payload: string, challenge = CHALLENGE) => readSnapshot(KEY, TOPIC, Buffer.from(payload), challenge);

describe("the hub's reading of a state snapshot", () => {
  const body = { c: CHALLENGE, r: { "latchkey/door-1/relay/state": "OFF" }, v: "0.4.0", ip: "192.168.4.2" };

  it("takes the values, the firmware version and the IP address the device signed", () => {
    expect(read(signed(body))).toEqual({
      boot: BOOT,
      seq: 7,
      values: { "latchkey/door-1/relay/state": "OFF" },
      version: "0.4.0",
      ip: "192.168.4.2",
    });
  });

  it("gives no address when the device said none (a build without Wi-Fi) or not as text", () => {
    expect(read(signed({ c: CHALLENGE, r: {}, v: "0.4.0" }))).not.toHaveProperty("ip");
    expect(read(signed({ c: CHALLENGE, r: {}, ip: 3232236546 }))).not.toHaveProperty("ip");
  });

  it("refuses an address changed on the way, and an answer to another challenge", () => {
    const forged = signed(body).replace("192.168.4.2", "10.66.6.6");
    expect(forged).toContain("10.66.6.6");
    expect(read(forged)).toBeUndefined();
    expect(read(signed(body), "cd".repeat(16))).toBeUndefined();
  });
});
