// The device's answers to state challenges under fake time: one at once, then at most one per
// SNAPSHOT_MIN_MS however many arrive (the latest waiting one answered when the interval
// ends), never more than one timer, and anything but 32 hex digits ignored.
import { describe, expect, it } from "vitest";
import { snapshots, SNAPSHOT_MIN_MS } from "../../firmware/app/protocol/snapshot.ts";
import { createFakePlatform } from "../support/fake-platform.ts";

const challenge = (n: number) => n.toString(16).padStart(32, "0");

describe("state snapshots", () => {
  it("answers a challenge at once, and a flood with at most one answer per interval", () => {
    const fake = createFakePlatform();
    const answers: { t: number; c: string }[] = [];
    const ask = snapshots(fake.platform.timers, (c) => answers.push({ t: fake.time.now, c }));
    ask(challenge(1));
    expect(answers).toEqual([{ t: 0, c: challenge(1) }]);
    // 2,000 challenges over 10 s (one every 5 ms).
    for (let i = 2; i < 2002; i++) {
      ask(challenge(i));
      expect(fake.time.pendingCount).toBeLessThanOrEqual(1);
      fake.time.advance(5);
    }
    fake.time.advance(SNAPSHOT_MIN_MS);
    const gaps = answers.slice(1).map((a, i) => a.t - answers[i]!.t);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(SNAPSHOT_MIN_MS);
    expect(answers.length).toBeLessThanOrEqual(Math.ceil(10000 / SNAPSHOT_MIN_MS) + 2);
    // The last challenge of the flood is the one answered at its end.
    expect(answers.at(-1)!.c).toBe(challenge(2001));
    fake.time.advance(10 * SNAPSHOT_MIN_MS);
    expect(fake.time.pendingCount).toBe(0);
  });

  it("ignores anything but 32 lower-case hex digits", () => {
    const fake = createFakePlatform();
    const answers: string[] = [];
    const ask = snapshots(fake.platform.timers, (c) => answers.push(c));
    for (const bad of ["", "x".repeat(32), challenge(1).toUpperCase().replace(/0/g, "A"), challenge(1) + "0", '"}'])
      ask(bad);
    expect(answers).toEqual([]);
    expect(fake.time.pendingCount).toBe(0);
  });
});
