// The maintenance window under fake time: a signed "MAINTENANCE <seconds>" opens the console
// under a new window id, every connection faces the next password of the window (derived
// from the command key, never sent), each password works once, and the window ends on time,
// on "MAINTENANCE 0" and when extended only later.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256 } from "../../firmware/app/protocol/auth.ts";
import { consolePassword, createMaintenance, type Maintenance } from "../../firmware/app/maintenance/maintenance.ts";
import { createFakePlatform } from "../support/fake-platform.ts";

const KEY = Buffer.alloc(32, 7);

function window(maxSeconds = 600) {
  const fake = createFakePlatform();
  const mac = hmacSha256(fake.platform.sha256, KEY.toString("latin1"));
  const reports: string[] = [];
  let draw = 0;
  const m: Maintenance = createMaintenance(
    fake.platform.consoles,
    fake.platform.timers,
    maxSeconds,
    mac,
    () => (draw = (draw + 0.37) % 1),
    () => reports.push(m.state),
  );
  return { fake, m, reports };
}

/** What the owner's tools compute with node's own HMAC (scripts/lib/console-login.ts). */
const password = (id: string, k: number) =>
  createHmac("sha256", KEY).update(`latchkey/1 console\n${id}\n${k}`).digest("hex").slice(0, 16);

describe("the maintenance window", () => {
  it("opens under a new window id, reports what the next password is numbered, and closes on time", () => {
    const { fake, m, reports } = window();
    expect(m.command("MAINTENANCE 10")).toEqual({ done: "console open 10 s" });
    expect(fake.consoles).toEqual(["serve"]);
    const [word, seconds, id, k] = m.state.split(" ");
    expect([word, seconds, k]).toEqual(["OPEN", "10", "0"]);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(fake.served.door!.ask()).toBe(`OPEN 10 ${id} 0\r\npassword>`);
    fake.time.advance(9999);
    expect(m.state).toBe(`OPEN 10 ${id} 0`);
    fake.time.advance(1);
    expect(fake.consoles).toEqual(["serve", "stop"]);
    expect(reports).toEqual([`OPEN 10 ${id} 0`, "CLOSED"]);
    expect(fake.time.pendingCount).toBe(0);
  });

  it("lets a connection in only with the window's next password, and each password only once", () => {
    const { fake, m, reports } = window();
    m.command("MAINTENANCE 60");
    const id = m.state.split(" ")[2];
    const door = fake.served.door!;
    expect(consolePassword(hmacSha256(fake.platform.sha256, KEY.toString("latin1")), id, 0)).toBe(password(id, 0));
    expect(door.enter("")).toBe(false);
    expect(door.enter(password(id, 1))).toBe(false);
    expect(door.enter(password(id, 0).toUpperCase())).toBe(false);
    expect(door.enter(password(id, 0))).toBe(true);
    // Used: the next connection (while this one is in, or after it left) needs the next one.
    expect(door.enter(password(id, 0))).toBe(false);
    expect(m.state).toBe(`OPEN 60 ${id} 1`);
    expect(door.ask()).toBe(`OPEN 60 ${id} 1\r\npassword>`);
    expect(door.enter(password(id, 1))).toBe(true);
    expect(reports.at(-1)).toBe(`OPEN 60 ${id} 2`);
  });

  it("lets nobody in once the window closed, whatever a connection still at its prompt types", () => {
    const { fake, m } = window();
    m.command("MAINTENANCE 60");
    const id = m.state.split(" ")[2];
    const door = fake.served.door!;
    m.command("MAINTENANCE 0");
    expect(m.state).toBe("CLOSED");
    // A closed window has no id: neither its next password nor the one for an empty id works.
    expect(door.enter(password(id, 0))).toBe(false);
    expect(door.enter(password("", 0))).toBe(false);
  });

  it("extends an open window from now with the same id; a new window has a new id", () => {
    const { fake, m } = window();
    m.command("MAINTENANCE 10");
    const id = m.state.split(" ")[2];
    fake.served.door!.enter(password(id, 0));
    fake.time.advance(5000);
    m.command("MAINTENANCE 10");
    fake.time.advance(9000);
    expect(m.state).toBe(`OPEN 10 ${id} 1`);
    expect(fake.consoles).toEqual(["serve"]);
    expect(m.command("MAINTENANCE 0")).toEqual({ done: "console closed" });
    expect(m.state).toBe("CLOSED");
    expect(fake.time.pendingCount).toBe(0);
    expect(fake.consoles.at(-1)).toBe("stop");
    m.command("MAINTENANCE 10");
    expect(m.state.split(" ")[2]).not.toBe(id);
  });

  it("refuses what it cannot check, and any password in the command", () => {
    const { m, fake } = window(60);
    const usage = { refused: "expected MAINTENANCE <0-60>" };
    for (const cmd of [
      "MAINTENANCE",
      "MAINTENANCE 61",
      "MAINTENANCE 10 abcd1234",
      "MAINTENANCE -5",
      "MAINTENANCE 1e3",
      "MAINTENANCE  10",
      "OPEN 10",
    ])
      expect(m.command(cmd), cmd).toEqual(usage);
    expect(fake.consoles).toEqual([]);
    expect(m.state).toBe("CLOSED");
  });
});
