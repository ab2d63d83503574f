// Interlock groups under fake time, proved by the pin history: never two relays of a group at
// their on level at once, and the dead time between one going off and the next coming on.
import { describe, expect, it } from "vitest";
import { applyCommand } from "../../firmware/app/protocol/commands.ts";
import { createInterlock } from "../../firmware/app/actuators/interlock.ts";
import { createRelay } from "../../firmware/app/actuators/relay.ts";
import { createFakePlatform, type PinEvent } from "../support/fake-platform.ts";
import { relayBehaviour } from "../support/profile.ts";

const SWITCH = relayBehaviour({ mode: "switch" });

function group(deadTimeMs: number, activeLow = false) {
  const fake = createFakePlatform();
  const timeline: { t: number; pin: string; on: boolean }[] = [];
  const pins = {
    ...fake.platform.pins,
    output: (pin: string, initialHigh: boolean) => {
      const out = fake.platform.pins.output(pin, initialHigh);
      return {
        write: (high: boolean) => {
          timeline.push({ t: fake.time.now, pin, on: high !== activeLow });
          out.write(high);
        },
      };
    },
  };
  const lock = createInterlock(deadTimeMs, fake.platform.clock, fake.platform.timers);
  const relays = ["D23", "D32", "D33"].map((pin) => {
    const r = createRelay(pins, { pin, activeLow }, fake.platform.timers, 0);
    r.lockWith(lock);
    return r;
  });
  return { ...fake, relays, timeline };
}

/** From the pin writes: every interval when two pins were on together, and the shortest gap
 *  between one pin going off and a different one coming on. */
function audit(timeline: { t: number; pin: string; on: boolean }[]) {
  const on: Record<string, boolean> = {};
  let overlaps = 0;
  let lastOff: { t: number; pin: string } | undefined;
  let shortestGap = Infinity;
  for (const e of timeline) {
    if (e.on && !on[e.pin]) {
      if (Object.values(on).some(Boolean)) overlaps++;
      if (lastOff && lastOff.pin !== e.pin) shortestGap = Math.min(shortestGap, e.t - lastOff.t);
    }
    if (!e.on && on[e.pin]) lastOff = { t: e.t, pin: e.pin };
    on[e.pin] = e.on;
  }
  return { overlaps, shortestGap };
}

describe("interlock", () => {
  it("switches the other relay off first and the new one on after the dead time", () => {
    const g = group(300);
    g.relays[0].set(true);
    g.time.advance(1000);
    g.relays[1].set(true);
    expect(g.relays.map((r) => r.isOn)).toEqual([false, false, false]);
    g.time.advance(299);
    expect(g.relays[1].isOn).toBe(false);
    g.time.advance(1);
    expect(g.relays[1].isOn).toBe(true);
    expect(g.timeline).toEqual([
      { t: 0, pin: "D23", on: true },
      { t: 1000, pin: "D23", on: false },
      { t: 1300, pin: "D32", on: true },
    ]);
  });

  it("an OFF cancels a switch-on that waits for the dead time", () => {
    const g = group(500);
    g.relays[0].set(true);
    g.relays[1].set(true);
    g.relays[1].off();
    g.time.advance(1000);
    expect(g.relays.map((r) => r.isOn)).toEqual([false, false, false]);
  });

  it("holds under a burst of 300 commands on three relays: never two on, never a gap under the dead time", () => {
    const g = group(250, true);
    let seed = 7;
    const next = () => (seed = (seed * 16807) % 2147483647);
    for (let i = 0; i < 300; i++) {
      const relay = g.relays[next() % 3];
      applyCommand(relay, SWITCH, next() % 4 === 0 ? "OFF" : "ON");
      g.time.advance(next() % 400);
    }
    g.time.advance(1000);
    const { overlaps, shortestGap } = audit(g.timeline);
    expect(overlaps).toBe(0);
    expect(shortestGap).toBeGreaterThanOrEqual(250);
    expect(g.timeline.filter((e) => e.on).length).toBeGreaterThan(20);
    expect(g.relays.filter((r) => r.isOn).length).toBeLessThanOrEqual(1);
    // One timer at most waits (the latest claim); nothing piles up.
    expect(g.time.pendingCount).toBeLessThanOrEqual(1);
  });

  it("a pulse in the group waits the dead time too, and its press still ends", () => {
    const g = group(200);
    g.relays[0].set(true);
    expect(g.relays[1].pulse(500, 0)).toBe(true);
    expect(g.relays[1].isOn).toBe(false);
    g.time.advance(200);
    expect(g.relays[1].isOn).toBe(true);
    g.time.advance(500);
    expect(g.relays[1].isOn).toBe(false);
    expect(audit(g.timeline).overlaps).toBe(0);
  });

  it("relays outside a group are not touched", () => {
    const fake = createFakePlatform();
    const a = createRelay(fake.platform.pins, { pin: "D23", activeLow: false }, fake.platform.timers, 0);
    const b = createRelay(fake.platform.pins, { pin: "D32", activeLow: false }, fake.platform.timers, 0);
    a.set(true);
    b.set(true);
    expect([a.isOn, b.isOn]).toEqual([true, true]);
    expect(fake.pinHistory.filter((e: PinEvent) => e.kind === "write").length).toBe(2);
  });
});
