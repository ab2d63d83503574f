// The garage door npm start wires to its simulated device, driven through the pins as the
// firmware drives them: a relay press (the pin active for the pulse) starts, stops and reverses
// it, the switch it leaves opens, the other end's switch closes after the demo travel time.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DeviceProfile } from "../../firmware/app/profile/profile.ts";
import { attachGarageDoor, demoTravelMs, type SimulatedDoor } from "../../scripts/sim/garage-door.ts";
import { PinBank } from "../../scripts/sim/pins.ts";

// The default profile's wiring (espruino.config.json): an active-high relay, active-low reeds.
const pinsOf = {
  relay: { pin: "D23", activeLow: false },
  closed: { pin: "D27", activeLow: true },
  open: { pin: "D26", activeLow: true },
};
const profile = (travelMs: number, withOpen = true) =>
  ({
    pins: withOpen ? pinsOf : { relay: pinsOf.relay, closed: pinsOf.closed },
    cover: { relay: "relay", closed: "closed", ...(withOpen ? { open: "open" } : {}), travelMs },
  }) as unknown as DeviceProfile;

let attached: SimulatedDoor | undefined;
afterEach(() => attached?.stop());

function world(travelMs: number, withOpen = true) {
  const t0 = Date.now();
  const pins = new PinBank(
    () => Date.now() - t0,
    (fn) => fn(),
  );
  attached = attachGarageDoor(pins, profile(travelMs, withOpen));
  // A reed switch is made (closed) when its active-low pin reads LOW.
  const made = (name: "closed" | "open") => pins.digitalRead(pinsOf[name].pin) === 0;
  const press = async () => {
    pins.digitalWrite("D23", 1);
    await new Promise((r) => setTimeout(r, 40));
    pins.digitalWrite("D23", 0);
  };
  return { pins, made, press, door: attached!.door };
}

describe("the simulated garage door", () => {
  it("travels in 60% of the profile's travelMs, at most 10 s", () => {
    expect(demoTravelMs(25000)).toBe(10000);
    expect(demoTravelMs(5000)).toBe(3000);
    expect(attachGarageDoor(new PinBank(Date.now, (fn) => fn()), { pins: pinsOf } as unknown as DeviceProfile)).toBe(
      undefined,
    );
  });

  it("opens on a press: the closed switch opens, the open switch closes after the travel", async () => {
    const { made, press, door } = world(1000);
    expect(attached!.travelMs).toBe(600);
    expect([made("closed"), made("open")]).toEqual([true, false]);
    const pressed = Date.now();
    await press();
    await vi.waitFor(() => expect(door.position).toBe("opening"), { timeout: 5000, interval: 10 });
    await vi.waitFor(() => expect(made("closed")).toBe(false), { timeout: 5000, interval: 10 });
    expect(made("open")).toBe(false);
    await vi.waitFor(() => expect(made("open")).toBe(true), { timeout: 5000, interval: 10 });
    expect(Date.now() - pressed).toBeGreaterThanOrEqual(600);
    expect([door.position, made("closed")]).toEqual(["open", false]);
    // The next press closes it again.
    await press();
    await vi.waitFor(() => expect(door.position).toBe("closing"), { timeout: 5000, interval: 10 });
    await vi.waitFor(() => expect(made("open")).toBe(false), { timeout: 5000, interval: 10 });
    await vi.waitFor(() => expect(made("closed")).toBe(true), { timeout: 5000, interval: 10 });
    expect(door.position).toBe("closed");
  });

  it("a press while moving stops it between the ends; the next press reverses it", async () => {
    const { made, press, door } = world(20000);
    await press();
    await vi.waitFor(() => expect(made("closed")).toBe(false), { timeout: 5000, interval: 10 });
    await press();
    await vi.waitFor(() => expect(door.position).toBe("stopped"), { timeout: 5000, interval: 10 });
    expect([made("closed"), made("open")]).toEqual([false, false]);
    await press();
    await vi.waitFor(() => expect(door.position).toBe("closing"), { timeout: 5000, interval: 10 });
    door.arrive();
    expect([door.position, made("closed"), made("open")]).toEqual(["closed", true, false]);
  });

  it("only a relay drive moves it, and an opener with one switch still runs", async () => {
    const { pins, made, press, door } = world(1000, false);
    pins.digitalWrite("D4", 1);
    pins.drive("D23", true);
    // Polled every 10 ms: well past a few polls, nothing moved.
    await new Promise((r) => setTimeout(r, 100));
    expect(door.position).toBe("closed");
    await press();
    await vi.waitFor(() => expect(door.position).toBe("open"), { timeout: 5000, interval: 10 });
    expect(made("closed")).toBe(false);
  });
});
