import { describe, expect, it } from "vitest";
import { createBackoff } from "../../firmware/net/backoff.ts";
import { seeded } from "../support/random.ts";

const OPTIONS = { baseMs: 1000, capMs: 60000, refusedMs: 600000, refusedCapMs: 3600000 };

describe("Backoff", () => {
  it("never retries within Espruino's TLS refusal window: the first retry is 1-2 s after the loss", () => {
    // Espruino refuses a TLS connect within about 1 s of the last close (docs/espruino.md):
    // a first retry drawn from [0, 1 s) nearly always failed, and a fleet's retries bunched.
    const firsts = Array.from({ length: 1000 }, (_, i) => createBackoff(OPTIONS, seeded(i)).next(false));
    expect(Math.min(...firsts)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...firsts)).toBeLessThan(2000);
    // Spread evenly over that second: no tenth of it holds more than twice its share.
    const tenths = Array.from(
      { length: 10 },
      (_, k) => firsts.filter((d) => Math.floor((d - 1000) / 100) === k).length,
    );
    expect(Math.max(...tenths)).toBeLessThanOrEqual(2 * (firsts.length / 10));
  });

  it("grows the ceiling exponentially up to the cap, and every delay lies in [base, base + ceiling)", () => {
    const backoff = createBackoff(OPTIONS, seeded(7));
    const ceilings: number[] = [];
    for (let i = 0; i < 12; i++) {
      const ceiling = backoff.ceiling();
      ceilings.push(ceiling);
      const delay = backoff.next(false);
      expect(delay).toBeGreaterThanOrEqual(OPTIONS.baseMs);
      expect(delay).toBeLessThan(OPTIONS.baseMs + ceiling);
    }
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000, 60000, 60000]);
  });

  it("spreads delays over the whole range (full jitter), not around a fixed value", () => {
    const delays = Array.from({ length: 2000 }, (_, i) => {
      const backoff = createBackoff(OPTIONS, seeded(i));
      for (let n = 0; n < 10; n++) backoff.next(false);
      return backoff.next(false);
    });
    expect(Math.min(...delays)).toBeLessThan(60000 * 0.05);
    expect(Math.max(...delays)).toBeGreaterThan(60000 * 0.95);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(27000);
    expect(mean).toBeLessThan(33000);
  });

  it("waits between half and all of refusedMs after a refusal, whatever the attempt count", () => {
    const random = seeded(3);
    for (let i = 0; i < 200; i++) {
      const backoff = createBackoff(OPTIONS, random);
      for (let n = 0; n < i % 5; n++) backoff.next(false);
      const delay = backoff.next(true);
      expect(delay).toBeGreaterThanOrEqual(300000);
      expect(delay).toBeLessThan(600000);
    }
  });

  it("doubles the refusal wait with each refusal in a row, up to refusedCapMs", () => {
    const backoff = createBackoff(OPTIONS, () => 0);
    const delays = Array.from({ length: 6 }, () => backoff.next(true));
    expect(delays).toEqual([300000, 600000, 1200000, 1800000, 1800000, 1800000]);
    backoff.reset();
    expect(backoff.next(true)).toBe(300000);
  });

  it("starts again from the base after reset()", () => {
    const backoff = createBackoff(OPTIONS, () => 0.999);
    for (let i = 0; i < 8; i++) backoff.next(false);
    expect(backoff.ceiling()).toBe(60000);
    backoff.reset();
    expect(backoff.failures).toBe(0);
    expect(backoff.next(false)).toBe(1999);
  });
});
