// The garage cover's state machine under fake time, with a real Relay on fake pins and end
// switches the test sets: every transition, the travel timeout, the contradiction, boot.
import { describe, expect, it } from "vitest";
import { createCover, type CoverState } from "../../firmware/app/actuators/cover.ts";
import { createRelay } from "../../firmware/app/actuators/relay.ts";
import { createFakePlatform } from "../support/fake-platform.ts";
import { relayBehaviour } from "../support/profile.ts";

const PRESS = relayBehaviour({ mode: "pulse", pulseMs: 500, lockoutMs: 1000 });

function door(closedAtBoot: boolean, openAtBoot: boolean | undefined, travelMs = 20000) {
  const fake = createFakePlatform();
  const relay = createRelay(fake.platform.pins, { pin: "D23", activeLow: false }, fake.platform.timers, 0);
  const switches = { closed: closedAtBoot, open: openAtBoot ?? false };
  const seen: string[] = [];
  const cover = createCover(
    relay,
    PRESS,
    { relay: "relay", closed: "closed", open: openAtBoot === undefined ? undefined : "open", travelMs },
    fake.platform.timers,
    () => switches.closed,
    openAtBoot === undefined ? undefined : () => switches.open,
    (state, fault) => seen.push(fault ? `${state}: ${fault}` : state),
  );
  const presses = () => fake.pinHistory.filter((e) => e.kind === "write" && e.high).length;
  const sense = (closed: boolean, open = false) => {
    switches.closed = closed;
    switches.open = open;
    cover.sensed();
  };
  return { ...fake, cover, seen, presses, sense, state: () => cover.state as CoverState };
}

describe("garage cover, two reed switches", () => {
  it("runs a full cycle: closed -> opening -> open -> closing -> closed, one press each way", () => {
    const d = door(true, false);
    expect(d.seen).toEqual(["closed"]);
    expect(d.cover.command("OPEN")).toEqual({ done: "closed -> opening" });
    expect(d.presses()).toBe(1);
    d.time.advance(600);
    d.sense(false, false);
    expect(d.state()).toBe("opening");
    d.time.advance(10000);
    d.sense(false, true);
    expect(d.state()).toBe("open");
    d.time.advance(2000);
    expect(d.cover.command("close")).toEqual({ done: "open -> closing" });
    d.sense(false, false);
    d.time.advance(8000);
    d.sense(true, false);
    expect(d.seen).toEqual(["closed", "opening", "open", "closing", "closed"]);
    expect(d.presses()).toBe(2);
    // No travel timer outlives the movement.
    d.time.advance(60000);
    expect(d.seen.at(-1)).toBe("closed");
  });

  it("does nothing for OPEN when open or opening, nor CLOSE when closed or closing", () => {
    const d = door(false, true);
    expect(d.cover.command("OPEN")).toEqual({ done: "already open" });
    d.time.advance(2000);
    d.cover.command("CLOSE");
    expect(d.cover.command("CLOSE")).toEqual({ done: "already closing" });
    d.time.advance(3000);
    d.sense(true);
    expect(d.cover.command("CLOSE")).toEqual({ done: "already closed" });
    expect(d.presses()).toBe(1);
  });

  it("models a press while moving as a stop, and the reversal at the next press", () => {
    const d = door(true, false);
    d.cover.command("OPEN");
    d.time.advance(2000);
    d.sense(false);
    expect(d.cover.command("STOP")).toEqual({ done: "opening -> stopped" });
    expect(d.state()).toBe("stopped");
    d.time.advance(2000);
    // The opener's next press would close it: OPEN is refused rather than guessed.
    expect(d.cover.command("OPEN")).toEqual({ refused: "a press would reverse it" });
    expect(d.cover.command("CLOSE")).toEqual({ done: "stopped -> closing" });
    d.time.advance(2000);
    // OPEN while closing: the press stops it.
    expect(d.cover.command("OPEN")).toEqual({ done: "closing -> stopped" });
    expect(d.cover.command("STOP")).toEqual({ done: "not moving" });
    expect(d.presses()).toBe(4);
  });

  it("raises a travel-timeout fault when the expected end switch is not reached", () => {
    const d = door(false, true, 15000);
    d.cover.command("CLOSE");
    d.sense(false, false);
    d.time.advance(14999);
    expect(d.state()).toBe("closing");
    d.time.advance(1);
    expect(d.seen.at(-1)).toBe("stopped: travel timeout: the closed switch was not reached in 15000 ms");
    // Reaching an end later clears the fault.
    d.sense(true);
    expect(d.seen.at(-1)).toBe("closed");
    expect(d.cover.fault).toBe("");
  });

  it("says the door never moved when it is still on the switch it should have left", () => {
    const d = door(true, false, 5000);
    d.cover.command("OPEN");
    d.time.advance(5000);
    expect(d.seen.at(-1)).toBe("closed: travel timeout: the door did not leave the closed switch in 5000 ms");
  });

  it("reports both switches active as a contradiction and presses nothing until it clears", () => {
    const d = door(true, false);
    d.sense(true, true);
    expect(d.seen.at(-1)).toBe("unknown: both end switches active: check the reed switches");
    expect(d.cover.command("OPEN").refused).toBe(
      "state unknown (both end switches active: check the reed switches): nothing pressed",
    );
    expect(d.presses()).toBe(0);
    d.sense(false, true);
    expect(d.seen.at(-1)).toBe("open");
  });

  it("rebuilds its state from the switches at boot", () => {
    expect(door(true, false).seen).toEqual(["closed"]);
    expect(door(false, true).seen).toEqual(["open"]);
    expect(door(false, false).seen).toEqual(["stopped"]);
    expect(door(true, true).seen).toEqual(["unknown: both end switches active: check the reed switches"]);
  });

  it("follows a door moved by the wall button (an end switch released without a command)", () => {
    const d = door(true, false);
    d.sense(false);
    expect(d.state()).toBe("opening");
    d.sense(false, true);
    d.sense(false, false);
    expect(d.seen).toEqual(["closed", "opening", "open", "closing"]);
  });

  it("refuses a press during the relay's lockout and unknown words, naming the commands", () => {
    const d = door(true, false);
    d.cover.command("OPEN");
    d.sense(false);
    expect(d.cover.command("STOP")).toEqual({ refused: "relay locked out" });
    expect(d.cover.command("SESAME")).toEqual({ refused: "unknown command (OPEN, CLOSE or STOP)" });
  });
});

describe("garage cover, closed switch only", () => {
  it("is open when not closed, and open once the travel time of an opening is over", () => {
    const d = door(false, undefined, 10000);
    expect(d.seen).toEqual(["open"]);
    d.cover.command("CLOSE");
    d.time.advance(9000);
    d.sense(true);
    expect(d.state()).toBe("closed");
    d.time.advance(2000);
    d.cover.command("OPEN");
    d.sense(false);
    d.time.advance(10000);
    expect(d.seen).toEqual(["open", "closing", "closed", "opening", "open"]);
  });

  it("faults a close that never reaches the closed switch", () => {
    const d = door(false, undefined, 10000);
    d.cover.command("CLOSE");
    d.time.advance(10000);
    expect(d.seen.at(-1)).toBe("stopped: travel timeout: the closed switch was not reached in 10000 ms");
  });
});
