// The signed-command gate on the device (firmware/app/protocol/auth.ts, commands.ts, signed.ts),
// checked against the host's signing module (scripts/lib/signing.ts): the two halves must
// agree byte for byte, and every way a command can be wrong is refused with its reason.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256, isHex, createNonces, NOT_LIVE, sameMac, toHex } from "../../firmware/app/protocol/auth.ts";
import { signedGate, UNSIGNED } from "../../firmware/app/protocol/commands.ts";
import { createReporter, resultPayload } from "../../firmware/app/protocol/signed.ts";
import { macHex, signCommand, verifyReport, verifyResult } from "../../scripts/lib/signing.ts";
import { fuzzPayloads } from "../support/command-fuzz.ts";
import { FakeTime } from "../support/fake-platform.ts";

const sha256 = (data: string) => createHash("sha256").update(Buffer.from(data, "latin1")).digest().toString("latin1");
const TOPIC = "latchkey/door-1/relay/set";

function setup(freshnessMs = 30000) {
  const key = randomBytes(32);
  const time = new FakeTime();
  const mac = hmacSha256(sha256, key.toString("latin1"));
  const nonces = createNonces(time.clock.now, Math.random, freshnessMs);
  return { key, time, mac, nonces, gate: signedGate(mac, nonces) };
}

describe("HMAC-SHA256 on the device", () => {
  it("matches RFC 4231 test case 1 and Node's HMAC for random keys and texts", () => {
    const rfc = hmacSha256(sha256, "\x0b".repeat(20));
    expect(rfc("Hi There")).toBe("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    for (let i = 0; i < 50; i++) {
      const key = randomBytes(32);
      const text = randomBytes(i * 7).toString("hex");
      expect(hmacSha256(sha256, key.toString("latin1"))(text)).toBe(macHex(key, text));
      expect(macHex(key, text)).toBe(createHmac("sha256", key).update(text).digest("hex"));
    }
  });

  it("compares MACs whole, hex checks are exact", () => {
    const a = "ab".repeat(32);
    expect(sameMac(a, a)).toBe(true);
    expect(sameMac(a, "ab".repeat(31) + "ac")).toBe(false);
    expect(sameMac(a, a.slice(0, 63))).toBe(false);
    expect(isHex("0123456789abcdef", 16)).toBe(true);
    expect(isHex("0123456789ABCDEF", 16)).toBe(false);
    expect(isHex(12, 2)).toBe(false);
    expect(toHex("\x00\xff\x10")).toBe("00ff10");
  });
});

describe("the signed-command gate", () => {
  it("accepts a command signed for this topic with the live nonce, once", () => {
    const t = setup();
    const nonce = t.nonces.issue();
    const payload = signCommand(t.key, TOPIC, nonce, "ON");
    const mac = JSON.parse(payload).mac;
    expect(t.gate.verify(TOPIC, payload)).toEqual({ command: "ON", mac });
    expect(t.gate.verify(TOPIC, payload)).toEqual({ refused: NOT_LIVE, mac });
  });

  it("refuses unsigned, forged, other-device, other-topic and wrong-key commands, and keeps the nonce", () => {
    const t = setup();
    const nonce = t.nonces.issue();
    const refuse = (payload: string, topic = TOPIC) => t.gate.verify(topic, payload).refused;
    expect(refuse("ON")).toBe(UNSIGNED);
    expect(refuse('"ON"')).toBe(UNSIGNED);
    expect(refuse("null")).toBe(UNSIGNED);
    expect(refuse(JSON.stringify({ cmd: "ON" }))).toBe(UNSIGNED);
    expect(refuse(JSON.stringify({ cmd: "ON", nonce }))).toBe(UNSIGNED);
    expect(refuse(JSON.stringify({ cmd: 1, nonce, mac: "0".repeat(64) }))).toBe(UNSIGNED);
    expect(t.gate.verify(TOPIC, JSON.stringify({ cmd: "ON", nonce }))).toEqual({ refused: UNSIGNED });
    const good = JSON.parse(signCommand(t.key, TOPIC, nonce, "ON"));
    expect(refuse(JSON.stringify({ ...good, mac: good.mac.slice(0, 63) }))).toBe(UNSIGNED);
    expect(refuse(JSON.stringify({ ...good, cmd: "OFF" }))).toBe("bad signature");
    expect(refuse(JSON.stringify({ ...good, mac: "0".repeat(64) }))).toBe("bad signature");
    // A MAC that did not verify is not returned: a result must not name a command it did not check.
    expect(t.gate.verify(TOPIC, JSON.stringify({ ...good, cmd: "OFF" }))).toEqual({ refused: "bad signature" });
    expect(refuse(signCommand(randomBytes(32), TOPIC, nonce, "ON"))).toBe("bad signature");
    expect(refuse(signCommand(t.key, "latchkey/door-2/relay/set", nonce, "ON"))).toBe("bad signature");
    expect(refuse(signCommand(t.key, "latchkey/door-1/cover/set", nonce, "ON"))).toBe("bad signature");
    expect(refuse(JSON.stringify({ ...good, cmd: "ON\u00e9" }))).toBe("bad command text");
    // None of that used the nonce up.
    expect(t.gate.verify(TOPIC, signCommand(t.key, TOPIC, nonce, "ON"))).toMatchObject({ command: "ON" });
  });

  it("re-sends the live nonce for half its freshness, then replaces it", () => {
    const t = setup(30000);
    const first = t.nonces.issue();
    t.time.advance(14999);
    expect(t.nonces.issue()).toBe(first);
    t.time.advance(1);
    const second = t.nonces.issue();
    expect(second).not.toBe(first);
    expect(t.gate.verify(TOPIC, signCommand(t.key, TOPIC, first, "ON")).refused).toBe(NOT_LIVE);
    // Used up: the next request gets a new one at once.
    expect(t.gate.verify(TOPIC, signCommand(t.key, TOPIC, second, "ON")).command).toBe("ON");
    expect(t.nonces.issue()).not.toBe(second);
  });

  it("refuses a nonce that was replaced, and one held back past freshnessMs by the device clock", () => {
    const t = setup(30000);
    const old = t.nonces.issue();
    t.time.advance(15000);
    const live = t.nonces.issue();
    expect(t.gate.verify(TOPIC, signCommand(t.key, TOPIC, old, "ON")).refused).toBe(NOT_LIVE);
    t.time.advance(30001);
    expect(t.gate.verify(TOPIC, signCommand(t.key, TOPIC, live, "ON")).refused).toBe("nonce expired (30001 ms)");
    // An expired nonce is gone: the same command is then not even "late".
    expect(t.gate.verify(TOPIC, signCommand(t.key, TOPIC, live, "ON")).refused).toBe(NOT_LIVE);
    const fresh = t.nonces.issue();
    t.time.advance(30000);
    expect(t.gate.verify(TOPIC, signCommand(t.key, TOPIC, fresh, "ON")).command).toBe("ON");
  });

  it("refuses everything before any nonce was issued (a replay after a reboot)", () => {
    const t = setup();
    const before = setup();
    const nonce = before.nonces.issue();
    expect(t.gate.verify(TOPIC, signCommand(t.key, TOPIC, nonce, "ON")).refused).toBe(NOT_LIVE);
  });
});

describe("signed results and reports", () => {
  it("verifies on the host, and a changed field or another topic fails", () => {
    const t = setup();
    const re = "ab".repeat(32);
    const payload = resultPayload(t.mac, TOPIC, re, true, "relay ON");
    expect(verifyResult(t.key, TOPIC, payload)).toEqual({ ok: true, re, accepted: true, detail: "relay ON" });
    expect(verifyResult(t.key, TOPIC, JSON.stringify({ ...JSON.parse(payload), re: "cd".repeat(32) })).ok).toBe(false);
    const forged = JSON.stringify({ ...JSON.parse(payload), ok: false });
    expect(verifyResult(t.key, TOPIC, forged)).toEqual({
      ok: false,
      error: "bad signature: not written by this device",
    });
    expect(verifyResult(t.key, "latchkey/door-2/relay/set", payload).ok).toBe(false);
    expect(verifyResult(t.key, TOPIC, "OFF").ok).toBe(false);
  });

  it("numbers reports per boot and signs the topic", () => {
    const t = setup();
    const reporter = createReporter(t.mac, Math.random);
    const topic = "latchkey/door-1/relay/state";
    const first = verifyReport(t.key, topic, reporter.report(topic, "ON"));
    const second = verifyReport(t.key, topic, reporter.report(topic, "OFF"));
    expect(first).toEqual({ ok: true, value: "ON", boot: expect.stringMatching(/^[0-9a-f]{16}$/), seq: 1 });
    expect(second).toEqual({ ok: true, value: "OFF", boot: first.ok && first.boot, seq: 2 });
    const payload = reporter.report(topic, "OFF");
    expect(verifyReport(t.key, "latchkey/door-1/cover/state", payload).ok).toBe(false);
    expect(verifyReport(t.key, topic, JSON.stringify({ ...JSON.parse(payload), v: "ON" }))).toEqual({
      ok: false,
      error: "bad signature: not written by this device (or for another topic)",
    });
    expect(verifyReport(t.key, topic, "OFF").ok).toBe(false);
  });
});

describe("fuzzed command payloads at the gate", () => {
  it("are all refused, never throw, and never use up the live nonce", () => {
    const t = setup();
    const nonce = t.nonces.issue();
    const genuine = signCommand(t.key, TOPIC, nonce, "ON");
    // A MAC that is one altered digit from the genuine one is as wrong as any other.
    const payloads = fuzzPayloads(9, 3000, nonce, signCommand(t.key, TOPIC, nonce, "OFF"));
    for (const payload of payloads) {
      const verdict = t.gate.verify(TOPIC, payload);
      expect(verdict.command, payload).toBeUndefined();
      expect(typeof verdict.refused).toBe("string");
    }
    expect(t.gate.verify(TOPIC, genuine)).toEqual({ command: "ON", mac: JSON.parse(genuine).mac });
  });
});
