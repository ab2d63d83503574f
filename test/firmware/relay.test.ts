import { describe, expect, it } from "vitest";
import { Relay } from "../../firmware/app/relay.ts";
import { createFakePlatform } from "../support/fake-platform.ts";

describe("Relay", () => {
  it("starts at the off level before any write (active high)", () => {
    const { platform, pinHistory } = createFakePlatform();
    const relay = new Relay(platform.pins, { pin: "D26", activeLow: false }, platform.timers);
    expect(relay.isOn).toBe(false);
    expect(pinHistory).toEqual([{ pin: "D26", high: false, kind: "initial" }]);
  });

  it("starts HIGH (off) on an active-low board and drives LOW for on", () => {
    const { platform, pinHistory } = createFakePlatform();
    const relay = new Relay(platform.pins, { pin: "D5", activeLow: true }, platform.timers);
    relay.set(true);
    expect(pinHistory).toEqual([
      { pin: "D5", high: true, kind: "initial" },
      { pin: "D5", high: false, kind: "write" },
    ]);
    expect(relay.isOn).toBe(true);
  });

  it("pulses for exactly pulseMs, then opens and reports done", () => {
    const { platform, pinHistory, time } = createFakePlatform();
    const relay = new Relay(platform.pins, { pin: "D26", activeLow: false }, platform.timers);
    let done = 0;
    relay.pulse(600, () => done++);
    time.advance(599);
    expect(relay.isOn).toBe(true);
    time.advance(1);
    expect(relay.isOn).toBe(false);
    expect(done).toBe(1);
    expect(pinHistory.map((e) => e.high)).toEqual([false, true, false]);
  });

  it("off() cancels a pulse in progress so no late timer switches anything", () => {
    const { platform, pinHistory, time } = createFakePlatform();
    const relay = new Relay(platform.pins, { pin: "D26", activeLow: false }, platform.timers);
    let done = 0;
    relay.pulse(600, () => done++);
    relay.off();
    time.advance(1000);
    expect(done).toBe(0);
    expect(time.pendingCount).toBe(0);
    expect(pinHistory.map((e) => e.high)).toEqual([false, true, false]);
  });
});
