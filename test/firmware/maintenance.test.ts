// The maintenance window under fake time: the console is locked before telnet opens and
// unlocked after it closes, the window ends on time (also when extended), and a board without
// telnet is refused with the console left unlocked.
import { describe, expect, it } from "vitest";
import { Maintenance } from "../../firmware/app/maintenance.ts";
import { createFakePlatform } from "../support/fake-platform.ts";

function window(maxSeconds = 600, telnet = true) {
  const fake = createFakePlatform();
  const consoles = { ...fake.platform.consoles, telnet: (on: boolean) => telnet && fake.platform.consoles.telnet(on) };
  const reports: string[] = [];
  const m: Maintenance = new Maintenance(consoles, fake.platform.timers, maxSeconds, () => reports.push(m.state));
  return { fake, m, reports };
}

describe("the maintenance window", () => {
  it("locks, opens for the window, and closes and unlocks when it ends", () => {
    const { fake, m, reports } = window();
    expect(m.command("MAINTENANCE 10 abcd1234")).toEqual({ done: "telnet open 10 s" });
    expect(fake.consoles).toEqual(["lock abcd1234", "telnet on"]);
    fake.time.advance(9999);
    expect(m.state).toBe("OPEN 10");
    fake.time.advance(1);
    expect(fake.consoles.slice(2)).toEqual(["telnet off", "unlock"]);
    expect(reports).toEqual(["OPEN 10", "CLOSED"]);
    expect(fake.time.pendingCount).toBe(0);
  });

  it("extends an open window from now, and closes on MAINTENANCE 0", () => {
    const { fake, m } = window();
    m.command("MAINTENANCE 10 abcd1234");
    fake.time.advance(5000);
    m.command("MAINTENANCE 10 efgh5678");
    fake.time.advance(9000);
    expect(m.state).toBe("OPEN 10");
    expect(m.command("MAINTENANCE 0")).toEqual({ done: "telnet closed" });
    expect(m.state).toBe("CLOSED");
    expect(fake.time.pendingCount).toBe(0);
    expect(fake.consoles.at(-1)).toBe("unlock");
  });

  it("refuses what it cannot check, and a board without telnet, leaving the console unlocked", () => {
    const { m, fake } = window(60);
    const usage = { refused: "expected MAINTENANCE <1-60> <otp of 8-20 letters, digits>" };
    for (const cmd of [
      "MAINTENANCE",
      "MAINTENANCE 61 abcd1234",
      "MAINTENANCE 10",
      "MAINTENANCE 10 short",
      "MAINTENANCE 10 abcdefghij0123456789X",
      "MAINTENANCE 10 abcd-1234",
      "MAINTENANCE -5 abcd1234",
      "MAINTENANCE 1e3 abcd1234",
      "MAINTENANCE 10 abcd1234 extra",
      "OPEN 10 abcd1234",
    ])
      expect(m.command(cmd), cmd).toEqual(usage);
    expect(fake.consoles).toEqual([]);
    const none = window(60, false);
    expect(none.m.command("MAINTENANCE 10 abcd1234")).toEqual({ refused: "no telnet" });
    expect(none.fake.consoles).toEqual(["lock abcd1234", "unlock"]);
    expect(none.m.state).toBe("CLOSED");
    expect(none.fake.time.pendingCount).toBe(0);
  });
});
