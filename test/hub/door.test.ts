// The door as the page shows it, from the verified cover state and reed switches: Closed only
// with the closed switch, a stop mid-travel Stopped (never Closed), a contradiction or fault a
// Fault, and the buttons the device would act on. What an operator who sees no device is told,
// and when a device counts as last seen.
import { describe, expect, it } from "vitest";
import { DeviceJournals } from "../../scripts/hub/device-journal.ts";
import { doorPanel, type DoorInputs } from "../../scripts/hub/door.ts";
import { noDevicesNotice } from "../../scripts/hub/routes.ts";
import { testProfile } from "../support/profile.ts";

const door = (over: Partial<DoorInputs>): DoorInputs => ({
  reported: "closed",
  fault: "none",
  closedSwitch: "ON",
  openSwitch: "OFF",
  twoSwitches: true,
  online: true,
  ...over,
});
const offered = (d: DoorInputs) =>
  doorPanel(d)
    .buttons.filter((b) => b.enabled)
    .map((b) => b.word);

describe("the door on the page", () => {
  it.each([
    [{}, "Closed", ["OPEN"]],
    [{ reported: "opening", closedSwitch: "OFF" }, "Opening", ["STOP"]],
    [{ reported: "open", closedSwitch: "OFF", openSwitch: "ON" }, "Open", ["CLOSE"]],
    [{ reported: "closing", closedSwitch: "OFF" }, "Closing", ["STOP"]],
    [{ reported: "stopped", closedSwitch: "OFF", lastMove: "opening" }, "Stopped", ["CLOSE"]],
    [{ reported: "stopped", closedSwitch: "OFF", lastMove: "closing" }, "Stopped", ["OPEN"]],
    // The hub did not see the movement (started meanwhile): both offered, the device decides.
    [{ reported: "stopped", closedSwitch: "OFF" }, "Stopped", ["OPEN", "CLOSE"]],
  ] as const)("%j is %s with %j enabled", (over, label, words) => {
    const d = door(over as Partial<DoorInputs>);
    expect(doorPanel(d).label).toBe(label);
    expect(offered(d)).toEqual(words);
  });

  it("is never Closed unless the closed switch says so", () => {
    for (const closedSwitch of ["OFF", undefined]) expect(doorPanel(door({ closedSwitch })).label).not.toBe("Closed");
    expect(doorPanel(door({ reported: "stopped", closedSwitch: "OFF" })).detail).toMatch(/not closed/);
  });

  it("shows a contradiction or a fault as Fault with the device's reason", () => {
    expect(doorPanel(door({ reported: "unknown", openSwitch: "ON" }))).toMatchObject({
      label: "Fault",
      detail: "both end switches are active: check the reed switches",
    });
    const timeout = "travel timeout: the open switch was not reached in 25000 ms";
    const stuck = door({ reported: "stopped", fault: timeout, closedSwitch: "OFF", lastMove: "opening" });
    expect(doorPanel(stuck)).toMatchObject({ label: "Fault", detail: timeout });
    expect(offered(door({ reported: "unknown", openSwitch: "ON" }))).toEqual([]);
  });

  it("offers nothing while the device is offline or before any verified state", () => {
    expect(offered(door({ online: false }))).toEqual([]);
    expect(doorPanel(door({ reported: undefined }))).toMatchObject({ label: "Unknown" });
    expect(offered(door({ reported: undefined }))).toEqual([]);
  });
});

describe("an operator who sees no device", () => {
  it("is told why, in one sentence", () => {
    expect(noDevicesNotice({ cn: "dave", devices: ["shed-9"] }, ["door-1"])).toBe(
      "The certificate of dave is limited to shed-9, and this hub has no profile for it: ask the hub's owner to add the device's profile (--profile), or to issue a certificate for the devices it follows.",
    );
    expect(noDevicesNotice({ cn: "root" }, [])).toBe(
      "This hub follows no device: give it a device profile (--profile).",
    );
    expect(noDevicesNotice({ cn: "bob", devices: ["door-1"] }, ["door-1"])).toBeUndefined();
    expect(noDevicesNotice({ cn: "alice" }, ["door-1"])).toBeUndefined();
  });
});

describe("a device's journal", () => {
  const profile = testProfile({ id: "door-1" });
  const journals = () => new DeviceJournals([profile], "/nonexistent", () => Buffer.alloc(32));

  it("counts only live messages from the device as seen: not retained copies, not commands", () => {
    const j = journals();
    j.message("latchkey/door-1/relay/state", Buffer.from("{}"), true, 1000);
    j.message("latchkey/door-1/relay/set", Buffer.from("{}"), false, 2000);
    j.message("latchkey/door-1/nonce/get", Buffer.from(""), false, 2500);
    expect(j.health("door-1")!.lastSeen).toBeUndefined();
    j.message("latchkey/door-1/telemetry", Buffer.from('{"up":42,"rssi":-61,"drop":"keepalive"}'), false, 3000);
    expect(j.health("door-1")).toMatchObject({
      lastSeen: 3000,
      up: 42,
      rssi: -61,
      drop: "keepalive",
      telemetryAt: 3000,
    });
  });
});
