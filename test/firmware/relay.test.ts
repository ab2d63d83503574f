import { describe, expect, it } from "vitest";
import { createRelay } from "../../firmware/app/actuators/relay.ts";
import { createFakePlatform } from "../support/fake-platform.ts";

function relay(activeLow = false, maxOnMs = 0) {
  const fake = createFakePlatform();
  const changes: string[] = [];
  const r = createRelay(fake.platform.pins, { pin: "D23", activeLow }, fake.platform.timers, maxOnMs);
  r.onChange((on, why) => changes.push(`${on ? "ON" : "OFF"} ${why}`));
  return { ...fake, relay: r, changes };
}

describe("Relay", () => {
  it("starts at the off level before any write (active high)", () => {
    const { relay: r, pinHistory } = relay();
    expect(r.isOn).toBe(false);
    expect(pinHistory).toEqual([{ pin: "D23", high: false, kind: "initial" }]);
  });

  it("starts HIGH (off) on an active-low board and drives LOW for on", () => {
    const { relay: r, pinHistory } = relay(true);
    r.set(true);
    expect(pinHistory).toEqual([
      { pin: "D23", high: true, kind: "initial" },
      { pin: "D23", high: false, kind: "write" },
    ]);
    expect(r.isOn).toBe(true);
  });

  it("keeps LOW as the off level when activeLow is not exactly true", () => {
    const fake = createFakePlatform();
    const spec = { pin: "D23", activeLow: "yes" as unknown as boolean };
    createRelay(fake.platform.pins, spec, fake.platform.timers, 0).set(false);
    expect(fake.pinHistory.map((e) => e.high)).toEqual([false, false]);
  });

  it("pulses for exactly pulseMs, then opens", () => {
    const { relay: r, pinHistory, time, changes } = relay();
    expect(r.pulse(600, 0)).toBe(true);
    time.advance(599);
    expect(r.isOn).toBe(true);
    time.advance(1);
    expect(r.isOn).toBe(false);
    expect(pinHistory.map((e) => e.high)).toEqual([false, true, false]);
    expect(changes).toEqual(["ON command", "OFF end of pulse"]);
  });

  it("refuses a second press while one runs and during the lockout after it", () => {
    const { relay: r, time, pinHistory } = relay();
    expect(r.pulse(600, 2000)).toBe(true);
    time.advance(300);
    expect(r.pulse(600, 2000)).toBe(false);
    time.advance(300);
    expect(r.isOn).toBe(false);
    time.advance(1999);
    expect(r.pulse(600, 2000)).toBe(false);
    time.advance(1);
    expect(r.locked).toBe(false);
    expect(r.pulse(600, 2000)).toBe(true);
    expect(pinHistory.map((e) => e.high)).toEqual([false, true, false, true]);
  });

  it("off() cancels a pulse in progress so no late timer switches anything", () => {
    const { relay: r, pinHistory, time } = relay();
    r.pulse(600, 0);
    r.off();
    time.advance(1000);
    expect(time.pendingCount).toBe(0);
    expect(pinHistory.map((e) => e.high)).toEqual([false, true, false]);
  });

  it("turns itself off after maxOnMs, and the clock restarts with every ON", () => {
    const { relay: r, time, changes } = relay(false, 10000);
    r.set(true);
    time.advance(9000);
    r.set(true);
    time.advance(9999);
    expect(r.isOn).toBe(true);
    time.advance(1);
    expect(r.isOn).toBe(false);
    expect(changes).toEqual(["ON command", "OFF on for maxOnMs (10000 ms)"]);
    expect(time.pendingCount).toBe(0);
  });
});
