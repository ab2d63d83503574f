// The device's results and nonces (firmware/app/protocol/results.ts) under a session whose in-flight
// store the test fills and empties: a replayed command gets its first result, a result names
// the message it answers, results of commands that used a nonce wait for room (bounded, each
// drop counted and logged), and nonces go out at most once per NONCE_GAP_MS.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256, NONCE_GAP_MS, createNonces } from "../../firmware/app/protocol/auth.ts";
import { handleCommand, signedGate, type Outcome } from "../../firmware/app/protocol/commands.ts";
import { PENDING_RESULTS, createResults, RESULT_RETRY_MS } from "../../firmware/app/protocol/results.ts";
import { resultRefersTo, signCommand, verifyResult } from "../../scripts/lib/signing.ts";
import { FakeTime } from "../support/fake-platform.ts";

const sha256 = (data: string) => createHash("sha256").update(Buffer.from(data, "latin1")).digest().toString("latin1");
const TOPIC = "latchkey/door-1/relay/set";

function setup() {
  const key = randomBytes(32);
  const time = new FakeTime();
  const mac = hmacSha256(sha256, key.toString("latin1"));
  const nonces = createNonces(time.clock.now, Math.random, 30000);
  const gate = signedGate(mac, nonces);
  const sent: { nonce: boolean; payload: string }[] = [];
  const logs: string[] = [];
  let room = 8;
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push("WARN " + m), error: () => {} };
  const results = createResults(mac, sha256, nonces, time.clock.now, time.timers, log, (nonce, payload) => {
    if (room === 0) return "in-flight store full (8 messages)";
    room--;
    sent.push({ nonce, payload });
    return undefined;
  });
  let presses = 0;
  const receive = (payload: string, retained = false) =>
    results.answer(
      TOPIC,
      payload,
      handleCommand(gate, TOPIC, payload, retained, (): Outcome => ({ done: "relay pulsed " + ++presses })),
    );
  const answers = () => sent.filter((s) => !s.nonce).map((s) => verifyResult(key, TOPIC, s.payload));
  return {
    key,
    time,
    nonces,
    results,
    sent,
    logs,
    receive,
    answers,
    setRoom: (n: number) => (room = n),
    presses: () => presses,
  };
}

describe("results", () => {
  it("answers a replay of an obeyed command with its first result, byte for byte, and obeys it once", () => {
    const t = setup();
    const command = signCommand(t.key, TOPIC, t.nonces.issue(), "PULSE");
    t.receive(command);
    t.receive(command);
    expect(t.presses()).toBe(1);
    expect(t.sent.map((s) => s.payload)).toHaveLength(2);
    expect(t.sent[1].payload).toBe(t.sent[0].payload);
    const [first] = t.answers();
    expect(first).toMatchObject({ ok: true, accepted: true, detail: "relay pulsed 1" });
    expect(first.ok && resultRefersTo(first.re, command)).toBe(true);
    expect(t.logs).toContain("command again");
  });

  it("uses up the nonce of a retained copy, refuses it, and never obeys a later copy", () => {
    const t = setup();
    const command = signCommand(t.key, TOPIC, t.nonces.issue(), "PULSE");
    t.receive(command, true);
    t.receive(command);
    expect(t.presses()).toBe(0);
    expect(t.answers().map((a) => a.ok && a.detail)).toEqual(["retained message refused", "retained message refused"]);
  });

  it("names a message that did not verify by its hash, never by the MAC it carries", () => {
    const t = setup();
    const genuine = signCommand(t.key, TOPIC, t.nonces.issue(), "ON");
    const forged = JSON.stringify({ ...JSON.parse(genuine), cmd: "OFF" });
    t.receive(forged);
    const [refusal] = t.answers();
    expect(refusal).toMatchObject({ ok: true, accepted: false, detail: "bad signature" });
    expect(refusal.ok && resultRefersTo(refusal.re, genuine)).toBe(false);
    expect(refusal.ok && resultRefersTo(refusal.re, forged)).toBe(true);
  });

  it("keeps results of commands that used a nonce until the store has room; drops are counted and logged", () => {
    const t = setup();
    t.setRoom(0);
    for (let i = 0; i < PENDING_RESULTS + 2; i++) {
      t.time.advance(15000);
      t.receive(signCommand(t.key, TOPIC, t.nonces.issue(), "ON"));
    }
    // Anyone can make a forgery: its refusal goes out only if there is room.
    t.receive("ON");
    expect(t.sent).toEqual([]);
    expect(t.logs.filter((l) => l.startsWith("WARN results dropped"))).toEqual([
      "WARN results dropped: 1",
      "WARN results dropped: 2",
    ]);
    t.setRoom(8);
    t.time.advance(RESULT_RETRY_MS);
    expect(t.answers().map((a) => a.ok && a.detail)).toEqual([
      "relay pulsed 3",
      "relay pulsed 4",
      "relay pulsed 5",
      "relay pulsed 6",
    ]);
  });

  it("publishes at most one nonce per gap, and the live one again to requests close together", () => {
    const t = setup();
    for (let i = 0; i < 2000; i++) t.results.offerNonce();
    t.time.advance(NONCE_GAP_MS);
    for (let i = 0; i < 2000; i++) t.results.offerNonce();
    t.time.advance(NONCE_GAP_MS);
    const nonces = t.sent.filter((s) => s.nonce).map((s) => s.payload);
    expect(nonces).toHaveLength(3);
    expect(new Set(nonces).size).toBe(1);
  });

  it("hands out the next nonce at once after a command used the last one (the gap slows only repeats)", () => {
    const t = setup();
    t.results.offerNonce();
    const first = t.sent.filter((s) => s.nonce).map((s) => s.payload);
    expect(first).toHaveLength(1);
    t.receive(signCommand(t.key, TOPIC, first[0], "PULSE"));
    t.results.offerNonce();
    const nonces = t.sent.filter((s) => s.nonce).map((s) => s.payload);
    expect(nonces).toHaveLength(2);
    expect(nonces[1]).not.toBe(nonces[0]);
    // A forged or replayed command uses up nothing: requests after it still wait out the gap.
    t.receive(signCommand(t.key, TOPIC, first[0], "PULSE"));
    t.results.offerNonce();
    expect(t.sent.filter((s) => s.nonce)).toHaveLength(2);
    expect(t.presses()).toBe(1);
  });
});
