// A device that answers the hub's own challenge with a signed snapshot is online, whether or
// not its retained availability reached the hub: RabbitMQ 3.10 sends no retained message to
// a wildcard subscription like the hub's `<prefix>/<id>/#`, so on a RabbitMQ cluster the
// answer is all the hub hears of a device that connected before it.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { REPORT_PREFIX } from "../../firmware/app/protocol/auth.ts";
import { DeviceStates } from "../../scripts/hub/device-state.ts";
import { macHex } from "../../scripts/lib/signing.ts";
import { testProfile } from "../support/profile.ts";

const KEY = randomBytes(32);
const ROOT = "latchkey/door-1";
const BOOT = "0123456789abcdef";
const CHALLENGE = "ab".repeat(16);

/** A snapshot as the device signs it (docs/protocol.md, "State snapshots"). */
const snapshot = (challenge: string, seq = 7) => {
  const v = JSON.stringify({ c: challenge, r: { [`${ROOT}/relay/state`]: "OFF" } });
  const mac = macHex(KEY, `${REPORT_PREFIX}${ROOT}/state\n${BOOT}\n${seq}\n${v}`);
  return Buffer.from(JSON.stringify({ v, boot: BOOT, seq, mac }));
};

describe("the hub's availability of a device", () => {
  const states = () => {
    const s = new DeviceStates(
      [testProfile({ id: "door-1" })],
      () => KEY,
      () => undefined,
    );
    s.challenged("door-1", CHALLENGE, Date.now());
    return s;
  };

  it("is online once the device answers the hub's challenge, with no retained availability", () => {
    const s = states();
    expect(s.view("door-1")!.availability).toBe("unknown");
    s.message(`${ROOT}/state`, snapshot(CHALLENGE));
    expect(s.view("door-1")!.availability).toBe("online");
    expect(s.view("door-1")!.values.relay).toMatchObject({ value: "OFF" });
  });

  it("is not made online by an answer to another challenge, nor by a forged one", () => {
    const s = states();
    s.message(`${ROOT}/state`, snapshot("cd".repeat(16)));
    s.message(`${ROOT}/state`, Buffer.from(snapshot(CHALLENGE).toString().replace('"OFF', '"ON')));
    expect(s.view("door-1")!.availability).toBe("unknown");
  });

  it("follows the device's will after its answer", () => {
    const s = states();
    s.message(`${ROOT}/state`, snapshot(CHALLENGE));
    s.message(`${ROOT}/availability`, Buffer.from("offline"));
    expect(s.view("door-1")!.availability).toBe("offline");
  });
});
