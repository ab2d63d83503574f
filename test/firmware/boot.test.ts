import { describe, expect, it } from "vitest";
import { boot } from "../../firmware/app/maintenance/boot.ts";
import { PROFILE_FILE, RELAY_STATE_FILE } from "../../firmware/app/profile/profile.ts";
import { createFakePlatform } from "../support/fake-platform.ts";
import { relayBehaviour, testProfile } from "../support/profile.ts";

describe("boot", () => {
  it("logs its version and drives the relay pin to its safe level", () => {
    const { platform, pinHistory, log } = createFakePlatform({ [PROFILE_FILE]: JSON.stringify(testProfile()) });
    const booted = boot(platform, "1.2.3");
    expect(booted?.relay.isOn).toBe(false);
    expect(log[0]).toBe("info Latchkey 1.2.3 booting; telnet off");
    expect(pinHistory).toEqual([{ pin: "D23", high: false, kind: "initial" }]);
  });

  it("closes the telnet and Bluetooth consoles first, even without a usable profile", () => {
    const { platform, consoles, log } = createFakePlatform();
    expect(boot(platform, "1")).toBeUndefined();
    expect(consoles).toEqual(["telnet off", "bluetooth off"]);
    expect(log[0]).toBe("info Latchkey 1 booting; telnet off");
  });

  it("stays idle and says why when no profile was provisioned", () => {
    const { platform, pinHistory, log } = createFakePlatform();
    expect(boot(platform, "1")).toBeUndefined();
    expect(pinHistory).toEqual([]);
    expect(log).toContain(
      "error device profile 'lk.profile' unusable (missing or not JSON): provision the device, then reboot",
    );
  });

  it("rejects a corrupt profile without touching a pin", () => {
    const { platform, pinHistory, log } = createFakePlatform({ [PROFILE_FILE]: '{"id":"x","pins":{}}' });
    expect(boot(platform, "1")).toBeUndefined();
    expect(pinHistory).toEqual([]);
    expect(log.at(-1)).toMatch(/unusable \(field topicPrefix missing or invalid\)/);
  });

  it("restores a switch that was on only when powerOn is restore", () => {
    const restoring = testProfile({ relay: relayBehaviour({ mode: "switch", powerOn: "restore" }) });
    const on = createFakePlatform({ [PROFILE_FILE]: JSON.stringify(restoring), [RELAY_STATE_FILE]: "1" });
    expect(boot(on.platform, "1")?.relay.isOn).toBe(true);
    expect(on.pinHistory.map((e) => `${e.kind} ${e.high}`)).toEqual(["initial false", "write true"]);
    const plain = testProfile({ relay: relayBehaviour({ mode: "switch" }) });
    const off = createFakePlatform({ [PROFILE_FILE]: JSON.stringify(plain), [RELAY_STATE_FILE]: "1" });
    expect(boot(off.platform, "1")?.relay.isOn).toBe(false);
  });
});
